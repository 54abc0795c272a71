/**
 * Running the real database clients of testdata/clients/db/ against a server of db-servers.ts:
 * the library clients (pg, mysql2, ioredis, psycopg2), which print an account of every call
 * they made (README.md there), and the CLIs (psql, mariadb, redis-cli) on their session files,
 * whose own output is the account.
 *
 * The password always travels in the environment (DB_PASSWORD, PGPASSWORD, MYSQL_PWD,
 * REDISCLI_AUTH), never in argv: the recorder keeps every process's argv, and a capture test
 * checks that the password is nowhere in the session file.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';

import { TESTDATA } from '../e2e/harness.js';
import { type Finished, outputOf, requireProgram, runProgram } from '../e2e/programs.js';
import type { DbServer, PostgresServer } from './db-servers.js';

export const DB_CLIENTS = join(TESTDATA, 'clients/db');

export type Via = 'tcp' | 'unix';

/** What a library client printed: see testdata/clients/db/README.md. */
export interface Account {
  client: string;
  connections: { id: number; via: Via; user: string; database: string; password: boolean; [k: string]: unknown }[];
  /** JSON read back: each client's own fields (README.md there). */
  calls: Record<string, any>[];
}

/**
 * Debian's python3, not the first on PATH: CI's PATH starts with pyenv's shims, whose python
 * has no psycopg2 (python3-psycopg2 installs into /usr/lib/python3/dist-packages).
 */
export const SYSTEM_PYTHON = '/usr/bin/python3';

const LIBRARY_CLIENTS = {
  pg: ['node', 'pg-client.mjs'],
  psycopg2: [SYSTEM_PYTHON, 'psycopg2-client.py'],
  mysql2: ['node', 'mysql2-client.mjs'],
  ioredis: ['node', 'ioredis-client.mjs'],
} as const;

export type LibraryClient = keyof typeof LIBRARY_CLIENTS;

/** libpq takes a socket's directory as its host; the others take the socket file. */
function socketFor(server: DbServer): string {
  return (server as PostgresServer).socketDir ?? server.socketPath;
}

/** The options every client in testdata/clients/db/ reads (args.mjs there), password aside. */
export function clientArgs(server: DbServer, via: Via = 'tcp'): string[] {
  const where = via === 'tcp' ? ['--host', server.host] : ['--socket', socketFor(server)];
  return [...where, '--port', String(server.port), '--user', server.user, '--database', server.database];
}

/** The client's command line: [program, args] (for a test that spawns it itself, or records it). */
export function clientCommand(client: LibraryClient, server: DbServer, via: Via = 'tcp'): [string, string[]] {
  const [program, script] = LIBRARY_CLIENTS[client];
  return [program, [join(DB_CLIENTS, script), ...clientArgs(server, via)]];
}

/** The environment the clients and CLIs read the password from. */
export function passwordEnv(server: DbServer): NodeJS.ProcessEnv {
  const pw = server.password;
  return { ...process.env, DB_PASSWORD: pw, PGPASSWORD: pw, MYSQL_PWD: pw, ...(pw ? { REDISCLI_AUTH: pw } : {}) };
}

/** Run a library client to its end; its account. Fails with its stderr if it fails. */
export async function runClient(client: LibraryClient, server: DbServer, via: Via = 'tcp'): Promise<Account> {
  const [program, args] = clientCommand(client, server, via);
  const out = await outputOf(program, args, { env: passwordEnv(server) });
  return JSON.parse(out) as Account;
}

/**
 * psql -f psql-session.sql: every statement echoed (-e) then its result, errors on stderr and
 * the script goes on (ON_ERROR_STOP off). No TLS and no GSS request first: the first message
 * on the wire is the StartupMessage, so the bytes a test records are plaintext.
 */
export function runPsqlSession(pg: PostgresServer, via: Via = 'tcp') {
  const host = via === 'tcp' ? pg.host : pg.socketDir;
  const args = ['-X', '-e', '-v', 'ON_ERROR_STOP=0', '-h', host, '-p', String(pg.port), '-U', pg.user, '-d', pg.database, '-f', join(DB_CLIENTS, 'psql-session.sql')];
  return runProgram('psql', args, { env: { ...passwordEnv(pg), PGSSLMODE: 'disable', PGGSSENCMODE: 'disable', PGAPPNAME: 'psql-session' } });
}

/**
 * mariadb --force < mariadb-session.sql: goes on after an error; -vvv echoes each statement
 * before its result, -t keeps the tables (stdin not a terminal would mean tab-separated). --skip-ssl: the client would otherwise ask for TLS
 * and the recorded bytes would not be the protocol in clear.
 */
export function runMariadbSession(db: DbServer, via: Via = 'tcp') {
  const target = via === 'tcp' ? ['--protocol=tcp', '-h', db.host, '-P', String(db.port)] : [`--socket=${db.socketPath}`];
  const args = ['--no-defaults', ...target, '--skip-ssl', `--user=${db.user}`, `--database=${db.database}`, '--force', '-t', '-vvv'];
  return runWithInput('mariadb', args, join(DB_CLIENTS, 'mariadb-session.sql'), passwordEnv(db));
}

/** redis-cli < redis-cli-session.txt: one reply per line, as redis-cli prints when stdout is a pipe. */
export function runRedisCliSession(redis: DbServer, via: Via = 'tcp') {
  const target = via === 'tcp' ? ['-h', redis.host, '-p', String(redis.port)] : ['-s', redis.socketPath];
  return runWithInput('redis-cli', target, join(DB_CLIENTS, 'redis-cli-session.txt'), passwordEnv(redis));
}

/** Run `cmd` with `file` as its stdin (`cmd < file`, no shell): its exit code and output. */
function runWithInput(cmd: string, args: string[], file: string, env: NodeJS.ProcessEnv): Promise<Finished<string>> {
  const input = openSync(file, 'r');
  const proc = spawn(requireProgram(cmd), args, { env, stdio: [input, 'pipe', 'pipe'] });
  closeSync(input);
  let stdout = '';
  let stderr = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    proc.on('error', reject);
    proc.on('close', (code, signal) => (signal ? reject(new Error(`${cmd} was killed by ${signal}: ${stderr}`)) : resolve({ code: code ?? 0, stdout, stderr })));
  });
}
