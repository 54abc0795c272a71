import type { Http1ErrorCode } from './types.js';

/**
 * A problem found by a scanner, at a buffer index. Scanners return flaws instead of throwing:
 * malformed input is normal for a capture tool, and the parser turns a flaw into a parse error
 * with a stream offset.
 */
export interface Flaw {
  flaw: true;
  at: number;
  code: Http1ErrorCode;
  message: string;
}

export function flaw(at: number, code: Http1ErrorCode, message: string): Flaw {
  return { flaw: true, at, code, message };
}

export function isFlaw(value: unknown): value is Flaw {
  return typeof value === 'object' && value !== null && (value as Flaw).flaw === true;
}

/** Returned by a scanner that reached the end of the available bytes before deciding. */
export const NEED_MORE = -1;
