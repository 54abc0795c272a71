/** The rules of a decoder that joined mid-connection, one by one, on hand-made blocks. */
import { describe, expect, it } from 'vitest';

import { HpackDecoder } from '../../../src/protocols/hpack/index.js';
import { HPACK_LIMITS } from '../../../src/protocols/hpack/limits.js';

const bytes = (...b: number[]) => Uint8Array.from(b);
/** Literal with incremental indexing, new name: 0x40, name, value (no Huffman). */
function insert(name: string, value: string): number[] {
  return [0x40, ...literal(name), ...literal(value)];
}

function literal(text: string): number[] {
  const length = text.length < 127 ? [text.length] : [0x7f, ...lengthRest(text.length - 127)];
  return [...length, ...Buffer.from(text)];
}

describe('HPACK decoder joined mid-way', () => {
  it('marks an index to an entry inserted before it started, and knows the ones inserted after', () => {
    const d = new HpackDecoder({ joinedMidway: true });
    const r1 = d.decode(bytes(0xbe)); // 62: the newest entry, inserted before we joined
    expect(r1.fields).toEqual([{ name: null, value: null, unknown: 'dynamic-index-before-recording' }]);
    expect(r1.error).toBeUndefined();
    d.decode(bytes(...insert('x-a', '1'), ...insert('x-b', '2')));
    const r2 = d.decode(bytes(0xbe, 0xbf, 0xc0)); // 62, 63 known; 64 before us
    expect(r2.fields).toEqual([
      { name: 'x-b', value: '2' },
      { name: 'x-a', value: '1' },
      { name: null, value: null, unknown: 'dynamic-index-before-recording' },
    ]);
  });

  it('a literal with an unknown indexed name keeps its value, and so does the entry it inserts', () => {
    const d = new HpackDecoder({ joinedMidway: true });
    const r = d.decode(bytes(0x7f, 0x0b, 0x03, ...Buffer.from('abc'))); // 6-bit prefix index 63 + 11 = 74
    expect(r.fields).toEqual([{ name: null, value: 'abc', unknown: 'dynamic-index-before-recording' }]);
    expect(d.decode(bytes(0xbe)).fields).toEqual([{ name: null, value: 'abc', unknown: 'dynamic-index-before-recording' }]);
  });

  it('is an error, not unknown, when a decoder that saw the whole connection gets an index past its table', () => {
    const d = new HpackDecoder();
    const r = d.decode(bytes(0x82, 0xbe));
    expect(r.fields).toEqual([{ name: ':method', value: 'GET' }]);
    expect(r.error?.code).toBe('invalid-index');
    // its table is forgotten: it goes on as one that joined mid-way
    expect(d.stateLost).toBe(true);
    expect(d.decode(bytes(0xbe)).fields[0].unknown).toBe('dynamic-index-before-recording');
  });

  it('evicts known entries only when they alone exceed the size in force (4096 until a size update is seen)', () => {
    const d = new HpackDecoder({ joinedMidway: true });
    const value = 'v'.repeat(100); // 135 bytes with the name 'x00' and the 32
    for (let n = 0; n < 30; n++) d.decode(bytes(...insert(`x${String(n).padStart(2, '0')}`, value)));
    expect(d.tableSize).toBe(30 * 135); // 4050 <= 4096: nothing evicted
    d.decode(bytes(...insert('x30', value)));
    expect(d.tableEntries).toHaveLength(30);
    expect(d.tableEntries.at(-1)?.name).toBe('x01');
    d.decode(bytes(0x3f, 0xef, 0x01)); // size update to 31 + 239 = 270: two entries fit
    expect(d.tableEntries.map((e) => e.name)).toEqual(['x30', 'x29']);
    const r = d.decode(bytes(0xbe, 0xbf, 0xc0));
    expect(r.fields.map((f) => f.name)).toEqual(['x30', 'x29', null]);
  });

  it('an entry over its own limit is dropped and marked over-limit, never wrong', () => {
    const d = new HpackDecoder();
    const big = HPACK_LIMITS.maxTableBytes * 2;
    const update = [0x3f];
    for (let v = big - 31; ; v = Math.floor(v / 128)) {
      if (v < 128) {
        update.push(v);
        break;
      }
      update.push((v % 128) | 0x80);
    }
    d.decode(bytes(...update));
    const value = 'v'.repeat(40_000);
    d.decode(Uint8Array.from([0x40, 3, ...Buffer.from('x-a'), 0x7f, ...lengthRest(value.length - 127), ...Buffer.from(value)]));
    d.decode(Uint8Array.from([0x40, 3, ...Buffer.from('x-b'), 0x7f, ...lengthRest(value.length - 127), ...Buffer.from(value)]));
    const r = d.decode(bytes(0xbe, 0xbf));
    expect(r.error).toBeUndefined();
    expect(r.fields[0]).toEqual({ name: 'x-b', value });
    expect(r.fields[1]).toEqual({ name: null, value: null, unknown: 'dynamic-index-over-limit' });
  });

  it('rejects a size update after a field', () => {
    const r = new HpackDecoder().decode(bytes(0x82, 0x20));
    expect(r.error?.code).toBe('invalid-size-update');
  });

  it('rejects bad Huffman padding and EOS', () => {
    expect(new HpackDecoder().decode(bytes(0x04, 0x81, 0x00)).error?.code).toBe('invalid-huffman'); // padding of zeros
    expect(new HpackDecoder().decode(bytes(0x04, 0x84, 0xff, 0xff, 0xff, 0xff)).error?.code).toBe('invalid-huffman'); // EOS
  });
});

function lengthRest(v: number): number[] {
  const out: number[] = [];
  while (v >= 128) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}
