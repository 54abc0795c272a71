/**
 * A private PostgreSQL server for a test: its own cluster in a temp dir, trust auth (or a
 * password over TCP, see StartOptions), on a free loopback port and a unix socket in that dir,
 * run as the `postgres` system user because initdb and postgres refuse to run as root.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { freePort } from '../harness.js';
import { exited, outputOf, requireProgram, runProgram, stopAtEnd } from '../programs.js';

export interface Postgres {
  port: number;
  /** The directory holding the unix socket (`.s.PGSQL.<port>`): psql's `-h` for it. */
  socketDir: string;
  /** The postmaster's pid (setpriv execs it, so this is postgres itself). */
  pid: number;
  proc: ChildProcess;
  /** The server's log file (inside socketDir, so gone after stop()). */
  log: string;
  stop: () => Promise<void>;
}

const START_TIMEOUT_MS = 30_000;
const PG_ROOT = '/usr/lib/postgresql';

/**
 * The newest server's bin directory. Debian installs initdb and postgres only there: the
 * /usr/bin wrappers cover clients, and a fresh machine has no /usr/local/bin/initdb.
 */
export function postgresBinDir(): string {
  const versions = existsSync(PG_ROOT) ? readdirSync(PG_ROOT).filter((v) => existsSync(join(PG_ROOT, v, 'bin/initdb'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error(`no initdb under ${PG_ROOT}/*/bin: apt-get install postgresql`);
  return join(PG_ROOT, versions[0], 'bin');
}

/** uid and gid of a system user, from /etc/passwd. */
function systemUser(name: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`no "${name}" system user: the postgresql package creates it (apt-get install postgresql)`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** argv that runs `cmd` as the postgres user; setpriv execs, so no extra process in between. */
function asPostgres(cmd: string, args: string[]): [string, string[]] {
  return [requireProgram('setpriv'), ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', cmd, ...args]];
}

export interface StartOptions {
  /**
   * How TCP clients log in: 'trust' (default: the wire starts with the query, no auth round
   * trip) or 'scram-sha-256' (a real SASL exchange, as on a production server). The unix
   * socket is always trust, so the test itself can set things up without a password.
   */
  hostAuth?: 'trust' | 'scram-sha-256';
}

export async function startPostgres({ hostAuth = 'trust' }: StartOptions = {}): Promise<Postgres> {
  const bin = postgresBinDir();
  const user = systemUser('postgres');
  // under /tmp, not $TMPDIR: the postgres user must reach it, and a unix socket path is short
  const dir = mkdtempSync('/tmp/tinytap-pg-');
  chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };

  // --no-sync: a throwaway cluster need not survive a power cut, and fsync is the slow part
  const [setpriv, initdb] = asPostgres(join(bin, 'initdb'), ['-D', data, '--auth-local=trust', `--auth-host=${hostAuth}`, '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
  await outputOf(setpriv, initdb, { cwd: dir, env });

  const port = await freePort();
  const log = join(dir, 'postgres.log');
  const logFd = openSync(log, 'a');
  const [cmd, args] = asPostgres(join(bin, 'postgres'), [
    '-D', data,
    '-p', String(port),
    '-k', dir, // the unix socket directory
    '-c', 'listen_addresses=127.0.0.1',
    '-c', 'fsync=off',
    '-c', 'synchronous_commit=off',
    '-c', 'full_page_writes=off',
    '-c', 'max_connections=20',
    '-c', 'shared_buffers=16MB',
  ]);
  const proc = spawn(cmd, args, { cwd: dir, env, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  const gone = exited(proc);

  const stop = stopAtEnd(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGINT'); // "fast shutdown": ends client sessions rather than wait for them
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  try {
    await ready(bin, port, dir, gone);
  } catch (err) {
    const tail = readFileSync(log, 'utf8').trim().split('\n').slice(-3).join(' | ');
    await stop();
    throw new Error(`postgres did not start: ${(err as Error).message}${tail ? `; log: ${tail}` : ''}`);
  }
  return { port, socketDir: dir, pid: proc.pid!, proc, stop, log };
}

/** Wait until pg_isready answers on both the TCP port and the unix socket. */
async function ready(bin: string, port: number, socketDir: string, gone: Promise<void>): Promise<void> {
  let exitedEarly = false;
  void gone.then(() => (exitedEarly = true));
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (const host of ['127.0.0.1', socketDir]) {
    for (;;) {
      if (exitedEarly) throw new Error('it exited');
      const r = await runProgram(join(bin, 'pg_isready'), ['-q', '-h', host, '-p', String(port), '-t', '1']);
      if (r.code === 0) break;
      if (Date.now() > deadline) throw new Error(`pg_isready -h ${host} still fails after ${START_TIMEOUT_MS} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export interface PsqlOptions {
  /** 'tcp' (default): 127.0.0.1:port; 'unix': the socket in socketDir. */
  via?: 'tcp' | 'unix';
  /**
   * Let libpq ask for TLS first (SSLRequest, answered 'N' by this server) as psql does by
   * default. Off by default, so a connection starts with the StartupMessage.
   */
  sslRequest?: boolean;
  /** The database to connect to, as the postgres superuser (default: postgres). */
  database?: string;
}

/**
 * Run `sql` with the real psql client; its stdout, unaligned and without headers (-A -t), so
 * `SELECT 1` gives "1\n". Fails with psql's message if the SQL fails.
 */
export function psql(pg: Postgres, sql: string, { via = 'tcp', sslRequest = false, database = 'postgres' }: PsqlOptions = {}): Promise<string> {
  const host = via === 'tcp' ? '127.0.0.1' : pg.socketDir;
  const env = {
    ...process.env,
    PGSSLMODE: sslRequest ? 'prefer' : 'disable',
    PGGSSENCMODE: 'disable', // no GSSENCRequest before the startup message either
  };
  const args = ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', host, '-p', String(pg.port), '-U', 'postgres', '-d', database, '-c', sql];
  return outputOf(join(postgresBinDir(), 'psql'), args, { env });
}
