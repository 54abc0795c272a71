/**
 * `tinytap replay` end to end without root: a scripted recording (through the real recorder)
 * replayed against a real HTTP server in this process, its session read back by the same
 * Session every command uses. (test/e2e/replay.test.ts does the same with recordings of curl.)
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { type Server as HttpsServer, createServer as createHttpsServer } from 'node:https';
import { type Http2Server, type IncomingHttpHeaders as IncomingHttpHeaders2, type ServerHttp2Stream, createServer as createH2Server, createSecureServer as createSecureH2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Session } from '../../src/session/session.js';
import { scripted } from '../export/fixtures.js';
import { H2_JSON, HOSTILE_PATHS, ODD_VALUE, collectionSession } from '../export/collection-fixtures.js';
import { CURL, NODE } from '../helpers/scripted-session.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/session-files.js';

const dir = tempDir('tinytap-replay-');

/** What the server answers: `price` changes the JSON, `count` is a different number every time. */
const state = { price: 20, counter: 0, requests: [] as string[] };

function answer(req: IncomingMessage, res: ServerResponse, body: string): void {
  state.requests.push(`${req.method} ${req.url} ${req.headers.host} ${String(req.headers['x-extra'] ?? '')}${body ? ` ${body}` : ''}`);
  const json = (status: number, v: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(v);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  };
  if (req.url === '/price') return json(200, { sku: 'P1', price: state.price });
  if (req.url === '/count') return json(200, { visits: ++state.counter * 7 });
  if (req.url === '/items' && req.method === 'POST') return json(201, { ok: true });
  // chunked, and a large body
  if (req.url === '/big') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('a'.repeat(100_000));
    res.end('b'.repeat(200_000));
    return;
  }
  json(404, { error: 'no' });
}

const RESPONSES = {
  price: (p: number) => `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${JSON.stringify({ sku: 'P1', price: p }).length}\r\n\r\n${JSON.stringify({ sku: 'P1', price: p })}`,
};

describe('tinytap replay', () => {
  let server: Server;
  let port = 0;
  let recording = '';

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => answer(req, res, body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    recording = await scripted((s) => {
      const c = s.tcp(CURL, NODE, { serverPort: 8080 });
      c.send('c2s', 'GET /price HTTP/1.1\r\nHost: shop.local:8080\r\nAccept: */*\r\n\r\n');
      c.send('s2c', RESPONSES.price(20));
      c.send('c2s', 'POST /items HTTP/1.1\r\nHost: shop.local:8080\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n{"n":"x"}');
      c.send('s2c', 'HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}');
      c.send('c2s', 'GET /big HTTP/1.1\r\nHost: shop.local:8080\r\n\r\n');
      c.send('s2c', `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 300000\r\n\r\n${'a'.repeat(100_000)}${'b'.repeat(200_000)}`);
      for (let i = 1; i <= 3; i++) {
        c.send('c2s', 'GET /count HTTP/1.1\r\nHost: shop.local:8080\r\n\r\n');
        const b = JSON.stringify({ visits: i * 5 });
        c.send('s2c', `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${b.length}\r\n\r\n${b}`);
      }
      c.close();
    });
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const target = () => `http://127.0.0.1:${port}`;

  it('sends the safe requests, records the answers into a session every command opens, exit 0 when nothing differs', async () => {
    state.requests = [];
    const out = join(dir, 'same.tinytap');
    const r = await runCli('replay', recording, '/price', 'or', 'path:/big', 'or', 'path:/items', '--target', target(), '-o', out);
    expect(r.err).toContain('replayed 2 of 3 selected requests');
    expect(r.err).toContain('skipped 1: 1 unsafe method (--unsafe sends them)');
    expect(r.out).toContain('no differences');
    expect(r.code).toBe(0);
    expect(state.requests).toEqual([`GET /price 127.0.0.1:${port} `, `GET /big 127.0.0.1:${port} `]);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const s = Session.open(out);
    try {
      const rows = s.exchanges();
      expect(rows.map((x) => `${x.method} ${x.path} ${x.status}`)).toEqual(['GET /price 200', 'GET /big 200']);
      const big = s.exchange(Number(rows[1].id))!;
      // chunked on the wire, whole in the session
      expect(Buffer.from(big.response!.body.captured).toString()).toBe('a'.repeat(100_000) + 'b'.repeat(200_000));
      expect(big.response!.body.complete).toBe(true);
      expect(big.client.port).toBeGreaterThan(0);
      expect(big.server.port).toBe(port);
    } finally {
      s.close();
    }
  });

  it('exit 1 and the changed field when the server answers differently; --unsafe sends the POST, --header sets a field', async () => {
    state.requests = [];
    state.price = 25;
    try {
      const r = await runCli('replay', recording, 'path:/price', 'or', 'path:/items', '--unsafe', '--target', target(), '--header', 'X-Extra: yes', '-o', join(dir, 'changed.tinytap'));
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/GET \/price[\s\S]*response body \$\.price: 20 → 25/);
      expect(r.out).toContain('1 difference in 1 of 2 endpoints');
      expect(state.requests).toEqual([`GET /price 127.0.0.1:${port} yes`, `POST /items 127.0.0.1:${port} yes {"n":"x"}`]);
    } finally {
      state.price = 20;
    }
  });

  it('--learn-noise: what differs between two runs is left out, saved with --save-noise, reused with --noise', async () => {
    const plain = await runCli('replay', recording, 'path:/count', '--target', target(), '-o', join(dir, 'count1.tinytap'));
    expect(plain.code).toBe(1);
    expect(plain.out).toContain('response body $.visits');
    const noiseFile = join(dir, 'noise.json');
    const learned = await runCli('replay', recording, 'path:/count', '--target', target(), '-o', join(dir, 'count2.tinytap'), '--learn-noise', '--save-noise', noiseFile);
    expect(learned.err).toContain('learned 1 noisy place from a second run');
    expect(existsSync(join(dir, 'count2.noise.tinytap'))).toBe(true);
    expect(learned.out).toContain('learned noise ×3');
    expect(learned.code).toBe(0);
    expect(statSync(noiseFile).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(noiseFile, 'utf8')).noise).toEqual([{ endpoint: 'GET /count', kind: 'body-json', at: 'response $.visits' }]);
    const reused = await runCli('replay', recording, 'path:/count', '--target', target(), '-o', join(dir, 'count3.tinytap'), '--noise', noiseFile);
    expect(reused.code).toBe(0);
    // and diff takes the same file
    const diffed = await runCli('diff', recording, join(dir, 'count3.tinytap'), '--noise', noiseFile);
    expect(diffed.out).toContain('learned noise');
  });

  it('--concurrency: answers are paired with their requests whatever order they end in', async () => {
    const r = await runCli('replay', recording, '-method:POST', '--target', target(), '--concurrency', '4', '-o', join(dir, 'conc.tinytap'), '--json');
    const doc = JSON.parse(r.out);
    expect(doc.replay.sent).toBe(5);
    // only /count differs (its numbers), every pair of it
    expect(doc.differences.map((d: { endpoint: string }) => d.endpoint)).toEqual(['GET /count']);
  });

  it('refuses, before sending anything, a target that is not this machine, and bad flags; exit 2, one line', async () => {
    state.requests = [];
    const cases: [string[], RegExp][] = [
      [['--target', 'http://192.0.2.1:80'], /not this machine \(192\.0\.2\.1\): replay sends to loopback only unless you add --allow-remote/],
      [['--map', `8.8.8.8:80=${target()}`, '--map', 'shop.local=http://192.0.2.7'], /not this machine/],
      [[], /--target URL, or --map/],
      [['--target', target(), '--speed', 'fast'], /bad --speed 'fast'/],
      [['--target', target(), '--header', 'no colon'], /bad --header/],
      [['--target', target(), '--save-noise', join(dir, 'x.json')], /add --learn-noise/],
      [['--target', target(), '--noise', join(dir, 'missing.json')], /cannot read --noise/],
      [['--target', 'ftp://x'], /http:\/\/ and https:\/\/ only/],
    ];
    for (const [flags, message] of cases) {
      const out = join(dir, 'refused.tinytap');
      const r = await runCli('replay', recording, ...flags, '-o', out);
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.err, flags.join(' ')).toMatch(message);
      expect(r.err.trim().split('\n'), flags.join(' ')).toHaveLength(1);
      expect(existsSync(out)).toBe(false);
    }
    expect(state.requests).toEqual([]);
  });

  it('a target that is not there is an error (exit 2), not a difference; one that stops answering half-way is a difference', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const r = await runCli('replay', recording, 'path:/price', '--target', `http://127.0.0.1:${deadPort}`, '-o', join(dir, 'dead.tinytap'));
    expect(r.err).toMatch(/failed 1:\n  #1: cannot connect to http:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/);
    expect(r.err).toMatch(/tinytap: no request got an answer from the target: is it running\?/);
    expect(r.code).toBe(2);

    // a server that answers /price and hangs up on /count without a word
    const rude = createServer((req, res) => (req.url === '/price' ? res.end(JSON.stringify({ sku: 'P1', price: 20 })) : req.socket.destroy()));
    await new Promise<void>((res) => rude.listen(0, '127.0.0.1', res));
    try {
      const half = await runCli('replay', recording, 'path:/price', 'or', 'path:/count', '--target', `http://127.0.0.1:${(rude.address() as AddressInfo).port}`, '-o', join(dir, 'half.tinytap'));
      expect(half.err).toContain('failed 3:');
      expect(half.out).toMatch(/GET \/count  3 pairs\n    response in A only: B got none  \(all 3 pairs/);
      expect(half.code).toBe(1);
    } finally {
      await new Promise<void>((res) => rude.close(() => res()));
    }
  });
});

describe('tinytap replay: HTTP/2 recordings, https targets', () => {
  let server: HttpsServer;
  let port = 0;
  const seen: string[] = [];

  beforeAll(async () => {
    const tls = join(import.meta.dirname, '../../testdata/tls');
    server = createHttpsServer({ cert: readFileSync(join(tls, 'cert.pem')), key: readFileSync(join(tls, 'key.pem')) }, (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('latin1')));
      req.on('end', () => {
        seen.push(`${req.method} ${req.url} ${req.headers.host} ${String(req.headers['x-odd'] ?? '')}${body ? ` ${body}` : ''}`);
        res.writeHead(req.url === '/orders?src=h2' ? 201 : 404, { 'content-type': 'text/plain' });
        res.end(req.url === '/orders?src=h2' ? 'made' : 'no');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('an HTTP/2 recording goes as HTTP/1.1 over TLS: pseudo-header fields become the request line and Host, a path HTTP/1.1 cannot hold is escaped, gRPC is skipped', async () => {
    const recording = await collectionSession();
    // a self-signed certificate is refused unless --insecure
    const refused = await runCli('replay', recording, '--target', `https://localhost:${port}`, '--unsafe', '--http1', '-o', join(dir, 'h2-refused.tinytap'));
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/self-signed certificate/);
    expect(seen).toEqual([]);

    const out = join(dir, 'h2.tinytap');
    // this server speaks HTTP/1.1 only: HTTP/2 is refused by ALPN, and --http1 sends the requests as HTTP/1.1
    const noH2 = await runCli('replay', recording, '--target', `https://localhost:${port}`, '--unsafe', '--insecure', '-o', join(dir, 'h2-alpn.tinytap'));
    expect(noH2.err).toMatch(/does not speak HTTP\/2 over TLS \(ALPN\): --http1 sends HTTP\/2 recordings as HTTP\/1\.1/);
    expect(noH2.code).toBe(2);
    const r = await runCli('replay', recording, '--target', `https://localhost:${port}`, '--unsafe', '--insecure', '--http1', '-o', out);
    expect(r.err).toContain('skipped 2: 1 grpc (needs HTTP/2), 1 websocket');
    expect(seen).toEqual([
      `POST /orders?src=h2 localhost:${port} ${ODD_VALUE} ${H2_JSON}`,
      ...HOSTILE_PATHS.map((p) => `GET ${Buffer.from(p, 'utf8').toString('latin1').replaceAll('\n', '%0A').replace(/[^\x21-\x7e]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)} localhost:${port} `),
    ]);
    // the recorded answers were plain text, so is this: only the framing and a date differ
    expect(r.code, r.out).toBe(0);
    const s = Session.open(out);
    try {
      const first = s.exchange(Number(s.exchanges()[0].id))!;
      expect(first.request.scheme).toBe('https');
      expect(first.tls?.decryptedFrom).toMatch(/openssl/);
      expect(first.response?.status).toBe(201);
    } finally {
      s.close();
    }
  });
});

describe('tinytap replay: HTTP/2 recordings over HTTP/2', () => {
  const seen: string[] = [];
  const servers: Http2Server[] = [];
  const GRPC_MESSAGE = Buffer.from([0, 0, 0, 0, 3, 0x08, 0x07, 0x10]);

  function handler(stream: ServerHttp2Stream, headers: IncomingHttpHeaders2): void {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const path = String(headers[':path']);
      seen.push(`${String(headers[':method'])} ${path} ${String(headers[':authority'])} ${String(headers['x-odd'] ?? '-')} ${Buffer.concat(chunks).toString('latin1')}`);
      if (path === '/shop.Items/Get') {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(GRPC_MESSAGE);
        return;
      }
      stream.respond({ ':status': path === '/orders?src=h2' ? 201 : 404, 'content-type': 'text/plain' });
      stream.end(path === '/orders?src=h2' ? 'made' : 'no');
    });
  }

  afterAll(() => Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r())))));

  async function listen(server: Http2Server): Promise<number> {
    servers.push(server);
    server.on('stream', handler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as AddressInfo).port;
  }

  it('h2c and h2 over TLS: every stream on one connection, the gRPC call too, the same answers (exit 0)', async () => {
    const recording = await collectionSession();
    const tls = join(import.meta.dirname, '../../testdata/tls');
    const targets = [
      `http://127.0.0.1:${await listen(createH2Server())}`,
      `https://localhost:${await listen(createSecureH2Server({ cert: readFileSync(join(tls, 'cert.pem')), key: readFileSync(join(tls, 'key.pem')) }))}`,
    ];
    for (const target of targets) {
      seen.length = 0;
      const out = join(dir, `h2-${target.slice(0, 5)}.tinytap`);
      const r = await runCli('replay', recording, '--target', target, '--unsafe', '--insecure', '--concurrency', '3', '-o', out);
      expect(r.err, target).toContain('replayed 7 of 8 selected requests');
      expect(r.err, target).toContain('skipped 1: 1 websocket');
      const authority = target.replace(/^https?:\/\//, '');
      expect(seen.sort(), target).toEqual(
        [
          `POST /orders?src=h2 ${authority} ${ODD_VALUE} ${H2_JSON}`,
          `POST /shop.Items/Get ${authority} - ${GRPC_MESSAGE.toString('latin1')}`,
          ...HOSTILE_PATHS.map((p) => `GET ${Buffer.from(p, 'utf8').toString('latin1').replaceAll('\n', '%0A').replace(/[^\x21-\x7e]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)} ${authority} - `),
        ].sort(),
      );
      expect(r.code, r.out).toBe(0);
      const s = Session.open(out);
      try {
        const rows = s.exchanges();
        expect(rows).toHaveLength(7);
        const all = rows.map((x) => s.exchange(Number(x.id))!);
        // one connection, seven streams, read back by the session's own HTTP/2 parser
        expect(new Set(all.map((x) => x.flowId)).size).toBe(1);
        expect(all.map((x) => x.http2?.stream).sort((a, b) => a! - b!)).toEqual([1, 3, 5, 7, 9, 11, 13]);
        const grpc = all.find((x) => x.grpc);
        expect(grpc?.grpc?.status).toMatchObject({ code: 0 });
      } finally {
        s.close();
      }
    }
  });
});
