/**
 * A test-only HPACK encoder (RFC 7541), so that property tests can make header blocks of every
 * representation and check that decoding gives the fields back. It keeps its own dynamic table;
 * each field's representation is chosen by the caller (fast-check), not by an encoding strategy.
 */
import { HUFFMAN_CODES } from '../../../src/protocols/hpack/huffman-table.js';
import { STATIC_TABLE } from '../../../src/protocols/hpack/static-table.js';

export type Representation = 'indexed' | 'incremental' | 'without' | 'never';

export interface FieldPlan {
  name: string;
  value: string;
  how: Representation;
  /** Use a table index for the name when one exists. */
  indexName: boolean;
  huffman: boolean;
}

export class TestEncoder {
  /** Newest first. */
  readonly table: [string, string][] = [];
  private size = 0;
  private maxSize = 4096;

  /** One header block: an optional size update, then each field as planned ('indexed' falls back to a literal when no entry matches). */
  encode(fields: FieldPlan[], sizeUpdate?: number): Buffer {
    const out: number[] = [];
    if (sizeUpdate !== undefined) {
      integer(out, sizeUpdate, 5, 0x20);
      this.maxSize = sizeUpdate;
      this.evict();
    }
    for (const f of fields) {
      const full = this.find(f.name, f.value);
      if (f.how === 'indexed' && full > 0) {
        integer(out, full, 7, 0x80);
        continue;
      }
      const how = f.how === 'indexed' ? 'incremental' : f.how;
      const [bits, flag] = how === 'incremental' ? [6, 0x40] : how === 'never' ? [4, 0x10] : [4, 0x00];
      const nameIndex = f.indexName ? this.find(f.name) : 0;
      integer(out, nameIndex, bits, flag);
      if (nameIndex === 0) string(out, f.name, f.huffman);
      string(out, f.value, f.huffman);
      if (how === 'incremental') this.insert(f.name, f.value);
    }
    return Buffer.from(out);
  }

  /** The index of an entry with this name (and value, when given); 0 if none. */
  private find(name: string, value?: string): number {
    const matches = ([n, v]: readonly [string, string]): boolean => n === name && (value === undefined || v === value);
    const s = STATIC_TABLE.findIndex(matches);
    if (s >= 0) return s + 1;
    const d = this.table.findIndex(matches);
    return d >= 0 ? STATIC_TABLE.length + 1 + d : 0;
  }

  private insert(name: string, value: string): void {
    this.table.unshift([name, value]);
    this.size += name.length + value.length + 32;
    this.evict();
  }

  private evict(): void {
    while (this.size > this.maxSize) {
      const [n, v] = this.table.pop()!;
      this.size -= n.length + v.length + 32;
    }
  }
}

function integer(out: number[], value: number, prefixBits: number, flags: number): void {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out.push(flags | value);
    return;
  }
  out.push(flags | max);
  value -= max;
  while (value >= 128) {
    out.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
}

function string(out: number[], text: string, huffman: boolean): void {
  const octets = Buffer.from(text, 'latin1');
  if (!huffman) {
    integer(out, octets.length, 7, 0);
    out.push(...octets);
    return;
  }
  const encoded: number[] = [];
  let acc = 0n;
  let bits = 0;
  for (const b of octets) {
    const [code, length] = HUFFMAN_CODES[b];
    acc = (acc << BigInt(length)) | BigInt(code);
    bits += length;
    while (bits >= 8) {
      bits -= 8;
      encoded.push(Number((acc >> BigInt(bits)) & 0xffn));
    }
    acc &= (1n << BigInt(bits)) - 1n;
  }
  if (bits > 0) encoded.push(Number(((acc << BigInt(8 - bits)) | ((1n << BigInt(8 - bits)) - 1n)) & 0xffn));
  integer(out, encoded.length, 7, 0x80);
  out.push(...encoded);
}
