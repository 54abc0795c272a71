/** Small builders for hand-written stream items. */
import type { GapReason, StreamDirection, StreamEnd, StreamSegment } from '../../../src/protocols/stream.js';

export function text(value: string): Uint8Array {
  return Uint8Array.from(Buffer.from(value, 'latin1'));
}

/** A segment of `dir` at `offset`; `gap` adds that many uncaptured bytes after the text. */
export function seg(
  dir: StreamDirection,
  offset: number,
  content: string,
  ts = 0,
  gap?: { size: number; reason: GapReason },
): StreamSegment {
  const bytes = text(content);
  const segment: StreamSegment = { kind: 'data', dir, ts, offset, length: bytes.length + (gap?.size ?? 0), bytes, eventId: 0 };
  if (gap) segment.gap = gap.reason;
  return segment;
}

export function end(dir: StreamDirection, offset: number, ts = 0, reason: StreamEnd['reason'] = 'eof'): StreamEnd {
  return { kind: 'end', dir, ts, offset, reason, eventId: 0 };
}
