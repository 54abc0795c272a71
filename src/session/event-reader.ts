/**
 * The events of a session, read back from its compressed record blocks in capture order: each
 * syscall's chunk records joined into one event with its payload. Everything downstream
 * (reconstruction, `show --raw`, the TUI's Raw tab) reads events through here.
 */
import type Database from 'better-sqlite3';
import { inflateRawSync } from 'node:zlib';

import { type CaptureRecord, type SockAddr, decodeRecord } from '../events/decode-records.js';
import { type AssembledEvent, EventAssembler } from '../events/event-assembler.js';
import { BATCH_RECORD_PREFIX, DataFlag, DataLayout, HeaderLayout, Kind } from '../events/layout.js';
import { CODEC_DEFLATE, CODEC_STORED } from './format.js';

/**
 * Readers' own flag on events, above the kernel's 16 (EventFlag): chunks of it were lost.
 */
export const EVENT_RECORDS_LOST = 1 << 16;

export interface SessionEvent {
  /** Record number (over the whole file) of the event's first record: stable, unique. */
  id: number;
  /** Wall-clock nanoseconds. */
  ts: bigint;
  connId: number;
  pid: number;
  tid: number;
  comm: string;
  fd: number;
  syscall: number;
  dir: number;
  /** EventFlag (LAST removed, the flags of all its chunks) | EVENT_RECORDS_LOST. */
  flags: number;
  ret: number;
  streamOff: number;
  auxFd: number;
  msgIndex: number;
  peer: SockAddr | null;
  /** The captured bytes (a prefix of the `ret` bytes moved). */
  payload: Buffer;
}

interface BlockRow {
  id: number;
  first_record: number;
  codec: number;
  data: Buffer;
}

export interface ReadOptions {
  /** Only these connections' events (read through conn_blocks, skipping other blocks). */
  connIds?: number[];
  /** Only events at or after this record number (an exchange's first event, say). */
  fromRecord?: number;
  /** Only DATA records of this direction (Direction.EGRESS or INGRESS), no other records. */
  dir?: number;
  /** Only DATA records of these (connection, direction) pairs, no other records. */
  sources?: { connId: number; dir: number }[];
  /**
   * The file's last block id (lastBlockId()), when the caller asked for it in the read
   * transaction it still holds: the file cannot have gained blocks since, and is not asked again.
   */
  lastBlock?: number;
}

function inflateBlock(row: BlockRow): Buffer {
  if (row.codec === CODEC_DEFLATE) return inflateRawSync(row.data);
  if (row.codec === CODEC_STORED) return row.data;
  throw new Error(`event block ${row.id} uses unknown codec ${row.codec}`);
}

/** Every record of one block with its record number, in order. */
export function* blockRecords(row: BlockRow): Generator<{ n: number; rec: CaptureRecord }> {
  const raw = inflateBlock(row);
  let at = 0;
  let n = row.first_record;
  while (at + BATCH_RECORD_PREFIX <= raw.length) {
    const len = raw.readUInt32LE(at);
    const start = at + BATCH_RECORD_PREFIX;
    const rec = decodeRecord(raw, start, len);
    if (rec) yield { n, rec };
    n++;
    at = start + ((len + 7) & ~7);
  }
}

/**
 * A block decompressed, with where each of its records starts: reading from a record number
 * jumps there instead of decoding every record before it.
 */
interface InflatedBlock {
  firstRecord: number;
  raw: Buffer;
  /** Byte offset of each record's length prefix. */
  starts: Uint32Array;
}

function recordStarts(raw: Buffer): Uint32Array {
  const starts: number[] = [];
  for (let at = 0; at + BATCH_RECORD_PREFIX <= raw.length; at += BATCH_RECORD_PREFIX + ((raw.readUInt32LE(at) + 7) & ~7)) starts.push(at);
  return Uint32Array.from(starts);
}

/**
 * Decompressed blocks kept for reuse. Loading one exchange reads its bytes in at least two
 * passes (request, response) over the same block, and an export loads the exchanges in
 * capture order, so the last few blocks are nearly always the ones wanted next: without the
 * cache every exchange cost several inflates of a whole block (up to 8 MiB raw; 13 exchanges/s
 * on a generated 100,000-exchange session). Blocks never change once written, so a cached one
 * is never stale. At most CACHED_BLOCKS × 8 MiB are held.
 */
const CACHED_BLOCKS = 4;

/** Connections whose block lists are kept: loading exchanges asks for the same few again and again. */
const CACHED_CONNS = 256;

/** A connection's blocks, as listed when the file's last block was `upTo`. */
interface ConnBlocks {
  upTo: number;
  ids: number[];
  /** Record number just past each block's last record. */
  ends: number[];
}

/** The connection a DATA, CONN or CLOSE record belongs to, read without decoding the record. */
function peekConnId(raw: Buffer, at: number): number {
  return raw.readUInt32LE(at + DataLayout.connId + 4) * 0x1_0000_0000 + raw.readUInt32LE(at + DataLayout.connId);
}

/** A DATA record of one of `sources` (read without decoding the record). */
function isFromSource(raw: Buffer, at: number, sources: { connId: number; dir: number }[]): boolean {
  if (raw[at + HeaderLayout.kind] !== Kind.DATA) return false;
  const connId = peekConnId(raw, at);
  const dir = raw[at + DataLayout.dir];
  return sources.some((s) => s.connId === connId && s.dir === dir);
}

export class EventReader {
  private readonly cache = new Map<number, InflatedBlock>();
  private readonly blockData: Database.Statement;
  private readonly blocksFrom: Database.Statement;
  private readonly connBlockList: Database.Statement;
  private readonly lastBlock: Database.Statement;
  private readonly connBlocks = new Map<number, ConnBlocks>();

  constructor(private readonly db: Database.Database) {
    this.blockData = db.prepare('SELECT id, first_record, codec, data FROM event_blocks WHERE id = ?');
    this.blocksFrom = db.prepare('SELECT id FROM event_blocks WHERE first_record + records > ? ORDER BY id').pluck();
    this.connBlockList = db
      .prepare(
        `SELECT b.id, b.first_record + b.records FROM conn_blocks c JOIN event_blocks b ON b.id = c.block_id
         WHERE c.conn_id = ? ORDER BY b.id`,
      )
      .raw();
    this.lastBlock = db.prepare('SELECT coalesce(max(id), 0) FROM event_blocks').pluck();
  }

  /**
   * The ids of the blocks to read. Each block is fetched only when reached: the caller may
   * write to the database between two blocks (better-sqlite3 forbids that while a statement is
   * being iterated).
   */
  private blockIds(opts: ReadOptions): number[] {
    const from = Math.floor(opts.fromRecord ?? 0);
    // blocks are in record order: skip those that end before `from`
    if (!opts.connIds) return this.blocksFrom.all(from) as number[];
    if (opts.connIds.length === 0) return [];
    if (opts.connIds.length === 1) return this.oneConnBlockIds(Math.floor(opts.connIds[0]), from, opts.lastBlock ?? this.lastBlockId());
    const conns = opts.connIds.map((c) => Math.floor(c)).join(',');
    return this.db
      .prepare(
        `SELECT DISTINCT b.id FROM conn_blocks c JOIN event_blocks b ON b.id = c.block_id
         WHERE c.conn_id IN (${conns}) AND b.first_record + b.records > ? ORDER BY b.id`,
      )
      .pluck()
      .all(from) as number[];
  }

  /** The id of the file's last block (0 if none). */
  lastBlockId(): number {
    return this.lastBlock.get() as number;
  }

  /**
   * One connection's blocks from a list kept per connection (the common case: reading an
   * exchange's bytes). A recording session keeps adding blocks: the list is taken again when
   * the file has a new last block.
   */
  private oneConnBlockIds(conn: number, from: number, upTo: number): number[] {
    let list = this.connBlocks.get(conn);
    if (list?.upTo === upTo) {
      this.connBlocks.delete(conn);
    } else {
      const rows = this.connBlockList.all(conn) as [number, number][];
      list = { upTo, ids: rows.map((r) => r[0]), ends: rows.map((r) => r[1]) };
    }
    this.connBlocks.set(conn, list);
    if (this.connBlocks.size > CACHED_CONNS) this.connBlocks.delete(this.connBlocks.keys().next().value!);
    const ids: number[] = [];
    for (let i = 0; i < list.ids.length; i++) if (list.ends[i] > from) ids.push(list.ids[i]);
    return ids;
  }

  private block(id: number): InflatedBlock {
    const hit = this.cache.get(id);
    if (hit) {
      // most recently used last: Map keeps insertion order
      this.cache.delete(id);
      this.cache.set(id, hit);
      return hit;
    }
    const row = this.blockData.get(id) as BlockRow;
    const raw = inflateBlock(row);
    const block = { firstRecord: row.first_record, raw, starts: recordStarts(raw) };
    this.cache.set(id, block);
    if (this.cache.size > CACHED_BLOCKS) this.cache.delete(this.cache.keys().next().value!);
    return block;
  }

  /** Every record (DATA chunks, CONN, CLOSE, PROC) as captured. */
  *records(opts: ReadOptions = {}): Generator<{ n: number; rec: CaptureRecord }> {
    const conns = opts.connIds ? new Set(opts.connIds) : null;
    const from = opts.fromRecord ?? 0;
    for (const id of this.blockIds(opts)) {
      const { firstRecord, raw, starts } = this.block(id);
      for (let i = Math.max(0, Math.ceil(from) - firstRecord); i < starts.length; i++) {
        const len = raw.readUInt32LE(starts[i]);
        const at = starts[i] + BATCH_RECORD_PREFIX;
        if (conns && (raw[at + HeaderLayout.kind] === Kind.PROC || !conns.has(peekConnId(raw, at)))) continue;
        if (opts.dir !== undefined && (raw[at + HeaderLayout.kind] !== Kind.DATA || raw[at + DataLayout.dir] !== opts.dir)) continue;
        if (opts.sources && !isFromSource(raw, at, opts.sources)) continue;
        const rec = decodeRecord(raw, at, len);
        if (rec) yield { n: firstRecord + i, rec };
      }
    }
  }

  /** Syscall events with their payloads, in capture order. */
  *events(opts: ReadOptions = {}): Generator<SessionEvent> {
    const assembler = new EventAssembler();
    const out: SessionEvent[] = [];
    const emit = (ev: AssembledEvent) => out.push(toSessionEvent(ev));
    for (const { n, rec } of this.records(opts)) {
      if (rec.kind !== Kind.DATA) continue;
      assembler.push(rec, emit, n);
      if (out.length) yield* out.splice(0);
    }
    assembler.flush(emit);
    yield* out.splice(0);
  }
}

/** One assembled syscall as the rest of tinytap sees it. */
export function toSessionEvent(ev: AssembledEvent): SessionEvent {
  const r = ev.first;
  return {
    id: ev.firstRecord,
    ts: r.tsNs,
    connId: r.connId,
    pid: r.pid,
    tid: r.tid,
    comm: r.comm,
    fd: r.fd,
    syscall: r.syscall,
    dir: r.dir,
    flags: (ev.flags & ~DataFlag.LAST) | (ev.lost ? EVENT_RECORDS_LOST : 0),
    ret: r.ret,
    streamOff: r.streamOff,
    auxFd: r.auxFd,
    msgIndex: r.msgIndex,
    peer: r.peer,
    payload: ev.payload,
  };
}
