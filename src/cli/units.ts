/** Parsing of the units users type in flags: durations (30s, 250ms, 5m) and sizes (256k, 4m). */

export class UsageError extends Error {
  readonly code = 'EUSAGE';
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds. A bare number is seconds. */
export function parseDuration(text: string, flag = 'duration'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(text);
  if (!m) throw new UsageError(`bad ${flag} '${text}': use a number with a unit, like 30s, 500ms, 5m or 1h`);
  return Math.round(Number(m[1]) * DURATION_UNITS[(m[2] ?? 's').toLowerCase()]);
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1 << 20, mb: 1 << 20, mib: 1 << 20, g: 1 << 30, gb: 1 << 30, gib: 1 << 30 };

/** Bytes, binary multiples: 256k is 262144. */
export function parseSize(text: string, flag = 'size'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new UsageError(`bad ${flag} '${text}': use bytes or a unit, like 64k or 4m`);
  return Math.round(Number(m[1]) * unit);
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
