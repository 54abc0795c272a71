/**
 * The small bar that places one exchange on the session's timeline, as the DevTools waterfall
 * does: light while the request is sent and the response awaited, solid while it arrives.
 */
import { type Line, seg } from './styled-text.js';
import type { TimeSpan } from '../session/session-queries.js';

/** Column (fractional) of time `t` on a bar `width` columns wide spanning `span`. */
function column(span: TimeSpan, t: bigint, width: number): number {
  const total = span.endNs - span.startNs;
  if (total <= 0n) return 0;
  const at = t < span.startNs ? 0n : t > span.endNs ? total : t - span.startNs;
  return Number((at * BigInt(width) * 1000n) / total) / 1000;
}

export interface BarTimes {
  start: bigint;
  /** First response byte, if any. */
  firstByte: bigint | null;
  end: bigint | null;
}

export const WAIT_CHAR = '░';
export const RECEIVE_CHAR = '█';

/** Exactly `width` columns: spaces, the waiting part, the receiving part, spaces. */
export function waterfallBar(span: TimeSpan | null, t: BarTimes, width: number): Line {
  if (width <= 0) return [];
  if (!span) return [seg(' '.repeat(width))];
  const from = Math.min(width - 1, Math.floor(column(span, t.start, width)));
  const endNs = t.end ?? t.firstByte ?? t.start;
  // at least one cell, so an exchange of a microsecond still shows where it was
  const to = Math.max(from + 1, Math.min(width, Math.ceil(column(span, endNs, width))));
  const mid = t.firstByte === null ? to : Math.max(from, Math.min(to, Math.floor(column(span, t.firstByte, width))));
  const line: Line = [];
  if (from > 0) line.push(seg(' '.repeat(from)));
  if (mid > from) line.push(seg(WAIT_CHAR.repeat(mid - from), { color: 'gray' }));
  if (to > mid) line.push(seg(RECEIVE_CHAR.repeat(to - mid), { color: 'blue' }));
  if (width > to) line.push(seg(' '.repeat(width - to)));
  return line;
}
