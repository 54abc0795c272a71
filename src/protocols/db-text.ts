/**
 * Bytes of a database message as the bounded text a DbCall holds (db-call.ts: every text field is cut at
 * DB_TEXT_LIMIT characters and then ends with '…'; binary values are `\x` + lower-case hex).
 */
import { DB_TEXT_LIMIT } from './db-call.js';

const CUT = '…';
const decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * `bytes` as UTF-8 (invalid sequences replaced), at most `limit` characters. `cutShort` says the
 * bytes are only a prefix of the value (the message was not all held or captured).
 */
export function boundedText(bytes: Uint8Array, cutShort = false, limit = DB_TEXT_LIMIT): string {
  // a UTF-8 character is at most 4 bytes: decoding more than that could only be thrown away
  const slice = bytes.length > limit * 4 ? bytes.subarray(0, limit * 4) : bytes;
  return cutText(decoder.decode(slice), cutShort || slice.length < bytes.length, limit);
}

/** `text` cut at `limit` characters, ending with '…' when anything was left out. */
export function cutText(text: string, cutShort = false, limit = DB_TEXT_LIMIT): string {
  if (text.length > limit) return text.slice(0, limit - 1) + CUT;
  return cutShort ? text + CUT : text;
}

/** Binary bytes as `\x` + hex, within the text limit. */
export function hexText(bytes: Uint8Array, cutShort = false, limit = DB_TEXT_LIMIT): string {
  const fit = Math.floor((limit - 3) / 2);
  const shown = bytes.length > fit ? bytes.subarray(0, fit) : bytes;
  const hex = '\\x' + Buffer.from(shown.buffer, shown.byteOffset, shown.length).toString('hex');
  return cutShort || shown.length < bytes.length ? hex + CUT : hex;
}

/** Appends `piece` to a searchable text that must stay within the limit; returns the new text. */
export function appendBounded(text: string, piece: string, separator: string, limit = DB_TEXT_LIMIT): string {
  if (text.length >= limit) return text;
  const joined = text === '' ? piece : text + separator + piece;
  return joined.length > limit ? joined.slice(0, limit - 1) + CUT : joined;
}
