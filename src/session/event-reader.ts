/**
 * The events of a session, read back from its compressed record blocks in capture order: each
 * syscall's chunk records joined into one event with its payload. Everything downstream
 * (reconstruction, `show --raw`, the TUI's Raw tab) reads events through here.
 */
import type Database from 'better-sqlite3';
import { inflateRawSync } from 'node:zlib';

import { type CaptureRecord, type SockAddr, decodeRecord } from '../events/decode-records.js';
import { type AssembledEvent, EventAssembler } from '../events/event-assembler.js';
import { BATCH_RECORD_PREFIX, DataFlag, Kind } from '../events/layout.js';
import { CODEC_DEFLATE, CODEC_STORED } from './format.js';

/** File-level flag on events (beyond the kernel's DATA flags): chunks of it were lost. */
export const EVENT_RECORDS_LOST = 1 << 8;

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
  /** DATA flags (LAST removed) | EVENT_RECORDS_LOST. */
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
    yield { n, rec: decodeRecord(raw, start, len) };
    n++;
    at = start + ((len + 7) & ~7);
  }
}

export class EventReader {
  constructor(private readonly db: Database.Database) {}

  /**
   * The blocks to read, fetched one at a time: the caller may write to the database between
   * two blocks (better-sqlite3 forbids that while a statement is being iterated).
   */
  private *blocks(opts: ReadOptions): Generator<BlockRow> {
    const from = Math.floor(opts.fromRecord ?? 0);
    // blocks are in record order: skip those that end before `from`
    let ids: number[];
    if (opts.connIds) {
      if (opts.connIds.length === 0) return;
      const conns = opts.connIds.map((c) => Math.floor(c)).join(',');
      ids = this.db
        .prepare(
          `SELECT DISTINCT b.id FROM conn_blocks c JOIN event_blocks b ON b.id = c.block_id
           WHERE c.conn_id IN (${conns}) AND b.first_record + b.records > ? ORDER BY b.id`,
        )
        .pluck()
        .all(from) as number[];
    } else {
      ids = this.db.prepare('SELECT id FROM event_blocks WHERE first_record + records > ? ORDER BY id').pluck().all(from) as number[];
    }
    const get = this.db.prepare('SELECT id, first_record, codec, data FROM event_blocks WHERE id = ?');
    for (const id of ids) yield get.get(id) as BlockRow;
  }

  /** Every record (DATA chunks, CONN, CLOSE, PROC) as captured. */
  *records(opts: ReadOptions = {}): Generator<{ n: number; rec: CaptureRecord }> {
    const conns = opts.connIds ? new Set(opts.connIds) : null;
    const from = opts.fromRecord ?? 0;
    for (const row of this.blocks(opts)) {
      for (const r of blockRecords(row)) {
        if (r.n < from) continue;
        if (conns && (r.rec.kind === Kind.PROC || !conns.has(r.rec.connId))) continue;
        yield r;
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
    flags: (r.flags & ~DataFlag.LAST) | (ev.lost ? EVENT_RECORDS_LOST : 0),
    ret: r.ret,
    streamOff: r.streamOff,
    auxFd: r.auxFd,
    msgIndex: r.msgIndex,
    peer: r.peer,
    payload: ev.payload,
  };
}
