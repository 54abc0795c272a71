import { describe, expect, it } from 'vitest';

import { decodeBatch } from '../../src/events/decode-records.js';
import { batchOf, encodeData, encodeTlsJoin } from '../../src/events/encode-records.js';
import type { AssembledEvent } from '../../src/events/event-assembler.js';
import { EventStream } from '../../src/events/event-stream.js';
import { DataFlag, Direction, Kind, Syscall, TlsLib } from '../../src/events/layout.js';

/** Plaintext written ahead of its socket: conn 0, the token in streamOff. */
function ahead(token: number, data: string, o: { tid?: number; chunkOff?: number; flags?: number; ret?: number } = {}): Buffer {
  return encodeData({ kind: Kind.TLS_DATA, auxFd: TlsLib.OPENSSL, connId: 0, streamOff: token, fd: -1, ret: o.ret ?? data.length, data, dir: Direction.EGRESS, syscall: Syscall.SSL_WRITE, tid: o.tid ?? 7, tsNs: BigInt(1000 + token), chunkOff: o.chunkOff, flags: o.flags });
}

function run(records: Buffer[]): AssembledEvent[] {
  const out: AssembledEvent[] = [];
  const stream = new EventStream((ev) => out.push(ev));
  let n = 0;
  for (const rec of decodeBatch(batchOf(records))) stream.push(rec, n++);
  stream.flush();
  return out;
}

describe('EventStream: TLS plaintext joined to its socket', () => {
  it('holds plaintext written ahead of its socket until its join, then puts it on the connection at its offset', () => {
    const out = run([
      ahead(5, 'GET / HTTP/1.1\r\n\r\n'),
      encodeData({ connId: 9, ret: 3, data: 'abc', tid: 8 }),
      encodeTlsJoin({ connId: 4, token: 5, streamOff: 120, fd: 11, tid: 7 }),
    ]);
    expect(out.map((e) => [e.first.kind, e.first.connId, e.first.streamOff, e.first.fd])).toEqual([
      [Kind.DATA, 9, 0, 3],
      [Kind.TLS_DATA, 4, 120, 11],
    ]);
    expect(out[1].payload.toString()).toBe('GET / HTTP/1.1\r\n\r\n');
    expect(out[1].firstRecord).toBe(0); // its own record number, not the join's
  });

  it('a join that comes before its plaintext completes (its last chunk was lost) still applies', () => {
    const out = run([
      ahead(6, 'abc', { chunkOff: 0, flags: 0, ret: 9 }),
      encodeTlsJoin({ connId: 4, token: 6, streamOff: 0, tid: 7 }),
      // the thread's next call ends the lost one
      encodeData({ connId: 4, ret: 2, data: 'zz', tid: 7, tsNs: 99999n }),
    ]);
    const joined = out.find((e) => e.first.kind === Kind.TLS_DATA)!;
    expect(joined.first.connId).toBe(4);
    expect(joined.lost).toBe(true);
    expect(joined.payload.toString()).toBe('abc');
  });

  it('plaintext never joined comes out at the end on connection 0, never on a guessed one', () => {
    const out = run([ahead(7, 'lost'), encodeTlsJoin({ connId: 4, token: 8, streamOff: 0 })]);
    expect(out).toHaveLength(1);
    expect(out[0].first).toMatchObject({ connId: 0, kind: Kind.TLS_DATA });
  });

  it('reads and socket records pass straight through, in order', () => {
    const out = run([
      encodeData({ kind: Kind.TLS_DATA, connId: 3, ret: 2, data: 'hi', dir: Direction.INGRESS, tid: 1, tsNs: 1n }),
      encodeData({ connId: 3, ret: 2, data: 'yo', dir: Direction.INGRESS, tid: 2, tsNs: 2n, flags: DataFlag.LAST }),
    ]);
    expect(out.map((e) => e.payload.toString())).toEqual(['hi', 'yo']);
  });

  it('holds at most 64 MiB of plaintext waiting for joins: a file of writes never joined cannot fill memory', () => {
    // 80 writes of 1 MiB, none joined until the last: the oldest go on unjoined as the bound is passed
    const mib = 'x'.repeat(1 << 20);
    const records = Array.from({ length: 80 }, (_, i) => ahead(100 + i, mib));
    records.push(encodeTlsJoin({ connId: 4, token: 179, streamOff: 0, tid: 7 }));
    const out: AssembledEvent[] = [];
    const stream = new EventStream((ev) => out.push(ev));
    let n = 0;
    let releasedBeforeEnd = 0;
    for (const rec of decodeBatch(batchOf(records))) {
      stream.push(rec, n++);
      releasedBeforeEnd = out.length;
    }
    // 64 held at most: at least 16 released before the end, unjoined
    expect(releasedBeforeEnd).toBeGreaterThanOrEqual(16);
    expect(out.slice(0, 16).every((e) => e.first.connId === 0)).toBe(true);
    stream.flush();
    expect(out).toHaveLength(80);
    expect(out.filter((e) => e.first.connId === 4).map((e) => e.first.streamOff)).toEqual([0]);
  });

  it('a token written twice (a damaged file): the first goes on unjoined, the join takes the second', () => {
    const out = run([ahead(9, 'first'), ahead(9, 'second'), encodeTlsJoin({ connId: 4, token: 9, streamOff: 0, tid: 7 })]);
    expect(out.map((e) => [e.first.connId, e.payload.toString()])).toEqual([
      [0, 'first'],
      [4, 'second'],
    ]);
  });
});
