/** Small builders for the unit tests: RESP requests and stream items. */
import type { StreamDirection, StreamItem, StreamSegment } from '../../../src/protocols/stream.js';

/** A request as clients send it: a RESP array of bulk strings. */
export function command(...args: string[]): Buffer {
  return Buffer.from(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
}

/** Chunks as consecutive segments of their directions. */
export function items(...chunks: [StreamDirection, Buffer | string][]): StreamItem[] {
  const offsets = { c2s: 0, s2c: 0 };
  return chunks.map(([dir, data], k) => {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    const item: StreamSegment = { kind: 'data', dir, ts: 1000 * (k + 1), offset: offsets[dir], length: bytes.length, bytes, eventId: k + 1 };
    offsets[dir] += bytes.length;
    return item;
  });
}
