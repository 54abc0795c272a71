import { describe, expect, it } from 'vitest';

import { RecordFormatError, decodeBatch, formatIPv6 } from '../../src/events/decode-records.js';
import { DataFlag, EventFlag, Kind, LAYOUT_VERSION } from '../../src/events/layout.js';
import { batchOf, encodeClose, encodeConn, encodeData, encodeProc, encodeUnknownKind } from '../../src/events/encode-records.js';

describe('decodeBatch', () => {
  it('decodes every record kind in order', () => {
    const batch = batchOf([
      encodeProc({ pid: 42, comm: 'curl', argv: ['curl', '-s', 'http://x/'] }),
      encodeConn({ pid: 42, connId: 7, local: [[127, 0, 0, 1], 50000], remote: [[10, 1, 2, 3], 443] }),
      encodeData({ pid: 42, tid: 43, connId: 7, ret: 5, data: 'hello', streamOff: 10 }),
      encodeClose({ pid: 42, connId: 7, fd: 3 }),
    ]);
    const recs = [...decodeBatch(batch)];
    expect(recs.map((r) => r.kind)).toEqual([Kind.PROC, Kind.CONN, Kind.DATA, Kind.CLOSE]);
    const [proc, conn, data, close] = recs as any[];
    expect(proc).toMatchObject({ pid: 42, comm: 'curl', argv: ['curl', '-s', 'http://x/'], argsTruncated: false });
    expect(conn).toMatchObject({ connId: 7, local: { addr: '127.0.0.1', port: 50000 }, remote: { addr: '10.1.2.3', port: 443 } });
    expect(data).toMatchObject({ connId: 7, ret: 5, streamOff: 10, tid: 43, peer: null });
    expect(data.data.toString()).toBe('hello');
    expect(close).toMatchObject({ connId: 7, fd: 3 });
  });

  it('reads negative return values and datagram peers', () => {
    const [err, dgram] = [
      ...decodeBatch(
        batchOf([
          encodeData({ connId: 1, ret: -104, flags: DataFlag.ERROR | DataFlag.LAST }),
          encodeData({ connId: 2, ret: 3, data: 'abc', peer: { family: 2, port: 53, addr: [8, 8, 4, 4] } }),
        ]),
      ),
    ] as any[];
    expect(err.ret).toBe(-104);
    expect(dgram.peer).toEqual({ family: 2, addr: '8.8.4.4', port: 53 });
  });

  it('shows unix paths, abstract ones with @', () => {
    const [c] = [...decodeBatch(batchOf([encodeConn({ connId: 1, family: 1, localPath: '\0abstract', peerPath: '/run/x.sock' })]))] as any[];
    expect(c.localPath).toBe('@abstract');
    expect(c.peerPath).toBe('/run/x.sock');
  });

  it('rejects a batch cut inside a record', () => {
    const batch = batchOf([encodeData({ connId: 1, ret: 5, data: 'hello' })]);
    expect(() => [...decodeBatch(batch.subarray(0, batch.length - 16))]).toThrow(RecordFormatError);
  });

  // SPEC.md §4: a later tinytap may add kinds and versions; this one passes over what it does not know
  it('passes over records of an unknown kind or a newer layout version', () => {
    const newer = encodeData({ connId: 3, ret: 5, data: 'newer', version: LAYOUT_VERSION + 1 });
    const batch = batchOf([
      encodeData({ connId: 1, ret: 5, data: 'hello' }),
      encodeUnknownKind(99, 200),
      newer,
      encodeData({ connId: 2, ret: 5, data: 'world', version: 1 }),
    ]);
    expect([...decodeBatch(batch)].map((r) => (r.kind === Kind.DATA ? r.data.toString() : r.kind))).toEqual(['hello', 'world']);
  });

  it('joins a data record\'s two flag bytes into one value', () => {
    const rec = [...decodeBatch(batchOf([encodeData({ connId: 1, ret: 5, flags: DataFlag.LAST | EventFlag.PEEK })]))][0];
    expect(rec.kind === Kind.DATA && rec.flags).toBe(DataFlag.LAST | EventFlag.PEEK);
  });
});

describe('formatIPv6', () => {
  const v6 = (words: number[]) => {
    const b = Buffer.alloc(16);
    words.forEach((w, i) => b.writeUInt16BE(w, i * 2));
    return formatIPv6(b, 0);
  };
  it('compresses the longest zero run', () => {
    expect(v6([0, 0, 0, 0, 0, 0, 0, 1])).toBe('::1');
    expect(v6([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1])).toBe('2001:db8::1:0:0:1');
    expect(v6([0xfe80, 0, 0, 0, 0, 0, 0, 0])).toBe('fe80::');
    expect(v6([0, 0, 0, 0, 0, 0xffff, 0x7f00, 0x0001])).toBe('::ffff:127.0.0.1');
    expect(v6([1, 2, 3, 4, 5, 6, 7, 8])).toBe('1:2:3:4:5:6:7:8');
  });
});
