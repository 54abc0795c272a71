/**
 * The secondary indexes a build leaves out (formats/exchanges.sql marks them "on first use"):
 * method, ports, pids, duration, body size, query shape, gRPC. Few filters use them, and they
 * were 40% of the indexes' bytes and 6% of a build; the first query that filters or sorts on one
 * of their columns makes the index, in a file this process may write, and tells SQLite's
 * planner what it holds. A file it may not write is read without it: the same rows, found by a
 * scan. The derived tables in temp (a follower, a file being recorded) have every index.
 */
import type Database from 'better-sqlite3';

import { type FirstUseIndex, derivedSchemaParts } from './format.js';

let indexes: FirstUseIndex[] | null = null;

function firstUseIndexes(): FirstUseIndex[] {
  indexes ??= derivedSchemaParts('main').firstUse;
  return indexes;
}

/** The indexes left to first use that a query's WHERE and ORDER BY (`parts`: tinytap's own SQL) name a column of. */
export function indexesNamedBy(parts: readonly string[]): FirstUseIndex[] {
  const text = parts.join('\n');
  return firstUseIndexes().filter((i) => i.columns.some((c) => new RegExp(`\\b${c}\\b`).test(text)));
}

/**
 * Make the indexes a query will want, if the derived tables are the file's, it may be written,
 * and they are not there yet. Returns the names made.
 */
export function makeIndexesFor(db: Database.Database, parts: readonly string[]): string[] {
  const wanted = indexesNamedBy(parts);
  if (wanted.length === 0) return [];
  // temp tables have every index; a reader that may not write reads without
  if (db.prepare("SELECT 1 FROM temp.sqlite_master WHERE name = 'exchanges'").get()) return [];
  if (db.readonly || db.pragma('query_only', { simple: true })) return [];
  const present = new Set(db.prepare("SELECT name FROM main.sqlite_master WHERE type = 'index'").pluck().all() as string[]);
  const missing = wanted.filter((i) => !present.has(i.name));
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
  return missing.map((i) => i.name);
}
