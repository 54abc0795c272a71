/**
 * The secondary indexes a build leaves out (formats/exchanges.sql marks them "on first use"):
 * method, ports, pids, duration, body size, query shape, gRPC. Few filters use them, and they
 * were 40% of the indexes' bytes and 6% of a build; the first query that filters or sorts on one
 * of their columns makes the index, in a file this process may write, and tells SQLite's
 * planner what it holds. A file it may not write is read without it: the same rows, found by a
 * scan. The derived tables in temp (a follower, a file being recorded) have every index.
 */
import type Database from 'better-sqlite3';

import { derivedInTemp, mayWriteFile } from './build-exchanges.js';
import { type FirstUseIndex, firstUseIndexes } from './format.js';

let named: { index: FirstUseIndex; column: RegExp }[] | null = null;

/** The indexes left to first use that a query's WHERE and ORDER BY (`parts`: tinytap's own SQL) name a column of. */
export function indexesNamedBy(parts: readonly string[]): FirstUseIndex[] {
  named ??= firstUseIndexes().map((index) => ({ index, column: new RegExp(`\\b(${index.columns.join('|')})\\b`) }));
  const text = parts.join('\n');
  return named.filter((n) => n.column.test(text)).map((n) => n.index);
}

/**
 * By connection, the indexes seen made: every list query asks, and a TUI asks at every page. A
 * rebuild in the same connection that drops them leaves this stale: its queries then scan.
 */
const made = new WeakMap<Database.Database, Set<string>>();

/**
 * Make the indexes a query will want, if the derived tables are the file's, it may be written,
 * and they are not there yet. Returns the names made.
 */
export function makeIndexesFor(db: Database.Database, parts: readonly string[]): string[] {
  const known = made.get(db) ?? made.set(db, new Set()).get(db)!;
  const wanted = indexesNamedBy(parts).filter((i) => !known.has(i.name));
  if (wanted.length === 0) return [];
  // temp tables have every index; a reader that may not write reads without
  if (derivedInTemp(db) || !mayWriteFile(db)) return [];
  const present = new Set(db.prepare("SELECT name FROM main.sqlite_master WHERE type = 'index'").pluck().all() as string[]);
  const missing = wanted.filter((i) => !present.has(i.name));
  for (const i of wanted) if (present.has(i.name)) known.add(i.name);
  if (missing.length === 0) return [];
  try {
    db.transaction(() => {
      for (const i of missing) db.exec(i.sql);
      // what the planner knows of the others was counted by the build; this one's is counted now
      db.exec('PRAGMA analysis_limit = 0');
      for (const i of missing) db.exec(`ANALYZE main.${i.name}`);
    })();
  } catch (err) {
    // a query asked for while another's rows are being read (the connection is busy), or a file
    // another process is writing (locked): this query scans, a later one makes them
    if (err instanceof TypeError || (err as { code?: string }).code === 'SQLITE_BUSY') return [];
    throw err;
  }
  for (const i of missing) known.add(i.name);
  return missing.map((i) => i.name);
}
