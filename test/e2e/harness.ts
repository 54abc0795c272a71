/**
 * What the capture tests share: the root check (in CI they must run, never skip), running the
 * real `tinytap record` around some traffic, real servers on loopback, and reading back what
 * the session file holds.
 */
import Database from 'better-sqlite3';
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe } from 'vitest';

import type { Exchange } from '../../src/model/exchange.js';
import { EventReader, type SessionEvent } from '../../src/session/event-reader.js';
import { Session } from '../../src/session/session.js';
import { nginxConf } from '../../testdata/servers/nginx-conf.mjs';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = join(ROOT, 'bin/tinytap.js');
export const TESTDATA = join(ROOT, 'testdata');

const isRoot = process.getuid?.() === 0;

/**
 * describe() for tests that load BPF programs. Outside CI without root they are skipped with a
 * note; in CI (CI=true) they always run, so a missing privilege fails loudly instead.
 */
export function describeCapture(name: string, fn: () => void): void {
  if (isRoot || process.env.CI === 'true') {
    describe(name, fn);
  } else {
    process.stderr.write(`skipping capture tests "${name}": they need root (run as root, or set CI=true to force)\n`);
    describe.skip(name, fn);
  }
}

/** Every exchange of a session, whole, in time order. */
export function exchangesOf(file: string): Exchange[] {
  const session = Session.open(file);
  try {
    return [...session.iterateWholeExchanges({ orderBy: 'req_started' })];
  } finally {
    session.close();
  }
}

export function tempDir(prefix = 'tinytap-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Another user for the tests where one attacks root's files: nobody, run through setpriv. */
export const NOBODY = 65534;

/** Run a command as nobody (its own group only), as another local user would. */
export function asNobody(cmd: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', cmd, ...args], { encoding: 'latin1' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A directory in /tmp where nobody can create files and root records: sticky like /tmp itself
 * (1777), or writable by nobody's group only (1770).
 */
export function sharedDir(mode: 0o1777 | 0o1770): string {
  const dir = mkdtempSync(join(tmpdir(), 'tinytap-shared-'));
  chownSync(dir, 0, NOBODY);
  chmodSync(dir, mode);
  return dir;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export async function waitForPort(port: number, host = '127.0.0.1', timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, host, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Server {
  proc: ChildProcess;
  port: number;
  /** An arrow, not a method: peers pass it on detached (stopAtEnd(server.stop)). */
  stop: () => Promise<void>;
}

export async function startServer(cmd: string, args: string[], port: number, opts: { cwd?: string; host?: string } = {}): Promise<Server> {
  const proc = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  try {
    await waitForPort(port, opts.host);
  } catch (err) {
    proc.kill('SIGKILL');
    throw new Error(`${cmd} ${args.join(' ')} did not start: ${stderr || (err as Error).message}`);
  }
  return {
    proc,
    port,
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

export async function startPythonHttp(dir: string): Promise<Server> {
  const port = await freePort();
  return startServer('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', dir], port);
}

export async function startNodeServer(): Promise<Server> {
  const port = await freePort();
  return startServer('node', [join(TESTDATA, 'servers/node-http-server.mjs'), String(port)], port);
}

/**
 * nginx as a developer runs it: one worker, sendfile on, serving `root`. `extra` goes into the
 * server block, `listen` onto its listen directive (`ssl`, see startNginxTls in peers.ts).
 */
export async function startNginx(root: string, extra = '', { listen = '' }: { listen?: string } = {}): Promise<Server> {
  const port = await freePort();
  const prefix = tempDir('tinytap-nginx-');
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    nginxConf({
      prefix,
      port,
      listen,
      http: 'tcp_nopush on;\n  default_type application/octet-stream;',
      server: `root ${root};\n    ${extra}`,
    }),
  );
  return startServer('nginx', ['-p', prefix, '-c', conf], port);
}

export interface Recorded {
  file: string;
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Recorders still running when a test file ends (a test failed or timed out before stopping
 * its own): left attached they would slow every later test and benchmark on the machine.
 */
const recorders = new Set<ChildProcess>();
afterAll(() => {
  for (const p of recorders) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

/** Run `tinytap record` with args; resolves with its output once it exits. */
export function runRecorder(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}) {
  const proc = spawn(process.execPath, [CLI, 'record', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  recorders.add(proc);
  proc.on('exit', () => recorders.delete(proc));
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d) => (stdout += d));
  proc.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<void>((resolve, reject) => {
    const check = () => {
      if (stderr.includes('recording to')) resolve();
    };
    proc.stderr.on('data', check);
    void exited.then(() => reject(new Error(`recorder exited before it started: ${stderr}`)));
  });
  ready.catch(() => {}); // only an error for callers that wait for it
  return {
    proc,
    ready,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
  };
}

/** Record while `traffic` runs, then stop with Ctrl-C (SIGINT). */
export async function recordWhile(args: string[], traffic: () => Promise<unknown>, signal: NodeJS.Signals = 'SIGINT'): Promise<Recorded> {
  const dir = tempDir();
  const file = args.includes('-o') ? args[args.indexOf('-o') + 1] : join(dir, 'session.tinytap');
  const r = runRecorder(args.includes('-o') ? args : ['-o', file, ...args]);
  await r.ready;
  try {
    await traffic();
    // the drain thread hands batches over every 50 ms: let the last ones arrive
    await new Promise((res) => setTimeout(res, 200));
  } finally {
    r.proc.kill(signal);
  }
  const { code, signal: sig } = await r.exited;
  return { file, stdout: r.stdout, stderr: r.stderr, code, signal: sig };
}

export function run(cmd: string, args: string[], opts: { input?: string; cwd?: string } = {}): string {
  return execFileSync(cmd, args, { encoding: 'latin1', input: opts.input, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
}

export function runAsync(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

export function curl(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runAsync('curl', ['-sS', '--noproxy', '*', ...args]);
}

// ---- reading a session back ---------------------------------------------------------------

export interface ConnRow {
  id: number;
  pid: number;
  fd: number;
  family: number;
  type: number;
  protocol: number;
  role: number;
  cause: number;
  error: number;
  local_addr: string | null;
  local_port: number | null;
  remote_addr: string | null;
  remote_port: number | null;
  local_path: string | null;
  peer_path: string | null;
  comm: string | null;
  bytes_sent: number;
  bytes_received: number;
  closed_at: bigint | null;
}

export class SessionView {
  readonly db: Database.Database;
  private readonly reader: EventReader;

  constructor(readonly file: string) {
    this.db = new Database(file, { readonly: true });
    this.reader = new EventReader(this.db);
  }

  close(): void {
    this.db.close();
  }

  meta(key: string): any {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row ? JSON.parse(row.value) : undefined;
  }

  connections(where = '1', ...params: unknown[]): ConnRow[] {
    return this.db
      .prepare(
        `SELECT c.*, p.comm AS comm FROM connections c LEFT JOIN processes p ON p.id = c.process_id WHERE ${where} ORDER BY c.id`,
      )
      .safeIntegers(false)
      .all(...params) as ConnRow[];
  }

  /** Events, optionally of some connections and matching a predicate. */
  events(filter: { connId?: number; dir?: number; syscall?: number } = {}): SessionEvent[] {
    const all = [...this.reader.events(filter.connId !== undefined ? { connIds: [filter.connId] } : {})];
    return all.filter(
      (e) => (filter.dir === undefined || e.dir === filter.dir) && (filter.syscall === undefined || e.syscall === filter.syscall),
    );
  }

  /** All captured bytes of one direction of a connection, in stream order. */
  stream(connId: number, dir: number): Buffer {
    const evs = this.events({ connId, dir }).filter((e) => e.ret > 0);
    evs.sort((a, b) => a.streamOff - b.streamOff);
    return Buffer.concat(evs.map((e) => e.payload));
  }

  processes(): any[] {
    return this.db.prepare('SELECT * FROM processes ORDER BY id').all();
  }
}
