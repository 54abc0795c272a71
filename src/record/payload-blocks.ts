/**
 * Captured payload bytes are stored in compressed blocks shared by many events: HTTP headers
 * repeat endlessly and every loopback byte is captured twice (leaving one process, arriving at
 * the other), so a block compresses far better than each payload on its own. This is what keeps
 * a session smaller than a pcap of the same traffic (see BENCHMARKS.md).
 */
import { deflateRawSync } from 'node:zlib';

export const CODEC_STORED = 0;
export const CODEC_DEFLATE = 1;

export interface EncodedBlock {
  id: number;
  codec: number;
  rawLen: number;
  data: Buffer;
}

export class PayloadBlockBuilder {
  private parts: Buffer[] = [];
  private size = 0;

  constructor(
    private nextId: number,
    /** Level 1: most of the gain at a fraction of the CPU, which the recorder competes for. */
    private readonly level = 1,
  ) {}

  /** Where `bytes` will live once the block is written. */
  append(bytes: Buffer): { blockId: number; offset: number } {
    const offset = this.size;
    this.parts.push(bytes);
    this.size += bytes.length;
    return { blockId: this.nextId, offset };
  }

  get pendingBytes(): number {
    return this.size;
  }

  /** The block to write, or null when nothing was appended since the last one. */
  seal(): EncodedBlock | null {
    if (this.size === 0) return null;
    const raw = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.size);
    const packed = deflateRawSync(raw, { level: this.level });
    const block =
      packed.length < raw.length
        ? { id: this.nextId, codec: CODEC_DEFLATE, rawLen: raw.length, data: packed }
        : { id: this.nextId, codec: CODEC_STORED, rawLen: raw.length, data: Buffer.from(raw) };
    this.nextId++;
    this.parts = [];
    this.size = 0;
    return block;
  }
}
