/**
 * Bytes of Redis values as text: DbValue strings (UTF-8, or `\x` hex when not UTF-8), and the
 * quoting redis-cli uses to print them (sdscatrepr in sds.c).
 */
import { DB_TEXT_LIMIT, type DbValue } from '../db-call.js';
import { cutText } from '../db-text.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A value as DbValue text: UTF-8 when it decodes (a cut prefix may end inside a character), else
 * `\x` and lower-case hex; cut at `limit` characters, ending with '…' when `length` (the value's
 * size as sent) says bytes are missing.
 */
export function valueText(bytes: Uint8Array, length: number = bytes.length, limit: number = DB_TEXT_LIMIT): DbValue {
  let text = decodeUtf8(bytes, length > bytes.length);
  if (text === undefined) text = `\\x${Buffer.from(bytes.subarray(0, Math.ceil(limit / 2))).toString('hex')}`;
  return cutText(text, length > bytes.length, limit);
}


function decodeUtf8(bytes: Uint8Array, mayEndMidCharacter: boolean): string | undefined {
  for (let drop = 0; drop <= (mayEndMidCharacter ? 3 : 0) && drop <= bytes.length; drop++) {
    try {
      return utf8.decode(bytes.subarray(0, bytes.length - drop));
    } catch {
      // try again without a partial last character
    }
  }
  return undefined;
}

/**
 * A value quoted as redis-cli prints it: `"..."` with \n \r \t \a \b \\ \" and \xHH for other
 * control bytes. Unlike redis-cli, valid UTF-8 beyond ASCII is kept as text (redis-cli's C
 * locale prints it as \xHH), so that text fields stay searchable.
 */
export function quoted(bytes: Uint8Array, length: number = bytes.length): string {
  const cut = length > bytes.length;
  return `"${escaped(bytes, cut)}${cut ? '…' : ''}"`;
}

/** An argument as redis-cli's command line shows it: bare when it can be, else quoted. */
export function argText(bytes: Uint8Array, length: number = bytes.length): string {
  if (bytes.length > 0 && length === bytes.length && bytes.every(isBareByte)) return Buffer.from(bytes).toString('latin1');
  return quoted(bytes, length);
}

function escaped(bytes: Uint8Array, cut: boolean): string {
  const text = decodeUtf8(bytes, cut);
  if (text !== undefined) {
    let out = '';
    for (const ch of text) {
      const code = ch.codePointAt(0)!;
      out += code < 0x80 ? escapeByte(code) : code < 0xa0 ? `\\x${Buffer.from(ch).toString('hex')}` : ch;
    }
    // a character cut at the end of a kept prefix: its bytes as escapes
    const decodedBytes = Buffer.byteLength(text);
    for (const b of bytes.subarray(decodedBytes)) out += `\\x${b.toString(16).padStart(2, '0')}`;
    return out;
  }
  let out = '';
  for (const b of bytes) out += b < 0x80 ? escapeByte(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return out;
}

function escapeByte(b: number): string {
  switch (b) {
    case 0x5c:
      return '\\\\';
    case 0x22:
      return '\\"';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    case 0x07:
      return '\\a';
    case 0x08:
      return '\\b';
    default:
      return b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  }
}

function isBareByte(b: number): boolean {
  return b > 0x20 && b < 0x7f && b !== 0x22 && b !== 0x27 && b !== 0x5c;
}
