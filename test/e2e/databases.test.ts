/**
 * Real database servers (PostgreSQL, MariaDB, Redis, started by the test in temp dirs) and real
 * clients (psql, Node pg, psycopg2; the mariadb CLI, Node mysql2; redis-cli, ioredis), recorded
 * by tinytap: the session must hold exactly the calls each client says it issued
 * (testdata/clients/db/README.md), with their SQL or command, parameters, outcome (SQLSTATE,
 * Redis error), and row counts, over TCP and over the unix socket, and never the password.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Session } from '../../src/session/session.js';
import type { CallExchange } from '../../src/model/exchange.js';
import { type Account, type LibraryClient, type Via, runClient, runMariadbSession, runPsqlSession, runRedisCliSession } from '../helpers/db-clients.js';
import { type DbServer, type MariadbServer, type PostgresServer, startMariadb, startPostgres, startRedis } from '../helpers/db-servers.js';
import { DB_CLIENTS } from '../helpers/db-clients.js';
import { describeCapture, recordWhile } from './harness.js';

/** The protocol's own steps, which no client lists as a call of its own. */
const PROTOCOL_STEPS = new Set(['STARTUP', 'AUTH', 'QUIT', 'SSL_REQUEST', 'GSSENC_REQUEST']);

/** What a call is, in the terms both the client's account and the session can say. */
interface Said {
  text: string;
  params?: (string | null)[];
  error: string | null;
  /** Absent where the client cannot say (psycopg2's executemany reports no row count per statement). */
  rows?: number | null;
}

/** Every call of the session, connection by connection (in order on each), as the views load them. */
function sessionCalls(file: string): CallExchange[][] {
  const session = Session.open(file);
  try {
    const byFlow = new Map<number, CallExchange[]>();
    for (const x of session.exchanges({ orderBy: 'req_started' })) {
      const c = session.call(Number(x.id));
      if (!c) continue;
      (byFlow.get(c.flowId) ?? byFlow.set(c.flowId, []).get(c.flowId)!).push(c);
    }
    return [...byFlow.values()].map((calls) => calls.sort((a, b) => a.seq - b.seq));
  } finally {
    session.close();
  }
}

/** The server's process name: over a unix socket there is no port to select by, so its end is recorded. */
const SERVER_COMM = { pg: 'postgres', mariadb: 'mariadbd', redis: 'redis-server' };

async function record(server: DbServer, via: Via, comm: string, run: () => Promise<unknown>): Promise<string> {
  const rec = await recordWhile(via === 'tcp' ? ['--port', String(server.port)] : ['--comm', comm], run);
  expect(rec.code, rec.stderr).toBe(0);
  return rec.file;
}

/** A parameter as the wire carries it in text: what the session shows. */
const asText = (v: unknown): string | null => {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  throw new Error(`a parameter tinytap cannot be compared with: ${JSON.stringify(v)}`);
};

/**
 * The rows a PostgreSQL result says it has: the CommandComplete tag's number when the client
 * kept the tag (psycopg2's rowcount is -1 where it does not know), else its rowCount.
 */
function pgRows(results: { rowCount?: number | null; tag?: string; command?: string }[]): number | null | undefined {
  if (!results.length) return undefined;
  const counts = results.map((r) => {
    if (r.tag !== undefined) {
      const n = /(\d+)$/.exec(r.tag);
      return n ? Number(n[1]) : null;
    }
    return r.rowCount ?? null;
  });
  return counts.every((n) => n === null) ? null : counts.reduce<number>((s, n) => s + (n ?? 0), 0);
}

/** The session's side, saying rows only where the client's side does. */
function comparable(said: Said[], expected: Said[]): Said[] {
  return said.map((x, i) => (expected[i] && !('rows' in expected[i]) ? (({ rows: _, ...rest }) => rest)(x) : x));
}

function pgSaid(c: CallExchange): Said {
  return { text: c.text, ...(c.params ? { params: c.params } : {}), error: c.errorCode, rows: c.rows };
}

function pgExpected(account: Account): Said[] {
  return account.calls.map((c) => {
    const rows = c.error ? null : pgRows(c.results);
    return {
      text: (c.sent ?? c.sql) as string,
      ...(c.protocol === 'extended' && c.params ? { params: (c.params as unknown[]).map(asText) } : {}),
      error: (c.error?.code as string | undefined) ?? null,
      ...(rows === undefined ? {} : { rows }),
    };
  });
}

function onlyCalls(flows: CallExchange[][]): CallExchange[] {
  expect(flows).toHaveLength(1);
  return flows[0].filter((c) => !PROTOCOL_STEPS.has(c.operation));
}

describeCapture('database clients against real servers', () => {
  describe('PostgreSQL', () => {
    let pg: PostgresServer;
    beforeAll(async () => {
      pg = await startPostgres();
    });
    afterAll(() => pg?.stop());

    for (const via of ['tcp', 'unix'] as Via[]) {
      for (const client of ['pg', 'psycopg2'] as LibraryClient[]) {
        it(`${client} over ${via}: every query, its parameters, outcome and rows`, async () => {
          let account!: Account;
          const file = await record(pg, via, SERVER_COMM.pg, async () => (account = await runClient(client, pg, via)));
          const calls = onlyCalls(sessionCalls(file));
          const expected = pgExpected(account);
          expect(comparable(calls.map(pgSaid), expected)).toEqual(expected);
          expect(calls.every((c) => c.database === 'app' && c.user === 'app')).toBe(true);
          // the NOTICE a DO block raised is kept with its call
          const notices = calls.filter((c) => Array.isArray(c.more.notices) && c.more.notices.length);
          expect(notices.map((c) => c.text)).toEqual(account.calls.filter((c) => c.notices?.length).map((c) => c.sent ?? c.sql));
          expect(readFileSync(file).includes(pg.password)).toBe(false);
        });
      }

      it(`psql over ${via}: the session's statements, errors and COPY`, async () => {
        const account = JSON.parse(readFileSync(`${DB_CLIENTS}/psql-session.account.json`, 'utf8')) as Account;
        const file = await record(pg, via, SERVER_COMM.pg, () => runPsqlSession(pg, via));
        const calls = onlyCalls(sessionCalls(file));
        const expected = pgExpected(account).map(({ params: _, ...rest }) => rest);
        expect(comparable(calls.map((c) => ({ text: c.text, error: c.errorCode, rows: c.rows })), expected)).toEqual(expected);
      });
    }
  });

  describe('MariaDB', () => {
    let db: MariadbServer;
    beforeAll(async () => {
      db = await startMariadb();
    });
    afterAll(() => db?.stop());

    /**
     * A parameter as the binary protocol carries it: mysql2 sends a Date as a DATETIME in the
     * local time zone, with microseconds; the account prints it as JSON does (UTC ISO).
     */
    function mysqlParam(v: unknown): string | null {
      if (typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(v)) {
        const d = new Date(v);
        const p = (n: number, w = 2) => String(n).padStart(w, '0');
        return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds() * 1000, 6)}`;
      }
      return asText(v);
    }

    /** MySQL's calls as the client lists them: a prepare-and-execute is two on the wire. */
    function mysqlExpected(account: Account): Said[] {
      const rowsOf = (results: Record<string, any>[]) =>
        results.length ? results.reduce((s, r) => s + (Array.isArray(r.rows) ? r.rows.length : Number(r.affectedRows ?? 0)), 0) : null;
      const out: Said[] = [];
      for (const c of account.calls) {
        const error = (c.error?.sqlState as string | undefined) ?? null;
        const rows = c.error ? null : rowsOf(c.results ?? []);
        const params = c.params ? (c.params as unknown[]).map(mysqlParam) : undefined;
        switch (c.command) {
          case 'COM_QUERY':
            out.push({ text: (c.sent ?? c.sql) as string, error, rows });
            break;
          case 'COM_STMT_PREPARE':
            out.push({ text: c.sql as string, error, rows: null });
            break;
          case 'COM_STMT_PREPARE+COM_STMT_EXECUTE':
            out.push({ text: c.sql as string, error: null, rows: null }, { text: c.sql as string, params, error, rows });
            break;
          case 'COM_STMT_EXECUTE':
            out.push({ text: c.sql as string, params, error, rows });
            break;
          case 'COM_INIT_DB':
            // its OK carries no row count worth showing: the parser leaves it out
            out.push({ text: c.schema as string, error, rows: null });
            break;
          case 'COM_QUIT':
            break;
          default:
            out.push({ text: '', error, rows: null });
        }
      }
      return out;
    }

    for (const via of ['tcp', 'unix'] as Via[]) {
      it(`mysql2 over ${via}: queries, prepared statements with their parameters, errors`, async () => {
        let account!: Account;
        const file = await record(db, via, SERVER_COMM.mariadb, async () => (account = await runClient('mysql2', db, via)));
        const calls = onlyCalls(sessionCalls(file));
        const said = calls.map((c) => ({ text: c.text, ...(c.params ? { params: c.params } : {}), error: c.errorCode, rows: c.rows }));
        expect(said).toEqual(mysqlExpected(account));
        expect(readFileSync(file).includes(db.password)).toBe(false);
      });

      it(`the mariadb CLI over ${via}: its statements, USE, errors and multi-statements`, async () => {
        const account = JSON.parse(readFileSync(`${DB_CLIENTS}/mariadb-session.account.json`, 'utf8')) as Account;
        const file = await record(db, via, SERVER_COMM.mariadb, () => runMariadbSession(db, via));
        const calls = onlyCalls(sessionCalls(file));
        expect(calls.map((c) => ({ text: c.text, error: c.errorCode, rows: c.rows }))).toEqual(mysqlExpected(account).map(({ text, error, rows }) => ({ text, error, rows })));
      });
    }
  });

  describe('Redis', () => {
    let redis: DbServer;
    beforeAll(async () => {
      redis = await startRedis();
    });
    afterAll(() => redis?.stop());

    /** A Redis call as both sides can say it: its arguments (the command upper-cased), and its error's first word. */
    const argv = (c: CallExchange) => [c.operation.split(' ')[0], ...(c.params ?? [])];

    /** Per connection of the account, its commands and pushed messages, in order. */
    function redisExpected(account: Account): { argv: (string | null)[]; error: string | null }[][] {
      const byConn = new Map<number, { argv: (string | null)[]; error: string | null }[]>();
      for (const c of account.calls) {
        const list = byConn.get(c.conn as number) ?? byConn.set(c.conn as number, []).get(c.conn as number)!;
        if (c.received) list.push({ argv: ['MESSAGE'], error: null });
        else list.push({ argv: [String(c.cmd[0]).toUpperCase(), ...(c.cmd as string[]).slice(1)], error: c.error ? String(c.error).split(' ')[0] : null });
      }
      return [...byConn.values()];
    }

    function sessionSaid(flows: CallExchange[][]) {
      return flows.map((calls) => calls.map((c) => ({ argv: c.oneWay ? ['MESSAGE'] : argv(c), error: c.errorCode })));
    }

    for (const via of ['tcp', 'unix'] as Via[]) {
      it(`ioredis over ${via}: commands on every connection, pipelines, MULTI/EXEC, pub/sub, RESP3`, async () => {
        let account!: Account;
        const file = await record(redis, via, SERVER_COMM.redis, async () => (account = await runClient('ioredis', redis, via)));
        const flows = sessionCalls(file);
        // connections are matched by what they said: the account numbers them its own way
        const key = (l: { argv: unknown[] }[]) => JSON.stringify(l.map((x) => x.argv));
        expect(sessionSaid(flows).sort((a, b) => key(a).localeCompare(key(b)))).toEqual(redisExpected(account).sort((a, b) => key(a).localeCompare(key(b))));
        // a pushed message is one-way, and names its channel
        const messages = flows.flat().filter((c) => c.oneWay);
        expect(messages.length).toBe(account.calls.filter((c) => c.received).length);
        expect(messages.every((c) => c.names.includes('news') || c.text.includes('news'))).toBe(true);
      });

      it(`redis-cli over ${via}: one command at a time, quoted arguments, errors, SELECT`, async () => {
        const account = JSON.parse(readFileSync(`${DB_CLIENTS}/redis-cli-session.account.json`, 'utf8')) as Account;
        const file = await record(redis, via, SERVER_COMM.redis, () => runRedisCliSession(redis, via));
        const flows = sessionCalls(file);
        expect(sessionSaid(flows)).toEqual(redisExpected(account));
        // SELECT 1 moves the later calls to database 1, SELECT 0 back
        const dbs = flows[0].map((c) => [c.operation, c.database]);
        expect(dbs.find(([op]) => op === 'DBSIZE')).toEqual(['DBSIZE', '1']);
        expect(dbs.at(-1)).toEqual(['DEL', '0']);
      });
    }
  });
});
