/**
 * Test-side rebuild of what the caller of the parser does: keep each direction's captured bytes
 * by stream offset, and rebuild a body from the ranges the parser reported.
 */
import type { GapReason, StreamDirection, StreamItem } from '../../../src/protocols/stream.js';
import type { HttpBody } from '../../../src/protocols/http1/index.js';

const CAPTURED = 0;
const NOT_PUSHED = 5;
const REASON_CODE: Record<GapReason, number> = { truncated: 1, zerocopy: 2, lost: 3, discarded: 4 };
const CODE_REASON = ['captured', 'truncated', 'zerocopy', 'lost', 'discarded', 'not pushed'];

export class CapturedStream {
  readonly bytes: Uint8Array;
  /** Per byte: captured, or why not. */
  readonly status: Uint8Array;

  constructor(items: StreamItem[], dir: StreamDirection) {
    let size = 0;
    for (const item of items) {
      if (item.dir !== dir) continue;
      size = Math.max(size, item.kind === 'data' ? item.offset + item.length : item.offset);
    }
    this.bytes = new Uint8Array(size);
    this.status = new Uint8Array(size).fill(REASON_CODE.lost);
    for (const item of items) {
      if (item.dir !== dir || item.kind !== 'data') continue;
      this.bytes.set(item.bytes.subarray(0, item.length), item.offset);
      this.status.fill(CAPTURED, item.offset, item.offset + item.bytes.length);
      this.status.fill(REASON_CODE[item.gap ?? 'lost'], item.offset + item.bytes.length, item.offset + item.length);
    }
  }

  /** What stream bytes [start, end) hold: a run of captured bytes, or a run of missing ones. */
  pieces(start: number, end: number): Array<Uint8Array | { missing: number; reason: string }> {
    const out: Array<Uint8Array | { missing: number; reason: string }> = [];
    let i = start;
    while (i < end) {
      const code = i < this.status.length ? this.status[i] : NOT_PUSHED;
      let j = i + 1;
      while (j < end && (j < this.status.length ? this.status[j] : NOT_PUSHED) === code) j++;
      out.push(code === CAPTURED ? this.bytes.subarray(i, j) : { missing: j - i, reason: CODE_REASON[code] });
      i = j;
    }
    return out;
  }

  /** The body's bytes, rebuilt from its ranges; missing runs are marked. */
  bodyPieces(body: HttpBody): Array<Uint8Array | { missing: number; reason: string }> {
    const out: Array<Uint8Array | { missing: number; reason: string }> = [];
    for (const [start, end] of body.ranges) out.push(...this.pieces(start, end));
    return out;
  }

  /** The captured body bytes, concatenated (for bodies without gaps). */
  bodyBytes(body: HttpBody): Uint8Array {
    const pieces = this.bodyPieces(body);
    return new Uint8Array(Buffer.concat(pieces.filter((p): p is Uint8Array => p instanceof Uint8Array)));
  }
}
