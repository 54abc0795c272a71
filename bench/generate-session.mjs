// A large session written as the recorder would have written it (both ends of every loopback
// connection captured), and a pcap of the same traffic, for the query benchmarks.
// Usage from other benchmarks: generateSession({ exchanges, file, pcap }).
import { closeSync, openSync, writeSync } from 'node:fs';

import { Capture, defaultCaptureOptions } from '../dist/record/capture.js';
import { batchOf, encodeConn, encodeData, encodeProc, encodeClose } from '../dist/events/encode-records.js';
import { Direction, Syscall } from '../dist/events/layout.js';

export const RARE = 'zebra-unicorn-42';

/** A deterministic pseudo-random generator (mulberry32): the same session every run. */
function rng(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fakeBinding(onRecorder) {
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
    clocks: () => ({ monotonicNs: 0n, realtimeNs: 1_795_000_000_000_000_000n }),
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
 * Write `exchanges` HTTP exchanges on `flows` keep-alive connections into a session file (and
 * the same traffic into a pcap if asked). Exactly one response body contains RARE.
 * `variant: 1` writes the same traffic as a later version of the server would answer it, for
 * `tinytap diff`: order responses say `"note":"ok (v2)"`, static files carry a Cache-Control
 * header and come 50 ms later. The random sequence is the same, so everything else is equal.
 */
export async function generateSession({ file, exchanges, flows = Math.max(1, Math.round(exchanges / 500)), pcap = null, variant = 0 }) {
  const random = rng(42);
  let deliver;
  const cap = new Capture(
    defaultCaptureOptions(file, { create: { force: true }, commitMs: 1_000_000_000 }),
    fakeBinding((b) => (deliver = b)),
  );
  cap.start();
  const pw = pcap ? new PcapWriter(pcap) : null;
  let ts = 1_795_000_000_000_000_000n;
  let records = [];
  const flush = () => {
    deliver(batchOf(records));
    records = [];
  };
  const client = { pid: 3000, comm: 'loadgen' };
  const server = { pid: 2000, comm: 'api-server' };
  records.push(encodeProc({ pid: client.pid, comm: client.comm, argv: ['loadgen', '--rate', '1000'], tsNs: ts }));
  records.push(encodeProc({ pid: server.pid, comm: server.comm, argv: ['api-server', '--port', '8080'], tsNs: ts }));
  const rareAt = Math.floor(exchanges * 0.61803);
  let n = 0;
  let connId = 1;
  const perFlow = Math.ceil(exchanges / flows);
  for (let f = 0; f < flows && n < exchanges; f++) {
    const cid = connId++;
    const sid = connId++;
    const cport = 20000 + (f % 40000);
    records.push(encodeConn({ pid: client.pid, comm: client.comm, connId: cid, fd: 10, role: 1, cause: 1, local: [[127, 0, 0, 1], cport], remote: [[127, 0, 0, 1], 8080], tsNs: (ts += 1000n) }));
    records.push(encodeConn({ pid: server.pid, comm: server.comm, connId: sid, fd: 20, role: 2, cause: 2, local: [[127, 0, 0, 1], 8080], remote: [[127, 0, 0, 1], cport], tsNs: (ts += 1000n) }));
    let cseq = 1000;
    let sseq = 5000;
    if (pw) {
      pw.packet(ts, cport, 8080, cseq - 1, 0, 0x02, Buffer.alloc(0));
      pw.packet(ts, 8080, cport, sseq - 1, cseq, 0x12, Buffer.alloc(0));
      pw.packet(ts, cport, 8080, cseq, sseq, 0x10, Buffer.alloc(0));
    }
    const off = { c2s: 0, s2c: 0 };
    for (let k = 0; k < perFlow && n < exchanges; k++, n++) {
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
      const payload = {
        id,
        status,
        items: Array.from({ length: 1 + (id % 4) }, (_, i) => ({ sku: `SKU-${id}-${i}`, qty: (id + i) % 9 })),
        note: n === rareAt ? `special ${RARE} record` : variant && path.startsWith('/api/orders/') ? 'ok (v2)' : 'ok',
      };
      const isStatic = path.startsWith('/static/');
      const respBody = status === 304 ? '' : JSON.stringify(payload);
      const response = `HTTP/1.1 ${status} ${reason}\r\nServer: api-server\r\nContent-Type: application/json\r\n${variant && isStatic ? 'Cache-Control: max-age=3600\r\n' : ''}Content-Length: ${respBody.length}\r\n\r\n${respBody}`;
      const latency =
        BigInt(Math.floor(200_000 + random() * random() * 300_000_000)) + (variant && isStatic ? 50_000_000n : 0n); // 0.2 ms .. 300 ms, mostly short
      for (const [dir, text] of [['c2s', request], ['s2c', response]]) {
        const bytes = Buffer.from(text, 'latin1');
        const [sp, sc, rp, rc, sfd, rfd] = dir === 'c2s' ? [client, cid, server, sid, 10, 20] : [server, sid, client, cid, 20, 10];
        ts += dir === 's2c' ? latency : 50_000n;
        records.push(encodeData({ pid: sp.pid, tid: sp.pid, comm: sp.comm, connId: sc, fd: sfd, ret: bytes.length, data: bytes, dir: Direction.EGRESS, syscall: dir === 'c2s' ? Syscall.WRITE : Syscall.WRITEV, streamOff: off[dir], tsNs: ts }));
        records.push(encodeData({ pid: rp.pid, tid: rp.pid, comm: rp.comm, connId: rc, fd: rfd, ret: bytes.length, data: bytes, dir: Direction.INGRESS, syscall: Syscall.READ, streamOff: off[dir], tsNs: ts + 20_000n }));
        if (pw) {
          if (dir === 'c2s') {
            pw.packet(ts, cport, 8080, cseq, sseq, 0x18, bytes);
            cseq += bytes.length;
          } else {
            pw.packet(ts, 8080, cport, sseq, cseq, 0x18, bytes);
            sseq += bytes.length;
          }
        }
        off[dir] += bytes.length;
      }
      if (records.length >= 8192) flush();
    }
    records.push(encodeClose({ pid: client.pid, connId: cid, fd: 10, tsNs: (ts += 1000n) }));
    records.push(encodeClose({ pid: server.pid, connId: sid, fd: 20, tsNs: (ts += 1000n) }));
  }
  flush();
  pw?.close();
  await cap.stop('signal');
  return { exchanges: n, flows, rare: RARE };
}

// node bench/generate-session.mjs FILE [EXCHANGES] [PCAP] [--variant 1]
if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const v = args.indexOf('--variant');
  const variant = v >= 0 ? Number(args.splice(v, 2)[1]) : 0;
  const n = Number(args[1] ?? 100000);
  const t = Date.now();
  const r = await generateSession({ file: args[0], exchanges: n, pcap: args[2] ?? null, variant });
  console.error(`${r.exchanges} exchanges on ${r.flows} connections in ${Date.now() - t} ms`);
}
