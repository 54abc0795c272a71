/** The SQL functions compiled filters call, registered on a connection before use. */
import type Database from 'better-sqlite3';

const cache = new Map<string, RegExp>();

export function compiledRegex(source: string, flags: string): RegExp {
  const key = `${flags}/${source}`;
  let re = cache.get(key);
  if (!re) {
    re = new RegExp(source, flags);
    if (cache.size > 256) cache.clear();
    cache.set(key, re);
  }
  return re;
}

/** A header section ("Name: value" lines) has a field `name` whose value contains `contains`. */
export function headerHas(headers: string, name: string, contains: string | null): boolean {
  for (const line of headers.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0 || line.slice(0, colon).trim().toLowerCase() !== name) continue;
    if (contains === null || line.slice(colon + 1).toLowerCase().includes(contains)) return true;
  }
  return false;
}

export function registerFilterFunctions(db: Database.Database): void {
  db.function('tt_regexp', { deterministic: true }, (source: unknown, flags: unknown, value: unknown) =>
    value === null || value === undefined ? 0 : compiledRegex(String(source), String(flags)).test(String(value)) ? 1 : 0,
  );
  db.function('tt_header', { deterministic: true }, (headers: unknown, name: unknown, contains: unknown) =>
    headerHas(String(headers ?? ''), String(name), contains === null ? null : String(contains)) ? 1 : 0,
  );
}
