/**
 * The kernel side's counters of what it could not record (SPEC.md §2.9), as the session's meta
 * `drops` holds them: one definition for the recorder that writes them and the readers that
 * judge a file complete.
 */
import { Stat } from '../events/layout.js';

/** Meta `drops` key → `stats` map index, in SPEC order. */
const COUNTERS = {
  records: Stat.DROPPED_RECORDS,
  bytes: Stat.DROPPED_BYTES,
  events: Stat.DROPPED_EVENTS,
  read_failures: Stat.READ_FAILURES,
  untracked: Stat.UNTRACKED,
  walks_cut: Stat.WALK_TRUNCATED,
  unnamed_sharers: Stat.UNNAMED_SHARERS,
  fd_walks_cut: Stat.FD_WALK_TRUNCATED,
  tls_unjoined: Stat.TLS_UNJOINED,
  tls_mismatch: Stat.TLS_MISMATCH,
} as const;

export type Drops = Record<keyof typeof COUNTERS, number>;

export function noDrops(): Drops {
  return dropsFromStats([]);
}

/** The counters from the kernel's `stats` (summed over CPUs). */
export function dropsFromStats(stats: readonly number[]): Drops {
  const d = {} as Drops;
  for (const [key, index] of Object.entries(COUNTERS)) d[key as keyof Drops] = stats[index] ?? 0;
  return d;
}

/** The counters a session's meta `drops` holds; older files lack the later ones (0). */
export function dropsFromMeta(value: unknown): Drops {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const d = {} as Drops;
  for (const key of Object.keys(COUNTERS)) d[key as keyof Drops] = typeof v[key] === 'number' && Number.isFinite(v[key]) ? v[key] : 0;
  return d;
}

/**
 * Every event the filters matched is in the file: no record was lost to a full ring buffer,
 * and no socket went unrecorded for want of room in the table of connections.
 */
export function isComplete(d: Drops): boolean {
  return d.records === 0 && d.events === 0 && d.untracked === 0;
}
