/** The summary of a session that `tinytap info` prints, read from its meta and raw tables. */
import type Database from 'better-sqlite3';

import { type Drops, dropsFromMeta, isComplete } from './drops.js';
import { liveRecorder } from './recorder-alive.js';

export interface SessionInfo {
  file: string;
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
  /** Nothing was dropped: every event the filters matched is in the file. */
  complete: boolean;
  sendfileBodies: { captured: boolean; note: string | null } | null;
}

function readMeta(db: Database.Database): Map<string, unknown> {
  const rows = db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[];
  return new Map(rows.map((r) => [r.key, JSON.parse(r.value)]));
}

function iso(ns: unknown): string | null {
  return typeof ns === 'string' && /^\d+$/.test(ns) ? new Date(Number(BigInt(ns) / 1_000_000n)).toISOString() : null;
}

export function sessionInfo(db: Database.Database, file: string, fileBytes: number): SessionInfo {
  const meta = readMeta(db);
  const count = (sql: string) => (db.prepare(sql).pluck().get() as number | null) ?? 0;
  const events = count('SELECT coalesce(sum(events), 0) FROM event_blocks');
  const bytes = count('SELECT coalesce(sum(bytes_sent + bytes_received), 0) FROM connections');
  // payload bytes are only counted while recording (updated at every commit)
  const captured = ((meta.get('counts') ?? {}) as Record<string, number>).captured_bytes ?? 0;
  const started = meta.get('started_at') as string | undefined;
  const stopped = meta.get('stopped_at') as string | undefined;
  // a killed recorder never wrote stopped_at: the last event tells how far it got
  const lastEvent = db.prepare('SELECT max(last_ts) FROM event_blocks').pluck().safeIntegers(true).get() as bigint | null;
  const end = stopped ? BigInt(stopped) : lastEvent;
  const dropCounts = dropsFromMeta(meta.get('drops'));
  return {
    file,
    fileBytes,
    schemaVersion: db.pragma('user_version', { simple: true }) as number,
    tinytapVersion: (meta.get('tinytap_version') as string) ?? null,
    host: (meta.get('host') as string) ?? null,
    kernel: (meta.get('kernel') as string) ?? null,
    startedAt: iso(started),
    stoppedAt: iso(stopped),
    stopReason: (meta.get('stop_reason') as string) ?? null,
    finished: !!stopped,
    recorderPid: liveRecorder(db)?.pid ?? null,
    durationMs: started && end ? Number((end - BigInt(started)) / 1_000_000n) : null,
    commandLine: (meta.get('command_line') as string[]) ?? [],
    filters: (meta.get('filters') as SessionInfo['filters']) ?? null,
    maxPayload: (meta.get('max_payload') as number) ?? null,
    events,
    bytes,
    capturedBytes: captured,
    connections: count('SELECT count(*) FROM connections'),
    processes: count('SELECT count(*) FROM processes'),
    drops: dropCounts,
    complete: isComplete(dropCounts),
    sendfileBodies: (meta.get('sendfile_bodies') as SessionInfo['sendfileBodies']) ?? null,
  };
}
