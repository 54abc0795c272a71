/**
 * Field lines: the header section of a head and the trailer section of a chunked body
 * (RFC 9112 §5). Parsed leniently where leniency cannot change framing: bare LF line ends,
 * obs-fold continuation lines, whitespace before the colon.
 */
import { COLON, TCHAR, describeByte, indexOfLf, isOws, latin1, lineContentEnd } from './bytes.js';
import { flaw, type Flaw } from './flaw.js';
import type { HeaderField } from './types.js';

/**
 * Parses the field lines of buf[from, end), where `end` is just past the blank line that closes
 * the section. Appends to `fields`, and to `fieldStarts` the buffer index of each field's line
 * (so a later complaint about a field can point at it). Returns a flaw or undefined.
 */
export function parseFieldLines(
  buf: Buffer,
  from: number,
  end: number,
  fields: HeaderField[],
  fieldStarts: number[],
): Flaw | undefined {
  let lineStart = from;
  for (;;) {
    const lf = indexOfLf(buf, lineStart, end);
    if (lf === -1) return undefined; // unreachable: the section ends with a blank line
    const lineEnd = lineContentEnd(buf, lineStart, lf);
    if (lineEnd === lineStart) return undefined;
    if (isOws(buf[lineStart])) {
      appendObsFold(buf, lineStart, lineEnd, fields);
    } else {
      const problem = parseField(buf, lineStart, lineEnd, fields);
      if (problem) return problem;
      fieldStarts.push(lineStart);
    }
    lineStart = lf + 1;
  }
}

function parseField(buf: Buffer, lineStart: number, lineEnd: number, fields: HeaderField[]): Flaw | undefined {
  let i = lineStart;
  while (i < lineEnd && TCHAR[buf[i]] === 1) i++;
  const nameEnd = i;
  if (nameEnd === lineStart) {
    return flaw(i, 'invalid-header', `invalid ${describeByte(buf[i])} at the start of a header name`);
  }
  while (i < lineEnd && isOws(buf[i])) i++;
  if (i === lineEnd) return flaw(i, 'invalid-header', 'header line without a colon');
  if (buf[i] !== COLON) {
    // whitespace then more name: the whitespace is the bad byte ("Bad Name: v")
    const at = i > nameEnd ? nameEnd : i;
    return flaw(at, 'invalid-header', `invalid ${describeByte(buf[at])} in header name`);
  }
  const [valueStart, valueEnd] = trimOws(buf, i + 1, lineEnd);
  fields.push([latin1(buf, lineStart, nameEnd), latin1(buf, valueStart, valueEnd)]);
  return undefined;
}

/**
 * RFC 9112 §5.2: a recipient may replace an obs-fold with SP. A continuation line before any
 * field has nothing to continue; §2.2 lets a recipient ignore such a line.
 */
function appendObsFold(buf: Buffer, lineStart: number, lineEnd: number, fields: HeaderField[]): void {
  const last = fields[fields.length - 1];
  if (!last) return;
  const [valueStart, valueEnd] = trimOws(buf, lineStart, lineEnd);
  if (valueStart === valueEnd) return;
  const more = latin1(buf, valueStart, valueEnd);
  last[1] = last[1] === '' ? more : `${last[1]} ${more}`;
}

function trimOws(buf: Buffer, start: number, end: number): [number, number] {
  while (start < end && isOws(buf[start])) start++;
  while (end > start && isOws(buf[end - 1])) end--;
  return [start, end];
}
