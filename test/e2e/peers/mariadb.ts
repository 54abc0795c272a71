/**
 * A private MariaDB server for a test: its own data directory in a temp dir, on a free loopback
 * port and a unix socket in that dir, and the real `mariadb` client to talk to it. It runs as
 * root (`--user=root`): unlike postgres, mariadbd allows it when told so, and root then reaches
 * it through the socket with unix_socket auth, no password.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { freePort, waitForPort } from '../harness.js';
import { exited, outputOf, requireProgram, runProgram, stopAtEnd } from '../programs.js';

export interface Mariadb {
  port: number;
  /** The server's unix socket (a file: the client's `--socket`). */
  socketPath: string;
  /** mariadbd's pid. */
  pid: number;
  proc: ChildProcess;
  /** Its error log (inside the temp dir, so gone after stop()). */
  log: string;
  /** The general query log: every command each connection sent, as the server read it. */
  generalLog: string;
  stop: () => Promise<void>;
}

const START_TIMEOUT_MS = 30_000;

/**
 * Server settings for a small, fast, throwaway server, for mariadb-install-db and mariadbd
 * alike (the redo log size must agree between them, or mariadbd rebuilds it at start).
 * --no-defaults first: /etc/mysql/my.cnf would point the datadir and socket at the system's.
 */
function serverOptions(data: string): string[] {
  return [
    '--no-defaults',
    `--datadir=${data}`,
    '--user=root',
    '--skip-name-resolve', // clients are 127.0.0.1 and localhost; no DNS at connect
    '--innodb-buffer-pool-size=16M',
    '--innodb-log-file-size=8M', // the default 96M is most of the start-up time and disk
  ];
}

/**
 * `cmd args` under eatmydata when it is installed: fsync becomes a no-op. mariadb-install-db
 * syncs its DDL log and system tables about a thousand times, which is most of a start (4 s
 * rather than 0.8 s on a busy machine); the server's own DDL (the seed) syncs too. eatmydata
 * execs the command, so the pid is still the server's.
 */
function withoutSync(cmd: string, args: string[]): [string, string[]] {
  try {
    return [requireProgram('eatmydata'), [requireProgram(cmd), ...args]];
  } catch {
    return [cmd, args];
  }
}

export async function startMariadb(): Promise<Mariadb> {
  // under /tmp, not $TMPDIR: a unix socket path must stay under 108 bytes
  const dir = mkdtempSync('/tmp/tinytap-mariadb-');
  const data = join(dir, 'data');
  const log = join(dir, 'error.log');
  const socketPath = join(dir, 'mysqld.sock');
  const generalLog = join(dir, 'general.log');

  try {
    // --skip-test-db: no `test` database open to anyone; root logs in by unix_socket only
    await outputOf(...withoutSync('mariadb-install-db', [
      ...serverOptions(data),
      '--skip-test-db',
      '--auth-root-authentication-method=socket',
    ]), { cwd: dir });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed: ${(err as Error).message}`);
  }

  const port = await freePort();
  const logFd = openSync(log, 'a');
  const [server, serverArgs] = withoutSync('mariadbd', [
    ...serverOptions(data),
    `--socket=${socketPath}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    `--pid-file=${join(dir, 'mariadbd.pid')}`,
    `--log-error=${log}`,
    '--skip-log-bin',
    '--innodb-flush-log-at-trx-commit=0', // a throwaway server need not survive a power cut
    '--max-connections=50',
    // the server's own account of every command a client sends (COM_QUERY, COM_INIT_DB, ...)
    '--general-log=1',
    `--general-log-file=${generalLog}`,
  ]);
  const proc = spawn(requireProgram(server), serverArgs, { cwd: dir, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  const gone = exited(proc);

  const stop = stopAtEnd(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM'); // a normal shutdown: it closes client connections itself
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  try {
    await ready(port, socketPath, gone);
  } catch (err) {
    const tail = logTail(log);
    await stop();
    throw new Error(`mariadbd did not start: ${(err as Error).message}${tail ? `; log: ${tail}` : ''}`);
  }
  return { port, socketPath, pid: proc.pid!, proc, log, generalLog, stop };
}

function logTail(log: string): string {
  try {
    return readFileSync(log, 'utf8').trim().split('\n').slice(-5).join(' | ');
  } catch {
    return '';
  }
}

/**
 * Wait until a real query answers through the socket. mariadbd opens its TCP port before the
 * socket and before it accepts anyone, so the port then accepts too (checked all the same).
 */
async function ready(port: number, socketPath: string, gone: Promise<void>): Promise<void> {
  let exitedEarly = false;
  void gone.then(() => (exitedEarly = true));
  const deadline = Date.now() + START_TIMEOUT_MS;
  const args = ['--no-defaults', `--socket=${socketPath}`, '-uroot', '-e', 'SELECT 1'];
  for (;;) {
    if (exitedEarly) throw new Error('it exited');
    const r = await runProgram('mariadb', args);
    if (r.code === 0) break;
    if (Date.now() > deadline) throw new Error(`mariadb ${args.join(' ')} still fails after ${START_TIMEOUT_MS} ms: ${r.stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await waitForPort(port, '127.0.0.1', Math.max(1, deadline - Date.now()));
}

export interface MariadbOptions {
  /** 'unix' (default): root through the socket; 'tcp': 127.0.0.1:port as `user`. */
  via?: 'unix' | 'tcp';
  user?: string;
  password?: string;
  database?: string;
}

/**
 * Run `sql` with the real mariadb client; its stdout in batch form (-B -N: tab-separated, no
 * column names), so `SELECT 1` gives "1\n". Fails with the client's message if the SQL fails.
 */
export function mariadb(server: Mariadb, sql: string, { via = 'unix', user = 'root', password, database }: MariadbOptions = {}): Promise<string> {
  const target = via === 'unix' ? [`--socket=${server.socketPath}`] : ['--protocol=tcp', '-h', '127.0.0.1', '-P', String(server.port)];
  const args = [
    '--no-defaults',
    ...target,
    `--user=${user}`,
    ...(database === undefined ? [] : [`--database=${database}`]),
    '-B', '-N',
    '-e', sql,
  ];
  // the password through the environment: an error message repeats the argv
  const env = password === undefined ? process.env : { ...process.env, MYSQL_PWD: password };
  return outputOf('mariadb', args, { env });
}
