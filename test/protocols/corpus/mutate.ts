/** Byte streams for the robustness properties: chunks as segments, and real captures mutated. */
import type { StreamDirection, StreamItem, StreamSegment } from '../../../src/protocols/stream.js';

/** Chunks as data segments in that order, each direction's offsets counted from 0. */
export function itemsOf(chunks: [StreamDirection, Buffer][]): StreamItem[] {
  const offsets = { c2s: 0, s2c: 0 };
  return chunks.map(([dir, bytes], k) => {
    const item: StreamSegment = { kind: 'data', dir, ts: 1000 + k, offset: offsets[dir], length: bytes.length, bytes, eventId: k + 1 };
    offsets[dir] += bytes.length;
    return item;
  });
}

export interface Mutation {
  at: number;
  kind: string;
  byte: number;
}

/** Each whole data segment's bytes with a byte flipped, dropped or inserted (offsets recomputed; segments with gaps left out). */
export function mutate(items: StreamItem[], mutations: Mutation[]): StreamItem[] {
  const data = items.filter((i): i is StreamSegment => i.kind === 'data' && i.bytes.length === i.length);
  const chunks: [StreamDirection, Buffer][] = data.map((i) => [i.dir, Buffer.from(i.bytes)]);
  for (const m of mutations) {
    if (chunks.length === 0) break;
    const chunk = chunks[m.at % chunks.length];
    const bytes = chunk[1];
    const at = bytes.length === 0 ? 0 : m.at % bytes.length;
    if (m.kind === 'flip' && bytes.length > 0) bytes[at] = m.byte;
    else if (m.kind === 'drop') chunk[1] = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
    else chunk[1] = Buffer.concat([bytes.subarray(0, at), Buffer.from([m.byte]), bytes.subarray(at)]);
  }
  return itemsOf(chunks.filter(([, b]) => b.length > 0));
}
