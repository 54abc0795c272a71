/**
 * Which segment's ts a byte belongs to. Segments are noted as they are pushed; a message asks
 * for the ts of its first byte, the end of its head and its last byte, by stream offset.
 * Entries before the oldest byte still needed are forgotten, so a long body costs no memory.
 */
export class SegmentTimes {
  private offsets: number[] = [];
  private stamps: number[] = [];
  private first = 0;

  /** Bytes from `offset` on (until the next note) were moved at `ts`. */
  note(offset: number, ts: number): void {
    const n = this.offsets.length;
    if (n > this.first && this.stamps[n - 1] === ts) return; // same answer for these bytes
    this.offsets.push(offset);
    this.stamps.push(ts);
  }

  /** ts of the segment holding the byte at `offset` (not before the last forget). */
  at(offset: number): number {
    let i = this.first;
    const n = this.offsets.length;
    while (i + 1 < n && this.offsets[i + 1] <= offset) i++;
    return this.stamps[i] ?? 0;
  }

  /** No byte before `offset` will be asked about again. */
  forget(offset: number): void {
    const n = this.offsets.length;
    while (this.first + 1 < n && this.offsets[this.first + 1] <= offset) this.first++;
    if (this.first > 64 && this.first * 2 > n) {
      this.offsets.splice(0, this.first);
      this.stamps.splice(0, this.first);
      this.first = 0;
    }
  }
}
