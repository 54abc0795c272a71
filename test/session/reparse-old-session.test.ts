// A session recorded before tinytap parsed databases (testdata/sessions/README.md) becomes
// legible after `tinytap reparse`: the raw records were always kept, so the new parsers find the
// PostgreSQL and Redis calls in them without recording again. Numbered in dependency order: the
// file as the old version left it, the rebuild, then what the rebuild made.
import Database from 'better-sqlite3';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DERIVED_VERSION } from '../../src/session/build-exchanges.js';
import { Session } from '../../src/session/session.js';
import { removeCliBundle, runCliProcess } from '../helpers/cli-process.js';
import { tempDir } from '../helpers/session-files.js';

const FIXTURE = new URL('../../testdata/sessions/recorded-before-db-parsers.tinytap', import.meta.url);
const PG_PORT = 58759n;
const REDIS_PORT = 51223n;

const dir = tempDir('tinytap-old-session-');
// a copy: reparse writes into the file, and the fixture must stay as d7ec777 left it
const file = join(dir, 'old.tinytap');
beforeAll(() => copyFileSync(FIXTURE, file));
afterAll(removeCliBundle);

describe('a session recorded before the database parsers', { timeout: 60_000 }, () => {
  it('1. holds the exchanges d7ec777 built: HTTP only, none of the database traffic', () => {
    const db = new Database(file, { readonly: true });
    try {
      const version = db.prepare("SELECT value FROM derived_meta WHERE key = 'version'").pluck().get() as string;
      expect(JSON.parse(version)).toBe('http1-1.build-8');
      const columns = (db.pragma('table_info(exchanges)') as { name: string }[]).map((c) => c.name);
      expect(columns).not.toContain('protocol');
      expect(db.prepare('SELECT count(*) FROM exchanges').pluck().get()).toBe(0);
      // the old version already named the connections' protocols, but found no exchange in them
      expect(db.prepare('SELECT protocol, exchanges FROM flows ORDER BY id').all()).toEqual([
        { protocol: 'postgresql', exchanges: 0 },
        { protocol: 'redis', exchanges: 0 },
        { protocol: 'redis', exchanges: 0 },
        { protocol: 'redis', exchanges: 0 },
      ]);
    } finally {
      db.close();
    }
  });

  it('2. tinytap reparse finds the calls, all of them new', async () => {
    const run = await runCliProcess(['reparse', 'old.tinytap'], { cwd: dir });
    expect(run.err.toString()).toBe('');
    expect(run.out.toString()).toBe(`9 exchanges in 4 connections (${DERIVED_VERSION}): 9 new, 0 changed, 0 gone, 0 unchanged\n`);
    expect(run.code).toBe(0);
  });

  it('3. lists exactly the calls that were made, in their own terms', () => {
    const session = Session.open(file);
    try {
      expect(session.built).toBeNull(); // reparse left them current: opening rebuilt nothing
      const calls = session.exchanges().map((x) => ({
        protocol: x.protocol,
        operation: x.operation,
        target: x.target,
        error_code: x.error_code,
        rows: x.rows,
        server_port: x.server_port,
      }));
      const pg = { protocol: 'postgresql', server_port: PG_PORT, error_code: null, rows: null };
      const redis = { protocol: 'redis', server_port: REDIS_PORT, error_code: null, rows: null };
      expect(calls).toEqual([
        // psql's protocol steps around its four -c queries: the startup message and the server's
        // trust-auth answer, then Terminate on exit (no reply; nothing else is sent in -c mode)
        { ...pg, operation: 'STARTUP', target: null },
        { ...pg, operation: 'CREATE', target: 'CREATE TABLE t(id int, name text)' },
        { ...pg, operation: 'INSERT', target: "INSERT INTO t VALUES (1,'ada'),(2,'alan')", rows: 2n },
        { ...pg, operation: 'SELECT', target: 'SELECT id, name FROM t ORDER BY id', rows: 2n },
        { ...pg, operation: 'SELECT', target: 'SELECT * FROM nope', error_code: '42P01' },
        { ...pg, operation: 'QUIT', target: null },
        // one redis-cli per command; with the command on its command line it sends only that
        // (COMMAND DOCS is sent only by the interactive prompt)
        { ...redis, operation: 'SET', target: 'SET greeting hello' },
        { ...redis, operation: 'GET', target: 'GET greeting' },
        { ...redis, operation: 'HSET', target: 'HSET user:1 name ada' },
      ]);
    } finally {
      session.close();
    }
  });

  it('4. counts the calls in the connections that held none', () => {
    const session = Session.open(file);
    try {
      expect(session.flows().map((f) => ({ protocol: f.protocol, client: f.client_comm, exchanges: f.exchanges }))).toEqual([
        { protocol: 'postgresql', client: 'psql', exchanges: 6 },
        { protocol: 'redis', client: 'redis-cli', exchanges: 1 },
        { protocol: 'redis', client: 'redis-cli', exchanges: 1 },
        { protocol: 'redis', client: 'redis-cli', exchanges: 1 },
      ]);
    } finally {
      session.close();
    }
  });
});
