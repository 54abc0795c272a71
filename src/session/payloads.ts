/**
 * Captured bytes of events, read back from the compressed payload blocks. Blocks are shared by
 * many consecutive events, so the last few inflated blocks are kept.
 */
import type Database from 'better-sqlite3';
import { inflateRawSync } from 'node:zlib';

const CODEC_STORED = 0;
const CODEC_DEFLATE = 1;

export class PayloadReader {
  private readonly cache = new Map<number, Buffer>();
  private readonly stmt: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly cacheBlocks = 8,
  ) {
    this.stmt = db.prepare('SELECT codec, data FROM payload_blocks WHERE id = ?');
  }

  private block(id: number): Buffer {
    let raw = this.cache.get(id);
    if (raw) {
      // refresh its place in the insertion-ordered map: least recently used goes first
      this.cache.delete(id);
      this.cache.set(id, raw);
      return raw;
    }
    const row = this.stmt.get(id) as { codec: number; data: Buffer } | undefined;
    if (!row) throw new Error(`payload block ${id} is missing`);
    if (row.codec === CODEC_DEFLATE) raw = inflateRawSync(row.data);
    else if (row.codec === CODEC_STORED) raw = row.data;
    else throw new Error(`payload block ${id} uses unknown codec ${row.codec}`);
    this.cache.set(id, raw);
    if (this.cache.size > this.cacheBlocks) this.cache.delete(this.cache.keys().next().value!);
    return raw;
  }

  /** The captured bytes of one event (a view into a cached block: copy to keep). */
  read(blockId: number | null, offset: number | null, length: number): Buffer {
    if (blockId === null || offset === null || length === 0) return Buffer.alloc(0);
    return this.block(blockId).subarray(offset, offset + length);
  }
}
