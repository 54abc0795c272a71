/**
 * The real clients of testdata/clients/db/ against real servers, over TCP and the unix socket:
 * each account (printed by the library clients, written by hand for the CLIs) must say what the
 * server itself logged, in the same order, so that a capture test comparing an account with
 * what tinytap recorded compares it with the truth.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { describeCapture } from '../e2e/harness.js';
import { type Account, DB_CLIENTS, type Via, runClient, runMariadbSession, runPsqlSession, runRedisCliSession } from './db-clients.js';
import { type LoggedSession, type MariadbCommand, type PostgresStatement, mariadbCommands, monitorRedis, postgresStatements } from './db-server-logs.js';
import { type DbServer, type MariadbServer, type PostgresServer, startMariadb, startPostgres, startRedis } from './db-servers.js';

const SLOW = 60_000;
const VIAS: Via[] = ['tcp', 'unix'];

type Call = Account['calls'][number];

function handWritten(name: string): Account {
  return JSON.parse(readFileSync(join(DB_CLIENTS, name), 'utf8')) as Account;
}

/**
 * Run `fn`, then the one session it added to a log file (read from where the file ended). A
 * server may log the end of a session after the client has already exited (MariaDB writes
 * `Quit` when its thread sees the close), so the log is read again until `complete` holds or
 * a few seconds pass; a session that never completes fails on the comparison that follows.
 */
async function loggedDuring<T, R>(
  file: string,
  parse: (text: string) => LoggedSession<T>[],
  fn: () => Promise<R>,
  complete: (commands: T[]) => boolean = () => true,
): Promise<[R, T[]]> {
  const from = readFileSync(file).length;
  const result = await fn();
  const read = () => parse(readFileSync(file).subarray(from).toString('utf8'));
  let sessions = read();
  for (const deadline = Date.now() + 5_000; Date.now() < deadline && !(sessions.length === 1 && complete(sessions[0].commands)); sessions = read()) {
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(sessions, 'one connection in the server log').toHaveLength(1);
  return [result, sessions[0].commands];
}

const errorCodes = (calls: Call[]) => calls.filter((c) => c.error).map((c) => c.error.code ?? c.error.errno ?? c.error);

describeCapture('db clients: PostgreSQL', () => {
  let pg: PostgresServer;
  beforeAll(async () => (pg = await startPostgres()), SLOW);
  afterAll(() => pg?.stop(), SLOW);
  const statements = (fn: () => Promise<unknown>) => loggedDuring<PostgresStatement, unknown>(pg.log, postgresStatements, fn);

  it.each(VIAS)('pg over %s: every call, in order, as the server logged it', async (via) => {
    const [account, logged] = (await statements(() => runClient('pg', pg, via))) as [Account, PostgresStatement[]];
    expect(logged.map((s) => s.sql)).toEqual(account.calls.map((c) => c.sql));
    // a named statement executes under its name; the unnamed ones as <unnamed>
    const named = account.calls.map((c, i) => [c.statement, logged[i]] as const).filter(([name]) => name);
    expect(named.map(([, s]) => s.name)).toEqual(['order-total', 'order-total']);
    expect(errorCodes(account.calls)).toEqual(['42P01', '22P02', '22012']);
    expect(account.calls.at(-1)!.notices).toEqual([{ severity: 'NOTICE', code: '00000', message: 'hello from pg-client' }]);
    expect(account.connections[0]).toMatchObject({ via, user: 'app', database: 'app', password: true });
  }, SLOW);

  it.each(VIAS)('psycopg2 over %s: what it sent, implicit BEGIN/COMMIT/ROLLBACK included', async (via) => {
    const [account, logged] = (await statements(() => runClient('psycopg2', pg, via))) as [Account, PostgresStatement[]];
    expect(logged.map((s) => s.sql)).toEqual(account.calls.map((c) => c.sent));
    expect(logged.every((s) => s.kind === 'statement')).toBe(true); // psycopg2 never uses the extended protocol
    expect(account.calls.filter((c) => c.call === 'executemany')).toHaveLength(3);
    expect(errorCodes(account.calls)).toEqual(['42P01', '22012']);
  }, SLOW);

  it.each(VIAS)('psql -f over %s: the hand-written account, and psql says the error and the NOTICE', async (via) => {
    const [run, logged] = await statements(() => runPsqlSession(pg, via));
    const account = handWritten('psql-session.account.json');
    expect(logged.map((s) => s.sql)).toEqual(account.calls.map((c) => c.sql));
    const { code, stdout, stderr } = run as { code: number; stdout: string; stderr: string };
    expect(code).toBe(0); // ON_ERROR_STOP off: the error does not end the script
    expect(stderr).toMatch(/ERROR: {2}relation "no_such_table" does not exist/);
    expect(stderr).toMatch(/NOTICE: {2}hello from psql-session/);
    expect(stdout).toContain('1,Ada Lovelace\n2,Alan Turing\n');
    expect(stdout).toMatch(/ answer \n-+\n +42\n\(1 row\)/);
  }, SLOW);
});

describeCapture('db clients: MariaDB', () => {
  let db: MariadbServer;
  beforeAll(async () => (db = await startMariadb()), SLOW);
  afterAll(() => db?.stop(), SLOW);
  const commands = (fn: () => Promise<unknown>) =>
    loggedDuring<MariadbCommand, unknown>(db.generalLog, mariadbCommands, fn, (logged) => logged.at(-1)?.command === 'Quit');

  /** What the general log shows for an account's call (it logs neither COM_PING nor a failed Prepare). */
  function expectedLog(c: Call): string[] {
    switch (c.command) {
      case 'COM_QUERY': return [`Query ${c.sent ?? c.sql}`];
      case 'COM_STMT_PREPARE+COM_STMT_EXECUTE': return [`Prepare ${c.sql}`, 'Execute'];
      case 'COM_STMT_EXECUTE': return ['Execute'];
      case 'COM_INIT_DB': return [`Init DB ${c.schema}`];
      case 'COM_QUIT': return ['Quit'];
      default: return [];
    }
  }
  const shown = (logged: MariadbCommand[]) =>
    logged.filter((c) => c.command !== 'Connect').map((c) => (c.command === 'Execute' ? 'Execute' : `${c.command} ${c.argument}`.trimEnd()));

  it.each(VIAS)('mysql2 over %s: every call, in order, as the server logged it', async (via) => {
    const [account, logged] = (await commands(() => runClient('mysql2', db, via))) as [Account, MariadbCommand[]];
    expect(shown(logged)).toEqual([...account.calls.flatMap(expectedLog), 'Quit']);
    expect(errorCodes(account.calls)).toEqual(['ER_NO_SUCH_TABLE', 'ER_NO_SUCH_TABLE']);
    // the binary protocol's values, as the server read them
    expect(logged.find((c) => c.command === 'Execute')!.argument).toBe("SELECT 42 AS i, 'hello' AS s, NULL AS n, TIMESTAMP'2026-12-03 10:20:30' AS d");
  }, SLOW);

  it.each(VIAS)('mariadb < script over %s: the hand-written account, and the client says the error', async (via) => {
    const [run, logged] = await commands(() => runMariadbSession(db, via));
    const account = handWritten('mariadb-session.account.json');
    expect(shown(logged)).toEqual(account.calls.flatMap(expectedLog));
    const { code, stdout, stderr } = run as { code: number; stdout: string; stderr: string };
    expect(code).toBe(0); // --force
    expect(stderr).toMatch(/ERROR 1146 \(42S02\) at line \d+: Table 'app.no_such_table' doesn't exist/);
    expect(stdout).toContain('| Ken Thompson    | NULL                |');
  }, SLOW);
});

describeCapture('db clients: Redis', () => {
  let redis: DbServer;
  beforeAll(async () => (redis = await startRedis()), SLOW);
  afterAll(() => redis?.stop(), SLOW);

  const lower = (args: unknown[]) => args.map((a, i) => (i === 0 ? String(a).toLowerCase() : String(a)));

  it.each(VIAS)('ioredis over %s: every command on every connection, as MONITOR saw it', async (via) => {
    const monitor = await monitorRedis(redis);
    const account = await runClient('ioredis', redis, via);
    const sessions = await monitor.stop();
    // MONITOR does not show the commands a server refuses as unknown (CLIENT SETINFO on 7.0)
    const sent = (conn?: number) =>
      account.calls.filter((c) => (conn === undefined || c.conn === conn) && c.cmd && !String(c.error).startsWith('ERR unknown subcommand')).map((c) => lower(c.cmd));
    const monitored = sessions.map((s) => s.commands.map((c) => lower(c.args)));
    if (via === 'tcp') {
      expect(monitored).toEqual([1, 2, 3, 4].map(sent));
    } else {
      // one session for every unix socket client, in the order the server ran them: as a set
      const sorted = (cmds: string[][]) => cmds.map((c) => JSON.stringify(c)).sort();
      expect(sorted(monitored.flat())).toEqual(sorted(sent()));
    }
    expect(account.calls.filter((c) => c.received).map((c) => c.received)).toEqual([
      ['message', 'news', 'first'],
      ['message', 'news', 'second'],
    ]);
    expect(account.calls.find((c) => c.error?.startsWith?.('WRONGTYPE'))?.cmd).toEqual(['lpush', 'greeting', 'x']);
    expect(account.calls.find((c) => c.conn === 3 && c.cmd?.[0] === 'zscore')?.reply).toBe(1.5); // a RESP3 double
  }, SLOW);

  it.each(VIAS)('redis-cli < script over %s: the hand-written account', async (via) => {
    const monitor = await monitorRedis(redis);
    const run = await runRedisCliSession(redis, via);
    const sessions = await monitor.stop();
    const account = handWritten('redis-cli-session.account.json');
    expect(sessions.map((s) => s.commands.map((c) => c.args))).toEqual([account.calls.map((c) => c.cmd)]);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')).toContain('WRONGTYPE Operation against a key holding the wrong kind of value');
  }, SLOW);
});
