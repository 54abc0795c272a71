/**
 * Parsing of the values users type in flags: durations (30s, 250ms, 5m), sizes (256k, 4m),
 * ports, pids, counts. Each refuses what it cannot represent exactly (a number too large to
 * count in, a duration no timer can wait for) with one line naming the flag: a flag is
 * checked before anything is done, never half-used.
 */
import { existsSync } from 'node:fs';

/** A flag or argument that cannot be used: one line, and exit status 2 (as commander's own). */
export class UsageError extends Error {
  readonly code = 'EUSAGE';
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds (0 or more). A bare number is seconds. */
export function parseDuration(text: string, flag = 'duration'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(text);
  const ms = m ? Math.round(Number(m[1]) * DURATION_UNITS[(m[2] ?? 's').toLowerCase()]) : NaN;
  if (!Number.isSafeInteger(ms)) throw new UsageError(`bad ${flag} '${text}': use a number with a unit, like 30s, 500ms, 5m, 1h or 2d`);
  return ms;
}

/** The longest a Node.js timer waits (2^31 - 1 ms, 24.8 days); beyond, it fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A duration to wait for: more than 0, and no longer than a timer can wait. */
export function parseTimeout(text: string, flag: string): number {
  const ms = parseDuration(text, flag);
  if (ms < 1) throw new UsageError(`bad ${flag} '${text}': it must be at least 1ms`);
  if (ms > MAX_TIMER_MS) throw new UsageError(`bad ${flag} '${text}': the longest is 24d (596h)`);
  return ms;
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1 << 20, mb: 1 << 20, mib: 1 << 20, g: 1 << 30, gb: 1 << 30, gib: 1 << 30 };

/** Bytes, binary multiples: 256k is 262144. */
export function parseSize(text: string, flag = 'size'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
  const bytes = m && unit !== undefined ? Math.round(Number(m[1]) * unit) : NaN;
  if (!Number.isSafeInteger(bytes)) throw new UsageError(`bad ${flag} '${text}': use bytes or a unit, like 64k or 4m`);
  return bytes;
}

export function parsePort(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) throw new UsageError(`bad port '${text}': use a number from 1 to 65535`);
  return n;
}

export function parsePid(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 0x3fffffff) throw new UsageError(`bad pid '${text}': use a process id like 4121`);
  return n;
}

/** A pid of a process that exists now (a --pid of nothing would record nothing, silently). */
export function parseLivePid(text: string, procRoot = '/proc'): number {
  const pid = parsePid(text);
  if (!existsSync(`${procRoot}/${pid}`)) throw new UsageError(`bad --pid ${pid}: no process has that id (see ps -e)`);
  return pid;
}

/** A count of things (--limit): a whole number, 1 or more. */
export function parseCount(text: string, flag: string): number {
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`bad ${flag} '${text}': use a whole number, 1 or more`);
  return n;
}
