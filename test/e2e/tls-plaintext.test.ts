// TLS plaintext read at the library, from real programs against real TLS servers started here:
// curl, wget (GnuTLS), Python's requests and urllib (OpenSSL's _ex calls), a Go client and a Go
// net/http server (crypto/tls, probed at each RET), Node's https and fetch and a Node https
// server (memory BIOs: joined to the socket the same thread used next to the call). Each
// exchange must equal what the server logged (method, path, status, body hash), be on the
// connection tshark decrypted it on (the key logs the programs write), and name both processes.
import Database from 'better-sqlite3';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

import type { Exchange } from '../../src/model/exchange.js';
import { Session } from '../../src/session/session.js';
import { EventReader } from '../../src/session/event-reader.js';
import { metaValue } from '../../src/session/recorder-alive.js';
import { CLI, type Server, describeCapture, freePort, recordWhile, runRecorder, startNginx, tempDir, waitForPort, exchangesOf } from './harness.js';
import { type NginxTls, startNginxTls } from './peers.js';
import { type LoggedExchange, type LoggingServer, buildGoTls, goGet, nodeClient, pythonHttps, startGoTlsServer, startNodeTlsServer } from './peers/tls-programs.js';
import { outputOf, stopAtEnd } from './programs.js';
import { httpExchangesFromPcap, pcapWhile, sha256, tcpConversationsFromPcap } from './reference.js';

/** What both sides agree an exchange was: from the session, a server's log, or tshark. */
interface Seen {
  method: string;
  path: string;
  status: number;
  responseSha: string;
}

function bodyOf(x: Exchange): Buffer {
  return Buffer.from(x.response?.body.decoded ?? x.response?.body.captured ?? new Uint8Array());
}

function seenOf(x: Exchange): Seen {
  return { method: x.request.method, path: x.request.target, status: x.response?.status ?? 0, responseSha: sha256(bodyOf(x)) };
}

const byKey = (a: Seen, b: Seen) => `${a.method} ${a.path}`.localeCompare(`${b.method} ${b.path}`);

function flowsOf(file: string) {
  const session = Session.open(file);
  try {
    return session.flows();
  } finally {
    session.close();
  }
}

/** The exchanges equal what the server logged: same requests, same answers, byte for byte. */
function expectServerLog(mine: Exchange[], logged: LoggedExchange[]): void {
  const fromLog = logged.map((l) => ({ method: l.method!, path: l.path, status: l.status, responseSha: l.responseSha }));
  expect(mine.map(seenOf).sort(byKey), JSON.stringify(mine.map((x) => [x.id, x.request.method, x.request.target, x.response?.status, x.error]))).toEqual(fromLog.sort(byKey));
}

/**
 * The exchanges equal tshark's decryption of the same traffic (with the key log the programs
 * wrote), each on the TCP connection tshark saw it on: its client port.
 */
async function expectTshark(mine: Exchange[], pcap: string, keylog: string, port: number): Promise<void> {
  const wire = await httpExchangesFromPcap(pcap, { tlsKeylog: keylog, tlsPorts: [port] });
  const streams = new Map((await tcpConversationsFromPcap(pcap)).map((c) => [c.stream, c.client.port]));
  const theirs = wire.map((w) => ({ method: w.method, path: w.target, status: w.status, responseSha: w.responseBodySha256, clientPort: streams.get(w.tcpStream) }));
  const ours = mine.map((x) => ({ ...seenOf(x), clientPort: x.client.port }));
  const order = (a: { clientPort?: number | null; path: string | null }, b: typeof a) => (a.clientPort ?? 0) - (b.clientPort ?? 0) || String(a.path).localeCompare(String(b.path));
  expect(ours.sort(order)).toEqual(theirs.sort(order));
}

/** Record everything on `ports` with tcpdump alongside; `traffic` runs once capture has started. */
async function recordTls<T>(ports: number[], traffic: () => Promise<T>, extra: string[] = []) {
  let result!: T;
  const { pcap, result: rec } = await pcapWhile({ ports }, () =>
    recordWhile([...ports.flatMap((p) => ['--port', String(p)]), ...extra], async () => {
      result = await traffic();
    }),
  );
  expect(rec.code, rec.stderr).toBe(0);
  return { file: rec.file, pcap, result, stderr: rec.stderr };
}

/** Files served over TLS, with their hashes: what nginx's log cannot say, its files do. */
function servedFiles(www: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const [name, size] of [['small.txt', 300], ['page.html', 20_000], ['big.bin', 300_000]] as const) {
    // random: what HTTPS mostly carries is compressed already, and the comparison of session
    // sizes below must not be won or lost by how well a pattern compresses
    const body = randomBytes(size);
    writeFileSync(join(www, name), body);
    files.set(`/${name}`, body);
  }
  chmodSync(www, 0o755); // nginx's workers run as nobody
  return files;
}

/** nginx's access log (the "combined" format) as exchanges, bodies from the files it served. */
function nginxLog(logFile: string, files: Map<string, Buffer>): LoggedExchange[] {
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const m = /"(\S+) (\S+) HTTP\/1\.1" (\d+)/.exec(line)!;
      return { method: m[1], path: m[2], status: Number(m[3]), responseSha: sha256(files.get(m[2].split('?')[0]) ?? Buffer.alloc(0)) };
    });
}

function cli(...args: string[]): string {
  return execFileSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

describeCapture('TLS plaintext from real programs', () => {
  const www = tempDir('tinytap-tls-www-');
  const files = servedFiles(www);
  const logs = tempDir('tinytap-tls-logs-');
  chmodSync(logs, 0o777); // nginx's workers write the access log
  let nginx: NginxTls;
  let cert: { certFile: string; keyFile: string };
  beforeAll(async () => {
    nginx = await startNginxTls(www, `access_log ${join(logs, 'access.log')};`);
    cert = { certFile: nginx.certFile, keyFile: nginx.keyFile };
  });
  afterAll(async () => {
    await nginx?.stop();
  });

  it('curl, wget (GnuTLS) and Python (requests, urllib) against nginx: what nginx logged, what tshark decrypted', async () => {
    const keylog = nginx.keylogFile;
    const { file, pcap } = await recordTls([nginx.port], async () => {
      // one curl, three requests on one kept-alive connection
      await outputOf('curl', ['-sSk', '--http1.1', '-o', '/dev/null', '-o', '/dev/null', '-o', '/dev/null', nginx.url('/small.txt'), nginx.url('/page.html'), nginx.url('/big.bin')], { env: nginx.env });
      // GnuTLS writes its secrets to $SSLKEYLOGFILE too
      await outputOf('wget', ['-q', '--no-proxy', '--no-hsts', '--ca-certificate', nginx.certFile, '-O', '/dev/null', nginx.url('/page.html')], { env: nginx.env });
    });
    const mine = exchangesOf(file);
    expect(mine.every((x) => x.tls !== null && x.request.url.startsWith('https://'))).toBe(true);
    expectServerLog(mine, nginxLog(join(logs, 'access.log'), files));
    await expectTshark(mine, pcap, keylog, nginx.port);
    const flows = flowsOf(file);
    const clients = flows.map((f) => f.client_comm).sort((a, b) => String(a).localeCompare(String(b)));
    expect(clients).toEqual(['curl', 'wget']);
    for (const f of flows) {
      expect(f).toMatchObject({ server_comm: 'nginx', protocol: 'http/1.1' });
      expect(f.tls).toMatch(f.client_comm === 'wget' ? /^gnutls \d+\.\d+\.\d+ → openssl \d+\.\d+/ : /^openssl \d+\.\d+\.\d+$/);
      expect(f.tls_server_name === null || f.tls_server_name === 'localhost').toBe(true);
    }
    // every command reads it as https
    const listed = (...filter: string[]) => cli('ls', file, '--json', ...filter).split('\n').filter(Boolean).length;
    expect([listed('tls:true'), listed('scheme:https'), listed('tls:false'), listed('scheme:http')]).toEqual([mine.length, mine.length, 0, 0]);
    expect(cli('show', file, String(mine[0].id))).toMatch(/^tls +decrypted by tinytap from openssl \d/m);
    const har = JSON.parse(cli('export', file, '--har')) as { log: { entries: { _securityState: string; request: { url: string } }[] } };
    expect(har.log.entries.every((e) => e._securityState === 'secure' && e.request.url.startsWith('https://'))).toBe(true);
  });

  it('a Go net/http server built and started after the recorder, with a Go client, curl and Node fetch', async () => {
    const keylog = join(tempDir('tinytap-keylog-'), 'keys.log');
    const port = await freePort();
    const rec = runRecorder(['-o', join(tempDir(), 'go.tinytap'), '--port', String(port), '--json']);
    await rec.ready;
    let server: LoggingServer | null = null;
    const { pcap } = await pcapWhile({ ports: [port] }, async () => {
      // a binary the recorder has never seen, started after it: found when it execs
      const binary = await buildGoTls();
      server = await startGoTlsServer(binary, cert.certFile, cert.keyFile, keylog, port);
      await waitForTlsLibrary(rec, binary);
      const base = `https://127.0.0.1:${port}`;
      await goGet(binary, cert.certFile, [`${base}/go/a`, `${base}/go/b?x=1`, `${base}/go/post?post`], keylog);
      await outputOf('curl', ['-sS', '--http1.1', '--cacert', cert.certFile, '-o', '/dev/null', `${base}/curl`], { env: { ...process.env, SSLKEYLOGFILE: keylog } });
      await nodeClient('fetch', base, 3, 1, cert.certFile, keylog);
      await new Promise((r) => setTimeout(r, 200));
    });
    rec.proc.kill('SIGINT');
    expect((await rec.exited).code, rec.stderr).toBe(0);
    const file = rec.stdout.match(/"session":"([^"]+)"/)![1];
    await server!.stop();
    const mine = exchangesOf(file);
    expectServerLog(mine, server!.log());
    await expectTshark(mine, pcap, keylog, port);
    // (waitForPort's probe is a connection too, with no exchange)
    const flows = flowsOf(file).filter((f) => Number(f.exchanges) > 0);
    // the Go client keeps one connection; fetch (undici) may open more than one
    const pairs = [...new Set(flows.map((f) => `${f.client_comm} → ${f.server_comm}`))];
    expect(pairs.sort((a, b) => a.localeCompare(b)), flows.map((f) => `${f.client_comm} ${f.client_port} ${f.exchanges} ${f.tls}`).join("; ")).toEqual(['curl → go-tls', 'go-tls → go-tls', 'node → go-tls']);
    expect(flows.filter((f) => f.client_comm === 'go-tls')).toHaveLength(1);
    for (const f of flows) expect(f.tls).toMatch(/go crypto\/tls go1\.\d+/);
  });

  it('a Node https server: 40 requests at once over 4 connections from one process, then fetch and Python', async () => {
    const keylog = join(tempDir('tinytap-keylog-'), 'keys.log');
    const server = await startNodeTlsServer(cert.certFile, cert.keyFile, keylog);
    const base = `https://127.0.0.1:${server.port}`;
    const { file, pcap, result } = await recordTls([server.port], async () => [
      await nodeClient('https', base, 40, 4, cert.certFile, keylog),
      await nodeClient('fetch', base, 4, 1, cert.certFile, keylog),
      await pythonHttps(base, cert.certFile, keylog),
    ]);
    await server.stop();
    expect(result.map((r) => r.length)).toEqual([40, 4, 4]);
    const mine = exchangesOf(file);
    expect(mine).toHaveLength(48);
    expectServerLog(mine, server.log());
    await expectTshark(mine, pcap, keylog, server.port);
    // the server saw each request on the connection whose client port tinytap names
    const clientOf = new Map(server.log().map((l) => [`${l.method} ${l.path}`, Number(l.client!.split(':').pop())]));
    for (const x of mine) expect(x.client.port, x.request.target).toBe(clientOf.get(`${x.request.method} ${x.request.target}`));
    const flows = flowsOf(file);
    // the https client (the node process with most connections) used exactly its 4 sockets
    const perPid = new Map<number, number>();
    for (const f of flows.filter((f) => f.client_comm === 'node')) perPid.set(Number(f.client_pid), (perPid.get(Number(f.client_pid)) ?? 0) + 1);
    expect(Math.max(...perPid.values())).toBe(4);
    for (const f of flows) expect(f).toMatchObject({ server_comm: 'node', protocol: 'http/1.1' });
  });

  it('a server in another mount namespace, with its own copy of libssl, started after the recorder', async () => {
    // the namespace sees a different file (inode) at libssl's path: attached on its own
    const libssl = sharedLibraryOf('nginx', 'libssl.so');
    const copy = join(tempDir('tinytap-mntns-'), 'libssl-copy.so');
    copyFileSync(libssl, copy);
    const keylog = join(tempDir('tinytap-keylog-'), 'keys.log');
    const port = await freePort();
    const rec = runRecorder(['-o', join(tempDir(), 'mntns.tinytap'), '--port', String(port), '--json']);
    await rec.ready;
    const server = await startNginxInMountNamespace(www, cert, port, { [libssl]: copy });
    // attached when it is found: not one of the files watched from the start
    await waitForTlsLibrary(rec, libssl, { late: true });
    await outputOf('curl', ['-sS', '--http1.1', '--cacert', cert.certFile, '-o', '/dev/null', '-o', '/dev/null', `https://127.0.0.1:${port}/small.txt`, `https://127.0.0.1:${port}/page.html`], {
      env: { ...process.env, SSLKEYLOGFILE: keylog },
    });
    await new Promise((r) => setTimeout(r, 200));
    rec.proc.kill('SIGINT');
    expect((await rec.exited).code, rec.stderr).toBe(0);
    await server.stop();
    const file = rec.stdout.match(/"session":"([^"]+)"/)![1];
    const mine = exchangesOf(file);
    expect(mine.map((x) => [x.request.target, x.response?.status, seenOf(x).responseSha])).toEqual([
      ['/small.txt', 200, sha256(files.get('/small.txt')!)],
      ['/page.html', 200, sha256(files.get('/page.html')!)],
    ]);
    // the server's plaintext came from the copy: its records carry the copy's number
    const session = Session.open(file);
    try {
      const libs = (metaValue(session.db, 'tls') as { libraries: { number: number; name: string }[] }).libraries;
      const same = libs.filter((l) => l.name === libssl && l.number > 0);
      expect(same.length).toBeGreaterThanOrEqual(2); // the host's, and the copy
      // (waitForPort's probe is a connection too, with no exchange)
      const [flow] = session.flows().filter((f) => Number(f.exchanges) > 0);
      const numbers = new Set<number>();
      for (const ev of new EventReader(session.db).events({ connIds: [Number(flow.server_conn)] })) if (ev.tls) numbers.add(ev.auxFd >>> 8);
      expect(numbers.size).toBe(1);
      const copyNumber = [...numbers][0];
      expect(same.map((l) => l.number)).toContain(copyNumber);
      expect(statSync(copy).ino).not.toBe(statSync(libssl).ino);
    } finally {
      session.close();
    }
  });

  it('HTTPS costs no more than 1.2× the same traffic in the clear: ciphertext bytes are counted, not kept', async () => {
    const plain = await startNginx(www);
    try {
      const fetchAll = (url: (p: string) => string) => outputOf('curl', ['-sSk', '--http1.1', ...['/big.bin', '/big.bin', '/big.bin', '/page.html'].flatMap((p) => ['-o', '/dev/null', url(p)])]);
      const clear = await recordWhile(['--port', String(plain.port)], () => fetchAll((p) => `http://127.0.0.1:${plain.port}${p}`));
      const tls = await recordWhile(['--port', String(nginx.port)], () => fetchAll((p) => nginx.url(p)));
      // The records as kept, before compression: the files' own sizes swung from 0.7 to 1.8
      // times each other between runs, because the same random body fetched three times shrinks
      // to one copy only when zstd sees the copies in one frame, which depends on where the
      // recorder's commits cut the blocks. Kept ciphertext would make this about 1.6.
      const kept = (f: string) => {
        const db = new Database(f, { readonly: true });
        try {
          return db.prepare('SELECT sum(raw_len) FROM event_blocks').pluck().get() as number;
        } finally {
          db.close();
        }
      };
      expect(exchangesOf(clear.file)).toHaveLength(4);
      expect(exchangesOf(tls.file)).toHaveLength(4);
      expect(kept(tls.file) / kept(clear.file)).toBeLessThanOrEqual(1.2);
      // and the socket's byte counts are still the wire's
      const [flow] = flowsOf(tls.file);
      expect(Number(flow.bytes_s2c)).toBeGreaterThan(3 * 300_000);
    } finally {
      await plain.stop();
    }
  });

  it('--no-tls: the same traffic is ciphertext, labelled tls, and record says so', async () => {
    const { file, stderr } = await recordTls(
      [nginx.port],
      () => outputOf('curl', ['-sSk', '--http1.1', '-o', '/dev/null', nginx.url('/small.txt')]),
      ['--no-tls'],
    );
    expect(stderr).not.toMatch(/^tls:/m);
    expect(exchangesOf(file)).toEqual([]);
    const [flow] = flowsOf(file);
    expect(flow).toMatchObject({ protocol: 'tls', tls: null, tls_server_name: null });
  });
});

interface TlsEntry {
  name: string;
  number: number;
  error: string | null;
}

/**
 * Wait until the recorder says (--json) that it watches `path`: among the files watched from the
 * start or found later, or (`late`) only among those found later.
 */
async function waitForTlsLibrary(rec: ReturnType<typeof runRecorder>, path: string, { late = false } = {}): Promise<void> {
  const deadline = Date.now() + 20_000;
  const real = realpathSync(path);
  for (;;) {
    // the files watched from the start are in the recording event, later ones in tls events
    const seen = rec.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .flatMap((l) => {
        const e = JSON.parse(l) as { event: string; tls?: TlsEntry[] } & TlsEntry;
        return e.event === 'tls' ? [e] : late ? [] : (e.tls ?? []);
      })
      .filter((e) => (e.name === path || e.name === real) && e.number > 0);
    if (seen.length) return;
    if (Date.now() > deadline) throw new Error(`the recorder did not attach to ${path}: ${rec.stdout}\n${rec.stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The file a program's dynamic linker gives it for `lib` (ldd's answer). */
function sharedLibraryOf(program: string, lib: string): string {
  const out = execFileSync('ldd', [execFileSync('which', [program], { encoding: 'utf8' }).trim()], { encoding: 'utf8' });
  const m = new RegExp(`${lib.replace(/\./g, '\\.')}\\S* => (\\S+)`).exec(out);
  if (!m) throw new Error(`${program} does not link ${lib}: ${out}`);
  return realpathSync(m[1]);
}

/** nginx (TLS) in a mount namespace of its own where each key path shows its value's file. */
async function startNginxInMountNamespace(root: string, cert: { certFile: string; keyFile: string }, port: number, binds: Record<string, string>): Promise<Server> {
  const prefix = tempDir('tinytap-nginx-ns-');
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;\nmaster_process on;\nworker_processes 1;\nerror_log ${prefix}/error.log;\npid ${prefix}/nginx.pid;\nevents { worker_connections 64; }\nhttp {\n  access_log off;\n  server {\n    listen 127.0.0.1:${port} ssl;\n    ssl_certificate ${cert.certFile};\n    ssl_certificate_key ${cert.keyFile};\n    root ${root};\n  }\n}\n`,
  );
  const mounts = Object.entries(binds)
    .map(([target, source]) => `mount --bind '${source}' '${target}'`)
    .join(' && ');
  const proc = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', `${mounts} && exec nginx -p '${prefix}' -c '${conf}'`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  try {
    await waitForPort(port);
  } catch (err) {
    proc.kill('SIGKILL');
    throw new Error(`nginx in a mount namespace did not start: ${stderr || (err as Error).message}`);
  }
  const stop = stopAtEnd(
    () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  );
  return { proc, port, stop };
}
