/**
 * Whether a session file is being recorded right now. A recorder that stops writes stopped_at;
 * one that was killed never does, so a missing stop time alone cannot tell "recording now" from
 * "killed last week". The recorder also writes who it is (meta `recorder`): its pid, the start
 * time the kernel gives that process (a pid is reused, a pid with its start time is not) and the
 * boot it ran in. Readers never write into a file that is being recorded (session.ts, live.ts):
 * the recorder holds the write lock for most of every commit interval.
 */
import type Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';

import { statFields } from '../record/proc-info.js';
import { parsedJson } from './damage.js';
import { MetaReader, isShaped, isText } from './meta.js';

export interface RecorderIdentity {
  pid: number;
  /** /proc/PID/stat field 22: clock ticks after boot. */
  start_time: string;
  boot_id: string;
}

/** The start time of a live process, or null if there is no such process. */
export function processStartTime(pid: number): string | null {
  return statFields(pid)?.rest[19] ?? null; // field 22; rest starts at field 3
}

function bootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
}

/** Who this process is, for the recorder to write into its session. */
export function thisRecorder(): RecorderIdentity {
  return { pid: process.pid, start_time: processStartTime(process.pid) ?? '', boot_id: bootId() ?? '' };
}

/** One value of the meta table (JSON), or undefined when it is not there or not JSON. */
export function metaValue(db: Database.Database, key: string): unknown {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: unknown } | undefined;
  return row ? parsedJson(row.value) : undefined;
}

/**
 * meta `recorder` as the recorder writes it. The pid becomes a path under /proc: anything but a
 * process id (a crafted "self/fd/0" would read the terminal) is no recorder at all.
 */
export const isRecorder = isShaped<RecorderIdentity>({
  pid: (v) => typeof v === 'number' && Number.isSafeInteger(v) && v > 0,
  start_time: (v) => typeof v === 'string' && /^\d+$/.test(v),
  boot_id: isText,
});

/** The recorder of this session if it is still running (on this machine, in this boot). */
export function liveRecorder(db: Database.Database): RecorderIdentity | null {
  const meta = new MetaReader(db);
  if (meta.has('stopped_at')) return null;
  const r = meta.get('recorder', isRecorder);
  if (!r || typeof r.pid !== 'number' || !r.start_time || r.boot_id !== bootId()) return null;
  return processStartTime(r.pid) === r.start_time ? r : null;
}

export function isBeingRecorded(db: Database.Database): boolean {
  return liveRecorder(db) !== null;
}

/**
 * A file a recorder has just made and not yet described: every recorder writes started_at in
 * its first commit. A `record --dir` chain makes its next file while readers list the
 * directory; one that built into such a file would hold its write lock and stop the recording.
 */
export function isBeingBorn(db: Database.Database): boolean {
  const meta = new MetaReader(db);
  return !meta.has('started_at') && !meta.has('stopped_at');
}
