/**
 * The unconsumed bytes of one direction, after node-postgres' pg-protocol buffer handling: when
 * nothing is pending, a new segment is parsed in place (no copy). When a remainder is pending (a
 * partial head, a partial chunk-size line), only as much of the new segment as that remainder
 * needs is copied behind it, a little at a time; the rest of the segment waits as a `tail` and is
 * parsed in place once the remainder is used up. So each byte is copied at most about once, and
 * only bytes of heads and chunk lines that straddle a segment boundary are copied at all.
 */

const EMPTY = Buffer.alloc(0);
/** What is copied behind a remainder at a time (at least; more if the remainder is longer). */
const MERGE_STEP = 1024;

export class PendingBytes {
  /** The bytes the parser states look at: data[start, end). */
  data: Buffer = EMPTY;
  start = 0;
  end = 0;
  /** Stream offset of data[start]: everything before it is consumed. */
  offset = 0;
  /** Bytes after data[start, end), not yet moved into view. */
  private tail: Buffer = EMPTY;
  /** data is our own copy, free to be written into. */
  private owned = false;

  /** Bytes in view (what a state can parse now). */
  get length(): number {
    return this.end - this.start;
  }

  /** All pending bytes, in view or not. */
  get pendingLength(): number {
    return this.end - this.start + this.tail.length;
  }

  /** Stream offset just past all pending bytes. */
  get endOffset(): number {
    return this.offset + this.pendingLength;
  }

  append(bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (this.tail.length > 0) this.tail = Buffer.concat([this.tail, bytes]); // only while paused
    else if (this.start === this.end) this.view(bytes);
    else {
      this.tail = bytes;
      this.refill();
    }
  }

  /**
   * Moves more pending bytes into view, for a state that needs more than it sees: returns false
   * when there are none.
   */
  refill(): boolean {
    if (this.tail.length === 0) return false;
    if (this.start === this.end) {
      this.view(this.tail);
      this.tail = EMPTY;
      return true;
    }
    const n = Math.min(this.tail.length, Math.max(MERGE_STEP, this.end - this.start));
    this.copyIntoView(this.tail.subarray(0, n));
    this.tail = n === this.tail.length ? EMPTY : this.tail.subarray(n);
    return true;
  }

  consume(n: number): void {
    this.start += n;
    this.offset += n;
    if (this.start === this.end) this.view(EMPTY);
  }

  /** Moves past bytes that were never captured; only valid when nothing is pending. */
  skip(n: number): void {
    this.offset += n;
  }

  /** Drops the pending bytes (they will never be parsed). */
  drop(): void {
    this.offset += this.pendingLength;
    this.tail = EMPTY;
    this.view(EMPTY);
  }

  /**
   * Called when a push has been parsed as far as it goes: bytes still pointing into the caller's
   * segment are copied, so a few pending bytes do not keep a large segment alive.
   */
  retain(): void {
    if (this.tail.length > 0) {
      this.copyIntoView(this.tail);
      this.tail = EMPTY;
    }
    if (this.owned || this.start === this.end) return;
    const copy = Buffer.allocUnsafe(this.end - this.start);
    this.data.copy(copy, 0, this.start, this.end);
    this.data = copy;
    this.end -= this.start;
    this.start = 0;
    this.owned = true;
  }

  private view(bytes: Buffer): void {
    this.data = bytes;
    this.start = 0;
    this.end = bytes.length;
    this.owned = false;
  }

  private copyIntoView(bytes: Buffer): void {
    if (!this.owned || this.end + bytes.length > this.data.length) {
      // never write into a caller's buffer: the caller keeps the raw bytes to rebuild bodies
      const pending = this.end - this.start;
      const needed = pending + bytes.length;
      const reuse = this.owned && needed <= this.data.length;
      const target = reuse ? this.data : Buffer.allocUnsafe(growTo(this.owned ? this.data.length : 0, needed));
      this.data.copy(target, 0, this.start, this.end);
      this.data = target;
      this.start = 0;
      this.end = pending;
      this.owned = true;
    }
    bytes.copy(this.data, this.end);
    this.end += bytes.length;
  }
}

function growTo(current: number, needed: number): number {
  let size = Math.max(current, 256);
  while (size < needed) size *= 2;
  return size;
}
