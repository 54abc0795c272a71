/**
 * What a reader does with a session's values that cannot be right (SPEC.md §4.1), in one place:
 * a block, a record or a row that is wrong is skipped and counted here, the rest of the file is
 * read, and `tinytap info` says how much was skipped. (What refuses the whole file is checked
 * when it is opened: open-session.ts, schema-check.ts.)
 *
 * Nothing here trusts a length, a count or an offset before checking it against what holds it:
 * a block is decompressed to at most its declared raw_len, itself at most MAX_BLOCK_RAW_BYTES; a
 * record frame never reaches past its block.
 */
import { unpack } from 'msgpackr';
import { inflateRawSync } from 'node:zlib';

import { isKnownVersion } from '../events/decode-records.js';
import { BATCH_RECORD_PREFIX, HeaderLayout } from '../events/layout.js';
import type { ExchangeDetail } from '../reconstruct/exchange-row.js';
import type { CallDetail } from '../reconstruct/db-call-row.js';
import { GRPC_LIMITS } from '../protocols/grpc/limits.js';
import { CODEC_DEFLATE, CODEC_STORED, CODEC_ZSTD, MAX_BLOCK_RAW_BYTES } from './format.js';
import { zstdDecompress } from './zstd.js';
import type Database from 'better-sqlite3';

import { SessionError } from './open-session.js';
import { type DeclaredColumn, declaredColumns } from './schema-check.js';

/** What was skipped, by kind. */
export interface DamageCounts {
  /** Blocks not read at all: their codec, size or numbering is wrong, or they do not decompress. */
  blocks: number;
  /** Records not read: malformed, of a layout version the file cannot hold, or past their block's frames. */
  records: number;
  /** Rows of the raw tables with a value of the wrong type, and references to rows not there. */
  rows: number;
  /** Meta values of the wrong shape, read as absent. */
  meta: number;
}

export function noDamage(): DamageCounts {
  return { blocks: 0, records: 0, rows: 0, meta: 0 };
}

export function damageTotal(d: DamageCounts): number {
  return d.blocks + d.records + d.rows + d.meta;
}

/** Counts of what a reader skipped, and the first few things it says about them. */
export class Damage {
  readonly counts = noDamage();
  /** A few examples ("block 3: inflates past its raw_len"), for the one line a user sees. */
  readonly examples: string[] = [];

  note(kind: keyof DamageCounts, what: string, n = 1): void {
    if (n <= 0) return;
    this.counts[kind] += n;
    if (this.examples.length < 3) this.examples.push(what);
  }

  add(other: DamageCounts): void {
    for (const k of Object.keys(this.counts) as (keyof DamageCounts)[]) this.counts[k] += other[k];
  }

  /** What another reader found (a parallel build's worker), after what this one found. */
  merge(other: { counts: DamageCounts; examples: string[] }): void {
    this.add(other.counts);
    for (const e of other.examples) if (this.examples.length < 3) this.examples.push(e);
  }

  get total(): number {
    return damageTotal(this.counts);
  }
}

/** The smallest frame a record can take: its length prefix and a header. */
const MIN_FRAME = BATCH_RECORD_PREFIX + HeaderLayout.size;

/** A block as event_blocks describes it, checked (everything but its data). */
export interface BlockEntry {
  id: number;
  firstRecord: number;
  records: number;
  codec: number;
  rawLen: number;
}

/** event_blocks' columns as the index query reads them (safe integers: nothing rounded). */
export interface BlockIndexRow {
  id: bigint;
  first_record: unknown;
  records: unknown;
  codec: unknown;
  raw_len: unknown;
  is_blob: unknown;
  size: unknown;
}

/** The query behind blockEntry(): everything of a block but its data, in id order. */
export const BLOCK_INDEX_SQL = `SELECT id, first_record, records, codec, raw_len, typeof(data) = 'blob' AS is_blob, length(data) AS size
  FROM event_blocks WHERE id > ? ORDER BY id`;

/** The same of the blocks a build carried in from the file before in a chain (SPEC.md §3.6). */
export const CARRIED_INDEX_SQL = `SELECT id, first_record, records, codec, raw_len, typeof(data) = 'blob' AS is_blob, length(data) AS size
  FROM carried_blocks ORDER BY id`;

function safeInt(v: unknown): number | null {
  if (typeof v !== 'bigint' || v < BigInt(Number.MIN_SAFE_INTEGER) || v > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return Number(v);
}

/**
 * A block's row, checked against the block before it: what is wrong with it, or its entry.
 * `nextRecord` is the number just past the last record of the last block read: records are
 * numbered in capture order over the whole file, so a block numbered below it would give two
 * records one number (SPEC.md §3.2).
 */
export function blockEntry(row: BlockIndexRow, nextRecord: number): BlockEntry | string {
  const id = safeInt(row.id);
  const firstRecord = safeInt(row.first_record);
  const records = safeInt(row.records);
  const codec = safeInt(row.codec);
  const rawLen = safeInt(row.raw_len);
  if (id === null) return `block ${row.id}: its id is out of range`;
  if (codec !== CODEC_STORED && codec !== CODEC_DEFLATE && codec !== CODEC_ZSTD) return `block ${id}: unknown codec`;
  if (rawLen === null || rawLen < 0 || rawLen > MAX_BLOCK_RAW_BYTES)
    return `block ${id}: raw_len ${String(row.raw_len)} is not a length of 0 to ${MAX_BLOCK_RAW_BYTES} bytes`;
  if (row.is_blob !== 1n) return `block ${id}: its data is not a blob`;
  if (codec === CODEC_STORED && safeInt(row.size) !== rawLen) return `block ${id}: ${String(row.size)} bytes stored, raw_len says ${rawLen}`;
  if (records === null || records < 0 || records * MIN_FRAME > rawLen) return `block ${id}: ${String(row.records)} records cannot fit in ${rawLen} bytes`;
  if (firstRecord === null || firstRecord < nextRecord || firstRecord + records > Number.MAX_SAFE_INTEGER)
    return `block ${id}: its records are numbered from ${String(row.first_record)}, before the end of the block before it (${nextRecord})`;
  return { id, firstRecord, records, codec, rawLen };
}

/** A block's records, decompressed: exactly raw_len bytes, or what is wrong with them. */
export function inflateBlock(entry: BlockEntry, data: Buffer): Buffer | string {
  if (entry.codec === CODEC_STORED) return data.length === entry.rawLen ? data : `block ${entry.id}: not raw_len bytes`;
  if (entry.codec === CODEC_ZSTD) {
    try {
      // into raw_len bytes and no more: a lying block fails there, never at the memory's end
      return zstdDecompress(data, entry.rawLen);
    } catch (err) {
      if ((err as { code?: string }).code !== 'EZSTD') throw err;
      return `block ${entry.id}: does not decompress to its raw_len of ${entry.rawLen} bytes (${(err as Error).message})`;
    }
  }
  let raw: Buffer;
  try {
    // a lying block stops at raw_len (zlib ends with an error), never at the memory's end
    raw = inflateRawSync(data, { maxOutputLength: Math.max(1, entry.rawLen) });
  } catch (err) {
    const code = (err as { code?: string }).code;
    return code === 'ERR_BUFFER_TOO_LARGE' ? `block ${entry.id}: inflates past its raw_len of ${entry.rawLen} bytes` : `block ${entry.id}: does not inflate`;
  }
  return raw.length === entry.rawLen ? raw : `block ${entry.id}: inflates to ${raw.length} bytes, not its raw_len of ${entry.rawLen}`;
}

/**
 * Where each of a block's record frames starts (the offset of its length prefix): the first
 * `entry.records` frames that lie wholly inside it. Frames that run past its end, or that it
 * holds beyond or short of `records`, are counted.
 */
export function recordFrames(entry: BlockEntry, raw: Buffer, damage: Damage): Uint32Array {
  const starts = new Uint32Array(entry.records);
  let n = 0;
  let at = 0;
  while (n < entry.records && at + BATCH_RECORD_PREFIX <= raw.length) {
    const len = raw.readUInt32LE(at);
    if (len > raw.length - at - BATCH_RECORD_PREFIX) break;
    starts[n++] = at;
    at += BATCH_RECORD_PREFIX + ((len + 7) & ~7);
  }
  if (n < entry.records) damage.note('records', `block ${entry.id}: holds ${n} whole records, not ${entry.records}`, entry.records - n);
  else if (at < raw.length && raw.subarray(at).some((b) => b !== 0))
    damage.note('records', `block ${entry.id}: holds more records than ${entry.records}`);
  return starts.subarray(0, n);
}

/**
 * Whether the record at `at` (`len` bytes) may be decoded: a layout version no session of a
 * known layout holds is damage (a file of a newer layout is refused when opened).
 */
export function recordVersionKnown(raw: Buffer, at: number, len: number): boolean {
  return len >= HeaderLayout.size && isKnownVersion(raw[at + HeaderLayout.version]);
}

/** A value read from a row fits its column's declared type (SQLite stores any value in any column). */
function fits(v: unknown, type: string, required: boolean): boolean {
  if (v === null || v === undefined) return !required;
  switch (type) {
    case 'integer':
      return typeof v === 'bigint' || (typeof v === 'number' && Number.isSafeInteger(v));
    case 'text':
      return typeof v === 'string';
    case 'blob':
      return Buffer.isBuffer(v);
    case 'real':
      return typeof v === 'number' || typeof v === 'bigint';
    default:
      return true;
  }
}

/**
 * Checks rows of one table (by column name, or by position for raw arrays of its columns) against
 * the types declared for them (formats/, or model/exchange-table.ts, which a test holds equal to
 * formats/exchanges.sql): the name of the first column whose value cannot be right, or null.
 */
export class RowCheck {
  constructor(private readonly cols: readonly DeclaredColumn[]) {}

  /** A check of `columns` (default: all) of a table as formats/ declare it. */
  static declared(table: string, columns?: string[]): RowCheck {
    const all = new Map(declaredColumns(table).map((c) => [c.name, c]));
    return new RowCheck(
      (columns ?? [...all.keys()]).map((name) => {
        const c = all.get(name);
        if (!c) throw new Error(`${table} has no column ${name}`);
        return c;
      }),
    );
  }

  problem(row: Record<string, unknown>): string | null {
    for (const c of this.cols) if (!fits(row[c.name], c.type, c.required)) return c.name;
    return null;
  }

  problemAt(row: unknown[]): string | null {
    for (let i = 0; i < this.cols.length; i++) if (!fits(row[i], this.cols[i].type, this.cols[i].required)) return this.cols[i].name;
    return null;
  }
}

/** An integer read with safeIntegers, as a number when it is one exactly (ids, pids, counts). */
export function exactNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : null;
  if (typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  return null;
}

/** JSON text parsed, or undefined when it is not JSON (a column or meta value from the file). */
export function parsedJson(text: unknown): unknown {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const isOffset = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isConn = (v: unknown) => v === null || isOffset(v);
const isText = (v: unknown): v is string => typeof v === 'string';
const tuple = (v: unknown, n: number): v is unknown[] => Array.isArray(v) && v.length === n;
const listOf = (v: unknown, item: (x: unknown) => boolean) => Array.isArray(v) && v.every(item);
const isRange = (v: unknown) => tuple(v, 2) && isOffset(v[0]) && isOffset(v[1]) && v[0] <= v[1];
/** [receiver conn, sender conn] and, when the bytes are TLS plaintext, 1 (reconstruct/exchange-row.ts WitnessRef). */
const isWitness = (v: unknown) =>
  Array.isArray(v) && (v.length === 2 || (v.length === 3 && (v[2] === 0 || v[2] === 1))) && isConn(v[0]) && isConn(v[1]);

const isFields = (v: unknown) => listOf(v, (f) => tuple(f, 2) && isText(f[0]) && isText(f[1]));
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function isRequestHead(v: unknown): boolean {
  return v === null || (isObject(v) && isText(v.method) && isText(v.target) && isText(v.version) && isFields(v.headers));
}

function isResponseHead(v: unknown): boolean {
  return isObject(v) && isOffset(v.status) && isText(v.reason) && isText(v.version) && isFields(v.headers);
}

/** reconstruct/h2-exchange.ts StoredH2: an HTTP/2 stream's heads as decoded, and its facts. */
function isStoredH2(v: unknown): boolean {
  if (!isObject(v)) return false;
  const { stream, request, response, informational, unknownFields, reset, pushedOn, startedBeforeRecording } = v;
  return (
    isOffset(stream) &&
    isRequestHead(request) &&
    (response === null || isResponseHead(response)) &&
    listOf(informational, isResponseHead) &&
    tuple(unknownFields, 2) &&
    unknownFields.every(isOffset) &&
    (reset === null || (tuple(reset, 3) && (reset[0] === 'client' || reset[0] === 'server') && isOffset(reset[1]) && isText(reset[2]))) &&
    (pushedOn === null || isOffset(pushedOn)) &&
    typeof startedBeforeRecording === 'boolean'
  );
}

const GRPC_KINDS: readonly unknown[] = ['unary', 'server-streaming', 'client-streaming', 'bidirectional'];

/**
 * reconstruct/grpc-call-row.ts StoredGrpc: a kind, two counts, and a time (a safe integer, ns
 * after the request began) for each listed message: never more than counted, nor than listed.
 */
function isStoredGrpc(v: unknown): boolean {
  if (!isObject(v)) return false;
  const { kind, counts, times } = v;
  const timesFit = (list: unknown, count: unknown) =>
    Array.isArray(list) && list.length <= (count as number) && list.length <= GRPC_LIMITS.keepMessages && list.every((t) => Number.isSafeInteger(t));
  return (
    GRPC_KINDS.includes(kind) &&
    tuple(counts, 2) &&
    counts.every(isOffset) &&
    tuple(times, 2) &&
    timesFit(times[0], counts[0]) &&
    timesFit(times[1], counts[1])
  );
}

function isMessageRef(v: unknown): boolean {
  if (v === null) return true;
  if (!tuple(v, 9)) return false;
  const [start, headEnd, end, framing, length, complete, ranges, gaps, trailers] = v;
  return (
    [start, headEnd, end, framing, length, complete].every(isOffset) &&
    (start as number) <= (headEnd as number) &&
    (framing as number) <= 4 &&
    (ranges === null || listOf(ranges, isRange)) &&
    listOf(gaps, (g) => tuple(g, 3) && isRange([g[0], g[1]]) && isOffset(g[2]) && g[2] <= 3) &&
    listOf(trailers, (t) => tuple(t, 2) && isText(t[0]) && isText(t[1]))
  );
}

/**
 * An exchange's `detail` (msgpack, SPEC.md §3.6) decoded and checked field by field: what the
 * loader reads stream positions from. A string says what is wrong with it.
 */
export function checkedDetail(blob: unknown): ExchangeDetail | string {
  const d = unpackedDetail(blob);
  if (typeof d === 'string') return d;
  // 2: HTTP/1.x; 3: an HTTP/2 stream, with its decoded heads after the same eight, and a gRPC call's summary
  if (!((tuple(d, 8) && d[0] === 2) || ((tuple(d, 9) || tuple(d, 10)) && d[0] === 3))) return 'its detail is of an unknown version';
  if (d[0] === 3 && (d[6] !== null || !isStoredH2(d[8]))) return 'its detail does not hold what an HTTP/2 exchange holds';
  if (d.length === 10 && !isStoredGrpc(d[9])) return 'its detail does not hold what a gRPC call holds';
  const [, c2s, s2c, request, response, informational, protocolSwitch, errors] = d;
  const ok =
    isWitness(c2s) &&
    isWitness(s2c) &&
    isMessageRef(request) &&
    isMessageRef(response) &&
    listOf(informational, (i) => tuple(i, 4) && isOffset(i[0]) && isOffset(i[1]) && isOffset(i[2]) && isText(i[3]) && /^-?\d{1,20}$/.test(i[3])) &&
    (protocolSwitch === null || (tuple(protocolSwitch, 3) && isText(protocolSwitch[0]) && isConn(protocolSwitch[1]) && isOffset(protocolSwitch[2]))) &&
    isErrorList(errors);
  return ok ? (d as ExchangeDetail) : 'its detail does not hold what an exchange holds';
}

/** A detail blob decoded (msgpack), or what is wrong with it: the first step of both checks. */
function unpackedDetail(blob: unknown): unknown {
  if (!Buffer.isBuffer(blob)) return 'its detail is not a blob';
  try {
    return unpack(blob) as unknown;
  } catch {
    return 'its detail does not decode';
  }
}

/** `errors` of either detail: [dir (0 request, 1 response), offset, code, message]. */
const isErrorList = (v: unknown) => listOf(v, (e) => tuple(e, 4) && (e[0] === 0 || e[0] === 1) && isOffset(e[1]) && isText(e[2]) && isText(e[3]));

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
const optional = (v: unknown, check: (x: unknown) => boolean) => v === undefined || check(v);

/**
 * A database call's `detail` (msgpack, SPEC.md "Exchange detail") decoded and checked: the
 * fields the views read have the types they expect; `more` (the protocol's own facts) is only
 * shown, through the escaping every captured text gets, so it need only be an object.
 */
export function checkedCallDetail(blob: unknown): CallDetail | string {
  const d = unpackedDetail(blob);
  if (typeof d === 'string') return d;
  if (!tuple(d, 4) || d[0] !== 'call') return 'its detail is of an unknown version';
  const [, c2s, s2c, c] = d;
  const ok =
    isWitness(c2s) &&
    isWitness(s2c) &&
    isPlainObject(c) &&
    isText(c.text) &&
    (c.status === 'ok' || c.status === 'error' || c.status === 'none') &&
    optional(c.params, (p) => listOf(p, (x) => x === null || isText(x))) &&
    optional(c.keys, (k) => listOf(k, isText)) &&
    optional(c.result, isText) &&
    optional(c.errorMessage, isText) &&
    optional(c.user, isText) &&
    optional(c.request, isRange) &&
    optional(c.response, isRange) &&
    isErrorList(c.errors) &&
    isPlainObject(c.more);
  return ok ? (d as CallDetail) : 'its detail does not hold what a database call holds';
}

/** SQL true for a row of `table` whose values fit the types formats/ declare (as RowCheck sees them). */
function rowFitsSql(table: string): string {
  const typeOf: Record<string, string[]> = { integer: ['integer'], text: ['text'], blob: ['blob'], real: ['integer', 'real'] };
  return declaredColumns(table)
    .filter((c) => typeOf[c.type])
    .map((c) => {
      const ok = [...typeOf[c.type], ...(c.required ? [] : ['null'])].map((t) => `'${t}'`).join(', ');
      return `typeof("${c.name}") IN (${ok})`;
    })
    .join(' AND ');
}

/**
 * Rows of the raw tables a reader skips (a value of the wrong type) or reads as unknown (a
 * reference to a row that is not there), counted in SQL for `tinytap info`.
 */
export function countRowDamage(db: Database.Database, examples: string[] = []): DamageCounts {
  const counts = noDamage();
  const has = (t: string) => !!db.prepare("SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = ?").get(t);
  const tables = ['processes', 'connections', 'connection_users', 'conn_blocks'].filter(has);
  const checks: [string, string][] = tables.map((t) => [`${t} rows with a value of the wrong type`, `SELECT count(*) FROM ${t} WHERE NOT (${rowFitsSql(t)})`]);
  checks.push(['connections naming a process that is not there', 'SELECT count(*) FROM connections c WHERE process_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM processes p WHERE p.id = c.process_id)']);
  if (tables.includes('connection_users'))
    checks.push(['connection users naming a process that is not there', 'SELECT count(*) FROM connection_users u WHERE process_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM processes p WHERE p.id = u.process_id)']);
  checks.push(['conn_blocks rows naming a block that is not there', 'SELECT count(*) FROM conn_blocks c WHERE NOT EXISTS (SELECT 1 FROM event_blocks b WHERE b.id = c.block_id)']);
  for (const [what, sql] of checks) {
    const n = db.prepare(sql).pluck().get() as number;
    if (n > 0) {
      counts.rows += n;
      if (examples.length < 3) examples.push(`${n} ${what}`);
    }
  }
  return counts;
}

/**
 * A derived row (exchanges, flows) that cannot be right: the derived tables are a cache, built by
 * whoever opened the file first; the command stops, pointing at the rebuild (SPEC.md §4.1).
 */
export function derivedDamage(file: string, what: string): SessionError {
  return new SessionError('ECORRUPT', `${file}: ${what}: its exchanges were not built right; rebuild them with: tinytap reparse ${file}`);
}
