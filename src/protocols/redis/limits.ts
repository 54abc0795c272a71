/** How much of a Redis stream one message may make the parser hold. */
import { DB_TEXT_LIMIT } from '../db-call.js';

export const REDIS_LIMITS = Object.freeze({
  /** A number line ($5, *3, :42) longer than this is not RESP (64-bit integers need 20). */
  maxNumberLine: 64,
  /** Redis refuses inline commands longer than this (PROTO_INLINE_MAX_SIZE, networking.c). */
  maxInlineLine: 64 * 1024,
  /** A simple string or error line longer than this ends the direction ('too-large'). */
  maxTextLine: 16 * 1024 * 1024,
  /** Redis refuses bulk strings longer than this (proto-max-bulk-len's default). */
  maxBulkLength: 512 * 1024 * 1024,
  /** Deeper nesting than any server sends; a stream nesting deeper is not RESP. */
  maxDepth: 128,
  /** Bytes of one string value that are kept (the rest is skipped through, never buffered). */
  keepStringBytes: DB_TEXT_LIMIT,
  /** Values kept of one message (the rest is counted, not kept): 1024 arguments, a sample of replies. */
  keepNodes: 2048,
  /** String bytes kept of one message. */
  keepMessageBytes: 1024 * 1024,
  /** Levels of nested aggregates a call's detail tree shows (deeper ones: their count only). */
  detailDepth: 8,
  /** Characters of a string in a call's detail tree. */
  detailStringChars: 1024,
  /** Characters of the one-line `result`. */
  resultChars: 200,
  /** Calls waiting for replies; beyond this the oldest is handed out unanswered. */
  maxInFlight: 4096,
});
