/** The SQL function compiled filters call, registered on a connection before use. */
import type Database from 'better-sqlite3';

import type { StringPattern } from './ast.js';
import { namesMatch } from './predicate.js';
import { compiledRegex } from './regex.js';

/** What SQLite hands a user function: TEXT, INTEGER or REAL, BLOB, NULL. */
type SqlValue = string | number | bigint | Buffer | null;

/**
 * Registers `regexp(pattern, value)` on `db`: 1 when the filter regex (JavaScript syntax, run
 * in linear time by RE2's algorithm: regex.ts) matches `value`, else 0 (also for NULL).
 * `pattern` may start with "(?ims)" flags (encodeRegex). Being named regexp, it also makes
 * SQLite's `value REGEXP pattern` operator work. Safe to call more than once.
 */
export function registerFilterFunctions(db: Database.Database): void {
  // names_match(pattern as JSON, nocase, names): the in-memory rule itself (predicate.ts), so
  // `table:` and `key:` cannot mean one thing in SQL and another in the live view
  const patterns = new Map<string, StringPattern>();
  db.function('names_match', { deterministic: true }, (pattern: SqlValue, nocase: SqlValue, names: SqlValue) => {
    const key = String(pattern);
    let p = patterns.get(key);
    if (!p) {
      if (patterns.size >= 64) patterns.clear();
      patterns.set(key, (p = JSON.parse(key) as StringPattern));
    }
    return namesMatch(typeof names === 'string' ? names : null, p, Number(nocase) === 1) ? 1 : 0;
  });
  db.function('regexp', { deterministic: true }, (pattern: SqlValue, value: SqlValue) =>
    value === null || value === undefined ? 0 : compiledRegex(String(pattern)).test(String(value)) ? 1 : 0,
  );
}
