/**
 * The unconsumed bytes of one direction, after node-postgres' pg-protocol buffer handling: when
 * nothing is pending, a new segment is parsed in place (no copy); only a remainder that must
 * wait for more bytes (a partial head, a partial chunk-size line) is copied, into a buffer that
 * grows by doubling so a head arriving in many small pieces costs linear time. Body bytes are
 * consumed straight from the segment and never copied.
 */

const EMPTY = Buffer.alloc(0);

export class PendingBytes {
  /** Holds the pending bytes at [start, end). */
  data: Buffer = EMPTY;
  start = 0;
  end = 0;
  /** Stream offset of data[start]: everything before it is consumed. */
  offset = 0;
  /** data is our own copy, free to be written into. */
  private owned = false;

  get length(): number {
    return this.end - this.start;
  }

  /** Stream offset just past the pending bytes. */
  get endOffset(): number {
    return this.offset + this.end - this.start;
  }

  append(bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (this.start === this.end) {
      this.data = bytes;
      this.start = 0;
      this.end = bytes.length;
      this.owned = false;
      return;
    }
    const pending = this.end - this.start;
    const needed = pending + bytes.length;
    if (!this.owned || this.end + bytes.length > this.data.length) {
      // never write into a caller's buffer: the caller keeps the raw bytes to rebuild bodies
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

  consume(n: number): void {
    this.start += n;
    this.offset += n;
    if (this.start === this.end) this.clear();
  }

  /** Moves past bytes that were never captured; only valid when nothing is pending. */
  skip(n: number): void {
    this.offset += n;
  }

  /** Drops the pending bytes (they will never be parsed). */
  drop(): void {
    this.offset += this.end - this.start;
    this.clear();
  }

  /**
   * Called when a push has been parsed as far as it goes: a remainder still pointing into the
   * caller's segment is copied, so a few pending bytes do not keep a large segment alive.
   */
  retain(): void {
    if (this.owned || this.start === this.end) return;
    const copy = Buffer.allocUnsafe(growTo(0, this.end - this.start));
    this.data.copy(copy, 0, this.start, this.end);
    this.data = copy;
    this.end -= this.start;
    this.start = 0;
    this.owned = true;
  }

  private clear(): void {
    this.data = EMPTY;
    this.start = 0;
    this.end = 0;
    this.owned = false;
  }
}

function growTo(current: number, needed: number): number {
  let size = Math.max(current, 256);
  while (size < needed) size *= 2;
  return size;
}
