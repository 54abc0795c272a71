/**
 * Reads the protocol's basic types (fixed little-endian integers, length-encoded integers and
 * strings, NUL-terminated strings) from one packet payload. Reading past the end never throws:
 * it returns undefined and sets `short`, so a truncated or malformed packet yields what it has.
 */
export class PayloadReader {
  pos: number;
  /** A read went past the end of the payload. */
  short = false;

  constructor(
    readonly bytes: Buffer,
    start = 0,
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return Math.max(0, this.bytes.length - this.pos);
  }

  get atEnd(): boolean {
    return this.pos >= this.bytes.length;
  }

  peek(): number | undefined {
    return this.pos < this.bytes.length ? this.bytes[this.pos] : undefined;
  }

  skip(n: number): void {
    if (this.pos + n > this.bytes.length) this.short = true;
    this.pos = Math.min(this.bytes.length, this.pos + n);
  }

  int(n: 1 | 2 | 3 | 4): number | undefined {
    if (!this.has(n)) return undefined;
    const v = this.bytes.readUIntLE(this.pos, n);
    this.pos += n;
    return v;
  }

  int8(): bigint | undefined {
    if (!this.has(8)) return undefined;
    const v = this.bytes.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  /** A length-encoded integer; null for 0xfb (NULL in a text row), undefined when unreadable. */
  lenenc(): bigint | null | undefined {
    const first = this.int(1);
    if (first === undefined) return undefined;
    if (first < 0xfb) return BigInt(first);
    if (first === 0xfb) return null;
    if (first === 0xfc) return optionalBig(this.int(2));
    if (first === 0xfd) return optionalBig(this.int(3));
    if (first === 0xfe) return this.int8();
    this.short = true; // 0xff is not a length
    return undefined;
  }

  /** A length as a number: undefined for NULL or unreadable. */
  lenencNumber(): number | undefined {
    const v = this.lenenc();
    return typeof v === 'bigint' ? Number(v) : undefined;
  }

  /** A length-encoded string's bytes, cut to what the payload holds; null for NULL. */
  lenencBytes(): Buffer | null | undefined {
    const len = this.lenenc();
    if (len === null || len === undefined) return len;
    return this.take(Number(len));
  }

  /** n bytes, or fewer when the payload ends first (then `short` is set). */
  take(n: number): Buffer {
    const end = Math.min(this.bytes.length, this.pos + n);
    if (this.pos + n > this.bytes.length) this.short = true;
    const out = this.bytes.subarray(this.pos, end);
    this.pos = end;
    return out;
  }

  /** Up to the next NUL (consumed), or to the end of the payload. */
  nulBytes(): Buffer {
    let end = this.bytes.indexOf(0, this.pos);
    const found = end >= 0;
    if (!found) end = this.bytes.length;
    const out = this.bytes.subarray(this.pos, end);
    this.pos = found ? end + 1 : end;
    return out;
  }

  rest(): Buffer {
    const out = this.bytes.subarray(this.pos);
    this.pos = this.bytes.length;
    return out;
  }

  private has(n: number): boolean {
    if (this.pos + n <= this.bytes.length) return true;
    this.short = true;
    this.pos = this.bytes.length;
    return false;
  }
}

function optionalBig(v: number | undefined): bigint | undefined {
  return v === undefined ? undefined : BigInt(v);
}
