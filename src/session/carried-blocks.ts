/**
 * carried_blocks (formats/exchanges.sql): the records a file of a `record --dir` chain begins
 * with but does not hold, copied from the file before when this one is built (SPEC.md §3.1,
 * §3.6). Laid out as event_blocks, so the event reader reads them as it reads the file's own,
 * each block also saying where its records were recorded.
 */
import type Database from 'better-sqlite3';
import { deflateRawSync } from 'node:zlib';

import { type CaptureRecord, isDataRecord } from '../events/decode-records.js';
import { batchOf } from '../events/encode-records.js';
import { CODEC_DEFLATE } from './format.js';

/** Where a record was recorded: the file of the chain, and its number there. */
export interface RecordOrigin {
  file: string;
  record: number;
}

/** A record carried in: its number in this file (negative), the record, its bytes, where it was recorded. */
export interface CarriedRecord {
  n: number;
  rec: CaptureRecord;
  bytes: Buffer;
  origin: RecordOrigin;
}

/** Records per block at most, in bytes: as the recorder seals its own (BLOCK_SEAL_BYTES is 8 MiB). */
const BLOCK_BYTES = 4 << 20;

/** The syscall events a record begins (event_blocks.events). */
function beginsEvent(rec: CaptureRecord): boolean {
  return isDataRecord(rec) && rec.chunkOff === 0;
}

/** Runs of records that go in one block: one origin file each, at most BLOCK_BYTES. */
function blocksOf(records: readonly CarriedRecord[]): CarriedRecord[][] {
  const out: CarriedRecord[][] = [];
  let bytes = 0;
  for (const r of records) {
    const last = out[out.length - 1];
    if (!last || last[0].origin.file !== r.origin.file || bytes + r.bytes.length > BLOCK_BYTES) {
      out.push([r]);
      bytes = 0;
    } else last.push(r);
    bytes += r.bytes.length;
  }
  return out;
}

/** Write the records (numbered -K..-1, in order) into `schema`.carried_blocks, made by the build. */
export function writeCarriedBlocks(db: Database.Database, schema: 'main' | 'temp', records: readonly CarriedRecord[]): void {
  const insert = db.prepare(
    `INSERT INTO ${schema}.carried_blocks (id, first_record, records, events, first_ts, last_ts, codec, raw_len, data, origin_file, origins)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const blocks = blocksOf(records);
  blocks.forEach((block, i) => {
    const raw = batchOf(block.map((r) => r.bytes));
    const origins = Buffer.alloc(8 * block.length);
    block.forEach((r, j) => origins.writeBigInt64LE(BigInt(r.origin.record), 8 * j));
    insert.run(
      i - blocks.length,
      block[0].n,
      block.length,
      block.filter((r) => beginsEvent(r.rec)).length,
      block[0].rec.tsNs,
      block[block.length - 1].rec.tsNs,
      CODEC_DEFLATE,
      raw.length,
      deflateRawSync(raw),
      block[0].origin.file,
      origins,
    );
  });
}

/** Where each carried record of a built file was recorded, looked up by its (negative) number. */
export function carriedOrigins(db: Database.Database): (n: number) => RecordOrigin | null {
  const blocks = db.prepare('SELECT first_record, origin_file, origins FROM carried_blocks ORDER BY id').all() as {
    first_record: unknown;
    origin_file: unknown;
    origins: unknown;
  }[];
  return (n) => {
    for (const b of blocks) {
      if (typeof b.first_record !== 'number' || typeof b.origin_file !== 'string' || !Buffer.isBuffer(b.origins)) continue;
      const i = n - b.first_record;
      if (i >= 0 && 8 * (i + 1) <= b.origins.length) return { file: b.origin_file, record: Number(b.origins.readBigInt64LE(8 * i)) };
    }
    return null;
  };
}
