/** Cheap tests for the layer that picks a parser: does a connection speak HTTP/2? */
import type { StreamDirection } from '../stream.js';
import { CLIENT_PREFACE, FRAME_HEADER_BYTES, Flag, FrameType } from './constants.js';
import { isPlausibleFrameHeader, readFrameHeader } from './frame-header.js';

/**
 * True when `bytes` (the first bytes of a client's stream) begin with the client connection
 * preface (RFC 9113 §3.4), or are at least its first 4 bytes ("PRI ", no HTTP/1 method) and
 * all of them match it.
 */
export function looksLikeHttp2Preface(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, CLIENT_PREFACE.length);
  if (n < 4) return false;
  for (let i = 0; i < n; i++) if (bytes[i] !== CLIENT_PREFACE[i]) return false;
  return true;
}

/**
 * True when `bytes` (the first bytes seen of one direction) begin with HTTP/2 frames: a
 * plausible frame header (frame-header.ts) and, when that frame ends within `bytes`, another
 * after it. For a connection the recording joined mid-way, where there is no preface to see; a
 * read that starts recording usually starts at a frame, and the parser itself searches harder
 * (sync.ts). Asks for two frames, or one in each direction (bothPlausible), before it says yes.
 */
export function startsWithHttp2Frames(bytes: Uint8Array, dir: StreamDirection): 'two' | 'one' | 'no' {
  if (bytes.length < FRAME_HEADER_BYTES) return 'no';
  const first = readFrameHeader(bytes, 0);
  if (!isPlausibleFrameHeader(first, dir)) return 'no';
  const next = FRAME_HEADER_BYTES + first.length;
  if (next + FRAME_HEADER_BYTES > bytes.length) return 'one';
  return isPlausibleFrameHeader(readFrameHeader(bytes, next), dir) ? 'two' : 'no';
}

/** Either direction begins with two frames, or both with one: HTTP/2 joined mid-way. */
export function looksLikeHttp2Frames(c2s: Uint8Array, s2c: Uint8Array): boolean {
  const a = startsWithHttp2Frames(c2s, 'c2s');
  const b = startsWithHttp2Frames(s2c, 's2c');
  return a === 'two' || b === 'two' || (a === 'one' && b === 'one');
}

/**
 * Which side sent `bytes`, when they begin with a HEADERS frame: a header block starts with
 * pseudo-header fields (RFC 9113 §8.3), and HPACK's static table gives `:status` indices 8-14 and
 * the request's `:authority` to `:scheme` indices 1-7. Only the first field is looked at, as an
 * indexed field or a literal with an indexed name; null when it says nothing (it refers to the
 * dynamic table, or the frame is not HEADERS). For a connection joined mid-way, whose roles
 * the recording did not see.
 */
export function headersSide(bytes: Uint8Array): 'request' | 'response' | null {
  if (bytes.length < FRAME_HEADER_BYTES + 1) return null;
  const h = readFrameHeader(bytes, 0);
  if (h.type !== FrameType.HEADERS) return null;
  const at = FRAME_HEADER_BYTES + (h.flags & Flag.PADDED ? 1 : 0) + (h.flags & Flag.PRIORITY ? 5 : 0);
  if (at >= bytes.length) return null;
  const b = bytes[at];
  // indexed (1xxxxxxx): 7-bit index; literal with incremental indexing (01xxxxxx): 6-bit name
  // index; literal without or never indexed (000xxxxx / 0001xxxx): 4-bit name index
  const index = b & 0x80 ? b & 0x7f : b & 0x40 ? b & 0x3f : b & 0x20 ? 0 : b & 0x0f;
  if (index >= 8 && index <= 14) return 'response';
  if (index >= 1 && index <= 7) return 'request';
  return null;
}
