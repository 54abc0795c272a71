// HTTP/2 in cleartext (prior knowledge) between real peers, recorded by the real recorder: each
// stream is an exchange, held against what the peers themselves say they sent and got.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';

import type { Exchange } from '../../src/model/exchange.js';
import { ExchangeFlag } from '../../src/model/exchange-flags.js';
import { Session } from '../../src/session/session.js';
import { CLI, type Server, describeCapture, freePort, recordWhile, runRecorder, startNginx, tempDir, waitForPort, exchangesOf } from './harness.js';
import { type NginxTls, startNginxTls } from './peers.js';
import { outputOf, requireProgram } from './programs.js';

const PEER = fileURLToPath(new URL('../../testdata/clients/h2/peer.mjs', import.meta.url));
const H2C_SERVER = fileURLToPath(new URL('../../testdata/servers/h2c_upgrade_server.py', import.meta.url));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface PeerLine {
  method: string;
  path: string;
  status: number;
  bytes: number;
  sha: string;
  trailers: Record<string, string> | null;
  rstCode: number;
  before?: boolean;
  waiting?: boolean;
}

function flowProtocols(file: string): string[] {
  const session = Session.open(file);
  try {
    return session.flows().map((f) => f.protocol);
  } finally {
    session.close();
  }
}

const header = (x: Exchange['request'] | Exchange['response'], name: string) => x?.headers.find((h) => h.name === name)?.value;
const bodyOf = (x: Exchange) => Buffer.from(x.response?.body.decoded ?? x.response?.body.captured ?? new Uint8Array());

function lines(text: string): PeerLine[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as PeerLine);
}

async function startPeerServer(): Promise<{ port: number; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn(process.execPath, [PEER, 'server', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await waitForPort(port);
  return { port, proc };
}

describeCapture('HTTP/2 from real peers', () => {
  const www = tempDir('tinytap-h2-www-');
  const big = Buffer.alloc(200_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 9)) & 0xff;
  writeFileSync(join(www, 'a.json'), '{"hello":"h2"}\n');
  writeFileSync(join(www, 'big.bin'), big);
  chmodSync(www, 0o755);
  let nginx: Server;
  let tls: NginxTls;
  let node: { port: number; proc: ChildProcess };
  beforeAll(async () => {
    // Debian's nginx 1.22: `listen ... http2` serves HTTP/2 to clients that know it (h2c)
    [nginx, tls, node] = await Promise.all([startNginx(www, '', { listen: 'http2' }), startNginxTls(www, '', { http2: true }), startPeerServer()]);
  });
  afterAll(async () => {
    node?.proc.kill();
    await Promise.all([nginx?.stop(), tls?.stop()]);
  });

  it('curl --http2 over TLS against nginx: h2 chosen by ALPN, read from the plaintext, https', async () => {
    let said = '';
    const rec = await recordWhile(['--port', String(tls.port)], async () => {
      for (const path of ['/a.json', '/big.bin'])
        said += await outputOf('curl', ['-s', '--http2', '--cacert', tls.certFile, '-w', '%{http_version} %{http_code} %{size_download}\n', '-o', '/dev/null', tls.url(path)], { env: tls.env });
    });
    expect(rec.code, rec.stderr).toBe(0);
    const xs = exchangesOf(rec.file);
    expect(xs.map((x) => `${x.response?.httpVersion.replace('HTTP/', '')} ${x.response?.status} ${x.response?.body.size}`)).toEqual(said.trim().split('\n'));
    expect(xs.map((x) => x.request.url)).toEqual([tls.url('/a.json'), tls.url('/big.bin')]);
    expect(sha(bodyOf(xs[1]))).toBe(sha(big));
    // TLS 1.3 says the server's choice only encrypted: the client's offers are what the handshake shows
    expect(xs.every((x) => x.tls !== null && (x.tls.alpn ?? '').split(',').includes('h2'))).toBe(true);
  });

  it('curl --http2-prior-knowledge against nginx: each stream as curl saw it, bodies byte for byte', async () => {
    const base = `http://127.0.0.1:${nginx.port}`;
    let said = '';
    const rec = await recordWhile(['--port', String(nginx.port)], async () => {
      // one curl per URL: curl 7.88 reusing a prior-knowledge connection for a second URL fails
      // against nginx 1.22 with "Error in the HTTP2 framing layer", recorded or not
      for (const path of ['/a.json', '/big.bin', '/nope'])
        said += await outputOf('curl', ['-s', '--http2-prior-knowledge', '-w', '%{http_version} %{http_code} %{size_download}\n', '-o', '/dev/null', `${base}${path}`]);
    });
    expect(rec.code, rec.stderr).toBe(0);
    const xs = exchangesOf(rec.file);
    // curl's own account: version, status and body size of each transfer
    expect(xs.map((x) => `${x.response?.httpVersion.replace('HTTP/', '')} ${x.response?.status} ${x.response?.body.size}`)).toEqual(said.trim().split('\n'));
    expect(xs.map((x) => [x.request.method, x.request.path, x.request.httpVersion, header(x.request, ':authority')])).toEqual([
      ['GET', '/a.json', 'HTTP/2', `127.0.0.1:${nginx.port}`],
      ['GET', '/big.bin', 'HTTP/2', `127.0.0.1:${nginx.port}`],
      ['GET', '/nope', 'HTTP/2', `127.0.0.1:${nginx.port}`],
    ]);
    expect(sha(bodyOf(xs[1]))).toBe(sha(big));
    expect(xs[1].response?.body.complete).toBe(true);
    // a stream's size on the wire: its header block and its DATA frames, 9 bytes of header each
    // (nginx sends at most 16 kB a frame), never the other streams' frames in between
    const resp = xs[1].response!;
    expect(resp.size).toBeGreaterThan(big.length + 9 * Math.ceil(big.length / 16384));
    expect(resp.size).toBeLessThan(big.length + 9 * Math.ceil(big.length / 16384) + 500);
    expect(xs.every((x) => x.http2 && x.http2.reset === null && x.http2.unknownFields.request === 0)).toBe(true);
    expect(flowProtocols(rec.file)).toContain('http/2');
    // the views: ls names the version, show prints the head as HTTP/2 does
    const ls = await outputOf(process.execPath, [CLI, 'ls', rec.file, '--json']);
    expect(ls.trim().split('\n').map((l) => (JSON.parse(l) as { url: string }).url)).toEqual([`${base}/a.json`, `${base}/big.bin`, `${base}/nope`]);
    const show = await outputOf(process.execPath, [CLI, 'show', rec.file, String(xs[0].id)]);
    expect(show).toMatch(/GET \/a\.json HTTP\/2/);
    expect(show).toContain(':authority: 127.0.0.1');
  });

  it('h2c by Upgrade: curl --http2 against a hyper-h2 server: the HTTP/1.1 request, its 101, then HTTP/2 on the same connection', async () => {
    // nginx and nghttpd do not upgrade; hyper-h2 (python3-h2) does
    const port = await freePort();
    const server = spawn('/usr/bin/python3', [H2C_SERVER, String(port), www], { stdio: 'ignore' });
    try {
      await waitForPort(port);
      const base = `http://127.0.0.1:${port}`;
      let said = '';
      const rec = await recordWhile(['--port', String(port)], async () => {
        said = await outputOf('curl', ['-s', '--http2', '-w', '%{http_version} %{http_code} %{size_download}\n', '-o', '/dev/null', `${base}/a.json`, '-o', '/dev/null', `${base}/big.bin`]);
      });
      expect(rec.code, rec.stderr).toBe(0);
      expect(said).toBe(`2 200 15\n2 200 ${big.length}\n`);
      const xs = exchangesOf(rec.file);
      // the upgrade request answered 101; stream 1 (that same request, answered in HTTP/2);
      // stream 3 (a request sent in HTTP/2), on one connection
      expect(xs.map((x) => [x.request.httpVersion, x.request.path, x.response?.httpVersion, x.response?.status, x.upgrade, x.http2?.stream ?? null])).toEqual([
        ['HTTP/1.1', '/a.json', 'HTTP/1.1', 101, 'h2c', null],
        ['HTTP/1.1', '/a.json', 'HTTP/2', 200, null, 1],
        ['HTTP/2', '/big.bin', 'HTTP/2', 200, null, 3],
      ]);
      expect(new Set(xs.map((x) => x.flowId)).size).toBe(1);
      expect(bodyOf(xs[1]).toString()).toBe('{"hello":"h2"}\n');
      expect(sha(bodyOf(xs[2]))).toBe(sha(big));
    } finally {
      server.kill();
    }
  });

  it('nghttp, many streams on one connection against nginx', async () => {
    requireProgram('nghttp');
    const base = `http://127.0.0.1:${nginx.port}`;
    const rec = await recordWhile(['--port', String(nginx.port)], () => outputOf('nghttp', ['-n', '-m', '3', `${base}/a.json`, `${base}/big.bin`]));
    expect(rec.code, rec.stderr).toBe(0);
    const xs = exchangesOf(rec.file);
    const seen = xs.map((x) => [x.request.path, x.response?.status, x.response?.body.size]).sort((a, b) => String(a[0]).localeCompare(String(b[0])) || Number(a[2]) - Number(b[2]));
    expect(seen).toEqual([
      ['/a.json', 200, 15],
      ['/a.json', 200, 15],
      ['/a.json', 200, 15],
      ['/big.bin', 200, big.length],
      ['/big.bin', 200, big.length],
      ['/big.bin', 200, big.length],
    ]);
    // one connection, six client streams (odd ids, each once; nghttp's PRIORITY-only anchor
    // streams carry no request and are no exchange)
    expect(new Set(xs.map((x) => x.flowId)).size).toBe(1);
    const ids = xs.map((x) => x.http2!.stream);
    expect(new Set(ids).size).toBe(6);
    expect(ids.every((id) => id % 2 === 1)).toBe(true);
  });

  it('h2load: 300 requests on 3 connections, 20 streams at a time, each an exchange as h2load counted them', async () => {
    requireProgram('h2load');
    const base = `http://127.0.0.1:${nginx.port}`;
    let report = '';
    const rec = await recordWhile(['--port', String(nginx.port)], async () => {
      // small bodies: 300 of the 200 kB file in a few ms overflow the default ring buffer (the
      // recording then says so in its drops); that is the recorder's limit, not the parser's
      report = await outputOf('h2load', ['-n', '300', '-c', '3', '-m', '20', `${base}/a.json`, `${base}/nope`]);
    });
    expect(rec.code, rec.stderr).toBe(0);
    // h2load's own account: "requests: 300 total, 300 started, 300 done, 201 succeeded, 99 failed,
    // 0 errored" (a 404 is a failure to it) and "status codes: 201 2xx, 0 3xx, 99 4xx"
    expect(report).toMatch(/requests: 300 total, 300 started, 300 done, \d+ succeeded, \d+ failed, 0 errored/);
    const codes = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx/.exec(report)!;
    const xs = exchangesOf(rec.file);
    expect(xs).toHaveLength(300);
    expect(xs.filter((x) => x.response?.status === 200)).toHaveLength(Number(codes[1]));
    expect(xs.filter((x) => x.response?.status === 404)).toHaveLength(Number(codes[3]));
    expect(new Set(xs.map((x) => x.flowId)).size).toBe(3);
    expect(xs.every((x) => x.request.httpVersion === 'HTTP/2' && x.response?.body.complete)).toBe(true);
    expect(xs.filter((x) => x.request.path === '/a.json').every((x) => Buffer.from(x.response!.body.captured).toString() === '{"hello":"h2"}\n')).toBe(true);
  });

  it("Node's http2: 24 concurrent streams, an upload, trailers and a reset, as the client logged them", async () => {
    let out = '';
    const rec = await recordWhile(['--port', String(node.port)], async () => {
      out = await outputOf(process.execPath, [PEER, 'many', String(node.port)]);
    });
    expect(rec.code, rec.stderr).toBe(0);
    const client = lines(out);
    const xs = exchangesOf(rec.file);
    const byPath = new Map(xs.map((x) => [x.request.path, x]));
    expect([...byPath.keys()].sort()).toEqual(client.map((c) => c.path).sort());
    for (const c of client) {
      const x = byPath.get(c.path)!;
      expect([x.request.method, x.response?.status], c.path).toEqual([c.method, c.status]);
      if (c.rstCode === 0) {
        expect(sha(bodyOf(x)), c.path).toBe(c.sha);
        expect(x.http2?.reset, c.path).toBeNull();
      }
    }
    expect(byPath.get('/item/7')?.request.headers.find((h) => h.name === 'x-request-id')?.value).toBe('req-7');
    expect(byPath.get('/upload')?.request.body.size).toBe(64 * 1024);
    expect(byPath.get('/trailers')?.response?.trailers).toEqual([{ name: 'x-checksum', value: 'abc123' }]);
    const reset = byPath.get('/slow')!;
    expect(reset.http2?.reset).toEqual({ by: 'client', code: 8, name: 'CANCEL' });
    expect(bodyOf(reset).toString()).toBe('first piece\n');
    // the flag a filter finds it by
    const session = Session.open(rec.file);
    try {
      const flagged = session.exchanges().filter((x) => Number(x.flags) & ExchangeFlag.RESET);
      expect(flagged.map((x) => x.path)).toEqual(['/slow']);
    } finally {
      session.close();
    }
    const ls = await outputOf(process.execPath, [CLI, 'ls', rec.file, 'is:reset', '--json']);
    expect(ls.trim().split('\n').map((l) => (JSON.parse(l) as { path: string }).path)).toEqual(['/slow']);
    const show = await outputOf(process.execPath, [CLI, 'show', rec.file, String(reset.id)]);
    expect(show).toMatch(/http\/2 +stream \d+ · reset by the client \(CANCEL\)/);
  });

  it('joins a connection mid-way: later streams shown, fields from before the recording marked unknown, none wrong', async () => {
    const proc = spawn(process.execPath, [PEER, 'midway', String(node.port)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const got: PeerLine[] = [];
    const waiting = new Promise<void>((resolve) => {
      createInterface({ input: proc.stdout }).on('line', (l) => {
        const line = JSON.parse(l) as PeerLine;
        if (line.waiting) resolve();
        else got.push(line);
      });
    });
    const done = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
    await waiting;
    // the connection and its HPACK tables exist before the recording does
    const file = join(tempDir(), 'midway.tinytap');
    const r = runRecorder(['-o', file, '--port', String(node.port)]);
    await r.ready;
    proc.stdin.end('go\n');
    await done;
    await new Promise((res) => setTimeout(res, 200));
    r.proc.kill('SIGINT');
    expect((await r.exited).code, r.stderr).toBe(0);
    const later = got.filter((g) => !g.before);
    expect(later).toHaveLength(5);
    const xs = exchangesOf(file);
    expect(xs.map((x) => x.request.path)).toEqual(later.map((g) => g.path));
    for (const [i, x] of xs.entries()) {
      expect(x.response?.status).toBe(200);
      expect(sha(bodyOf(x))).toBe(later[i].sha);
      // a value shown is the value sent; one that leaned on an entry from before is left out
      const tenant = header(x.request, 'x-tenant');
      if (tenant !== undefined) expect(tenant).toBe('tenant-7f3a');
      const id = header(x.request, 'x-request-id');
      if (id !== undefined) expect(id).toBe(`mid-${i + 5}`);
    }
    // Node indexes x-tenant on its first use, before the recording: every later request names
    // it by that entry, which the recording never saw
    expect(xs.every((x) => header(x.request, 'x-tenant') === undefined && x.http2!.unknownFields.request > 0)).toBe(true);
    const session = Session.open(file);
    try {
      expect(session.exchanges().every((x) => Number(x.flags) & ExchangeFlag.FIELDS_UNKNOWN)).toBe(true);
    } finally {
      session.close();
    }
    const show = await outputOf(process.execPath, [CLI, 'show', file, String(xs[0].id)]);
    expect(show).toMatch(/referred to HPACK entries made before the recording began: left out, never guessed/);
  });
});
