/**
 * After the recording worker died without closing its session, the main thread says so in the
 * file: meta `stopped_at` and `stop_reason` "worker-exit" (SPEC.md §3.1), so that `tinytap info`
 * shows how the recording ended instead of "still recording" while this process lives. The
 * worker's connection is gone with its thread (a write it had not committed was rolled back),
 * and this is the same SQLite library in the same process, so opening the file here is safe.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';

import { type CaptureCounts, zeroCounts } from './capture.js';
import type { FileOwner } from '../files/owner.js';
import { removeOwnSessionFiles } from '../files/session-files.js';
import { dropsFromMeta } from '../session/drops.js';
import { APPLICATION_ID } from '../session/format.js';
import { type RecorderIdentity, thisRecorder } from '../session/recorder-alive.js';

export interface WorkerExitMark {
  /** The file exists and holds what the worker committed. */
  kept: boolean;
  /** The counts of its last commit, when it has them. */
  counts: CaptureCounts | null;
}

function readMeta(db: Database.Database): Map<string, unknown> {
  const rows = db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[];
  return new Map(rows.map((r) => [r.key, JSON.parse(r.value)]));
}

function isOurs(meta: Map<string, unknown>): boolean {
  const r = meta.get('recorder') as RecorderIdentity | undefined;
  const me = thisRecorder();
  return !!r && r.pid === me.pid && r.start_time === me.start_time && r.boot_id === me.boot_id;
}

function countsOf(meta: Map<string, unknown>): CaptureCounts {
  const c = (meta.get('counts') ?? {}) as Record<string, number>;
  return {
    ...zeroCounts(),
    events: c.events ?? 0,
    bytes: c.bytes ?? 0,
    capturedBytes: c.captured_bytes ?? 0,
    connections: c.connections ?? 0,
    processes: c.processes ?? 0,
    drops: dropsFromMeta(meta.get('drops')),
  };
}

/**
 * Mark the session at `path`, if it is this process's recording (`owner`: the sudo user it was
 * created for). Never throws.
 */
export function markWorkerExit(
  path: string,
  owner: FileOwner | null = null,
  now: () => bigint = () => BigInt(Date.now()) * 1_000_000n,
): WorkerExitMark {
  if (!existsSync(path)) return { kept: false, counts: null };
  let db: Database.Database | null = null;
  try {
    db = new Database(path, { timeout: 2000 });
    if (db.pragma('application_id', { simple: true }) !== APPLICATION_ID) return { kept: false, counts: null };
    const meta = readMeta(db);
    if (meta.size === 0 && db.prepare('SELECT count(*) FROM event_blocks').pluck().get() === 0) {
      // the worker died while starting, before capture began: an empty file, as a failed start leaves none
      db.close();
      db = null;
      removeOwnSessionFiles(path, owner);
      return { kept: false, counts: null };
    }
    // the file may be another's (the worker died before it could refuse to overwrite it)
    if (!isOurs(meta)) return { kept: false, counts: null };
    if (!meta.has('stopped_at')) {
      const set = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
      db.transaction(() => {
        set.run('stopped_at', JSON.stringify(String(now())));
        set.run('stop_reason', JSON.stringify('worker-exit'));
      })();
    }
    // one self-contained file, as a clean stop leaves it (session-writer.ts close)
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('journal_mode = DELETE');
    return { kept: true, counts: countsOf(meta) };
  } catch {
    // locked, damaged, or the disk is full: the file stays as the worker left it
    return { kept: existsSync(path), counts: null };
  } finally {
    db?.close();
  }
}
