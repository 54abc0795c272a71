// A session file is someone else's: the SQL it holds must never run (SPEC.md §4.1). Each case
// adds to a real session what a sender could, and checks that opening it refuses in one line or
// leaves the sender's objects unread, and that no trigger ever fires.
import Database from 'better-sqlite3';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { buildExchanges, exchangesAreCurrent } from '../../src/session/build-exchanges.js';
import { SessionError, openSessionDb } from '../../src/session/open-session.js';
import { checkSchema, derivedShape, sqlTokens } from '../../src/session/schema-check.js';
import { Session } from '../../src/session/session.js';
import { CURL, NODE, ScriptedSession } from '../helpers/scripted-session.js';
import { tempDir } from '../helpers/session-files.js';

const dir = tempDir('tinytap-untrusted-');
const built = join(dir, 'built.tinytap');
let n = 0;

beforeAll(async () => {
  const s = new ScriptedSession(built);
  const c = s.tcp(CURL, NODE);
  c.send('c2s', 'GET /x HTTP/1.1\r\nHost: a\r\n\r\n');
  c.send('s2c', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi');
  c.close();
  await s.finish();
  Session.open(built).close();
});

/** A copy of the built session with `sql` run on it as its sender could (no defensive mode). */
function crafted(sql: string): string {
  const path = join(dir, `crafted-${++n}.tinytap`);
  copyFileSync(built, path);
  const db = new Database(path);
  db.unsafeMode(true);
  db.exec(sql);
  db.close();
  return path;
}

function refusal(path: string): SessionError {
  try {
    openSessionDb(path).close();
  } catch (err) {
    expect(err).toBeInstanceOf(SessionError);
    return err as SessionError;
  }
  throw new Error(`${path} opened`);
}

/** Rows of the sender's table `pwned`, read without tinytap: what its triggers did. */
function pwned(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'pwned'").pluck().get()
      ? (db.prepare('SELECT count(*) FROM pwned').pluck().get() as number)
      : 0;
  } finally {
    db.close();
  }
}

describe('opening a file someone else made', () => {
  it('sets trusted_schema off, foreign keys off and defensive mode, and refuses load_extension()', () => {
    const db = openSessionDb(built);
    try {
      expect(db.pragma('trusted_schema', { simple: true })).toBe(0);
      expect(db.pragma('foreign_keys', { simple: true })).toBe(0);
      expect(db.pragma('cell_size_check', { simple: true })).toBe(1);
      expect(() => db.prepare("SELECT load_extension('/nonexistent')").get()).toThrow(/not authorized/);
      // defensive: the schema cannot be edited from SQL
      expect(() => {
        db.pragma('writable_schema = ON');
        db.prepare("UPDATE sqlite_master SET sql = 'x' WHERE name = 'meta'").run();
      }).toThrow(/may not be modified/);
    } finally {
      db.close();
    }
  });

  it('never fires a trigger: one behind a foreign key that cascaded when reparse dropped the derived tables', () => {
    // on the old code, `tinytap reparse` dropped flows, the cascade deleted the sender's rows and
    // their trigger wrote into the file
    const file = crafted(`
      CREATE TABLE pwned (x);
      CREATE TABLE x (id REFERENCES flows(id) ON DELETE CASCADE);
      INSERT INTO x SELECT id FROM flows;
      CREATE TRIGGER t AFTER DELETE ON x BEGIN INSERT INTO pwned VALUES (1); END;`);
    expect(refusal(file)).toMatchObject({ code: 'ECORRUPT', message: expect.stringContaining('trigger "t"') });
    expect(pwned(file)).toBe(0);
  });

  it('refuses a meta view with an endless recursive query before reading it', () => {
    const file = crafted(`
      ALTER TABLE meta RENAME TO meta_real;
      CREATE VIEW meta AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r)
        SELECT key, value FROM meta_real UNION ALL SELECT 'k' || n, '1' FROM r;`);
    const err = refusal(file);
    expect(err.message).toMatch(/view "meta"|table "meta_real"/);
    expect(err.message).not.toContain('\n');
  });

  it.each([
    ['an extra table', 'CREATE TABLE notes (x)', 'table "notes" that tinytap does not write'],
    ['an index on a raw table', 'CREATE INDEX i ON meta(value)', 'extra index "i"'],
    ['an expression index', "CREATE INDEX e ON event_blocks(length(printf('%.*c', 100000000, 'x')))", 'extra index "e"'],
    ['a virtual table of another kind', 'CREATE VIRTUAL TABLE r USING rtree(id, a, b)', 'virtual table "r" of a kind'],
    ['a view', 'CREATE VIEW v AS SELECT 1', 'view "v"'],
    ['AUTOINCREMENT bookkeeping', 'CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT); INSERT INTO a VALUES (NULL)', 'table "a"'],
    ['a raw table without a column', 'ALTER TABLE connections DROP COLUMN last_ts', 'table "connections" is not as tinytap writes it'],
    ['a raw table missing', 'DROP TABLE conn_blocks', 'no table "conn_blocks"'],
    ['a name with escape sequences', 'CREATE TABLE "\x1b]52;c;aGk=\x07" (x)', 'table "\\x1b]52;c;aGk=\\x07"'],
  ])('refuses %s in one line', (_what, sql, says) => {
    const err = refusal(crafted(sql));
    expect(err.code).toBe('ECORRUPT');
    expect(err.message).toContain(says);
    // eslint-disable-next-line no-control-regex
    expect(err.message).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
  });

  it('refuses a raw table given a CHECK constraint or a generated column (edited into its schema)', () => {
    for (const column of ["id INTEGER PRIMARY KEY CHECK (length(printf('%.*c', 100000000, 'x')))", 'id INTEGER PRIMARY KEY, x AS (id * 2)']) {
      const file = crafted('SELECT 1');
      const db = new Database(file);
      const sql = db.prepare("SELECT sql FROM sqlite_master WHERE name = 'event_blocks'").pluck().get() as string;
      db.unsafeMode(true);
      db.pragma('writable_schema = ON');
      db.prepare("UPDATE sqlite_master SET sql = ? WHERE name = 'event_blocks'").run(sql.replace(/id\s+INTEGER PRIMARY KEY/, column));
      db.close();
      expect(refusal(file).message).toContain('table "event_blocks" is not as tinytap writes it');
    }
  });

  it('reads a schema-1 file (what tinytap wrote before connection_users) and no other shape under that version', () => {
    const db = new Database(':memory:');
    db.exec(readFileSync(new URL('fixtures/session-schema-1.sql', import.meta.url), 'utf8'));
    expect(checkSchema(db, 1)).toEqual({ derived: 'absent' });
    expect(() => checkSchema(db, 2)).toThrow(/no table "connection_users"/);
    db.close();
  });

  it('treats derived tables of another shape (an older tinytap, or a hostile one) as stale, and rebuilds them', () => {
    // a view named like a derived table is refused; a table of another shape is rebuilt over
    const older = crafted(`
      DROP TABLE exchange_fts; DROP TABLE exchange_text; DROP TABLE exchanges; DROP TABLE flows; DROP TABLE derived_meta;
      ${readFileSync(new URL('fixtures/exchanges-build-4305caf.sql', import.meta.url), 'utf8')}`);
    const db = openSessionDb(older);
    try {
      expect(derivedShape(db)).toBe('stale');
      expect(exchangesAreCurrent(db)).toBe(false);
    } finally {
      db.close();
    }
    const s = Session.open(older);
    try {
      expect(s.built?.exchanges).toBe(1);
      expect(derivedShape(s.db)).toBe('current');
      expect(s.exchanges().map((x) => x.path)).toEqual(['/x']);
    } finally {
      s.close();
    }
  });

  it("never reads a stale derived table with the sender's generated column, even to compare a rebuild with it", () => {
    const file = crafted(`
      DROP TABLE exchanges;
      CREATE TABLE exchanges (id INTEGER PRIMARY KEY, flow_id INTEGER, seq INTEGER,
        digest AS (length(printf('%.*c', 300000000, 'x'))));
      INSERT INTO exchanges (id, flow_id, seq) VALUES (1, 1, 0);`);
    const db = openSessionDb(file);
    try {
      const stats = buildExchanges(db);
      // nothing compared: the old table's digest is not a stored column
      expect(stats).toMatchObject({ exchanges: 1, added: 1, changed: 0, unchanged: 0 });
      expect(derivedShape(db)).toBe('current');
    } finally {
      db.close();
    }
  });

  it('builds beside a read-only file with stale derived tables, in its own temp tables, reading none of the stale ones', () => {
    const file = crafted("DELETE FROM exchanges; UPDATE derived_meta SET value = '\"old\"' WHERE key = 'version'");
    const before = readFileSync(file);
    const db = openSessionDb(file, { readonly: true });
    try {
      expect(exchangesAreCurrent(db)).toBe(false);
      buildExchanges(db, { schema: 'temp' });
      expect(db.prepare('SELECT count(*) FROM exchanges').pluck().get()).toBe(1);
    } finally {
      db.close();
    }
    expect(readFileSync(file).equals(before)).toBe(true);
  });
});

describe('sqlTokens', () => {
  it('ignores comments, spacing, identifier case and quoting; keeps string literals and everything else', () => {
    expect(sqlTokens('CREATE TABLE "Meta" (\n  key TEXT, -- a comment\n  v /* x */ TEXT)')).toBe('create table meta ( key text , v text )');
    expect(sqlTokens("CREATE TABLE 'x_data'(k DEFAULT 'A''b')")).toBe("create table 'x_data' ( k default 'A'b' )");
    expect(sqlTokens('CREATE TABLE [a b] (`c` INT)')).toBe('create table "a b" ( c int )');
    expect(sqlTokens('CREATE TABLE t (x CHECK (x > 0))')).not.toBe(sqlTokens('CREATE TABLE t (x)'));
  });
});
