/**
 * One direction's recent history, kept by stream offset until the exchanges that need it are
 * built: which event moved each byte (so an exchange knows its first and last event), and the
 * captured bytes themselves (its bodies, for the search index). The bytes are bounded: past
 * `limit` bytes kept, new bytes are not kept, so a 10 GB download costs `limit` of memory and
 * the index holds the start of its body. (`show` and the exporters read bodies from the session
 * again and are not limited by this.)
 */
interface Span {
  offset: number;
  length: number;
  /** The earliest and the latest event holding these bytes (the sender's and the receiver's). */
  eventId: number;
  lastEventId: number;
  bytes: Uint8Array | null;
}

export class RetainedBytes {
  private spans: Span[] = [];
  private head = 0; // spans before this index are dropped (compacted now and then)
  private held = 0;

  constructor(private readonly limit: number) {}

  add(offset: number, length: number, bytes: Uint8Array, eventId: number, lastEventId = eventId): void {
    if (length <= 0) return;
    const room = this.limit - this.held;
    let kept: Uint8Array | null = null;
    if (bytes.length > 0 && room > 0) {
      kept = bytes.length <= room ? bytes : bytes.subarray(0, room);
      this.held += kept.length;
    }
    this.spans.push({ offset, length, eventId, lastEventId, bytes: kept });
  }

  /** The kept bytes within [start, end), in order; missing bytes are skipped. */
  slice(start: number, end: number): Uint8Array[] {
    // on the build's hot path (every body range of every exchange): no object per piece
    const out: Uint8Array[] = [];
    this.each(start, end, (_offset, bytes) => out.push(bytes));
    return out;
  }

  /**
   * The kept bytes within [start, end), each piece with its stream offset: what a reader that
   * must know where bytes are missing (a framing inside the body) takes instead of slice().
   */
  pieces(start: number, end: number): { offset: number; bytes: Uint8Array }[] {
    const out: { offset: number; bytes: Uint8Array }[] = [];
    this.each(start, end, (offset, bytes) => out.push({ offset, bytes }));
    return out;
  }

  private each(start: number, end: number, take: (offset: number, bytes: Uint8Array) => void): void {
    for (let i = this.head; i < this.spans.length; i++) {
      const s = this.spans[i];
      if (s.offset >= end) break;
      if (!s.bytes || s.offset + s.bytes.length <= start) continue;
      const from = Math.max(0, start - s.offset);
      take(s.offset + from, s.bytes.subarray(from, Math.min(s.bytes.length, end - s.offset)));
    }
  }

  /** The earliest and latest events that hold the byte at `offset`, if still known. */
  eventsAt(offset: number): { first: number; last: number } | null {
    for (let i = this.head; i < this.spans.length; i++) {
      const s = this.spans[i];
      if (offset < s.offset) return null;
      if (offset < s.offset + s.length) return { first: s.eventId, last: s.lastEventId };
    }
    return null;
  }

  /** The earliest event holding a byte at or after `offset`, if any is kept. */
  firstEventFrom(offset: number): number | null {
    let first: number | null = null;
    for (let i = this.head; i < this.spans.length; i++) {
      const s = this.spans[i];
      if (s.offset + s.length > offset && (first === null || s.eventId < first)) first = s.eventId;
    }
    return first;
  }

  /** Forget everything before `offset`: no exchange will need it again. */
  dropBefore(offset: number): void {
    while (this.head < this.spans.length && this.spans[this.head].offset + this.spans[this.head].length <= offset) {
      this.held -= this.spans[this.head].bytes?.length ?? 0;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.spans.length) {
      this.spans = this.spans.slice(this.head);
      this.head = 0;
    }
  }

  get size(): number {
    return this.held;
  }
}
