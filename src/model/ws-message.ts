/**
 * A WebSocket message as stored (formats/exchanges.sql, ws_messages) and as the views take it.
 * Lives in model/: reconstruct/ writes it, session/ reads it, the views show it, and it imports
 * none of them.
 */

/** ws_messages.flags. */
export const WsMessageFlag = Object.freeze({
  /** Sent with permessage-deflate. */
  COMPRESSED: 1,
  /** Every byte of every frame up to the final one was moved and captured. */
  COMPLETE: 2,
  /** Some of its bytes were moved but not captured: what is kept is the part before the gap. */
  GAP: 4,
});

export type WsDirection = 'c2s' | 's2c';
export type WsMessageKind = 'text' | 'binary' | 'close' | 'ping' | 'pong';
export const WS_MESSAGE_KINDS: readonly WsMessageKind[] = ['text', 'binary', 'close', 'ping', 'pong'];

export interface WsFlawText {
  code: string;
  offset: number;
  message: string;
}

/** One row of ws_messages, in the table's column order (the writer binds it in that order). */
export interface WsMessageRow {
  seq: number;
  dir: WsDirection;
  type: WsMessageKind;
  opcode: number;
  /** Wall-clock ns of its first and its last byte. */
  started: bigint;
  ended: bigint;
  frames: number;
  wireLength: number;
  length: number | null;
  flags: number;
  cut: string | null;
  closeCode: number | null;
  closeReason: string | null;
  /** A text message's kept bytes, when they are UTF-8; else they are `payload`. */
  text: string | null;
  payload: Uint8Array | null;
  flaws: WsFlawText[];
}

/** The columns of ws_messages after exchange_id, and the field each is written from. */
export const WS_MESSAGE_COLUMNS: readonly (readonly [column: string, field: keyof WsMessageRow])[] = [
  ['seq', 'seq'],
  ['dir', 'dir'],
  ['type', 'type'],
  ['opcode', 'opcode'],
  ['started', 'started'],
  ['ended', 'ended'],
  ['frames', 'frames'],
  ['wire_length', 'wireLength'],
  ['length', 'length'],
  ['flags', 'flags'],
  ['cut', 'cut'],
  ['close_code', 'closeCode'],
  ['close_reason', 'closeReason'],
  ['text', 'text'],
  ['payload', 'payload'],
  ['flaws', 'flaws'],
];

/** The WebSocket connection an upgrade exchange began (Exchange.websocket). */
export interface WebSocketFacts {
  /** Sec-WebSocket-Extensions of the 101 response, as the server accepted them. */
  extensions: string | null;
  /** Messages stored for it, and how many of them each way. */
  messages: number;
  sent: number;
  received: number;
}

/** A stored message as the views show it (session/ws-messages.ts reads it). */
export interface WebSocketMessage {
  seq: number;
  dir: WsDirection;
  type: WsMessageKind;
  opcode: number;
  startedNs: bigint;
  endedNs: bigint;
  frames: number;
  /** Payload bytes on the wire, and after inflating (null: could not be inflated). */
  wireLength: number;
  length: number | null;
  compressed: boolean;
  complete: boolean;
  gap: boolean;
  /** Why fewer bytes were kept than the message had. */
  cut: string | null;
  close: { code: number | null; reason: string | null } | null;
  /** A text message's kept bytes as text, when they are UTF-8. */
  text: string | null;
  /** The kept bytes (a text message's too). */
  payload: Uint8Array;
  flaws: WsFlawText[];
}
