/**
 * The summary of a session that `tinytap info` prints, read from its meta and raw tables, every
 * value checked (meta.ts, damage.ts): what cannot be right is shown as unknown and counted.
 */
import type Database from 'better-sqlite3';

import { Damage, type DamageCounts, countRowDamage, damageTotal, parsedJson } from './damage.js';
import { type Drops, dropsFromMeta, isComplete } from './drops.js';
import { EventReader } from './event-reader.js';
import { exchangesAreCurrent } from './build-exchanges.js';
import { MetaReader, isCount, isDecimalNs, isShaped, isText, isTexts } from './meta.js';
import { isRecorder, liveRecorder } from './recorder-alive.js';

export interface SessionInfo {
  file: string;
  /** record --dir: this file's place in its chain (SPEC.md §3.1 `chain`); null for a lone file. */
  chain: { id: string; sequence: number; previous: string | null; next: string | null } | null;
  fileBytes: number;
  schemaVersion: number;
  tinytapVersion: string | null;
  host: string | null;
  kernel: string | null;
  startedAt: string | null; // ISO 8601
  stoppedAt: string | null;
  stopReason: string | null;
  /** false when the recorder did not stop cleanly (killed) or is still recording. */
  finished: boolean;
  /** The pid of the tinytap recording it now, if one is. */
  recorderPid: number | null;
  durationMs: number | null;
  commandLine: string[];
  filters: { pids: number[]; comms: string[]; ports: number[]; command: string[] | null } | null;
  maxPayload: number | null;
  events: number;
  bytes: number;
  capturedBytes: number;
  connections: number;
  processes: number;
  drops: Drops;
  /** What could not be read (SPEC.md §4.1): skipped, the rest of the file read. */
  damage: DamageCounts;
  /**
   * Whether every block was decompressed and every record decoded to count `damage` (a build
   * from every record, or info --check); if not, only what shows without that is counted.
   */
  damageChecked: boolean;
  /** A few of the things found damaged, for the user. */
  damageExamples: string[];
  /** Nothing was dropped and nothing found damaged: every event the filters matched is in the file. */
  complete: boolean;
  sendfileBodies: { captured: boolean; note: string | null } | null;
}

function iso(ns: string | null): string | null {
  if (ns === null) return null;
  const ms = Number(BigInt(ns) / 1_000_000n);
  return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : null;
}

const isFilters = isShaped<NonNullable<SessionInfo['filters']>>({
  pids: (v) => Array.isArray(v) && v.every(isCount),
  comms: isTexts,
  ports: (v) => Array.isArray(v) && v.every(isCount),
  command: (v) => v === null || isTexts(v),
});
const isSendfileBodies = isShaped<NonNullable<SessionInfo['sendfileBodies']>>({
  captured: (v) => typeof v === 'boolean',
  note: (v) => v === null || isText(v),
});
const isChain = isShaped<NonNullable<SessionInfo['chain']>>({
  id: isText,
  sequence: isCount,
  previous: (v) => v === null || isText(v),
  next: (v) => v === null || isText(v),
});
const isCounts = isShaped<{ captured_bytes: number }>({ captured_bytes: isCount });
const isDrops = (v: unknown): v is Record<string, number> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every(isCount);

/** The damage the last build found reading every block (derived_meta `damage`), if it was built from every record. */
function builtDamage(db: Database.Database): { blocks: number; records: number } | null {
  if (!exchangesAreCurrent(db)) return null;
  const row = db.prepare("SELECT value FROM main.derived_meta WHERE key = 'damage'").pluck().get();
  const v = parsedJson(row) as { blocks?: unknown; records?: unknown } | undefined;
  return v && isCount(v.blocks) && isCount(v.records) ? { blocks: v.blocks, records: v.records } : null;
}

/**
 * What `info --check` adds: every block decompressed and every record decoded, as a build
 * would, counting what cannot be read.
 */
/** SQLite's check of every page: 'ok', or what it found (info --check). */
export function integrityCheck(db: Database.Database): string {
  return String(db.pragma('integrity_check', { simple: true }));
}

export function scanRecords(db: Database.Database): Damage {
  const reader = new EventReader(db);
  for (const _ of reader.records()) {
    // decoding is the check
  }
  return reader.damage;
}

export function sessionInfo(db: Database.Database, file: string, fileBytes: number, opts: { scan?: boolean } = {}): SessionInfo {
  const damage = new Damage();
  const meta = new MetaReader(db, damage);
  const count = (sql: string) => {
    const n = db.prepare(sql).pluck().get();
    return typeof n === 'number' ? n : 0;
  };
  // total(), not sum(): a hostile file's counts may add up past 64 bits, where sum() fails
  const events = count("SELECT total(events) FROM event_blocks WHERE typeof(events) = 'integer' AND events >= 0");
  const bytes = count(
    "SELECT total(bytes_sent) + total(bytes_received) FROM connections WHERE typeof(bytes_sent) = 'integer' AND typeof(bytes_received) = 'integer'",
  );
  // payload bytes are only counted while recording (updated at every commit)
  const captured = meta.get('counts', isCounts)?.captured_bytes ?? 0;
  const started = meta.get('started_at', isDecimalNs);
  const stopped = meta.get('stopped_at', isDecimalNs);
  // a killed recorder never wrote stopped_at: the last event tells how far it got
  const lastEvent = db.prepare("SELECT max(last_ts) FROM event_blocks WHERE typeof(last_ts) = 'integer'").pluck().safeIntegers(true).get() as bigint | null;
  const end = stopped !== null ? BigInt(stopped) : lastEvent;
  const dropCounts = dropsFromMeta(meta.get('drops', isDrops));
  // blocks: the last build, or info --check, read them all; otherwise what their rows say
  const built = opts.scan ? null : builtDamage(db);
  const blockDamage = opts.scan ? scanRecords(db) : new EventReader(db).damage;
  if (built) damage.add({ ...built, rows: 0, meta: 0 });
  else damage.add(blockDamage.counts);
  damage.examples.push(...blockDamage.examples);
  damage.add(countRowDamage(db, damage.examples));
  // every meta value is read (and counted if damaged) before the file is called complete
  const values = {
    tinytapVersion: meta.get('tinytap_version', isText),
    host: meta.get('host', isText),
    kernel: meta.get('kernel', isText),
    stopReason: meta.get('stop_reason', isText),
    commandLine: meta.get('command_line', isTexts) ?? [],
    filters: meta.get('filters', isFilters),
    maxPayload: meta.get('max_payload', isCount),
    sendfileBodies: meta.get('sendfile_bodies', isSendfileBodies),
    chain: meta.get('chain', isChain),
  };
  // checked (and counted if it is not a recorder's identity); liveRecorder() reads it again
  meta.get('recorder', isRecorder);
  return {
    file,
    fileBytes,
    schemaVersion: db.pragma('user_version', { simple: true }) as number,
    ...values,
    startedAt: iso(started),
    stoppedAt: iso(stopped),
    finished: stopped !== null,
    recorderPid: liveRecorder(db)?.pid ?? null,
    durationMs: started !== null && end !== null ? Number((end - BigInt(started)) / 1_000_000n) : null,
    events,
    bytes,
    capturedBytes: captured,
    connections: count('SELECT count(*) FROM connections'),
    processes: count('SELECT count(*) FROM processes'),
    drops: dropCounts,
    damage: damage.counts,
    damageChecked: !!opts.scan || built !== null,
    damageExamples: damage.examples.slice(0, 3),
    complete: isComplete(dropCounts) && damageTotal(damage.counts) === 0,
  };
}

/** What `tinytap service status` reads of each file of a chain: the meta only, no block read. */
export interface ChainFacts {
  chain: SessionInfo['chain'];
  /** Wall-clock ns. */
  startedAt: bigint | null;
  drops: Drops;
  /** The recorder writing it, if it still runs. */
  recorderPid: number | null;
}

export function chainFacts(db: Database.Database): ChainFacts {
  const meta = new MetaReader(db, new Damage());
  const started = meta.get('started_at', isDecimalNs);
  return {
    chain: meta.get('chain', isChain),
    startedAt: started === null ? null : BigInt(started),
    drops: dropsFromMeta(meta.get('drops', isDrops)),
    recorderPid: liveRecorder(db)?.pid ?? null,
  };
}
