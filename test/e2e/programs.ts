/**
 * Finding and running the third-party programs the capture tests compare against (tcpdump,
 * tshark, openssl, psql, redis-cli, ab, wget ...): argument arrays only, never a shell, and one
 * actionable line when a program is missing or fails.
 */
import { type ChildProcess, execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { afterAll } from 'vitest';

/** The Debian package that brings each program (they are listed in .ci/debian-packages). */
const PACKAGE_OF: Record<string, string> = {
  tshark: 'tshark',
  tcpdump: 'tcpdump',
  openssl: 'openssl',
  nginx: 'nginx',
  curl: 'curl',
  wget: 'wget',
  ab: 'apache2-utils',
  'redis-server': 'redis-server',
  'redis-cli': 'redis-tools',
  psql: 'postgresql-client',
  pg_isready: 'postgresql-client',
  initdb: 'postgresql',
  postgres: 'postgresql',
  mariadb: 'mariadb-client',
  'mariadb-admin': 'mariadb-client',
  mariadbd: 'mariadb-server',
  'mariadb-install-db': 'mariadb-server',
  eatmydata: 'eatmydata',
  python3: 'python3',
  setpriv: 'util-linux',
  unshare: 'util-linux',
  go: 'golang-go',
  readelf: 'binutils',
  wrk: 'wrk',
};

function missing(name: string): Error {
  const pkg = PACKAGE_OF[name] ?? name;
  return new Error(`${name} is not installed: apt-get install ${pkg} (it belongs in .ci/debian-packages)`);
}

/** The absolute path of `name` on PATH, or an error naming the package to install. */
export function requireProgram(name: string): string {
  if (name.includes('/')) {
    try {
      accessSync(name, constants.X_OK);
      return name;
    } catch {
      throw missing(name.slice(name.lastIndexOf('/') + 1));
    }
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not in this directory
    }
  }
  throw missing(name);
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** stderr lines that are noise, not news (tshark's warning when run as root). */
  quiet?: RegExp;
}

export interface Finished<T> {
  code: number;
  stdout: T;
  stderr: string;
}

/** stderr without the lines `quiet` matches, trimmed. */
function filterStderr(stderr: string, quiet?: RegExp): string {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '' && !quiet?.test(l));
  return lines.join('\n');
}

function runRaw(cmd: string, args: string[], opts: RunOptions, encoding: 'buffer' | 'utf8'): Promise<Finished<Buffer | string>> {
  const path = requireProgram(cmd);
  return new Promise((resolve, reject) => {
    execFile(
      path,
      args,
      // tshark's JSON for a few MB of traffic is tens of MB: no small default limit
      { env: opts.env, cwd: opts.cwd, encoding, maxBuffer: 1 << 30 },
      (err, stdout, stderr) => {
        const why = filterStderr(String(stderr), opts.quiet);
        if (!err) return resolve({ code: 0, stdout, stderr: why });
        if (typeof err.code === 'number') return resolve({ code: err.code, stdout, stderr: why });
        if (err.signal) return reject(new Error(`${cmd} was killed by ${err.signal}: ${why || '(nothing on stderr)'}`));
        reject(new Error(`${cmd} failed to run: ${err.message.split('\n')[0]}`));
      },
    );
  });
}

/** Run a program to its end; resolves with its exit code and output whatever the code is. */
export function runProgram(cmd: string, args: string[], opts: RunOptions = {}): Promise<Finished<string>> {
  return runRaw(cmd, args, opts, 'utf8') as Promise<Finished<string>>;
}

/** Run a program that must succeed; its stdout, or an error with the command and its stderr. */
export async function outputOf(cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
  const r = await runProgram(cmd, args, opts);
  if (r.code !== 0) throw failed(cmd, args, r);
  return r.stdout;
}

/** outputOf() for binary output (pcaps, raw bodies). */
export async function bytesOf(cmd: string, args: string[], opts: RunOptions = {}): Promise<Buffer> {
  const r = (await runRaw(cmd, args, opts, 'buffer')) as Finished<Buffer>;
  if (r.code !== 0) throw failed(cmd, args, r);
  return r.stdout;
}

export function failed(cmd: string, args: string[], r: { code: number | null; stderr: string }): Error {
  const why = r.stderr.trim().split('\n').slice(0, 3).join(' | ') || '(nothing on stderr)';
  return new Error(`${cmd} ${args.join(' ')} exited with ${r.code}: ${why}`);
}

/** Wait for a process to exit (at once if it has). */
export function exited(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => proc.once('exit', () => resolve()));
}

// ---- what a test started and did not stop ----------------------------------------------------

/**
 * Stop functions of servers and captures still running. A test that fails before its own
 * afterAll stops them would otherwise leave a postgres or a tcpdump running for every later
 * test file (and, for postgres, its shared memory and temp dir behind).
 */
const running = new Set<() => Promise<unknown>>();
afterAll(async () => {
  await Promise.allSettled([...running].map((stop) => stop()));
});

/** Make `stop` idempotent and run it when the test file ends if nobody did before. */
export function stopAtEnd(stop: () => Promise<void>): () => Promise<void> {
  let once: Promise<void> | undefined;
  const wrapped = () => {
    running.delete(wrapped);
    return (once ??= stop());
  };
  running.add(wrapped);
  return wrapped;
}
