/**
 * The events of a session, read back from its compressed record blocks in capture order: each
 * syscall's chunk records joined into one event with its payload. Everything downstream
 * (reconstruction, `show --raw`, the TUI's Raw tab) reads events through here, so this is where
 * a damaged or hostile block or record is skipped and counted (damage.ts, SPEC.md §4.1).
 */
import type Database from 'better-sqlite3';

import { type CaptureRecord, RecordFormatError, type SockAddr, decodeRecord, minRecordSize } from '../events/decode-records.js';
import type { AssembledEvent } from '../events/event-assembler.js';
import { EventStream } from '../events/event-stream.js';
import { BATCH_RECORD_PREFIX, DataFlag, DataLayout, Direction, HeaderLayout, Kind, TlsJoinLayout } from '../events/layout.js';
import {
  BLOCK_INDEX_SQL,
  CARRIED_INDEX_SQL,
  type BlockEntry,
  type BlockIndexRow,
  Damage,
  blockEntry,
  inflateBlock,
  recordFrames,
  recordVersionKnown,
} from './damage.js';
import { BLOCK_SEAL_BYTES } from './format.js';

/**
 * Readers' own flag on events, above the kernel's 16 (EventFlag): chunks of it were lost.
 */
export const EVENT_RECORDS_LOST = 1 << 16;

export interface SessionEvent {
  /** Record number (over the whole file) of the event's first record: stable, unique. */
  id: number;
  /** Wall-clock nanoseconds. */
  ts: bigint;
  /**
   * TLS plaintext read at the library (a TLS_DATA record: `syscall` names the library call,
   * `auxFd` the library, `streamOff` counts the plaintext stream); else a socket syscall.
   */
  tls: boolean;
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

export interface ReadOptions {
  /** Only these connections' events (read through conn_blocks, skipping other blocks). */
  connIds?: number[];
  /**
   * Only events at or after this record number (an exchange's first event, say). Records a file
   * of a chain carried in from the file before are numbered below 0 (SPEC.md §3.6 carried_blocks).
   */
  fromRecord?: number;
  /** Only DATA records of this direction (Direction.EGRESS or INGRESS), no other records. */
  dir?: number;
  /** Only data records of these (connection, direction, layer), no other records. */
  sources?: { connId: number; dir: number; layer: 'socket' | 'tls' }[];
  /**
   * The file's last block id (lastBlockId()), when the caller asked for it in the read
   * transaction it still holds: the file cannot have gained blocks since, and is not asked again.
   */
  lastBlock?: number;
}

/**
 * A block decompressed, with where each of its records starts: reading from a record number
 * jumps there instead of decoding every record before it.
 */
export interface InflatedBlock {
  firstRecord: number;
  raw: Buffer;
  /** Byte offset of each record's length prefix. */
  starts: Uint32Array;
}

/**
 * Decompressed blocks kept for reuse. Loading one exchange reads its bytes in at least two
 * passes (request, response) over the same block, and an export loads the exchanges in
 * capture order, so the last few blocks are nearly always the ones wanted next: without the
 * cache every exchange cost several inflates of a whole block (up to 8 MiB raw; 13 exchanges/s
 * on a generated 100,000-exchange session). Blocks never change once written, so a cached one
 * is never stale. At most CACHED_BLOCKS are held, and at most CACHED_BYTES of them besides the
 * one in use (a hostile file's blocks may each be MAX_BLOCK_RAW_BYTES).
 */
const CACHED_BLOCKS = 4;
const CACHED_BYTES = CACHED_BLOCKS * BLOCK_SEAL_BYTES;

/** Connections whose block lists are kept: loading exchanges asks for the same few again and again. */
const CACHED_CONNS = 256;

/** A connection's blocks, as listed when the file's last block was `upTo`. */
interface ConnBlocks {
  upTo: number;
  ids: number[];
}

/** The connection a DATA, CONN or CLOSE record belongs to, read without decoding the record. */
function peekConnId(raw: Buffer, at: number): number {
  return raw.readUInt32LE(at + DataLayout.connId + 4) * 0x1_0000_0000 + raw.readUInt32LE(at + DataLayout.connId);
}

/**
 * TLS plaintext written before its socket was known (conn_id 0, egress): it may belong to any
 * connection, so a read of some connections takes it, and its TLS_JOIN says (tls-joiner.ts).
 */
function awaitsJoinRecord(raw: Buffer, at: number): boolean {
  return raw[at + HeaderLayout.kind] === Kind.TLS_DATA && raw[at + DataLayout.dir] === Direction.EGRESS && peekConnId(raw, at) === 0;
}

/**
 * A DATA (or, for the tls layer, TLS_DATA or TLS_JOIN) record of one of `sources`, or plaintext
 * that may be joined to one, read without decoding it.
 */
function isFromSource(raw: Buffer, at: number, sources: { connId: number; dir: number; layer: 'socket' | 'tls' }[]): boolean {
  const kind = raw[at + HeaderLayout.kind];
  if (kind === Kind.TLS_JOIN) {
    const connId = peekConnId(raw, at);
    const dir = raw[at + TlsJoinLayout.dir];
    return sources.some((s) => s.connId === connId && s.dir === dir && s.layer === 'tls');
  }
  if (kind !== Kind.DATA && kind !== Kind.TLS_DATA) return false;
  const layer = kind === Kind.TLS_DATA ? 'tls' : 'socket';
  if (layer === 'tls' && awaitsJoinRecord(raw, at)) return sources.some((s) => s.dir === Direction.EGRESS && s.layer === 'tls');
  const connId = peekConnId(raw, at);
  const dir = raw[at + DataLayout.dir];
  return sources.some((s) => s.connId === connId && s.dir === dir && s.layer === layer);
}

/** A block's data decompressed and its records found; null when it cannot be read (counted). */
export function openBlock(entry: BlockEntry, data: Buffer, damage: Damage): InflatedBlock | null {
  const raw = inflateBlock(entry, data);
  if (typeof raw === 'string') {
    damage.note('blocks', raw);
    return null;
  }
  return { firstRecord: entry.firstRecord, raw, starts: recordFrames(entry, raw, damage) };
}

/**
 * Where the i-th record of a block is and its kind; null when its layout version or its kind is
 * one this reader does not know (passed over, SPEC.md §4), or it is shorter than its kind (counted).
 */
function frameAt(block: InflatedBlock, i: number, damage: Damage): { at: number; len: number; kind: number } | null {
  const { raw, starts } = block;
  const len = raw.readUInt32LE(starts[i]);
  const at = starts[i] + BATCH_RECORD_PREFIX;
  if (!recordVersionKnown(raw, at, len)) {
    damage.note('records', `record ${block.firstRecord + i}: a layout version this file cannot hold`);
    return null;
  }
  const kind = raw[at + HeaderLayout.kind];
  const min = minRecordSize(kind);
  if (min === undefined) return null;
  if (len < min) {
    damage.note('records', `record ${block.firstRecord + i}: ${len} bytes, shorter than its kind`);
    return null;
  }
  return { at, len, kind };
}

function decodeFrame(block: InflatedBlock, i: number, frame: { at: number; len: number }, damage: Damage): CaptureRecord | null {
  try {
    return decodeRecord(block.raw, frame.at, frame.len);
  } catch (err) {
    if (!(err instanceof RecordFormatError)) throw err;
    damage.note('records', `record ${block.firstRecord + i}: ${err.message}`);
    return null;
  }
}

/** Every record of an opened block, decoded, in order; damaged ones skipped and counted. */
export function* blockRecordsOf(block: InflatedBlock, damage: Damage): Generator<{ n: number; rec: CaptureRecord }> {
  for (let i = 0; i < block.starts.length; i++) {
    const frame = frameAt(block, i, damage);
    const rec = frame && decodeFrame(block, i, frame, damage);
    if (rec) yield { n: block.firstRecord + i, rec };
  }
}

/** Record numbers start here, below which a file's own records are never numbered. */
const FIRST_CARRIED = Number.MIN_SAFE_INTEGER;

/** A derived table of this name is there (the build's, in temp or in the file). */
function hasTable(db: Database.Database, name: string): boolean {
  return !!db.prepare("SELECT 1 FROM temp.sqlite_master WHERE type = 'table' AND name = ? UNION ALL SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = ?").get(name, name);
}

/**
 * The file's blocks as event_blocks lists them, each checked (damage.ts blockEntry) before any
 * is read: the ones that can be read, in id order, numbered without overlap. First the blocks a
 * build carried in from the file before in a chain (carried_blocks: negative ids and record
 * numbers), which hold the start of exchanges this file ends.
 */
class BlockIndex {
  private readonly entries: BlockEntry[] = [];
  private readonly byId = new Map<number, BlockEntry>();
  private readonly after: Database.Statement;
  /** The last id looked at (read or not). */
  private lastId = -(2n ** 63n);
  private nextRecord = 0;
  /** How many of `entries` are carried blocks (they come first). */
  readonly carried: number;
  private readonly carriedIds = new Set<number>();

  constructor(
    db: Database.Database,
    private readonly damage: Damage,
  ) {
    this.after = db.prepare(BLOCK_INDEX_SQL).safeIntegers(true);
    this.carried = hasTable(db, 'carried_blocks') ? this.takeCarried(db) : 0;
    this.refresh();
  }

  private takeCarried(db: Database.Database): number {
    let next = FIRST_CARRIED;
    for (const row of db.prepare(CARRIED_INDEX_SQL).safeIntegers(true).iterate() as Iterable<BlockIndexRow>) {
      const entry = blockEntry(row, next);
      if (typeof entry === 'string' || entry.id >= 0 || entry.firstRecord + entry.records > 0) {
        this.damage.note('blocks', typeof entry === 'string' ? `carried ${entry}` : `carried block ${entry.id}: numbered as the file's own`);
        continue;
      }
      this.add(entry);
      this.carriedIds.add(entry.id);
      next = entry.firstRecord + entry.records;
    }
    return this.entries.length;
  }

  private add(entry: BlockEntry): void {
    this.entries.push(entry);
    this.byId.set(entry.id, entry);
  }

  /** Whether a block id is one of the carried blocks. */
  isCarried(id: number): boolean {
    return this.carriedIds.has(id);
  }

  /** Take in the blocks committed since the last look (a file being recorded grows). */
  refresh(): void {
    for (const row of this.after.iterate(this.lastId) as Iterable<BlockIndexRow>) {
      this.lastId = row.id;
      const entry = blockEntry(row, this.nextRecord);
      if (typeof entry === 'string' || this.byId.has(entry.id)) {
        this.damage.note('blocks', typeof entry === 'string' ? entry : `block ${entry.id}: its id is a carried block's`);
        continue;
      }
      this.add(entry);
      this.nextRecord = entry.firstRecord + entry.records;
    }
  }

  /** The carried blocks holding records numbered `from` or later. */
  carriedFrom(from: number): BlockEntry[] {
    return this.entries.slice(0, this.carried).filter((e) => e.firstRecord + e.records > from);
  }

  get(id: number): BlockEntry | undefined {
    return this.byId.get(id);
  }

  /** Blocks holding records numbered `from` or later (blocks are in record order). */
  from(from: number): BlockEntry[] {
    return this.entries.filter((e) => e.firstRecord + e.records > from);
  }

  get lastBlockId(): number {
    return this.entries.length > this.carried ? this.entries[this.entries.length - 1].id : 0;
  }
}

export class EventReader {
  /** What this reader skipped (damage.ts): a full pass (build, info --check) counts each once. */
  readonly damage = new Damage();
  private readonly cache = new Map<number, InflatedBlock>();
  private readonly index: BlockIndex;
  private readonly blockData: Database.Statement;
  private readonly carriedData: Database.Statement | null;
  private readonly connBlockList: Database.Statement;
  private readonly connBlocks = new Map<number, ConnBlocks>();
  /** Blocks found damaged when read, counted once. */
  private readonly unreadable = new Set<number>();

  constructor(private readonly db: Database.Database) {
    this.index = new BlockIndex(db, this.damage);
    this.blockData = db.prepare('SELECT data FROM event_blocks WHERE id = ?').pluck();
    this.carriedData = this.index.carried ? db.prepare('SELECT data FROM carried_blocks WHERE id = ?').pluck() : null;
    this.connBlockList = db.prepare('SELECT block_id FROM conn_blocks WHERE conn_id = ? ORDER BY block_id').pluck();
  }

  /** Block ids from conn_blocks, as far as they name blocks that can be read, holding records from `from`. */
  private usable(ids: unknown[], from: number): number[] {
    const out: number[] = [];
    for (const id of ids) {
      const e = typeof id === 'number' && !this.index.isCarried(id) ? this.index.get(id) : undefined;
      if (e && e.firstRecord + e.records > from) out.push(e.id);
    }
    return out;
  }

  /**
   * The ids of the blocks to read. Each block is fetched only when reached: the caller may
   * write to the database between two blocks (better-sqlite3 forbids that while a statement is
   * being iterated).
   */
  private blockIds(opts: ReadOptions): number[] {
    const from = Math.floor(opts.fromRecord ?? FIRST_CARRIED);
    if (opts.lastBlock === undefined) this.index.refresh();
    // blocks are in record order: skip those that end before `from`
    if (!opts.connIds) return this.index.from(from).map((e) => e.id);
    if (opts.connIds.length === 0) return [];
    // carried blocks hold only connections a flow went on with, and are few: each is read
    const carried = this.index.carriedFrom(from).map((e) => e.id);
    if (opts.connIds.length === 1) return [...carried, ...this.oneConnBlockIds(Math.floor(opts.connIds[0]), from, this.index.lastBlockId)];
    const conns = opts.connIds.map((c) => Math.floor(c)).join(',');
    const ids = this.db.prepare(`SELECT DISTINCT block_id FROM conn_blocks WHERE conn_id IN (${conns}) ORDER BY block_id`).pluck().all();
    return [...carried, ...this.usable(ids, from)];
  }

  /** The id of the file's last block that can be read (0 if none). */
  lastBlockId(): number {
    this.index.refresh();
    return this.index.lastBlockId;
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
      list = { upTo, ids: this.usable(this.connBlockList.all(conn), -1) };
    }
    this.connBlocks.set(conn, list);
    if (this.connBlocks.size > CACHED_CONNS) this.connBlocks.delete(this.connBlocks.keys().next().value!);
    return this.usable(list.ids, from);
  }

  private remember(id: number, block: InflatedBlock): void {
    this.cache.set(id, block);
    let bytes = 0;
    for (const b of this.cache.values()) bytes += b.raw.length;
    // the oldest go first; the one just read stays whatever its size
    for (const [old, b] of this.cache) {
      if (this.cache.size <= 1 || (this.cache.size <= CACHED_BLOCKS && bytes <= CACHED_BYTES)) break;
      this.cache.delete(old);
      bytes -= b.raw.length;
    }
  }

  /** A block decompressed and its frames found, or null when it cannot be read (counted once). */
  private block(id: number): InflatedBlock | null {
    const hit = this.cache.get(id);
    if (hit) {
      // most recently used last: Map keeps insertion order
      this.cache.delete(id);
      this.cache.set(id, hit);
      return hit;
    }
    const entry = this.index.get(id);
    if (!entry || this.unreadable.has(id)) return null;
    const block = openBlock(entry, this.dataOf(id), this.damage);
    if (!block) {
      this.unreadable.add(id);
      return null;
    }
    this.remember(id, block);
    return block;
  }

  /** A block's data as stored. */
  private dataOf(id: number): Buffer {
    return ((this.index.isCarried(id) ? this.carriedData! : this.blockData).get(id) as Buffer | undefined) ?? Buffer.alloc(0);
  }

  /**
   * The record at `at` of a block, decoded, if it passes `opts`; null when it does not, when its
   * kind is one this reader does not know (passed over, SPEC.md §4), or when it is damaged
   * (counted).
   */
  private recordAt(block: InflatedBlock, i: number, opts: ReadOptions, conns: Set<number> | null): CaptureRecord | null {
    const frame = frameAt(block, i, this.damage);
    if (!frame) return null;
    const { raw } = block;
    const { at, kind } = frame;
    if (conns && (kind === Kind.PROC || !(conns.has(peekConnId(raw, at)) || awaitsJoinRecord(raw, at)))) return null;
    if (opts.dir !== undefined && (kind !== Kind.DATA || raw[at + DataLayout.dir] !== opts.dir)) return null;
    if (opts.sources && !isFromSource(raw, at, opts.sources)) return null;
    return decodeFrame(block, i, frame, this.damage);
  }

  /** Every record (DATA chunks, CONN, CLOSE, PROC) as captured. */
  *records(opts: ReadOptions = {}): Generator<{ n: number; rec: CaptureRecord }> {
    for (const { n, rec } of this.framed(opts)) yield { n, rec };
  }

  /** Every record as records() gives it, with its bytes as stored (its frame's record, without the length prefix). */
  *framed(opts: ReadOptions = {}): Generator<{ n: number; rec: CaptureRecord; bytes: Buffer }> {
    const conns = opts.connIds ? new Set(opts.connIds) : null;
    const from = opts.fromRecord ?? FIRST_CARRIED;
    for (const id of this.blockIds(opts)) {
      const block = this.block(id);
      if (!block) continue;
      for (let i = Math.max(0, Math.ceil(from) - block.firstRecord); i < block.starts.length; i++) {
        const rec = this.recordAt(block, i, opts, conns);
        if (!rec) continue;
        const at = block.starts[i];
        yield { n: block.firstRecord + i, rec, bytes: block.raw.subarray(at + BATCH_RECORD_PREFIX, at + BATCH_RECORD_PREFIX + block.raw.readUInt32LE(at)) };
      }
    }
  }

  /**
   * Every block that can be read, as stored (compressed): for a reader elsewhere (a parallel
   * build's worker, which opens them with openBlock). Each is fetched only when reached.
   */
  *storedBlocks(): Generator<{ entry: BlockEntry; data: Buffer }> {
    this.index.refresh();
    // as records() reads them: a block of no records is not opened
    for (const entry of this.index.from(FIRST_CARRIED)) yield { entry, data: this.dataOf(entry.id) };
  }

  /** The ids of the blocks after block `afterId` that can be read, taking in any committed since the last look. */
  blocksAfter(afterId: number): number[] {
    this.index.refresh();
    return this.index
      .from(-1)
      .filter((e) => e.id > afterId)
      .map((e) => e.id);
  }

  /** Every record of one block, in order (nothing if it cannot be read). */
  *blockRecords(id: number): Generator<{ n: number; rec: CaptureRecord }> {
    const block = this.block(id);
    if (block) yield* blockRecordsOf(block, this.damage);
  }

  /**
   * Syscall events with their payloads, in capture order. TLS plaintext written before its
   * socket was known comes out where its join is, with its connection (tls-joiner.ts); one
   * that was never joined has connection 0, and is left out when connections are asked for.
   */
  *events(opts: ReadOptions = {}): Generator<SessionEvent> {
    const conns = opts.connIds ? new Set(opts.connIds) : null;
    const out: SessionEvent[] = [];
    const stream = new EventStream((ev: AssembledEvent) => {
      if (!conns || conns.has(ev.first.connId)) out.push(toSessionEvent(ev));
    });
    for (const { n, rec } of this.records(opts)) {
      stream.push(rec, n);
      if (out.length) yield* out.splice(0);
    }
    stream.flush();
    yield* out.splice(0);
  }
}

/** One assembled syscall as the rest of tinytap sees it. */
export function toSessionEvent(ev: AssembledEvent): SessionEvent {
  const r = ev.first;
  return {
    id: ev.firstRecord,
    ts: r.tsNs,
    tls: r.kind === Kind.TLS_DATA,
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
