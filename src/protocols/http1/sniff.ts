/**
 * Cheap guesses for a caller that does not know whether a stream is HTTP/1.x, or which side is
 * the client (a connection first seen mid-life, a unix socket): look at the first bytes of each
 * direction. They only look at a prefix and never allocate.
 */
import { CR, LF, SP } from './bytes.js';

const LONGEST_METHOD = 24; // longer than any registered method (UPDATEREDIRECTREF is 17)
const HTTP_1 = [0x48, 0x54, 0x54, 0x50, 0x2f, 0x31, 0x2e]; // "HTTP/1."

/**
 * The bytes start like an HTTP/1.x request line: an upper-case method, a space, a plausible
 * target, and, if the line is complete, " HTTP/1.x" at its end.
 */
export function looksLikeHttp1Request(bytes: Uint8Array): boolean {
  let i = 0;
  while (i < bytes.length && i <= LONGEST_METHOD && isMethodChar(bytes[i])) i++;
  if (i === 0 || i > LONGEST_METHOD || i + 1 >= bytes.length || bytes[i] !== SP) return false;
  const first = bytes[i + 1];
  // origin-form "/", asterisk-form "*", absolute-form "http://", authority-form "host:port"
  if (!(first === 0x2f || first === 0x2a || isAlphaNumeric(first))) return false;
  const lf = bytes.indexOf(LF, i + 1);
  if (lf === -1) return true; // the line has not ended yet: the method and target will do
  const lineEnd = lf > 0 && bytes[lf - 1] === CR ? lf - 1 : lf;
  const versionStart = lineEnd - 9; // " HTTP/1.x"
  if (versionStart <= i || bytes[versionStart] !== SP) return false;
  return startsWithHttp1(bytes, versionStart + 1) && isDigit(bytes[lineEnd - 1]);
}

/** The bytes start like an HTTP/1.x status line: "HTTP/1.x NNN". */
export function looksLikeHttp1Response(bytes: Uint8Array): boolean {
  if (bytes.length < 12 || !startsWithHttp1(bytes, 0)) return false;
  return isDigit(bytes[7]) && bytes[8] === SP && isDigit(bytes[9]) && isDigit(bytes[10]) && isDigit(bytes[11]);
}

function startsWithHttp1(bytes: Uint8Array, at: number): boolean {
  for (let k = 0; k < HTTP_1.length; k++) if (bytes[at + k] !== HTTP_1[k]) return false;
  return true;
}

function isMethodChar(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || b === 0x2d || b === 0x5f; // A-Z - _
}

function isAlphaNumeric(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}
