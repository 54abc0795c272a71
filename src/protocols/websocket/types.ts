/**
 * What the WebSocket parser produces: messages (RFC 6455 §5.6: a text or binary message is one or
 * more frames; a control frame is a message of its own) and flaws. Unlike an HTTP body, a
 * WebSocket payload cannot be rebuilt later from stream offsets (the client masks every frame, and
 * permessage-deflate's window spans messages), so a message keeps a bounded prefix of its payload.
 */
import type { StreamDirection } from '../stream.js';

/** The kind of a message, from the opcode of its first frame (RFC 6455 §5.2, §11.8). */
export type WsMessageType = 'text' | 'binary' | 'close' | 'ping' | 'pong';

/** Why a message's payload holds fewer bytes than its `payloadLength`. */
export type WsCutReason =
  | 'message-limit' // WEBSOCKET_LIMITS.keepMessageBytes
  | 'connection-budget'; // WEBSOCKET_LIMITS.keepConnectionBytes was spent by earlier messages

/** Close frame contents (RFC 6455 §5.5.1). */
export interface WsClose {
  /** Status code (§7.4), when the payload has one. */
  code?: number;
  /** Reason as UTF-8 text, when the payload has one and it is valid UTF-8. */
  reason?: string;
}

export interface WsMessage {
  /** Position on the connection, from 0, in the order messages ended (both directions). */
  index: number;
  dir: StreamDirection;
  type: WsMessageType;
  /** Opcode of its first frame (1 text, 2 binary, 8 close, 9 ping, 10 pong). */
  opcode: number;
  /** Stream offsets: the first byte of its first frame, and just past its last frame's last byte. */
  start: number;
  end: number;
  /** ts of the segments holding its first and its last byte. */
  startTs: number;
  endTs: number;
  /** Frames it was sent in (control frames interleaved between its fragments not counted). */
  frames: number;
  /** Payload bytes on the wire, frame headers excluded: compressed if `compressed`. */
  wireLength: number;
  /** Payload bytes after inflating; unset when a compressed payload could not be inflated. */
  payloadLength?: number;
  /** Sent with permessage-deflate (RSV1 on its first frame). */
  compressed: boolean;
  /** Every byte of every frame up to the final one was moved and captured. */
  complete: boolean;
  /** Some of its bytes were moved but not captured: `payload` is the part before the first gap. */
  gap: boolean;
  /** The first bytes of the payload, unmasked and inflated (a prefix of it, never a mix). */
  payload: Uint8Array;
  /** Set when `payload` holds less than was sent (beyond a gap is not a cut: see `gap`). */
  cut?: WsCutReason;
  /** Text messages: `payload` as text, when it is valid UTF-8 (a cut character at the end dropped). */
  text?: string;
  /** Close messages: code and reason. */
  close?: WsClose;
  /** Protocol errors and decoding failures found in this message's frames. */
  flaws: WsFlaw[];
}

/**
 * A protocol error or a part that could not be decoded. Most leave the framing intact and parsing
 * goes on; those marked "ends" lose the direction's framing, and its remaining bytes stay raw.
 */
export type WsFlawCode =
  | 'unmasked-client-frame' // §5.1: a client masks every frame
  | 'masked-server-frame' // §5.1: a server masks none
  | 'reserved-bits' // §5.2: RSV bits set that no negotiated extension defines
  | 'reserved-opcode' // §5.2: opcodes 3-7 and 11-15; the frame is skipped
  | 'control-frame-too-long' // §5.5: control payloads are 125 bytes at most
  | 'fragmented-control-frame' // §5.5: control frames have FIN set
  | 'unexpected-continuation' // a continuation frame with no message open; the frame is skipped
  | 'interrupted-message' // a new text or binary frame while a fragmented message was open
  | 'invalid-utf8' // §8.1: a text message or close reason that is not UTF-8
  | 'invalid-close' // §5.5.1, §7.4: a 1-byte close payload or a code no endpoint may send
  | 'data-after-close' // §5.5.1: frames after this direction's close frame
  | 'inflate-error' // permessage-deflate data that zlib rejects; the direction's window is lost
  | 'inflate-too-large' // inflates beyond WEBSOCKET_LIMITS.maxInflatedBytes (a zip bomb)
  | 'compressed-too-large' // compressed message beyond WEBSOCKET_LIMITS.maxCompressedBytes
  | 'context-lost' // compressed, but an earlier gap or failure lost the shared window
  | 'invalid-length' // ends: a 64-bit length with its top bit set or beyond 2^53
  | 'gap-in-header' // ends: bytes of a frame header were not captured
  | 'internal'; // ends: a bug in the parser, caught so that push never throws

export interface WsFlaw {
  dir: StreamDirection;
  /** Stream offset of the frame (or of the first missing byte, for a gap) where it was found. */
  offset: number;
  code: WsFlawCode;
  /** One line for humans. */
  message: string;
}

/** permessage-deflate as the server accepted it (RFC 7692 §7.1). */
export interface WsDeflateParams {
  /** The server resets its compressor after each message: s2c messages share no window. */
  serverNoContextTakeover: boolean;
  /** The client resets its compressor after each message: c2s messages share no window. */
  clientNoContextTakeover: boolean;
  /** LZ77 window of the server's compressor, 8..15 (15 when not said). */
  serverMaxWindowBits: number;
  /** LZ77 window of the client's compressor, 8..15 (15 when not said). */
  clientMaxWindowBits: number;
}

/** What the Sec-WebSocket-Extensions response header says the connection uses. */
export interface WsExtensions {
  /** permessage-deflate's parameters, when it was accepted. */
  deflate?: WsDeflateParams;
  /** Other extensions accepted: their frames cannot be decoded (their RSV bits are flaws). */
  unsupported: string[];
  /** Problems in the header value (an unknown or repeated parameter, a bad window size). */
  problems: string[];
}
