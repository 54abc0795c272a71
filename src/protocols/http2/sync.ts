/**
 * Finding a frame boundary in bytes that may begin inside a frame (a recording that began
 * mid-connection): a position where a chain of plausible frame headers starts, each frame
 * ending where the next header begins. HTTP2_LIMITS.syncChainFrames headers in a row are asked
 * for; only at the end of the direction does a shorter chain do, if it covers every byte left.
 */
import type { StreamDirection } from '../stream.js';
import { FRAME_HEADER_BYTES } from './constants.js';
import { isPlausibleFrameHeader, readFrameHeader } from './frame-header.js';
import { HTTP2_LIMITS } from './limits.js';

export interface BoundarySearch {
  /** Where frames begin, when found. */
  at?: number;
  /** Positions before this cannot start a chain, whatever bytes come next. */
  checked: number;
}

export function findFrameBoundary(bytes: Uint8Array, dir: StreamDirection, atEnd: boolean): BoundarySearch {
  let p = 0;
  for (; p < bytes.length; p++) {
    const chain = chainAt(bytes, p, dir, atEnd);
    if (chain === 'yes') return { at: p, checked: p };
    if (chain === 'more') break;
  }
  return { checked: p };
}

function chainAt(bytes: Uint8Array, p: number, dir: StreamDirection, atEnd: boolean): 'yes' | 'no' | 'more' {
  let q = p;
  for (let count = 0; count < HTTP2_LIMITS.syncChainFrames; count++) {
    if (q >= bytes.length && count > 0) return atEnd ? 'yes' : 'more';
    if (q + FRAME_HEADER_BYTES > bytes.length) return atEnd ? 'no' : 'more';
    const header = readFrameHeader(bytes, q);
    if (!isPlausibleFrameHeader(header, dir)) return 'no';
    q += FRAME_HEADER_BYTES + header.length;
  }
  return 'yes';
}
