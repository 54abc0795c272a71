/** A complete head: its start line and its field lines, parsed from one buffer. */
import { indexOfLf, lineContentEnd } from './bytes.js';
import { parseFieldLines } from './fields.js';
import { isFlaw, type Flaw } from './flaw.js';
import { parseRequestLine, parseStatusLine, type RequestLine, type StatusLine } from './start-line.js';
import type { HeaderField } from './types.js';

export interface ParsedHead {
  line: RequestLine | StatusLine;
  headers: HeaderField[];
  /** Where each field's line starts, relative to the head's start (to point errors at a field). */
  fieldStarts: number[];
}

/** Parses buf[start, headEnd), where headEnd is just past the blank line. */
export function parseHead(kind: 'request' | 'response', buf: Buffer, start: number, headEnd: number): ParsedHead | Flaw {
  const lf = indexOfLf(buf, start, headEnd);
  const lineEnd = lineContentEnd(buf, start, lf);
  const line = kind === 'request' ? parseRequestLine(buf, start, lineEnd, headEnd) : parseStatusLine(buf, start, lineEnd, headEnd);
  if (isFlaw(line)) return line;
  const headers: HeaderField[] = [];
  const fieldStarts: number[] = [];
  const problem = parseFieldLines(buf, lf + 1, headEnd, headers, fieldStarts);
  if (problem) return problem;
  for (let k = 0; k < fieldStarts.length; k++) fieldStarts[k] -= start;
  return { line, headers, fieldStarts };
}
