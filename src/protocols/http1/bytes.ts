/**
 * Byte-level helpers shared by the head, field and chunk scanners. Everything works on Buffer
 * views of the captured bytes (no copies) and on buffer indices; callers turn indices into
 * stream offsets.
 */

export const HT = 0x09;
export const LF = 0x0a;
export const CR = 0x0d;
export const SP = 0x20;
export const COLON = 0x3a;
export const SEMICOLON = 0x3b;

/** tchar of RFC 9110 §5.6.2: the characters of methods and field names. */
export const TCHAR: Uint8Array = byteSet(
  "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
);

/** Value of a hex digit, -1 for any other byte. */
export const HEX_VALUE: Int8Array = (() => {
  const table = new Int8Array(256).fill(-1);
  for (let d = 0; d < 16; d++) {
    const ch = d.toString(16);
    table[ch.charCodeAt(0)] = d;
    table[ch.toUpperCase().charCodeAt(0)] = d;
  }
  return table;
})();

function byteSet(chars: string): Uint8Array {
  const table = new Uint8Array(256);
  for (let i = 0; i < chars.length; i++) table[chars.charCodeAt(i)] = 1;
  return table;
}

/** A Buffer view of the same memory, so indexOf and latin1 decoding need no copy. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** How a byte is named in error messages. */
export function describeByte(byte: number | undefined): string {
  if (byte === undefined) return 'end of line';
  const hex = `0x${byte.toString(16).padStart(2, '0')}`;
  return byte > 0x20 && byte < 0x7f ? `'${String.fromCharCode(byte)}' (${hex})` : `byte ${hex}`;
}

/**
 * Finds the blank line that ends a head or a trailer section starting at `from`: returns the
 * index just past it, or -1 if `buf[from, end)` does not hold it yet. Lines end in CRLF or a
 * bare LF (RFC 9112 §2.2 lets a recipient accept LF alone). `scanFrom` lets a caller resume
 * where the previous search stopped instead of rescanning a growing head.
 */
export function findSectionEnd(buf: Buffer, from: number, scanFrom: number, end: number): number {
  if (scanFrom <= from) {
    // the section may be empty: no trailers, just the blank line
    const blank = blankLineEnd(buf, from, end);
    if (blank !== 0) return blank;
    scanFrom = from;
  }
  let lf = buf.indexOf(LF, scanFrom);
  while (lf !== -1 && lf < end) {
    const blank = blankLineEnd(buf, lf + 1, end);
    if (blank > 0) return blank;
    if (blank < 0) return -1;
    lf = buf.indexOf(LF, lf + 1);
  }
  return -1;
}

/** Where a scan resumes after findSectionEnd returned -1: a blank line is at most LF CR LF. */
export function sectionScanResume(from: number, end: number): number {
  return Math.max(from, end - 2);
}

/** If a blank line starts at i: the index past it; 0 if not; -1 if `end` comes too soon to tell. */
function blankLineEnd(buf: Buffer, i: number, end: number): number {
  if (i >= end) return -1;
  const b = buf[i];
  if (b === LF) return i + 1;
  if (b !== CR) return 0;
  if (i + 1 >= end) return -1;
  return buf[i + 1] === LF ? i + 2 : 0;
}

/** Index of the first LF in buf[from, end), or -1. */
export function indexOfLf(buf: Buffer, from: number, end: number): number {
  const lf = buf.indexOf(LF, from);
  return lf !== -1 && lf < end ? lf : -1;
}

/** The end of a line's content: before the CR of a CRLF, at a bare LF. */
export function lineContentEnd(buf: Buffer, lineStart: number, lf: number): number {
  return lf > lineStart && buf[lf - 1] === CR ? lf - 1 : lf;
}

/** latin1 maps bytes 0-255 one to one onto chars, so a decoded head loses nothing. */
export function latin1(buf: Buffer, start: number, end: number): string {
  return buf.toString('latin1', start, end);
}

export function isOws(byte: number): boolean {
  return byte === SP || byte === HT;
}
