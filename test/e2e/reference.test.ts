// The reference tooling itself, against real programs and without tinytap: what tcpdump and
// tshark report must agree with what the clients and servers say they sent, so that the capture
// tests can trust it as ground truth.
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { type Server, curl, describeCapture, startNginx, startPythonHttp, tempDir } from './harness.js';
import {
  type ForkingHttp,
  type NginxTls,
  type Postgres,
  type Redis,
  SHAPES,
  ab,
  curlTls,
  patternBody,
  pipeline,
  psql,
  redisCli,
  startForkingHttp,
  startHttpShapes,
  startNginxTls,
  startPostgres,
  startRedis,
  urllibPost,
  urllibPostBody,
  wget,
} from './peers.js';
import { requireProgram } from './programs.js';
import { httpExchangesFromPcap, pcapWhile, sha256, startPcap, tcpConversationsFromPcap } from './reference.js';

/** curl's own count of what it sent and received: -w fields, one per line. */
const CURL_SIZES = '%{http_code} %{size_request} %{size_header} %{size_download}\n';
function curlSizes(stdout: string) {
  const [status, request, header, download] = stdout.trim().split(' ').map(Number);
  return { status, request, header, download };
}

describeCapture('reference tooling against real programs', () => {
  const www = tempDir('tinytap-www-');
  const big = randomBytes(200 * 1024); // incompressible, several 64 KiB loopback segments
  const index = Buffer.from('<html><body>' + 'reference page '.repeat(30) + '</body></html>\n');
  const text = Buffer.from('a text that nginx compresses '.repeat(400));
  writeFileSync(join(www, 'big.bin'), big);
  writeFileSync(join(www, 'index.html'), index);
  writeFileSync(join(www, 'text.txt'), text);
  chmodSync(www, 0o755); // nginx's workers run as nobody

  let python: Server;
  let nginx: Server;
  let tls: NginxTls;
  let forking: ForkingHttp;
  let shapes: Server;
  let redis: Redis;
  let pg: Postgres;
  beforeAll(async () => {
    [python, nginx, tls, forking, shapes, redis, pg] = await Promise.all([
      startPythonHttp(www),
      startNginx(www),
      startNginxTls(www, 'types { text/plain txt; }\n    gzip on;\n    gzip_types text/plain;\n    gzip_min_length 1;'),
      startForkingHttp(),
      startHttpShapes(),
      startRedis(),
      startPostgres(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([python, nginx, tls, forking, shapes, redis, pg].map((s) => s?.stop()));
  });

  it('each peer reports the pid of the server process itself', () => {
    const comm = (pid: number) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    expect(comm(pg.pid)).toBe('postgres'); // setpriv exec'd it: no wrapper process between
    expect(comm(redis.pid)).toBe('redis-server');
    expect(comm(forking.pid)).toMatch(/^python3/);
  });

  it('a missing program is named with the package that brings it', () => {
    expect(() => requireProgram('no-such-program-tinytap')).toThrow(/^no-such-program-tinytap is not installed: apt-get install/);
    expect(() => requireProgram('ab')).not.toThrow();
  });

  it('tcpdump is capturing when startPcap resolves, and stop() hands over a complete file', async () => {
    const capture = await startPcap({ ports: [python.port] });
    const r = await curl('-o', '/dev/null', '-w', CURL_SIZES, `http://127.0.0.1:${python.port}/index.html`);
    const file = await capture.stop();
    expect(file).toBe(capture.file);
    expect(await capture.stop()).toBe(file); // idempotent
    const [conv] = await tcpConversationsFromPcap(file);
    const sizes = curlSizes(r.stdout);
    // the very first SYN and the very last byte are in it
    expect(conv.clientKnown).toBe(true);
    expect(conv.bytesServerToClient).toBe(sizes.header + sizes.download);
    expect(capture.stats).toMatchObject({ droppedByKernel: 0 });
    expect(capture.stats!.captured).toBeGreaterThan(5);
  });

  it('curl to python http.server: the exchanges, bodies by hash, header counts and bytes as curl saw them', async () => {
    const headers = join(tempDir(), 'headers');
    const { pcap, result } = await pcapWhile({ ports: [python.port] }, async () => {
      const ok = await curl('-v', '-D', headers, '-o', '/dev/null', '-w', CURL_SIZES, `http://127.0.0.1:${python.port}/big.bin`);
      const missing = await curl('-o', '/dev/null', '-w', CURL_SIZES, `http://127.0.0.1:${python.port}/missing`);
      return { ok, missing };
    });

    const exchanges = await httpExchangesFromPcap(pcap, { httpPorts: [python.port] });
    expect(exchanges.map((e) => [e.method, e.target, e.status])).toEqual([
      ['GET', '/big.bin', 200],
      ['GET', '/missing', 404],
    ]);
    const [got, notFound] = exchanges;
    expect(got.responseBodyLength).toBe(big.length);
    expect(got.responseBodySha256).toBe(sha256(big));
    expect(got.requestBodyLength).toBe(0);
    // curl -v shows each request header as "> Name: value"; -D keeps the response head as received
    const requestHeaders = result.ok.stderr.split('\n').filter((l) => /^> [\w-]+: /.test(l));
    expect(got.requestHeaderCount).toBe(requestHeaders.length);
    const responseHead = readFileSync(headers, 'latin1').split('\r\n');
    expect(got.responseHeaderCount).toBe(responseHead.filter((l) => l !== '').length - 1);
    expect(notFound.responseBodyLength).toBe(curlSizes(result.missing.stdout).download);
    expect(new Set(exchanges.map((e) => e.tcpStream)).size).toBe(2); // http.server closes after each

    const conversations = await tcpConversationsFromPcap(pcap);
    expect(conversations).toHaveLength(2);
    conversations.forEach((c, i) => {
      const sizes = curlSizes([result.ok, result.missing][i].stdout);
      expect(c.clientKnown).toBe(true);
      expect(c.server).toEqual({ addr: '127.0.0.1', port: python.port });
      expect(c.client.addr).toBe('127.0.0.1');
      expect(c.bytesClientToServer).toBe(sizes.request);
      expect(c.bytesServerToClient).toBe(sizes.header + sizes.download);
    });
  });

  it('wget and ab -k -n 20 against nginx: 21 exchanges, ab reusing one connection, as ab reports', async () => {
    const saved = join(tempDir(), 'big.bin');
    const { pcap, result: report } = await pcapWhile({ ports: [nginx.port] }, async () => {
      const w = await wget('-O', saved, `http://127.0.0.1:${nginx.port}/big.bin`);
      expect(w.code, w.stderr).toBe(0);
      return ab(`http://127.0.0.1:${nginx.port}/index.html`, { requests: 20, keepAlive: true });
    });
    expect(readFileSync(saved).equals(big)).toBe(true);
    expect(report).toMatchObject({ complete: 20, failed: 0, non2xx: 0, keepAlive: 20 });

    const exchanges = await httpExchangesFromPcap(pcap, { httpPorts: [nginx.port] });
    expect(exchanges).toHaveLength(1 + report.complete);
    const [fromWget, ...fromAb] = exchanges;
    expect(fromWget).toMatchObject({ method: 'GET', target: '/big.bin', status: 200, responseBodySha256: sha256(big) });
    for (const e of fromAb) {
      expect(e).toMatchObject({ method: 'GET', target: '/index.html', status: 200, responseBodyLength: index.length, responseBodySha256: sha256(index) });
    }
    expect(new Set(fromAb.map((e) => e.tcpStream)).size).toBe(1);
    expect(await tcpConversationsFromPcap(pcap)).toHaveLength(2);
  });

  it('redis-cli and psql over TCP: one conversation each with the bytes the protocols need', async () => {
    const { pcap: redisPcap, result: reply } = await pcapWhile({ ports: [redis.port] }, () => redisCli(redis, ['SET', 'greeting', 'hello']));
    expect(reply).toBe('OK\n');
    const [r, ...more] = await tcpConversationsFromPcap(redisPcap);
    expect(more).toEqual([]);
    expect(r.server.port).toBe(redis.port);
    // RESP: the command as an array of bulk strings, the answer as a simple string
    expect(r.bytesClientToServer).toBe('*3\r\n$3\r\nSET\r\n$8\r\ngreeting\r\n$5\r\nhello\r\n'.length);
    expect(r.bytesServerToClient).toBe('+OK\r\n'.length);

    const { pcap: pgPcap, result: rows } = await pcapWhile({ ports: [pg.port] }, async () => {
      const tcp = await psql(pg, 'SELECT 6 * 7');
      // the unix socket reaches no interface: this query is not in the pcap
      const unix = await psql(pg, 'SELECT 1', { via: 'unix' });
      return { tcp, unix };
    });
    expect(rows).toEqual({ tcp: '42\n', unix: '1\n' });
    const [p, ...others] = await tcpConversationsFromPcap(pgPcap);
    expect(others).toEqual([]);
    expect(p.server.port).toBe(pg.port);
    expect(p.clientKnown).toBe(true);
    // startup message, query, terminate; then authentication ok, ~14 parameter statuses,
    // key data, the row and its description, command complete, ready-for-query twice
    expect(p.bytesClientToServer).toBeGreaterThan(60);
    expect(p.bytesClientToServer).toBeLessThan(400);
    expect(p.bytesServerToClient).toBeGreaterThan(300);
    expect(p.bytesServerToClient).toBeLessThan(1500);
  });

  it('curl to nginx over TLS: tshark decrypts it with the key log curl wrote, and sees no HTTP without', async () => {
    const { pcap, result } = await pcapWhile({ ports: [tls.port] }, async () => {
      const binary = await curlTls(tls, '-o', '/dev/null', '-w', '%{http_code}', tls.url('/big.bin'));
      const gzipped = await curlTls(tls, '--compressed', '-o', '/dev/null', '-w', '%{http_code} %header{content-encoding}', tls.url('/text.txt'));
      return { binary, gzipped };
    });
    expect(result.binary.stdout, result.binary.stderr).toBe('200');
    expect(result.gzipped.stdout).toBe('200 gzip'); // decoded by tshark below
    expect(readFileSync(tls.keylogFile, 'utf8')).toMatch(/^CLIENT_TRAFFIC_SECRET_0 /m); // TLS 1.3

    const exchanges = await httpExchangesFromPcap(pcap, { tlsKeylog: tls.keylogFile, tlsPorts: [tls.port] });
    expect(exchanges).toMatchObject([
      { method: 'GET', target: '/big.bin', status: 200, responseBodyLength: big.length, responseBodySha256: sha256(big) },
      { method: 'GET', target: '/text.txt', status: 200, responseBodyLength: text.length, responseBodySha256: sha256(text) },
    ]);
    expect(await httpExchangesFromPcap(pcap, { tlsPorts: [tls.port] })).toEqual([]);
  });

  it('the forking server answers GET and POST, and http.server answers a urllib POST with 501', async () => {
    const { pcap, result } = await pcapWhile({ ports: [forking.port, python.port] }, async () => {
      const get = await curl('-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${forking.port}/?n=5000`);
      const post = await urllibPost(`http://127.0.0.1:${forking.port}/upload`, 3000);
      const refused = await urllibPost(`http://127.0.0.1:${python.port}/upload`, 3000);
      return { get: get.stdout, post, refused };
    });
    expect(result).toEqual({ get: '200', post: 200, refused: 501 });

    const exchanges = await httpExchangesFromPcap(pcap, { httpPorts: [forking.port, python.port] });
    const posted = urllibPostBody(3000);
    const received = Buffer.from('received 3000 bytes\n');
    expect(exchanges).toMatchObject([
      { method: 'GET', target: '/?n=5000', status: 200, responseBodySha256: sha256(patternBody(5000)) },
      { method: 'POST', target: '/upload', status: 200, requestBodySha256: sha256(posted), responseBodySha256: sha256(received) },
      // http.server answers without reading the body; the body is on the wire all the same
      { method: 'POST', target: '/upload', status: 501, requestBodyLength: 3000, requestBodySha256: sha256(posted) },
    ]);
  });

  it('message shapes: pipelining, 204/304/HEAD without bodies, 100 Continue, chunked gzip, many segments, until close', async () => {
    const upload = randomBytes(3000);
    const uploadFile = join(tempDir(), 'upload.bin');
    writeFileSync(uploadFile, upload);
    const base = `http://127.0.0.1:${shapes.port}`;
    const { pcap, result: pipelinedBytes } = await pcapWhile({ ports: [shapes.port] }, async () => {
      const bytes = await pipeline(shapes.port, ['GET:/204', 'GET:/304', 'GET:/pieces', 'GET:/chunked-gzip', 'GET:/nope']);
      await curl('-I', '-o', '/dev/null', `${base}/head`);
      await curl('-o', '/dev/null', '-H', 'Expect: 100-continue', '--data-binary', `@${uploadFile}`, `${base}/continue`);
      await curl('-o', '/dev/null', `${base}/close`);
      await curl('-o', '/dev/null', `${base}/no-answer`); // curl: (52) Empty reply from server
      return bytes;
    });

    const exchanges = await httpExchangesFromPcap(pcap, { httpPorts: [shapes.port] });
    const empty = sha256(Buffer.alloc(0));
    expect(exchanges).toMatchObject([
      { target: '/204', status: 204, responseHeaderCount: 1, responseBodyLength: 0, responseBodySha256: empty },
      { target: '/304', status: 304, responseHeaderCount: 2, responseBodyLength: 0 },
      { target: '/pieces', status: 200, responseBodyLength: SHAPES.pieces.length, responseBodySha256: sha256(SHAPES.pieces) },
      { target: '/chunked-gzip', status: 200, responseBodyLength: SHAPES.text.length, responseBodySha256: sha256(SHAPES.text) },
      { target: '/nope', status: 404, responseBodyLength: 0 },
      { method: 'HEAD', target: '/head', status: 200, responseHeaderCount: 2, responseBodyLength: 0 },
      {
        method: 'POST',
        target: '/continue',
        status: 200,
        interimStatuses: [100],
        requestBodyLength: upload.length,
        requestBodySha256: sha256(upload),
        responseBodySha256: sha256(`got ${upload.length} bytes\n`),
      },
      { target: '/close', status: 200, responseBodySha256: sha256(SHAPES.text) },
      { target: '/no-answer', status: null, responseHeaderCount: null, responseBodyLength: null, responseBodySha256: null },
    ]);
    const pipelined = exchanges.slice(0, 5);
    expect(new Set(pipelined.map((e) => e.tcpStream)).size).toBe(1);
    expect(new Set(pipelined.map((e) => e.requestFrame)).size).toBe(1); // one segment, five requests

    const [first] = await tcpConversationsFromPcap(pcap);
    expect(first.bytesServerToClient).toBe(pipelinedBytes);
  });

  it('a pipelined HEAD is refused: tshark would frame the responses after it wrongly', async () => {
    const { pcap } = await pcapWhile({ ports: [shapes.port] }, () => pipeline(shapes.port, ['GET:/204', 'HEAD:/x', 'GET:/pieces']));
    await expect(httpExchangesFromPcap(pcap, { httpPorts: [shapes.port] })).rejects.toThrow(/HEAD \/x was pipelined/);
  });
});
