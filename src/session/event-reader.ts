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

  private blocks(opts: ReadOptions): Iterable<BlockRow> {
    const from = opts.fromRecord ?? 0;
    // blocks are in record order: a block ends before `from` if the next one starts at or before it
    const notBefore = `(first_record + records > ${Math.floor(from)})`;
    if (opts.connIds) {
      if (opts.connIds.length === 0) return [];
      const ids = opts.connIds.map((c) => Math.floor(c)).join(',');
      return this.db
        .prepare(
          `SELECT id, first_record, codec, data FROM event_blocks WHERE ${notBefore} AND id IN
             (SELECT block_id FROM conn_blocks WHERE conn_id IN (${ids})) ORDER BY id`,
        )
        .iterate() as Iterable<BlockRow>;
    }
    return this.db
      .prepare(`SELECT id, first_record, codec, data FROM event_blocks WHERE ${notBefore} ORDER BY id`)
      .iterate() as Iterable<BlockRow>;
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
    const emit = (ev: AssembledEvent) => out.push(toEvent(ev));
    for (const { n, rec } of this.records(opts)) {
      if (rec.kind !== Kind.DATA) continue;
      assembler.push(rec, emit, n);
      if (out.length) yield* out.splice(0);
    }
    assembler.flush(emit);
    yield* out.splice(0);
  }
}

function toEvent(ev: AssembledEvent): SessionEvent {
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
