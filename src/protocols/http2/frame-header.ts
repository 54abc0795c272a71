/** The 9-byte frame header (RFC 9113 §4.1), and whether one looks like HTTP/2 to a parser joining mid-connection. */
import type { StreamDirection } from '../stream.js';
import { DEFAULT_MAX_FRAME_SIZE, DEFINED_FLAGS, FrameType } from './constants.js';

export interface FrameHeader {
  length: number;
  type: number;
  flags: number;
  streamId: number;
  /** The reserved bit before the stream id (must be 0 when sent, ignored when received). */
  reserved: boolean;
}

/** The frame header at bytes[at]: 9 bytes must be there. */
export function readFrameHeader(bytes: Uint8Array, at: number): FrameHeader {
  return {
    length: (bytes[at] << 16) | (bytes[at + 1] << 8) | bytes[at + 2],
    type: bytes[at + 3],
    flags: bytes[at + 4],
    streamId: ((bytes[at + 5] & 0x7f) * 2 ** 24) + (bytes[at + 6] << 16) + (bytes[at + 7] << 8) + bytes[at + 8],
    reserved: (bytes[at + 5] & 0x80) !== 0,
  };
}

/** Payload lengths a type requires (RFC 9113 §6): exact, or a minimum. */
const EXACT_LENGTH: Partial<Record<number, number>> = { [FrameType.PRIORITY]: 5, [FrameType.RST_STREAM]: 4, [FrameType.PING]: 8, [FrameType.WINDOW_UPDATE]: 4 };
const MIN_LENGTH: Partial<Record<number, number>> = { [FrameType.GOAWAY]: 8, [FrameType.PUSH_PROMISE]: 4 };

/**
 * Whether a frame header is what a conforming peer could send in this direction: a known type,
 * only the flags it defines, reserved bit clear, a length the type allows and within the default
 * maximum frame size, a stream id the type requires (0 for connection frames, client-initiated
 * for requests). A boundary found by chaining such headers is very unlikely to be payload bytes.
 */
export function isPlausibleFrameHeader(h: FrameHeader, dir: StreamDirection): boolean {
  if (h.reserved || h.type > FrameType.CONTINUATION) return false;
  if ((h.flags & ~DEFINED_FLAGS[h.type]) !== 0) return false;
  if (h.length > DEFAULT_MAX_FRAME_SIZE) return false;
  const exact = EXACT_LENGTH[h.type];
  if (exact !== undefined && h.length !== exact) return false;
  if (h.length < (MIN_LENGTH[h.type] ?? 0)) return false;
  const clientStream = h.streamId % 2 === 1;
  switch (h.type) {
    case FrameType.SETTINGS:
      return h.streamId === 0 && h.length % 6 === 0 && (h.flags === 0 || h.length === 0);
    case FrameType.PING:
    case FrameType.GOAWAY:
      return h.streamId === 0;
    case FrameType.WINDOW_UPDATE:
      return true;
    case FrameType.PUSH_PROMISE:
      return dir === 's2c' && clientStream;
    case FrameType.HEADERS:
    case FrameType.DATA:
      // a client sends on its own (odd) streams; a server also on the ones it pushed
      return h.streamId !== 0 && (dir === 's2c' || clientStream);
    default:
      return h.streamId !== 0;
  }
}
