/** Showing a byte range: as text when it is text, else as hex, both cut at a named limit. */
import { PROTOBUF_LIMITS } from './limits.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Control characters other than tab, newline and carriage return, and DEL. */
function isNonPrintable(code: number): boolean {
  return (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f;
}

/** The bytes as text when they are valid UTF-8 without control characters, else null. */
export function printableText(bytes: Uint8Array): string | null {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return null;
  }
  for (let i = 0; i < text.length; i++) if (isNonPrintable(text.charCodeAt(i))) return null;
  return text;
}

/** The first `limit` bytes, moved back so that a UTF-8 character is not cut in two. */
export function textPrefix(bytes: Uint8Array, limit = PROTOBUF_LIMITS.keepValueBytes): Uint8Array {
  if (bytes.length <= limit) return bytes;
  let end = limit;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

export function hexPrefix(bytes: Uint8Array, limit = PROTOBUF_LIMITS.keepValueBytes): { hex: string; length: number; cut?: true } {
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, limit)).toString('hex');
  return bytes.length > limit ? { hex, length: bytes.length, cut: true } : { hex, length: bytes.length };
}
