/**
 * The input of every protocol parser: one connection's two byte streams, rebuilt from the raw
 * events of a session (src/reconstruct/ does that) and fed in the order the bytes were seen.
 *
 * Directions are named from the client's point of view: `c2s` carries requests, `s2c` carries
 * responses. Offsets are positions in that direction's stream, counted in bytes the syscalls
 * moved, captured or not; so a gap (a truncated or zero-copy body, a dropped record) keeps every
 * later offset true.
 */
export type StreamDirection = 'c2s' | 's2c';

/**
 * Why some bytes of a segment were not captured: cut at --max-payload, sent zero-copy, dropped
 * by the kernel unread (recv with MSG_TRUNC), or lost (ring buffer full).
 */
export type GapReason = 'truncated' | 'zerocopy' | 'discarded' | 'lost';

export interface StreamSegment {
  kind: 'data';
  dir: StreamDirection;
  /** Nanoseconds since the session started. */
  ts: number;
  /** Stream offset of the first byte this segment moved. */
  offset: number;
  /** Bytes moved by the syscall (its return value). */
  length: number;
  /** The captured prefix of those bytes: bytes.length <= length. */
  bytes: Uint8Array;
  /** Set when bytes.length < length: why the rest is missing. */
  gap?: GapReason;
  /**
   * The session event this segment came from (events.id), for "show --raw" and the TUI: the
   * earliest that holds its bytes when both ends of the stream were captured (the sender's).
   */
  eventId: number;
  /** The latest event that holds these bytes (the receiver's), when it is not eventId. */
  lastEventId?: number;
}

/** The direction ended: the peer closed or shut down its side (read returned 0), or an error. */
export interface StreamEnd {
  kind: 'end';
  dir: StreamDirection;
  ts: number;
  offset: number;
  reason: 'eof' | 'close' | 'error';
  eventId: number;
}

export type StreamItem = StreamSegment | StreamEnd;

/** The part of a segment a parser has not had yet. */
export interface UnseenPart {
  offset: number;
  length: number;
  /** The captured bytes of that part: bytes.length <= length. */
  bytes: Uint8Array;
}

/**
 * What of `segment` is new to a parser that has had the first `received` bytes of its direction:
 * bytes it already had (a record delivered twice; should not happen) are dropped, and captured
 * bytes beyond `length` are ignored. Null when nothing is new. Every parser feeds through this.
 */
export function unseenPart(segment: StreamSegment, received: number): UnseenPart | null {
  let { offset, length } = segment;
  let bytes = segment.bytes.length > length ? segment.bytes.subarray(0, length) : segment.bytes;
  if (offset < received) {
    const seen = received - offset;
    if (seen >= length) return null;
    bytes = bytes.subarray(Math.min(seen, bytes.length));
    length -= seen;
    offset = received;
  }
  return length === 0 ? null : { offset, length, bytes };
}
