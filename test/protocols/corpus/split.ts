/** Re-segmenting a capture: the same bytes, cut at other places, must parse the same. */
import type { StreamItem, StreamSegment } from '../../../src/protocols/stream.js';

/** The segment cut in two at `at` bytes from its start (inside its captured part or its gap). */
export function splitSegment(segment: StreamSegment, at: number): [StreamSegment, StreamSegment] {
  const capturedFirst = Math.min(at, segment.bytes.length);
  const first: StreamSegment = {
    ...segment,
    length: at,
    bytes: segment.bytes.subarray(0, capturedFirst),
    gap: at > segment.bytes.length ? segment.gap : undefined,
  };
  const second: StreamSegment = {
    ...segment,
    offset: segment.offset + at,
    length: segment.length - at,
    bytes: segment.bytes.subarray(capturedFirst),
  };
  if (first.gap === undefined) delete first.gap;
  return [first, second];
}

/** Every way of cutting one segment of `items` in two, at every `every`-th position. */
export function* singleSplits(items: StreamItem[], every: number): Generator<{ label: string; items: StreamItem[] }> {
  if (every <= 0) return;
  for (let k = 0; k < items.length; k++) {
    const item = items[k];
    if (item.kind !== 'data') continue;
    for (const at of cutPositions(item, every)) {
      const [a, b] = splitSegment(item, at);
      yield { label: `item ${k} at ${at}`, items: [...items.slice(0, k), a, b, ...items.slice(k + 1)] };
    }
  }
}

/** Every `every`-th captured byte; inside a gap only its edges and middle (gaps can be large). */
function cutPositions(segment: StreamSegment, every: number): number[] {
  const positions: number[] = [];
  const captured = segment.bytes.length;
  for (let at = 1; at <= captured && at < segment.length; at += every) positions.push(at);
  if (segment.length > captured + 1) {
    for (const at of [captured + 1, Math.floor((captured + segment.length) / 2), segment.length - 1]) {
      if (at > captured && at < segment.length && !positions.includes(at)) positions.push(at);
    }
  }
  return positions;
}

/** Every captured byte in a segment of its own (gaps stay whole, after their bytes). */
export function oneBytePerSegment(items: StreamItem[]): StreamItem[] {
  const out: StreamItem[] = [];
  for (const item of items) {
    if (item.kind !== 'data') {
      out.push(item);
      continue;
    }
    let rest: StreamSegment = item;
    while (rest.bytes.length > 1 || (rest.bytes.length === 1 && rest.length > 1)) {
      const [first, second] = splitSegment(rest, 1);
      out.push(first);
      rest = second;
    }
    out.push(rest);
  }
  return out;
}

/**
 * Each data segment cut at up to `most` places, the positions taken in turn from `cuts` (each
 * modulo what is left of the segment): for property tests, where fast-check picks the cuts.
 */
export function recut(items: StreamItem[], cuts: readonly number[], most = 3): StreamItem[] {
  if (cuts.length === 0) return items;
  const out: StreamItem[] = [];
  let k = 0;
  for (const item of items) {
    if (item.kind !== 'data') {
      out.push(item);
      continue;
    }
    let rest: StreamSegment = item;
    for (let n = 0; n < most && rest.length > 1; n++) {
      const [a, b] = splitSegment(rest, 1 + (cuts[k++ % cuts.length] % (rest.length - 1)));
      out.push(a);
      rest = b;
    }
    out.push(rest);
  }
  return out;
}
