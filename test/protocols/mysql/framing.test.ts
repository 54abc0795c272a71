/** Packet framing: continuation packets joined, the held part bounded, gaps skipped or fatal. */
import { describe, expect, it } from 'vitest';
import { PacketFramer, type Packet } from '../../../src/protocols/mysql/framing.js';

function header(length: number, seq: number): Buffer {
  return Buffer.from([length & 0xff, (length >> 8) & 0xff, length >> 16, seq]);
}

function framer(maxHeld = 1 << 30) {
  const packets: Packet[] = [];
  const gaps: number[] = [];
  const f = new PacketFramer({ onPacket: (p) => packets.push(p), onGap: (at) => gaps.push(at), onInvalid: () => {} }, maxHeld);
  return { f, packets, gaps };
}

describe('PacketFramer', () => {
  it('joins a 0xffffff payload with the packets that continue it', () => {
    const { f, packets } = framer();
    const big = Buffer.alloc(0xffffff, 0x61);
    f.bytes(Buffer.concat([header(0xffffff, 3), big]), 1);
    expect(packets).toHaveLength(0);
    f.bytes(Buffer.concat([header(2, 4), Buffer.from('bc')]), 2);
    expect(packets).toHaveLength(1);
    const p = packets[0];
    expect([p.seq, p.start, p.end, p.length, p.startTs, p.endTs]).toEqual([3, 0, 0xffffff + 10, 0xffffff + 2, 1, 2]);
    expect(p.payload.subarray(-3).toString()).toBe('abc');
  });

  it('ends a payload of exactly 0xffffff with an empty packet', () => {
    const { f, packets } = framer();
    f.bytes(Buffer.concat([header(0xffffff, 0), Buffer.alloc(0xffffff), header(0, 1)]), 1);
    expect(packets.map((p) => p.length)).toEqual([0xffffff]);
  });

  it('keeps at most maxHeld bytes of a payload and skips the rest', () => {
    const { f, packets } = framer(10);
    f.bytes(Buffer.concat([header(100, 0), Buffer.alloc(100, 1), header(1, 1), Buffer.from([9])]), 1);
    expect(packets.map((p) => [p.length, p.payload.length, p.cut])).toEqual([
      [100, 10, true],
      [1, 1, false],
    ]);
    expect(f.heldBytes).toBe(0);
  });

  it('skips a gap inside a payload, and stops when one hides a header', () => {
    const { f, packets, gaps } = framer();
    f.bytes(Buffer.concat([header(10, 0), Buffer.from('abc')]), 1);
    f.gap(7, 2);
    expect(packets.map((p) => [p.payload.toString(), p.gap, p.end])).toEqual([['abc', true, 14]]);
    f.bytes(header(5, 1).subarray(0, 2), 3);
    f.gap(10, 4);
    expect(gaps).toEqual([14]);
  });
});
