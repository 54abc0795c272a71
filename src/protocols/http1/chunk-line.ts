/**
 * The chunk-size line of the chunked transfer coding (RFC 9112 §7.1):
 *   chunk-size [ BWS ";" chunk-ext ] CRLF
 * Extensions are skipped, not interpreted. The scanner runs on partial lines too, so a
 * malformed size is reported at the same byte whether the line arrived whole or in pieces.
 */
import { CR, HEX_VALUE, SEMICOLON, describeByte, isOws } from './bytes.js';
import { NEED_MORE, flaw, type Flaw } from './flaw.js';

/**
 * Scans buf[start, end). With `lineComplete`, `end` is the end of the line's content (before
 * CRLF); without, it is the end of the bytes so far. Returns the chunk size, NEED_MORE, or a
 * flaw.
 */
export function scanChunkSizeLine(buf: Buffer, start: number, end: number, lineComplete: boolean): number | Flaw {
  let i = start;
  let size = 0;
  while (i < end) {
    const digit = HEX_VALUE[buf[i]];
    if (digit < 0) break;
    size = size * 16 + digit;
    if (size > Number.MAX_SAFE_INTEGER) return flaw(i, 'invalid-chunk', 'chunk size too large');
    i++;
  }
  if (i === end && !lineComplete) return NEED_MORE;
  if (i === start) return flaw(i, 'invalid-chunk', `expected a chunk size, found ${describeByte(buf[i])}`);
  while (i < end && isOws(buf[i])) i++;
  if (i === end) return lineComplete ? size : NEED_MORE;
  if (buf[i] === SEMICOLON) return lineComplete ? size : NEED_MORE;
  // the CR of a CRLF whose LF has not arrived yet
  if (!lineComplete && buf[i] === CR && i === end - 1) return NEED_MORE;
  return flaw(i, 'invalid-chunk', `invalid ${describeByte(buf[i])} in chunk size`);
}
