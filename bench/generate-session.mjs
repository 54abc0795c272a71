// A large session written as the recorder would have written it (both ends of every loopback
// connection captured), and a pcap of the same traffic, for the query benchmarks; or the same
// traffic as a `record --dir` chain of files, for the history benchmark.
// Usage from other benchmarks: generateSession({ exchanges, file, pcap }),
// generateChain({ exchanges, dir, files }).
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

import { Capture, defaultCaptureOptions } from '../dist/record/capture.js';
import { sessionFileName } from '../dist/files/chain-names.js';
import { batchOf, encodeConn, encodeData, encodeProc, encodeClose } from '../dist/events/encode-records.js';
import { Direction, Syscall } from '../dist/events/layout.js';
import { rng } from './lib.mjs';
import { ORDER_COLUMNS, USER_COLUMNS, orderRows, pgExtendedQuery, pgSimpleQuery, pgStartup, redisCommand, redisReply, userRow } from './db-traffic.mjs';

export const RARE = 'zebra-unicorn-42';

/**
 * The addon's stand-in: `onRecorder` receives the function the drain thread would hand batches
 * to; its wall clock is `clock.ns`, which the traffic moves on as it is written (started_at,
 * stopped_at and a chain's file names then agree with the records' times).
 */
function fakeBinding(onRecorder, clock) {
  return {
    Recorder: class {
      constructor(opts, onBatch) {
        onRecorder(onBatch);
      }
      start() {}
      async stop() {}
      addPid() {}
      stats() {
        return [0, 0, 0, 0, 0, 0, 0, 0];
      }
      features() {
        return { sendfileBodies: true, sendfileBodiesNote: '' };
      }
      clockOffsetNs() {
        return 0n;
      }
    },
    clocks: () => ({ monotonicNs: 0n, realtimeNs: clock.ns }),
    layout: () => ({}),
    mountTracefs: () => {},
  };
}

/** Minimal pcap writer: Ethernet + IPv4 + TCP on loopback, as `tcpdump -i lo -w` writes. */
class PcapWriter {
  constructor(path) {
    this.fd = openSync(path, 'w');
    const h = Buffer.alloc(24);
    h.writeUInt32LE(0xa1b23c4d, 0); // nanosecond timestamps
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeUInt32LE(262144, 16);
    h.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
    this.buf = [h];
    this.size = 24;
  }
  packet(tsNs, src, dst, seq, ack, flags, payload) {
    const len = 14 + 20 + 20 + payload.length;
    const rec = Buffer.alloc(16 + len);
    rec.writeUInt32LE(Number(tsNs / 1_000_000_000n), 0);
    rec.writeUInt32LE(Number(tsNs % 1_000_000_000n), 4);
    rec.writeUInt32LE(len, 8);
    rec.writeUInt32LE(len, 12);
    let o = 16;
    rec.writeUInt16BE(0x0800, o + 12); // IPv4
    o += 14;
    rec[o] = 0x45;
    rec.writeUInt16BE(20 + 20 + payload.length, o + 2);
    rec[o + 8] = 64;
    rec[o + 9] = 6;
    rec.writeUInt32BE(0x7f000001, o + 12);
    rec.writeUInt32BE(0x7f000001, o + 16);
    o += 20;
    rec.writeUInt16BE(src, o);
    rec.writeUInt16BE(dst, o + 2);
    rec.writeUInt32BE(seq >>> 0, o + 4);
    rec.writeUInt32BE(ack >>> 0, o + 8);
    rec[o + 12] = 5 << 4;
    rec[o + 13] = flags;
    rec.writeUInt16BE(65535, o + 14);
    payload.copy(rec, o + 20);
    this.buf.push(rec);
    this.size += rec.length;
    if (this.size > 8 << 20) this.flush();
  }
  flush() {
    for (const b of this.buf) writeSync(this.fd, b);
    this.buf = [];
    this.size = 0;
  }
  close() {
    this.flush();
    closeSync(this.fd);
  }
}

const METHODS = ['GET', 'GET', 'GET', 'GET', 'GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE'];
const HOSTS = ['api.local:8080', 'auth.local:8080', 'cdn.local:8080'];
const STATUSES = [
  [200, 'OK', 80],
  [201, 'Created', 5],
  [304, 'Not Modified', 4],
  [404, 'Not Found', 6],
  [500, 'Internal Server Error', 2],
  [503, 'Service Unavailable', 1],
  [401, 'Unauthorized', 2],
];
const STATUS_TABLE = STATUSES.flatMap(([c, r, w]) => Array(w).fill([c, r]));

/**
 * One loopback connection with both ends captured, as the recorder writes it: each end's
 * connect/accept, every write with the read that received it (20 µs later), each end's close;
 * and the same traffic as TCP packets in the pcap, if there is one.
 */
function loopbackConnection(emit, pw, { client, server, cid, sid, cport, sport, cfd, sfd }) {
  const off = { c2s: 0, s2c: 0 };
  const seq = { c2s: 1000, s2c: 5000 };
  return {
    open(ts) {
      emit(encodeConn({ pid: client.pid, comm: client.comm, connId: cid, fd: cfd, role: 1, cause: 1, local: [[127, 0, 0, 1], cport], remote: [[127, 0, 0, 1], sport], tsNs: (ts += 1000n) }));
      emit(encodeConn({ pid: server.pid, comm: server.comm, connId: sid, fd: sfd, role: 2, cause: 2, local: [[127, 0, 0, 1], sport], remote: [[127, 0, 0, 1], cport], tsNs: (ts += 1000n) }));
      if (pw) {
        pw.packet(ts, cport, sport, seq.c2s - 1, 0, 0x02, Buffer.alloc(0));
        pw.packet(ts, sport, cport, seq.s2c - 1, seq.c2s, 0x12, Buffer.alloc(0));
        pw.packet(ts, cport, sport, seq.c2s, seq.s2c, 0x10, Buffer.alloc(0));
      }
      return ts;
    },
    send(dir, bytes, ts, syscall = dir === 'c2s' ? Syscall.WRITE : Syscall.WRITEV) {
      const [sp, sc, sf, rp, rc, rf] = dir === 'c2s' ? [client, cid, cfd, server, sid, sfd] : [server, sid, sfd, client, cid, cfd];
      emit(encodeData({ pid: sp.pid, tid: sp.pid, comm: sp.comm, connId: sc, fd: sf, ret: bytes.length, data: bytes, dir: Direction.EGRESS, syscall, streamOff: off[dir], tsNs: ts }));
      emit(encodeData({ pid: rp.pid, tid: rp.pid, comm: rp.comm, connId: rc, fd: rf, ret: bytes.length, data: bytes, dir: Direction.INGRESS, syscall: Syscall.READ, streamOff: off[dir], tsNs: ts + 20_000n }));
      if (pw) {
        const [from, to, other] = dir === 'c2s' ? [cport, sport, 's2c'] : [sport, cport, 'c2s'];
        pw.packet(ts, from, to, seq[dir], seq[other], 0x18, bytes);
        seq[dir] += bytes.length;
      }
      off[dir] += bytes.length;
    },
    close(ts) {
      emit(encodeClose({ pid: client.pid, connId: cid, fd: cfd, tsNs: (ts += 1000n) }));
      emit(encodeClose({ pid: server.pid, connId: sid, fd: sfd, tsNs: (ts += 1000n) }));
      return ts;
    },
  };
}

/** In the mixed session, one SQL query holds this: `search` finds it in one call's text. */
export const RARE_SQL = 'quokka-sql-7731';

const ORDER_ITEM_COLUMNS = [
  ['sku', 'text'],
  ['qty', 'int'],
];

/**
 * The database calls the api-server makes while serving one request, in the mixed session:
 * about one per request. Sessions live in Redis (auth.local); a user is read from a Redis cache
 * and, on a miss (1 in 4), from PostgreSQL and cached again; writes go to PostgreSQL; an order
 * is one simple query, and 1 order in 50 loads its lines one query each (an N+1). Static files
 * make none. Each call is [connection, { request, response }].
 */
function serviceCalls(random, { method, host, path, id, rareSql }) {
  const calls = [];
  const token = (id * 2654435761 >>> 0).toString(16);
  if (host.startsWith('auth.')) {
    if (method === 'GET') calls.push(['redis', { request: redisCommand('GET', `session:${token}`), response: redisReply.bulk(JSON.stringify({ user: id, roles: ['user'] })) }]);
    else calls.push(['redis', { request: redisCommand('SET', `session:${token}`, JSON.stringify({ user: id, roles: ['user'] }), 'EX', '3600'), response: redisReply.ok() }]);
  } else if (path.startsWith('/api/users/')) {
    if (method !== 'GET') calls.push(['pg', pgExtendedQuery('UPDATE users SET name = $1 WHERE id = $2', [`user${id}`, id], null, [], 'UPDATE 1')]);
    else if (random() < 0.75) calls.push(['redis', { request: redisCommand('GET', `user:${id}`), response: redisReply.bulk(JSON.stringify(userRow(id))) }]);
    else {
      calls.push(['redis', { request: redisCommand('GET', `user:${id}`), response: redisReply.bulk(null) }]);
      calls.push(['pg', pgExtendedQuery('SELECT id, name, email FROM users WHERE id = $1', [id], USER_COLUMNS, [userRow(id)])]);
      calls.push(['redis', { request: redisCommand('SET', `user:${id}`, JSON.stringify(userRow(id)), 'EX', '300'), response: redisReply.ok() }]);
    }
  } else if (path.startsWith('/api/orders/')) {
    const rows = orderRows(id, 1 + (id % 4));
    calls.push(['pg', pgSimpleQuery(`SELECT id, status, total FROM orders WHERE customer_id = ${id} ORDER BY id LIMIT 20`, ORDER_COLUMNS, rows)]);
    if (random() < 0.02)
      for (const [orderId] of rows.concat(orderRows(id + 1, 6 - rows.length)))
        calls.push(['pg', pgExtendedQuery('SELECT sku, qty FROM order_items WHERE order_id = $1', [orderId], ORDER_ITEM_COLUMNS, [[`SKU-${orderId}`, orderId % 9]])]);
  }
  if (rareSql) calls.push(['pg', pgSimpleQuery(`SELECT id FROM users WHERE email = '${RARE_SQL}@example.com'`, [['id', 'int']], [[id]])]);
  return calls;
}

/** The wall-clock time of the first record, 2026-11-18 11:06:40 UTC: every generated session starts there. */
const T0 = 1_795_000_000_000_000_000n;

/**
 * Write `exchanges` HTTP exchanges on `flows` keep-alive connections into a session file (and
 * the same traffic into a pcap if asked). Exactly one response body contains RARE, unless
 * `rareAt` says where: the first HTTP exchange at or after each of its fractions of `exchanges`.
 * `variant: 1` writes the same traffic as a later version of the server would answer it, for
 * `tinytap diff`: order responses say `"note":"ok (v2)"`, static files carry a Cache-Control
 * header and come 50 ms later. The random sequence is the same, so everything else is equal.
 * `mixed: true`: the api-server also calls PostgreSQL and Redis while it serves (serviceCalls),
 * on one connection to each per HTTP connection, both ends captured; `exchanges` then counts
 * HTTP exchanges and database calls together (the PostgreSQL startups too), and exactly one SQL
 * query contains RARE_SQL (in the first exchange that has RARE).
 */
export async function generateSession({ file, ...traffic }) {
  const clock = { ns: T0 };
  let deliver;
  const cap = new Capture(
    defaultCaptureOptions(file, { create: { force: true }, commitMs: 1_000_000_000 }),
    fakeBinding((b) => (deliver = b), clock),
  );
  cap.start();
  const written = await writeTraffic(traffic, { deliver: (batch) => deliver(batch), clock });
  await cap.stop('signal');
  return written;
}

/**
 * The same traffic as `record --dir DIR --rotate ...` writes it: a chain of `files` files in
 * `dir`, switched by Capture's own rotation after each `exchanges / files` exchanges (at the end
 * of the batch that reaches them, as the recorder switches between two batches of the drain:
 * keep-alive connections go on in the next file). `rareAt` as for generateSession; the files
 * are named, and their meta timed, by the traffic's clock. Returns the files in chain order.
 */
export async function generateChain({ dir, files, ...traffic }) {
  const clock = { ns: T0 };
  let deliver;
  let rotated = () => {};
  const chain = [join(dir, sessionFileName(new Date(Number(T0 / 1_000_000n))))];
  const cap = new Capture(
    defaultCaptureOptions(chain[0], {
      create: { force: true },
      // the traffic is written without yielding, so the commit timer fires only where a file is
      // to end (afterBatch below), and that commit rotates: the file has reached `everyBytes`
      commitMs: 1,
      rotation: { dir, everyMs: null, everyBytes: 1, keepMs: null, keepBytes: null },
    }),
    fakeBinding((b) => (deliver = b), clock),
    { onRotate: (r) => (chain.push(r.opened), rotated()) },
  );
  cap.start();
  const perFile = traffic.exchanges / files;
  const written = await writeTraffic(traffic, {
    deliver: (batch) => deliver(batch),
    clock,
    afterBatch: (n) => (chain.length < files && n >= chain.length * perFile ? new Promise((resolve) => (rotated = resolve)) : null),
  });
  await cap.stop('signal');
  return { ...written, files: chain };
}

/**
 * The traffic itself, one definition for a single file and a chain: batches of records handed
 * to `deliver` as the drain thread hands them, `clock.ns` moved on with them, and after each
 * batch `afterBatch(exchanges so far)` awaited if it returns a promise.
 */
async function writeTraffic(
  { exchanges, flows = Math.max(1, Math.round(exchanges / 500)), pcap = null, variant = 0, mixed = false, rareAt = [0.61803] },
  { deliver, clock, afterBatch = () => null },
) {
  const random = rng(42);
  // the database calls draw from their own sequence: the HTTP traffic is the same either way
  const dbRandom = rng(43);
  const pw = pcap ? new PcapWriter(pcap) : null;
  let ts = T0;
  let records = [];
  const flush = () => {
    clock.ns = ts;
    deliver(batchOf(records));
    records = [];
    return afterBatch(n);
  };
  const emit = (record) => records.push(record);
  const client = { pid: 3000, comm: 'loadgen' };
  const server = { pid: 2000, comm: 'api-server' };
  const postgres = { pid: 4000, comm: 'postgres' };
  const redis = { pid: 5000, comm: 'redis-server' };
  emit(encodeProc({ pid: client.pid, comm: client.comm, argv: ['loadgen', '--rate', '1000'], tsNs: ts }));
  emit(encodeProc({ pid: server.pid, comm: server.comm, argv: ['api-server', '--port', '8080'], tsNs: ts }));
  if (mixed) {
    emit(encodeProc({ pid: postgres.pid, comm: postgres.comm, argv: ['postgres', '-D', '/var/lib/postgresql/data'], tsNs: ts }));
    emit(encodeProc({ pid: redis.pid, comm: redis.comm, argv: ['redis-server', '*:6379'], tsNs: ts }));
  }
  const rareFrom = rareAt.map((f) => Math.floor(exchanges * f));
  let rareHttp = 0;
  let rareSql = false;
  let n = 0;
  let connId = 1;
  const perFlow = Math.ceil(exchanges / flows);
  for (let f = 0; f < flows && n < exchanges; f++) {
    const cport = 20000 + (f % 40000);
    const http = loopbackConnection(emit, pw, { client, server, cid: connId++, sid: connId++, cport, sport: 8080, cfd: 10, sfd: 20 });
    ts = http.open(ts);
    const db = {};
    if (mixed) {
      db.pg = loopbackConnection(emit, pw, { client: server, server: postgres, cid: connId++, sid: connId++, cport: 40000 + (f % 20000), sport: 5432, cfd: 30, sfd: 9 });
      db.redis = loopbackConnection(emit, pw, { client: server, server: redis, cid: connId++, sid: connId++, cport: 60000 + (f % 5000), sport: 6379, cfd: 31, sfd: 8 });
      ts = db.redis.open(db.pg.open(ts));
      const startup = pgStartup();
      db.pg.send('c2s', startup.request, (ts += 50_000n));
      db.pg.send('s2c', startup.response, (ts += 300_000n));
      n++;
    }
    const flowEnd = n + perFlow;
    for (let k = 0; n < flowEnd && n < exchanges; k++, n++) {
      const method = METHODS[Math.floor(random() * METHODS.length)];
      const host = HOSTS[Math.floor(random() * HOSTS.length)];
      const id = Math.floor(random() * 100000);
      const path =
        random() < 0.5 ? `/api/users/${id}` : random() < 0.7 ? `/api/orders/${id}/items?page=${k % 7}` : `/static/app.${(id * 2654435761 >>> 0).toString(16)}.js`;
      const [status, reason] = STATUS_TABLE[Math.floor(random() * STATUS_TABLE.length)];
      const reqBody = method === 'POST' || method === 'PUT' ? JSON.stringify({ id, name: `user${id}`, tags: ['a', 'b'] }) : '';
      const request =
        `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: loadgen/1.0\r\nAccept: application/json\r\nX-Request-Id: ${n.toString(36)}-${id}\r\n` +
        (reqBody ? `Content-Type: application/json\r\nContent-Length: ${reqBody.length}\r\n` : '') +
        `\r\n${reqBody}`;
      const rare = rareHttp < rareFrom.length && n >= rareFrom[rareHttp];
      if (rare) rareHttp++;
      const payload = {
        id,
        status,
        items: Array.from({ length: 1 + (id % 4) }, (_, i) => ({ sku: `SKU-${id}-${i}`, qty: (id + i) % 9 })),
        note: rare ? `special ${RARE} record` : variant && path.startsWith('/api/orders/') ? 'ok (v2)' : 'ok',
      };
      const isStatic = path.startsWith('/static/');
      const respBody = status === 304 ? '' : JSON.stringify(payload);
      const response = `HTTP/1.1 ${status} ${reason}\r\nServer: api-server\r\nContent-Type: application/json\r\n${variant && isStatic ? 'Cache-Control: max-age=3600\r\n' : ''}Content-Length: ${respBody.length}\r\n\r\n${respBody}`;
      const latency =
        BigInt(Math.floor(200_000 + random() * random() * 300_000_000)) + (variant && isStatic ? 50_000_000n : 0n); // 0.2 ms .. 300 ms, mostly short
      http.send('c2s', Buffer.from(request, 'latin1'), (ts += 50_000n));
      if (mixed) {
        // the calls are made after the request arrived and before the response began: that is
        // how tinytap links them to it
        const calls = serviceCalls(dbRandom, { method, host, path, id, rareSql: !rareSql && rare });
        rareSql ||= rare;
        for (const [on, call] of calls) {
          db[on].send('c2s', call.request, (ts += 30_000n));
          db[on].send('s2c', call.response, (ts += BigInt(Math.floor(50_000 + dbRandom() * dbRandom() * 5_000_000)))); // 50 µs .. 5 ms
        }
        n += calls.length;
      }
      http.send('s2c', Buffer.from(response, 'latin1'), (ts += latency));
      if (records.length >= 8192) await flush();
    }
    ts = http.close(ts);
    if (mixed) {
      db.pg.send('c2s', Buffer.from('X\0\0\0\x04', 'latin1'), (ts += 1000n)); // Terminate: a call with no reply
      n++;
      ts = db.redis.close(db.pg.close(ts));
    }
  }
  await flush();
  pw?.close();
  return { exchanges: n, flows, rare: RARE, rareHits: rareHttp, rareSql: mixed ? RARE_SQL : null };
}

// node bench/generate-session.mjs FILE [EXCHANGES] [PCAP] [--variant 1] [--mixed]
// node bench/generate-session.mjs DIR [EXCHANGES] --chain FILES      (a chain of FILES files in DIR)
if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const flag = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args.splice(i, 2)[1] : undefined;
  };
  const variant = Number(flag('--variant') ?? 0);
  const chain = flag('--chain');
  const m = args.indexOf('--mixed');
  const mixed = m >= 0 && args.splice(m, 1).length > 0;
  const n = Number(args[1] ?? 100000);
  const t = Date.now();
  const r = chain
    ? await generateChain({ dir: args[0], files: Number(chain), exchanges: n, mixed })
    : await generateSession({ file: args[0], exchanges: n, pcap: args[2] ?? null, variant, mixed });
  console.error(`${r.exchanges} exchanges on ${r.flows} connections${r.files ? ` in ${r.files.length} files` : ''} in ${Date.now() - t} ms`);
}
