/**
 * Request lines and status lines (RFC 9112 §3, §4). The same scanners check a start line while
 * its head is still arriving (so that a non-HTTP stream fails at its first bytes rather than
 * after maxHeadBytes) and when the whole head is there, so both report the same first flaw
 * whatever the segmenting.
 */
import { CR, LF, SP, TCHAR, describeByte, latin1 } from './bytes.js';
import { NEED_MORE, flaw, isFlaw, type Flaw } from './flaw.js';

export interface RequestLine {
  method: string;
  target: string;
  version: string;
}

export interface StatusLine {
  version: string;
  status: number;
  reason: string;
}

const HTTP_SLASH = [0x48, 0x54, 0x54, 0x50, 0x2f]; // "HTTP/"
const VERSION_LENGTH = 8; // "HTTP/1.1"
const DOT = 0x2e;

/**
 * Scans the method at buf[start, end), resuming at `from` (bytes before it are known tchars):
 * returns the index of the SP after it, NEED_MORE, or a flaw.
 */
export function scanMethod(buf: Buffer, start: number, from: number, end: number): number | Flaw {
  let i = from;
  while (i < end && TCHAR[buf[i]] === 1) i++;
  if (i === end) return NEED_MORE;
  if (buf[i] === SP && i > start) return i;
  return i === start
    ? flaw(i, 'invalid-start-line', `expected a request method, found ${describeByte(buf[i])}`)
    : flaw(i, 'invalid-start-line', `invalid ${describeByte(buf[i])} in request method`);
}

/** Scans "HTTP/1.x" at buf[start, end): returns the index after it, NEED_MORE, or a flaw. */
export function scanVersion(buf: Buffer, start: number, end: number): number | Flaw {
  for (let k = 0; k < VERSION_LENGTH; k++) {
    const i = start + k;
    if (i >= end) return NEED_MORE;
    const b = buf[i];
    if (k < HTTP_SLASH.length) {
      if (b !== HTTP_SLASH[k]) return flaw(i, 'invalid-start-line', `expected "HTTP/", found ${describeByte(b)}`);
    } else if (k === 6) {
      if (b !== DOT) return flaw(i, 'invalid-start-line', `expected '.' in HTTP version, found ${describeByte(b)}`);
    } else if (!isDigit(b)) {
      return flaw(i, 'invalid-start-line', `expected a digit in HTTP version, found ${describeByte(b)}`);
    } else if (k === 5 && b !== 0x31) {
      return flaw(i, 'unsupported-version', `HTTP major version ${String.fromCharCode(b)} is not HTTP/1.x`);
    }
  }
  return start + VERSION_LENGTH;
}

/**
 * Checks what has arrived (buf[start, end)) of a start line whose head is incomplete: the method
 * and its SP for a request, "HTTP/1.x SP" for a response. Returns a flaw, or where to resume
 * next time (bytes before `resumeAt` are known good); Infinity once the prefix is known good.
 */
export function checkStartLinePrefix(
  kind: 'request' | 'response',
  buf: Buffer,
  start: number,
  resumeAt: number,
  end: number,
): { flaw?: Flaw; resumeAt: number } {
  if (kind === 'request') {
    const sp = scanMethod(buf, start, resumeAt, end);
    if (isFlaw(sp)) return { flaw: sp, resumeAt };
    return { resumeAt: sp === NEED_MORE ? end : Number.POSITIVE_INFINITY };
  }
  const after = scanVersion(buf, start, end);
  if (isFlaw(after)) return { flaw: after, resumeAt };
  if (after === NEED_MORE || after >= end) return { resumeAt: start };
  if (buf[after] !== SP) return { flaw: missingStatus(buf, after), resumeAt };
  return { resumeAt: Number.POSITIVE_INFINITY };
}

/** Parses a complete request line buf[start, lineEnd); `headEnd` is the end of the whole head. */
export function parseRequestLine(buf: Buffer, start: number, lineEnd: number, headEnd: number): RequestLine | Flaw {
  // bounded by headEnd, not lineEnd, so a method running into CR/LF is reported as the
  // same flaw the prefix check reports
  const sp1 = scanMethod(buf, start, start, headEnd);
  if (isFlaw(sp1)) return sp1;
  const targetStart = sp1 + 1;
  let i = targetStart;
  while (i < lineEnd && buf[i] !== SP) {
    // bytes >= 0x80 are let through: some clients send raw UTF-8 paths
    if (buf[i] < 0x21 || buf[i] === 0x7f) {
      return flaw(i, 'invalid-start-line', `invalid ${describeByte(buf[i])} in request target`);
    }
    i++;
  }
  if (i === targetStart) return flaw(i, 'invalid-start-line', 'empty request target');
  if (i === lineEnd) return flaw(i, 'invalid-start-line', 'request line has no HTTP version');
  const versionStart = i + 1;
  const after = scanVersion(buf, versionStart, lineEnd);
  if (isFlaw(after)) return after;
  if (after === NEED_MORE) return flaw(lineEnd, 'invalid-start-line', 'truncated HTTP version');
  if (after !== lineEnd) {
    return flaw(after, 'invalid-start-line', `unexpected ${describeByte(buf[after])} after HTTP version`);
  }
  return {
    method: latin1(buf, start, sp1),
    target: latin1(buf, targetStart, i),
    version: latin1(buf, versionStart, after),
  };
}

/** Parses a complete status line buf[start, lineEnd); `headEnd` is the end of the whole head. */
export function parseStatusLine(buf: Buffer, start: number, lineEnd: number, headEnd: number): StatusLine | Flaw {
  const after = scanVersion(buf, start, headEnd);
  if (isFlaw(after)) return after;
  if (after === NEED_MORE) return flaw(headEnd, 'invalid-start-line', 'truncated status line');
  if (buf[after] !== SP) return missingStatus(buf, after);
  const codeStart = after + 1;
  let status = 0;
  for (let k = 0; k < 3; k++) {
    const i = codeStart + k;
    if (i >= lineEnd || !isDigit(buf[i])) {
      return flaw(i, 'invalid-start-line', `expected a 3-digit status code, found ${describeByte(i < lineEnd ? buf[i] : undefined)}`);
    }
    status = status * 10 + (buf[i] - 0x30);
  }
  const codeEnd = codeStart + 3;
  // "HTTP/1.1 200\r\n" (no space, no reason) is sent by real servers; RFC 9112 §4 wants the SP
  if (codeEnd < lineEnd && buf[codeEnd] !== SP) {
    return flaw(codeEnd, 'invalid-start-line', `unexpected ${describeByte(buf[codeEnd])} after status code`);
  }
  return {
    version: latin1(buf, start, after),
    status,
    reason: codeEnd < lineEnd ? latin1(buf, codeEnd + 1, lineEnd) : '',
  };
}

function missingStatus(buf: Buffer, at: number): Flaw {
  const b = buf[at];
  return b === CR || b === LF
    ? flaw(at, 'invalid-start-line', 'status line has no status code')
    : flaw(at, 'invalid-start-line', `expected a space after HTTP version, found ${describeByte(b)}`);
}

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}
