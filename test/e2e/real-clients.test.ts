// Real third-party clients and servers, recorded by tinytap while tcpdump captures the same
// loopback traffic: tinytap's exchanges must equal Wireshark's dissection of the pcap (method,
// target, status, header counts, decoded body lengths and hashes), and every TCP connection
// must appear once, with both processes, the right roles, and tshark's byte counts each way.
// These are the programs that came out wrong before the capture model was mended: wget peeks,
// ab and redis-cli connect twice, PostgreSQL and ForkingMixIn serve in a forked child,
// http.server leaves a POST body unread, nginx peeks at every TLS connection.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

import type { Body, Exchange } from '../../src/model/exchange.js';
import { Session } from '../../src/session/session.js';
import { type Server, describeCapture, recordWhile, startNginx, startPythonHttp, tempDir, exchangesOf } from './harness.js';
import {
  type ForkingHttp,
  type NginxTls,
  type Postgres,
  type Redis,
  ab,
  curlTls,
  psql,
  redisCli,
  startForkingHttp,
  startNginxTls,
  startPostgres,
  startRedis,
  urllibPost,
  wget,
} from './peers.js';
import { type WireConversation, type WireExchange, httpExchangesFromPcap, pcapWhile, sha256, tcpConversationsFromPcap } from './reference.js';

/** Record (only these ports) while tcpdump captures them: the session file and the pcap. */
async function recordAndCapture<T>(ports: number[], traffic: () => Promise<T>, extra: string[] = []): Promise<{ file: string; pcap: string; result: T }> {
  let result!: T;
  const { pcap, result: rec } = await pcapWhile({ ports }, () =>
    recordWhile([...ports.flatMap((p) => ['--port', String(p)]), ...extra], async () => {
      result = await traffic();
    }),
  );
  expect(rec.code, rec.stderr).toBe(0);
  return { file: rec.file, pcap, result };
}

type Compared = Pick<
  WireExchange,
  | 'method'
  | 'target'
  | 'status'
  | 'requestHeaderCount'
  | 'responseHeaderCount'
  | 'requestBodyLength'
  | 'requestBodySha256'
  | 'responseBodyLength'
  | 'responseBodySha256'
>;

function decoded(b: Body): Buffer {
  return Buffer.from(b.decoded ?? b.captured);
}

/** What tinytap's exchange says, in the reference's terms (bodies de-chunked and decoded). */
function fromTinytap(ex: Exchange): Compared {
  const req = decoded(ex.request.body);
  const resp = ex.response ? decoded(ex.response.body) : null;
  return {
    method: ex.request.method || null,
    target: ex.request.target || null,
    status: ex.response?.status ?? null,
    requestHeaderCount: ex.request.headers.length,
    responseHeaderCount: ex.response ? ex.response.headers.length : null,
    requestBodyLength: req.length,
    requestBodySha256: sha256(req),
    responseBodyLength: resp ? resp.length : null,
    responseBodySha256: resp ? sha256(resp) : null,
  };
}

function fromWire(w: WireExchange): Compared {
  const { method, target, status, requestHeaderCount, responseHeaderCount, requestBodyLength, requestBodySha256, responseBodyLength, responseBodySha256 } = w;
  return { method, target, status, requestHeaderCount, responseHeaderCount, requestBodyLength, requestBodySha256, responseBodyLength, responseBodySha256 };
}

/** The session's exchanges, whole, in the order their requests began. */
/** tinytap's exchanges equal tshark's, in order. */
async function expectSameExchanges(file: string, pcap: string, opts: Parameters<typeof httpExchangesFromPcap>[1] = {}): Promise<Exchange[]> {
  const wire = await httpExchangesFromPcap(pcap, opts);
  const mine = exchangesOf(file);
  expect(mine.map(fromTinytap)).toEqual(wire.map(fromWire));
  return mine;
}

interface FlowRow {
  transport: string;
  protocol: string;
  client_pid: number | null;
  client_comm: string | null;
  client_port: number | null;
  server_pid: number | null;
  server_comm: string | null;
  server_port: number | null;
  bytes_c2s: number;
  bytes_s2c: number;
  server_processes: string | null;
}

function flowsOf(file: string): FlowRow[] {
  const session = Session.open(file);
  try {
    return session.flows().map((f) => ({ ...f, started_at: undefined }));
  } finally {
    session.close();
  }
}

/** Each TCP connection once, with both processes, the client's role on the SYN's side, tshark's bytes. */
async function expectSameConnections(file: string, pcap: string, serverPort: number, names: { client: string; server: string }): Promise<FlowRow[]> {
  const wire = (await tcpConversationsFromPcap(pcap)).filter((c) => c.server.port === serverPort);
  const flows = flowsOf(file).filter((f) => f.transport === 'tcp' && f.server_port === serverPort);
  const key = (port: number | null) => port ?? -1;
  const byClientPort = new Map<number, WireConversation>(wire.map((c) => [c.client.port, c]));
  expect(flows.map((f) => key(f.client_port)).sort((a, b) => a - b)).toEqual(wire.map((c) => c.client.port).sort((a, b) => a - b));
  for (const f of flows) {
    const c = byClientPort.get(key(f.client_port))!;
    expect(c.clientKnown).toBe(true);
    expect(f).toMatchObject({ client_comm: names.client, server_comm: names.server, bytes_c2s: c.bytesClientToServer, bytes_s2c: c.bytesServerToClient });
    expect(f.client_pid).not.toBeNull();
    expect(f.server_pid).not.toBeNull();
  }
  return flows;
}

describeCapture('real clients and servers, against tshark', () => {
  const www = tempDir('tinytap-www-');
  const index = Buffer.from('<html><body>' + 'a page for real clients '.repeat(40) + '</body></html>\n');
  const text = Buffer.from('text that nginx sends gzipped over TLS '.repeat(300));
  writeFileSync(join(www, 'index.html'), index);
  writeFileSync(join(www, 'text.txt'), text);
  chmodSync(www, 0o755); // nginx's workers run as nobody

  let python: Server;
  let nginx: Server;
  let tls: NginxTls;
  let forking: ForkingHttp;
  let redis: Redis;
  let pg: Postgres;
  beforeAll(async () => {
    [python, nginx, tls, forking, redis, pg] = await Promise.all([
      startPythonHttp(www),
      startNginx(www),
      startNginxTls(www, 'types { text/plain txt; }\n    gzip on;\n    gzip_types text/plain;\n    gzip_min_length 1;'),
      startForkingHttp(),
      startRedis(),
      startPostgres(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([python, nginx, tls, forking, redis, pg].map((s) => s?.stop()));
  });

  it('wget (which peeks at every response head) against http.server', async () => {
    const { file, pcap } = await recordAndCapture([python.port], async () => {
      for (const path of ['/index.html', '/missing']) await wget('-O', '/dev/null', `http://127.0.0.1:${python.port}${path}`);
    });
    const mine = await expectSameExchanges(file, pcap, { httpPorts: [python.port] });
    expect(mine.map((x) => [x.request.target, x.response?.status])).toEqual([
      ['/index.html', 200],
      ['/missing', 404],
    ]);
    await expectSameConnections(file, pcap, python.port, { client: 'wget', server: 'python3' });
  });

  it('ab -k (which calls connect() twice) against nginx: one connection, every request once', async () => {
    const { file, pcap, result } = await recordAndCapture([nginx.port], () =>
      ab(`http://127.0.0.1:${nginx.port}/index.html`, { requests: 50, keepAlive: true }),
    );
    expect(result).toMatchObject({ complete: 50, failed: 0, keepAlive: 50 });
    const mine = await expectSameExchanges(file, pcap, { httpPorts: [nginx.port] });
    expect(mine).toHaveLength(50);
    const flows = await expectSameConnections(file, pcap, nginx.port, { client: 'ab', server: 'nginx' });
    expect(flows).toHaveLength(1);
  });

  it('redis-cli (which calls connect() twice) against redis-server: one connection each', async () => {
    const { file, pcap, result } = await recordAndCapture([redis.port], async () => [
      await redisCli(redis, ['SET', 'greeting', 'hello']),
      await redisCli(redis, ['GET', 'greeting']),
    ]);
    expect(result).toEqual(['OK\n', 'hello\n']);
    const flows = await expectSameConnections(file, pcap, redis.port, { client: 'redis-cli', server: 'redis-server' });
    expect(flows).toHaveLength(2);
    expect(flows.every((f) => f.protocol === 'redis')).toBe(true);
  });

  it('psql against PostgreSQL over TCP: the backend that answered, and the postmaster that accepted', async () => {
    const { file, pcap, result } = await recordAndCapture([pg.port], () => psql(pg, 'SELECT 6 * 7'));
    expect(result).toBe('42\n');
    const [flow, ...more] = await expectSameConnections(file, pcap, pg.port, { client: 'psql', server: 'postgres' });
    expect(more).toEqual([]);
    expect(flow.protocol).toBe('postgresql');
    // the postmaster accepted, a forked backend answered
    expect(flow.server_pid).not.toBe(pg.pid);
    expect(JSON.parse(flow.server_processes!)).toEqual([
      { pid: pg.pid, comm: 'postgres', cause: 2 },
      { pid: flow.server_pid, comm: 'postgres', cause: 4 },
    ]);
  });

  it('psql against PostgreSQL over its unix socket: one connection, both processes, right roles', async () => {
    const rec = await recordWhile(['--comm', 'psql', '--comm', 'postgres'], () => psql(pg, 'SELECT 1', { via: 'unix' }));
    const flows = flowsOf(rec.file).filter((f) => f.transport === 'unix' && f.server_comm === 'postgres' && f.client_comm === 'psql');
    expect(flows).toHaveLength(1);
    const [f] = flows;
    expect(f.protocol).toBe('postgresql');
    expect(f.server_pid).not.toBe(pg.pid);
    expect(JSON.parse(f.server_processes!).map((p: { pid: number }) => p.pid)).toEqual([pg.pid, f.server_pid]);
    expect(f.bytes_c2s).toBeGreaterThan(0);
    expect(f.bytes_s2c).toBeGreaterThan(0);
  });

  it('a socketserver.ForkingMixIn server: the child that served each request is the server', async () => {
    const { file, pcap } = await recordAndCapture([forking.port], async () => {
      await wget('-O', '/dev/null', `http://127.0.0.1:${forking.port}/?n=20000`);
      await urllibPost(`http://127.0.0.1:${forking.port}/upload`, 50_000);
    });
    const mine = await expectSameExchanges(file, pcap, { httpPorts: [forking.port] });
    expect(mine.map((x) => [x.request.method, x.response?.status])).toEqual([
      ['GET', 200],
      ['POST', 200],
    ]);
    for (const x of mine) {
      expect(x.server.pid).not.toBe(forking.pid);
      expect(x.server.others).toEqual([{ pid: forking.pid, comm: expect.stringMatching(/^python3/), how: 'accepted' }]);
    }
    await expectSameConnections(file, pcap, forking.port, { client: expect.stringMatching(/^(wget|python3)$/), server: 'python3' });
  });

  it('urllib POST to http.server, which answers 501 without reading the body: the body is whole', async () => {
    // within the first receive window, so every byte reaches the wire (and the pcap) before
    // the server's close resets the connection; past it, the kernel drops what is still queued
    const { file, pcap, result } = await recordAndCapture([python.port], () => urllibPost(`http://127.0.0.1:${python.port}/upload`, 50_000));
    expect(result).toBe(501);
    const [x] = await expectSameExchanges(file, pcap, { httpPorts: [python.port] });
    expect(x.request.body).toMatchObject({ size: 50_000, complete: true, missing: null });
    await expectSameConnections(file, pcap, python.port, { client: 'python3', server: 'python3' });
  });

  // with --no-tls the connection is ciphertext, labelled tls; by default HTTP is read from the
  // plaintext at the TLS library; either way the socket's bytes are the ciphertext on the wire
  it.each([
    { how: 'with --no-tls', flags: ['--no-tls'], protocol: 'tls' },
    { how: 'by default', flags: [], protocol: 'http/1.1' },
  ])('curl to nginx over TLS (nginx peeks at the first byte) $how: $protocol, bytes equal to the wire', async ({ flags, protocol }) => {
    const { file, pcap, result } = await recordAndCapture([tls.port], async () => [
      await curlTls(tls, '-o', '/dev/null', '-w', '%{http_code}', tls.url('/index.html')),
      await curlTls(tls, '--compressed', '-o', '/dev/null', '-w', '%{http_code}', tls.url('/text.txt')),
    ], flags);
    expect(result.map((r) => r.stdout)).toEqual(['200', '200']);
    const flows = await expectSameConnections(file, pcap, tls.port, { client: 'curl', server: 'nginx' });
    expect(flows).toHaveLength(2);
    expect(flows.map((f) => f.protocol)).toEqual([protocol, protocol]);
  });
});
