/**
 * The meta table (SPEC.md §3.1) read with each value checked for the shape the spec gives it:
 * a value that is not JSON, or not of its shape, is read as absent and counted as damage
 * (damage.ts, SPEC.md §4.1). Keys this tinytap does not know are left alone (§4: new meta keys
 * come without a version change).
 */
import type Database from 'better-sqlite3';

import { type Damage, parsedJson } from './damage.js';

export type Check<T> = (v: unknown) => v is T;

export const isText: Check<string> = (v): v is string => typeof v === 'string';
export const isCount: Check<number> = (v): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
export const isTexts: Check<string[]> = (v): v is string[] => Array.isArray(v) && v.every(isText);
/** Nanoseconds as a decimal string (times and offsets, SPEC.md §3.1), within SQLite's 64 bits. */
export const isDecimalNs: Check<string> = (v): v is string => typeof v === 'string' && /^-?\d{1,19}$/.test(v) && BigInt(v) < 2n ** 63n && BigInt(v) >= -(2n ** 63n);
/** An object whose listed keys pass their checks (a check may let an absent key, undefined, pass). */
export function isShaped<T>(fields: Record<string, (v: unknown) => boolean>): Check<T> {
  return (v): v is T =>
    typeof v === 'object' && v !== null && !Array.isArray(v) && Object.entries(fields).every(([k, ok]) => ok((v as Record<string, unknown>)[k]));
}

export class MetaReader {
  private readonly values = new Map<string, unknown>();

  constructor(
    db: Database.Database,
    private readonly damage: Damage | null = null,
  ) {
    for (const r of db.prepare('SELECT key, value FROM meta').all() as { key: unknown; value: unknown }[])
      if (typeof r.key === 'string') this.values.set(r.key, r.value);
  }

  has(key: string): boolean {
    return this.values.has(key);
  }

  /** The value of `key` if it is there and passes `ok`; null otherwise (counted when it is there). */
  get<T>(key: string, ok: Check<T>): T | null {
    if (!this.values.has(key)) return null;
    const v = parsedJson(this.values.get(key));
    if (ok(v)) return v;
    this.damage?.note('meta', `meta ${key} is not what SPEC.md §3.1 says it holds`);
    return null;
  }
}

/** Wall-clock ns at which the session began (meta started_at), or null. */
export function startedAtNs(db: Database.Database): bigint | null {
  const v = new MetaReader(db).get('started_at', isDecimalNs);
  return v === null ? null : BigInt(v);
}
