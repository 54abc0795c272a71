/**
 * `record --dir DIR --rotate ... --keep ...` (issue 16) with the real recorder: ab against nginx
 * under a steady load while files rotate every second or two. Every byte each request and
 * response carried is in exactly one file; each file reads alone (the processes and connections
 * still open are described again at its start); the budget deletes only old files no other
 * process holds open; a recorder killed with SIGKILL leaves every file readable. An exchange in
 * flight at a switch is read whole from the file of its last byte, so the files' exchanges add
 * up to exactly the requests made (ab -k's keep-alive connections span every switch).
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, openSync, readdirSync, statSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { ConnCause, Kind } from '../../src/events/layout.js';
import { EventReader } from '../../src/session/event-reader.js';
import { CLI, type Server, curl, describeCapture, freePort, runRecorder, startNginx, startServer, tempDir } from './harness.js';
import { ab } from './peers/clients.js';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The chain's files in the order they were written. */
function chainFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => /^tinytap-.*\.tinytap$/.test(n))
    .sort()
    .map((n) => join(dir, n));
}

/** ab's side of each connection to `port`: its bytes each way, over every file, in file order. */
interface ClientStream {
  sent: string;
  received: string;
  /** The files it was opened in (one), and every file that names it (carried ones too). */
  openedIn: number[];
  namedIn: number[];
}

function clientStreams(files: string[], port: number): Map<number, ClientStream> {
  const out = new Map<number, ClientStream>();
  files.forEach((file, i) => {
    const db = new Database(file, { readonly: true });
    try {
      const conns = db.prepare('SELECT id FROM connections WHERE role = 1 AND remote_port = ?').all(port) as { id: number }[];
      for (const c of conns) {
        const s = out.get(c.id) ?? { sent: '', received: '', openedIn: [], namedIn: [] };
        s.namedIn.push(i);
        out.set(c.id, s);
      }
      // opened in the file that holds its CONN record; a later file only describes it again
      const reader = new EventReader(db);
      for (const { rec } of reader.records()) if (rec.kind === Kind.CONN && rec.cause !== ConnCause.SHARED) out.get(rec.connId)?.openedIn.push(i);
      for (const e of new EventReader(db).events()) {
        const s = out.get(e.connId);
        if (!s || !conns.some((c) => Number(c.id) === e.connId)) continue;
        if (e.dir === 1) s.sent += e.payload.toString('latin1');
        else s.received += e.payload.toString('latin1');
      }
    } finally {
      db.close();
    }
  });
  return out;
}

/** A keep-alive HTTP/1.1 connection to nginx, asking for /index.html on demand. */
async function keepAlive(port: number): Promise<{ get: () => Promise<void>; close: () => void }> {
  const sock = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
  let got = '';
  sock.on('data', (d: Buffer) => (got += d.toString('latin1')));
  return {
    get: async () => {
      const before = (got.match(/a small page\n/g) ?? []).length;
      sock.write('GET /index.html HTTP/1.1\r\nHost: localhost\r\n\r\n');
      while ((got.match(/a small page\n/g) ?? []).length === before) await wait(10);
    },
    close: () => sock.end(),
  };
}

interface LsLine {
  id: number;
  path: string;
  status: number | null;
  response_size: number | null;
  flags: number;
  duration_ms: number | null;
  protocol: string;
}

/** `tinytap ls --json FILE` of each file, in order: the HTTP exchanges each holds. */
function lsEach(files: string[]): LsLine[][] {
  return files.map((file) => {
    const r = spawnSync(process.execPath, [CLI, 'ls', '--json', file], { encoding: 'utf8', maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(`ls ${file}: ${r.stderr}`);
    return r.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as LsLine)
      .filter((x) => x.protocol === 'http');
  });
}

/** No response, did not reach its end, parse error (SPEC.md §3.6 flags). */
const NOT_WHOLE = 8 | 16 | 64;

/**
 * An HTTP/1.1 server whose /slow sends the head and half the body, waits `pauseMs`, then the
 * rest; any other path answers at once. Keep-alive, as curl asks.
 */
const SLOW_SERVER = `
import sys, time
from http.server import BaseHTTPRequestHandler, HTTPServer
pause = float(sys.argv[2])
class H(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def log_message(self, *a): pass
    def do_GET(self):
        body = b'hello' if self.path == '/slow' else b'ok'
        self.send_response(200)
        self.send_header('Content-Length', str(10 if self.path == '/slow' else 2))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        if self.path == '/slow':
            time.sleep(pause)
            self.wfile.write(b'world')
            self.wfile.flush()
HTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
`;

function info(file: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'info', file], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describeCapture('record --dir: a chain of files', () => {
  let nginx: Server;
  beforeAll(async () => {
    const www = tempDir('tinytap-www-');
    spawnSync('sh', ['-c', `printf 'a small page\\n' > ${www}/index.html && chmod -R a+rX ${www}`]);
    nginx = await startNginx(www);
  });
  afterAll(async () => nginx?.stop());

  it('ab under a steady load across rotations: every request and response once, each file readable alone', async () => {
    const dir = join(tempDir(), 'chain');
    const rec = runRecorder(['--dir', dir, '--rotate', '2s', '--port', String(nginx.port)]);
    await rec.ready;
    // one keep-alive connection open through every rotation: a request at its start and at its end
    const held = await keepAlive(nginx.port);
    await held.get();
    let complete = 0;
    const until = Date.now() + 12_000;
    while (Date.now() < until) {
      const r = await ab(`http://127.0.0.1:${nginx.port}/index.html`, { requests: 100, concurrency: 2 });
      expect(r.failed).toBe(0);
      complete += r.complete;
      await wait(100);
    }
    await held.get();
    held.close();
    await wait(300);
    rec.proc.kill('SIGINT');
    expect((await rec.exited).code, rec.stderr).toBe(0);

    const files = chainFiles(dir);
    expect(files.length).toBeGreaterThanOrEqual(5);
    // ab connects a few sockets it never uses (SPEC.md: it calls connect() twice): no data, left out
    const streams = new Map([...clientStreams(files, nginx.port)].filter(([, s]) => s.sent !== '' || s.received !== ''));
    expect(streams.size).toBe(complete + 1);
    const long = [...streams.values()].filter((s) => s.namedIn.length > 2);
    expect(long).toHaveLength(1);
    // described again in every file it lived through; its two requests and responses, once each
    expect(long[0].namedIn.length).toBeGreaterThanOrEqual(files.length - 1);
    expect(long[0].openedIn).toHaveLength(1);
    expect(long[0].sent.match(/^GET \/index\.html HTTP\/1\.1\r\n/gm)).toHaveLength(2);
    expect(long[0].received.match(/^HTTP\/1\.1 200 OK\r\n/gm)).toHaveLength(2);
    for (const [id, s] of streams) {
      if (s === long[0]) continue;
      // opened in exactly one file; its request and its response whole, once
      expect(s.openedIn, `connection ${id}`).toHaveLength(1);
      expect(s.sent.match(/^GET \/index\.html HTTP\/1\.0\r\n/gm), `connection ${id}: ${JSON.stringify(s.sent)}`).toHaveLength(1);
      expect(s.sent.endsWith('\r\n\r\n'), `connection ${id}`).toBe(true);
      expect(s.received.match(/^HTTP\/1\.1 200 OK\r\n/gm), `connection ${id}`).toHaveLength(1);
      expect(s.received.endsWith('a small page\n'), `connection ${id}`).toBe(true);
    }
    for (const f of files) expect(info(f).status, f).toBe(0);
  });

  it('an exchange in flight at a switch is whole in the file of its last byte, once, and its connection goes on there', async () => {
    const port = await freePort();
    const server = await startServer('python3', ['-c', SLOW_SERVER, String(port), '2.5'], port);
    const dir = join(tempDir(), 'chain');
    const rec = runRecorder(['--dir', dir, '--rotate', '1s', '--port', String(port)]);
    try {
      await rec.ready;
      // one connection: /slow's body crosses at least one switch, then two more requests
      const r = await curl('-s', `http://127.0.0.1:${port}/slow`, `http://127.0.0.1:${port}/a`, `http://127.0.0.1:${port}/b`);
      expect(r.stdout).toBe('helloworldokok');
      await wait(1500);
    } finally {
      rec.proc.kill('SIGINT');
      await server.stop();
    }
    expect((await rec.exited).code, rec.stderr).toBe(0);
    const files = chainFiles(dir);
    expect(files.length).toBeGreaterThanOrEqual(3);
    const byFile = lsEach(files);
    const all = byFile.flat();
    expect(all.map((x) => x.path).sort()).toEqual(['/a', '/b', '/slow']);
    for (const x of all) expect(x.flags & NOT_WHOLE, JSON.stringify(x)).toBe(0);
    const slow = all.find((x) => x.path === '/slow')!;
    expect(slow).toMatchObject({ status: 200, response_size: 10 });
    expect(slow.duration_ms).toBeGreaterThan(2000);
    // not in the file it began in: that file ended before its last byte
    const slowFile = byFile.findIndex((xs) => xs.some((x) => x.path === '/slow'));
    expect(slowFile).toBeGreaterThan(0);
    // its body, read back from the file that holds it
    const shown = spawnSync(process.execPath, [CLI, 'show', files[slowFile], String(slow.id)], { encoding: 'utf8' });
    expect(shown.stdout, shown.stderr).toContain('helloworld');
  }, 30_000);

  it('ab -k across rotations: the HTTP exchanges of all the files are exactly the requests ab completed', async () => {
    const dir = join(tempDir(), 'chain');
    const rec = runRecorder(['--dir', dir, '--rotate', '1s', '--port', String(nginx.port)]);
    let complete = 0;
    try {
      await rec.ready;
      const until = Date.now() + 6_000;
      while (Date.now() < until) {
        const r = await ab(`http://127.0.0.1:${nginx.port}/index.html`, { requests: 2000, concurrency: 4, keepAlive: true });
        expect(r.failed).toBe(0);
        expect(r.keepAlive).toBe(r.complete);
        complete += r.complete;
      }
      await wait(300);
    } finally {
      rec.proc.kill('SIGINT');
    }
    expect((await rec.exited).code, rec.stderr).toBe(0);
    const files = chainFiles(dir);
    expect(files.length).toBeGreaterThanOrEqual(4);
    const byFile = lsEach(files);
    const all = byFile.flat();
    expect(all.filter((x) => x.flags & NOT_WHOLE)).toEqual([]);
    expect(all.length).toBe(complete);
    // switches did fall inside exchanges: their starts were carried into the next file
    const carried = files.map((f) => {
      const db = new Database(f, { readonly: true });
      try {
        const v = db.prepare("SELECT value FROM derived_meta WHERE key = 'carried_in'").pluck().get() as string | undefined;
        return v ? (JSON.parse(v) as { records: number }).records : 0;
      } finally {
        db.close();
      }
    });
    expect(carried.filter((n) => n > 0).length).toBeGreaterThan(0);
  }, 60_000);

  it('--keep deletes the oldest files, never one another process has open', async () => {
    const dir = join(tempDir(), 'chain');
    const rec = runRecorder(['--dir', dir, '--rotate', '1s', '--keep', '3s', '--port', String(nginx.port)]);
    await rec.ready;
    // a reader holds the first file open for the whole recording
    const first = chainFiles(dir)[0];
    const fd = openSync(first, 'r');
    const holder = spawn('sleep', ['60'], { stdio: ['ignore', fd, 'ignore'] });
    closeSync(fd);
    try {
      const until = Date.now() + 9_000;
      while (Date.now() < until) await ab(`http://127.0.0.1:${nginx.port}/index.html`, { requests: 20 });
      rec.proc.kill('SIGINT');
      expect((await rec.exited).code, rec.stderr).toBe(0);
    } finally {
      holder.kill('SIGKILL');
    }
    const deleted = [...rec.stderr.matchAll(/^deleted (\S+) \(past the --keep budget\)$/gm)].map((m) => m[1]);
    expect(deleted.length).toBeGreaterThanOrEqual(1);
    expect(existsSync(first)).toBe(true);
    expect(rec.stderr).toContain(`note: ${first.slice(dir.length + 1)} is past the budget but open in another process: kept for now`);
    const left = chainFiles(dir);
    // besides the held file, only what ended within 3 s of the last rotation (the newest file's
    // start; a second's slack for the commit interval and the name's whole seconds)
    const newest = statSync(left[left.length - 1]).birthtimeMs || statSync(left[left.length - 1]).ctimeMs;
    for (const f of left.slice(1)) expect(statSync(f).mtimeMs, f).toBeGreaterThan(newest - 3_000 - 1_500);
    for (const name of deleted) expect(existsSync(join(dir, name))).toBe(false);
    for (const f of left) expect(info(f).status, f).toBe(0);
  });

  it('a recorder killed with SIGKILL leaves every file of its chain readable', async () => {
    const dir = join(tempDir(), 'chain');
    const rec = runRecorder(['--dir', dir, '--rotate', '1s', '--port', String(nginx.port)]);
    await rec.ready;
    const load = (async () => {
      const until = Date.now() + 4_300;
      while (Date.now() < until) await ab(`http://127.0.0.1:${nginx.port}/index.html`, { requests: 50 });
    })();
    await wait(3_300);
    rec.proc.kill('SIGKILL');
    await rec.exited;
    await load;
    const files = chainFiles(dir);
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) expect(info(f).status, `${f}: ${info(f).stderr}`).toBe(0);
    expect(info(files[files.length - 1]).stdout).toContain('did not finish: the recorder was killed');
    // what was committed holds each request once
    for (const [id, s] of clientStreams(files, nginx.port)) expect(s.openedIn.length, `connection ${id}`).toBeLessThanOrEqual(1);
  });
});
