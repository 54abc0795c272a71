/**
 * Query strings and application/x-www-form-urlencoded bodies as name/value pairs, decoded the
 * way browsers decode forms (WHATWG URL "application/x-www-form-urlencoded parsing": '+' is a
 * space, %XX a byte, the bytes UTF-8). Captured bytes may be anything: a pair whose decoded
 * bytes are not UTF-8 keeps its encoded text, so it can be sent again unchanged.
 */
import { utf8OrNull } from './text.js';

export interface Param {
  name: string;
  value: string;
}

const HEX = /^[0-9a-fA-F]{2}$/;

/** Percent-decode one form component; null when the bytes are not UTF-8. */
function decodeComponent(s: string): string | null {
  if (!/[%+]/.test(s)) return utf8OrNull(Buffer.from(s, 'latin1'));
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2b) out.push(0x20);
    else if (c === 0x25 && HEX.test(s.slice(i + 1, i + 3))) {
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(c & 0xff);
  }
  return utf8OrNull(Uint8Array.from(out));
}

interface RawParam {
  rawName: string;
  rawValue: string;
  name: string | null;
  value: string | null;
}

function splitParams(text: string): RawParam[] {
  if (text === '') return [];
  return text
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq < 0 ? pair : pair.slice(0, eq);
      const rawValue = eq < 0 ? '' : pair.slice(eq + 1);
      return { rawName, rawValue, name: decodeComponent(rawName), value: decodeComponent(rawValue) };
    });
}

/** Pairs of a Latin-1 string `a=1&b=2` (a query without its '?', or a form body). */
export function parseParams(text: string): Param[] {
  return splitParams(text).map((p) => ({ name: p.name ?? p.rawName, value: p.value ?? p.rawValue }));
}

/**
 * The pairs decoded, or null when some pair's bytes are not UTF-8: a format that holds form
 * fields decoded, and encodes them again when it sends them, could not send those bytes.
 */
export function decodedParams(text: string): Param[] | null {
  const out: Param[] = [];
  for (const p of splitParams(text)) {
    if (p.name === null || p.value === null) return null;
    out.push({ name: p.name, value: p.value });
  }
  return out;
}
