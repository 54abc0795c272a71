/**
 * Captured bytes as the text an export format needs. The model keeps header values, targets
 * and reasons Latin-1 decoded (one character per byte, src/model/exchange.ts); formats whose
 * readers expect Unicode text (HAR, Postman) get UTF-8 decoded text when the bytes are valid
 * UTF-8, and the bytes one per character otherwise, so nothing is lost either way.
 */
import type { Body } from '../model/exchange.js';
import { readableBytes } from '../render/body.js';

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** The bytes of a Latin-1 decoded string (as the model keeps header values). */
export function latin1Bytes(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

/** `bytes` as UTF-8 text, or null when they are not valid UTF-8. */
export function utf8OrNull(bytes: Uint8Array): string | null {
  try {
    return utf8Strict.decode(bytes);
  } catch {
    return null;
  }
}

/** A captured Latin-1 string (header value, URL, reason) as Unicode text. */
export function capturedText(latin1: string): string {
  if (!/[\x80-\xff]/.test(latin1)) return latin1;
  return utf8OrNull(latin1Bytes(latin1)) ?? latin1;
}

export interface BodyText {
  /** The body as text, or its bytes in base64 when `base64`. */
  text: string;
  base64: boolean;
}

/** Charsets whose bytes are decoded as UTF-8 (ASCII is a subset). */
const UTF8_LABELS = new Set(['utf-8', 'utf8', 'us-ascii', 'ascii']);

/** One decoder per charset label for the whole export; null for a label TextDecoder does not know. */
type Decoder = InstanceType<typeof TextDecoder>;
const decoders = new Map<string, Decoder | null>();

function decoderFor(charset: string): Decoder | null {
  let d = decoders.get(charset);
  if (d === undefined) {
    try {
      d = new TextDecoder(charset, { fatal: true });
    } catch {
      d = null; // an unknown label (RangeError)
    }
    decoders.set(charset, d);
  }
  return d;
}

function decodeCharset(bytes: Uint8Array, charset: string | null): string | null {
  if (!charset || UTF8_LABELS.has(charset)) return utf8OrNull(bytes);
  const decoder = decoderFor(charset);
  if (!decoder) return null;
  try {
    // HAR wants text "trans-coded from its original character set into UTF-8" (HAR 1.2 content)
    return decoder.decode(bytes);
  } catch {
    // bytes invalid in that charset: they go out as base64
    return null;
  }
}

/**
 * Text that is really binary: a NUL, or more than one control character in twenty (the same
 * test render/body.ts applies to decide between text and a hex dump).
 */
function looksBinary(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  const controls = text.match(/[\x00-\x08\x0e-\x1f]/g);
  return controls !== null && (controls.includes('\0') || controls.length * 20 >= text.length);
}

/**
 * A body's readable bytes (content-encoding removed when that worked) as text when they are
 * text in their charset, else as base64.
 */
export function bodyText(body: Body): BodyText {
  const bytes = readableBytes(body);
  if (bytes.length === 0) return { text: '', base64: false };
  const text = decodeCharset(bytes, body.charset);
  if (text !== null && !looksBinary(text)) return { text, base64: false };
  return { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64'), base64: true };
}

/** The first header of that name (case-insensitive), or null. */
export function headerValue(headers: readonly { name: string; value: string }[], name: string): string | null {
  const lower = name.toLowerCase();
  for (const h of headers) if (h.name.toLowerCase() === lower) return h.value;
  return null;
}
