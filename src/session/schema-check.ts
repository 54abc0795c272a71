/**
 * What a session file may hold (SPEC.md §4.1): the objects of formats/session.sql, for the
 * file's schema version, and those of formats/exchanges.sql. The expected objects are made by
 * running those files in an in-memory database and reading its schema back, so the definition
 * stays in one place; a file's objects are compared with them token by token (comments, spacing,
 * identifier case and quoting aside).
 *
 * A file is someone else's: a trigger, a view or a table tinytap never writes is the sender's SQL,
 * and tinytap never lets it run (a trigger fires on a write, a view or a generated column on a
 * read, an expression index on `info --check`). Raw tables that differ are refused; derived ones
 * that differ are a stale cache, never read, and rebuilt.
 */
import Database from 'better-sqlite3';

import { SCHEMA_2_ADDITIONS, derivedSchemaSql, firstUseIndexes, sessionSchemaSql } from './format.js';

export class SchemaError extends Error {}

/** One row of sqlite_master, its SQL reduced to tokens. */
interface SchemaObject {
  type: string;
  name: string;
  table: string;
  sql: string | null;
}

/** SQLite's own tables, written by ANALYZE; read only by its query planner. */
const SQLITE_STATS = new Set(['sqlite_stat1', 'sqlite_stat4']);

/** Tables a build makes for a moment (build-exchanges.ts), inside its transaction. */
export const BUILD_SCRATCH = ['old_exchanges', 'old_flows'];

/**
 * The tokens of an SQL text joined by single spaces: comments and whitespace dropped,
 * identifiers unquoted, keywords and identifiers in lower case (SQLite ignores their ASCII case);
 * string literals kept as they are. Two texts with the same tokens are the same statement.
 */
export function sqlTokens(sql: string): string {
  const out: string[] = [];
  const lower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  let i = 0;
  const closing = (q: string) => (q === '[' ? ']' : q);
  while (i < sql.length) {
    const c = sql[i];
    if (/\s/.test(c)) i++;
    else if (c === '-' && sql[i + 1] === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol < 0 ? sql.length : eol + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (c === "'" || c === '"' || c === '`' || c === '[') {
      // a quote doubled inside is the quote itself ('it''s', "a""b")
      const q = closing(c);
      let j = i + 1;
      let text = '';
      for (;;) {
        const k = sql.indexOf(q, j);
        if (k < 0) {
          text += sql.slice(j);
          j = sql.length;
          break;
        }
        text += sql.slice(j, k);
        if (q !== ']' && sql[k + 1] === q) {
          text += q;
          j = k + 2;
        } else {
          j = k + 1;
          break;
        }
      }
      // an identifier that needs its quotes keeps them: [a b] is not the two words a b
      out.push(c === "'" ? `'${text}'` : /^\w+$/.test(text) ? lower(text) : `"${lower(text)}"`);
      i = j;
    } else if (/[\w$]/.test(c)) {
      let j = i + 1;
      while (j < sql.length && /[\w$]/.test(sql[j])) j++;
      out.push(lower(sql.slice(i, j)));
      i = j;
    } else {
      out.push(c);
      i++;
    }
  }
  return out.join(' ');
}

function objectsOf(db: Database.Database, schema = 'main'): SchemaObject[] {
  const rows = db.prepare(`SELECT type, name, tbl_name AS "table", sql FROM ${schema}.sqlite_master`).all() as SchemaObject[];
  return rows.map((r) => ({ type: r.type, name: String(r.name), table: String(r.table), sql: typeof r.sql === 'string' ? sqlTokens(r.sql) : null }));
}

function byName(objects: SchemaObject[]): Map<string, SchemaObject> {
  return new Map(objects.map((o) => [o.name.toLowerCase(), o]));
}

/** The objects `sql` creates, as SQLite stores them. */
function objectsMadeBy(sql: string, after?: (db: Database.Database) => void): Map<string, SchemaObject> {
  const db = new Database(':memory:');
  try {
    db.exec(sql);
    after?.(db);
    return byName(objectsOf(db));
  } finally {
    db.close();
  }
}

const rawByVersion = new Map<number, Map<string, SchemaObject>>();
let derivedObjects: Map<string, SchemaObject> | null = null;

/** The raw objects a session of schema `version` holds (SPEC.md §3: schema 1 lacks what 2 added). */
export function rawSchema(version: number): Map<string, SchemaObject> {
  let objects = rawByVersion.get(version);
  if (!objects) {
    objects = objectsMadeBy(sessionSchemaSql(), (db) => {
      if (version >= 2) return;
      for (const t of SCHEMA_2_ADDITIONS.tables) db.exec(`DROP TABLE ${t}`);
      for (const [t, c] of SCHEMA_2_ADDITIONS.columns) db.exec(`ALTER TABLE ${t} DROP COLUMN ${c}`);
    });
    rawByVersion.set(version, objects);
  }
  return objects;
}

/** The derived objects this tinytap builds (formats/exchanges.sql), with FTS5's own tables. */
export function derivedSchema(): Map<string, SchemaObject> {
  derivedObjects ??= objectsMadeBy(derivedSchemaSql('main'));
  return derivedObjects;
}

function tablesOf(objects: Map<string, SchemaObject>): Set<string> {
  return new Set([...objects.values()].filter((o) => o.type === 'table').map((o) => o.name.toLowerCase()));
}

/** A name from the file, quoted for a message: control characters shown, never sent to a terminal. */
export function quoteName(name: string): string {
  // eslint-disable-next-line no-control-regex
  return `"${name.replace(/[\x00-\x1f\x7f-\x9f"\\]/g, (c) => (c === '"' || c === '\\' ? `\\${c}` : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`))}"`;
}

function describe(o: SchemaObject): string {
  const kind = o.type === 'table' && o.sql?.startsWith('create virtual table') ? 'virtual table' : o.type;
  return `${kind} ${quoteName(o.name)}`;
}

/** `absent`: no derived tables; `current`: exactly those this tinytap builds; `stale`: anything else. */
export type DerivedShape = 'absent' | 'current' | 'stale';

/** The derived indexes a file may be without: made by the first query that needs them (format.ts). */
let optionalDerived: Set<string> | null = null;
function firstUseNames(): Set<string> {
  optionalDerived ??= new Set(firstUseIndexes().map((i) => i.name.toLowerCase()));
  return optionalDerived;
}

function sameObjects(found: SchemaObject[], expected: Map<string, SchemaObject>, optional = new Set<string>()): string | null {
  const seen = byName(found);
  for (const [name, want] of expected) if (!seen.has(name) && !optional.has(name)) return `it has no ${describe(want)}`;
  for (const [name, want] of expected) {
    const got = seen.get(name);
    if (!got) continue;
    if (got.type !== want.type || got.table.toLowerCase() !== want.table.toLowerCase() || got.sql !== want.sql)
      return `its ${describe(got)} is not as tinytap writes it`;
  }
  for (const [name, got] of seen) if (!expected.has(name)) return `it has an extra ${describe(got)}`;
  return null;
}

export interface SchemaVerdict {
  derived: DerivedShape;
}

/**
 * Compare the file's schema (`main`) with what tinytap writes. Throws a SchemaError (its message
 * one line, saying what is wrong) for what refuses the file; says whether the derived objects
 * can be read as they are.
 */
export function checkSchema(db: Database.Database, version: number): SchemaVerdict {
  const raw = rawSchema(version);
  const derived = derivedSchema();
  const rawTables = tablesOf(raw);
  const derivedTables = new Set([...tablesOf(derived), ...BUILD_SCRATCH]);
  const rawFound: SchemaObject[] = [];
  const derivedFound: SchemaObject[] = [];
  const objects = objectsOf(db);
  // code first: a trigger or a view is what a user most needs to hear about
  for (const o of objects)
    if (o.type === 'trigger' || o.type === 'view') throw new SchemaError(`it holds a ${describe(o)}, and tinytap never writes one`);
  for (const o of objects) {
    if (o.sql?.startsWith('create virtual table') && !/^create virtual table \S+ using fts5\b/.test(o.sql))
      throw new SchemaError(`it holds a ${describe(o)} of a kind tinytap never writes`);
    const table = o.table.toLowerCase();
    if (SQLITE_STATS.has(table)) continue;
    if (rawTables.has(table)) rawFound.push(o);
    else if (derivedTables.has(table)) derivedFound.push(o);
    else throw new SchemaError(`it holds a ${describe(o)} that tinytap does not write`);
  }
  const rawProblem = sameObjects(rawFound, raw);
  if (rawProblem) throw new SchemaError(`${rawProblem} (schema ${version}, formats/session.sql)`);
  if (derivedFound.length === 0) return { derived: 'absent' };
  return { derived: sameObjects(derivedFound, derived, firstUseNames()) === null ? 'current' : 'stale' };
}

/** The derived objects the file holds now (main): current, stale, or none. */
export function derivedShape(db: Database.Database): DerivedShape {
  const derivedTables = new Set([...tablesOf(derivedSchema()), ...BUILD_SCRATCH]);
  const found = objectsOf(db).filter((o) => derivedTables.has(o.table.toLowerCase()));
  if (found.length === 0) return 'absent';
  return sameObjects(found, derivedSchema(), firstUseNames()) === null ? 'current' : 'stale';
}

/**
 * Remove every derived object from the file (main), whatever shape it has, before a build
 * writes them again. Virtual tables first: dropping one drops its own tables, which SQLite's
 * defensive mode does not let anything else touch.
 */
export function dropDerivedObjects(db: Database.Database, keep: string[] = []): void {
  const derivedTables = new Set([...tablesOf(derivedSchema()), ...BUILD_SCRATCH]);
  for (const k of keep) derivedTables.delete(k);
  const mine = () => objectsOf(db).filter((o) => o.type === 'table' && derivedTables.has(o.name.toLowerCase()));
  const quoted = (name: string) => `main."${name.replace(/"/g, '""')}"`;
  for (const o of mine()) if (o.sql?.startsWith('create virtual table')) db.exec(`DROP TABLE IF EXISTS ${quoted(o.name)}`);
  for (const o of mine()) db.exec(`DROP TABLE IF EXISTS ${quoted(o.name)}`);
}

/**
 * Can `columns` of `table` (main) be read as plain stored values: a table (not a virtual one),
 * each column there and not generated? The previous build a rebuild compares with may be an
 * older tinytap's, shaped differently from this one's.
 */
export function storedColumns(db: Database.Database, table: string, columns: string[]): boolean {
  const t = db.prepare("SELECT sql FROM main.sqlite_master WHERE type = 'table' AND name = ?").pluck().get(table) as string | undefined;
  if (typeof t !== 'string' || sqlTokens(t).startsWith('create virtual table')) return false;
  const info = db.prepare('SELECT name, hidden FROM pragma_table_xinfo(?, ?)').all(table, 'main') as { name: string; hidden: number }[];
  return columns.every((c) => info.some((i) => i.name === c && i.hidden === 0));
}

/** A column as formats/ declares it: what its values may be. */
export interface DeclaredColumn {
  name: string;
  /** 'integer', 'text', 'blob', 'real', or '' (no type: anything). */
  type: string;
  /** NULL is no value it may hold (NOT NULL, or an INTEGER PRIMARY KEY). */
  required: boolean;
}

const declared = new Map<string, DeclaredColumn[]>();

/** The columns of a raw (schema 2) or derived table, as formats/session.sql or exchanges.sql declare them. */
export function declaredColumns(table: string): DeclaredColumn[] {
  let cols = declared.get(table);
  if (!cols) {
    const db = new Database(':memory:');
    try {
      db.exec(sessionSchemaSql());
      db.exec(derivedSchemaSql('main'));
      const info = db.prepare('SELECT name, type, "notnull" AS nn, pk FROM pragma_table_info(?)').all(table) as {
        name: string;
        type: string;
        nn: number;
        pk: number;
      }[];
      if (info.length === 0) throw new Error(`formats/ declare no table ${table}`);
      cols = info.map((c) => ({ name: c.name, type: c.type.toLowerCase(), required: c.nn === 1 || (c.pk === 1 && c.type.toLowerCase() === 'integer') }));
    } finally {
      db.close();
    }
    declared.set(table, cols);
  }
  return cols;
}
