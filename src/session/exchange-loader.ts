/**
 * A whole exchange (src/model/exchange.ts), loaded from its row, its detail and, for the
 * bodies, the captured bytes re-read from the session's records: body positions are stream
 * offsets, so nothing but the raw capture holds the bytes.
 */
import type Database from 'better-sqlite3';

import { type ExchangeRowData, type ExchangeSummary, READ_COLUMNS, SUMMARY_COLUMNS, columnTypes } from '../model/exchange-table.js';
import { type Body, type CallExchange, type Endpoint, type Exchange, type HeaderField, type MissingReason, holderHow } from '../model/exchange.js';
import { ExchangeFlag } from '../model/exchange-flags.js';
import { isFlaw, parseHead } from '../protocols/http1/index.js';
import type { RequestLine, StatusLine } from '../protocols/http1/start-line.js';
import { decodeContent, parseContentEncoding } from '../reconstruct/content-coding.js';
import { headerValues } from '../reconstruct/exchange-row.js';
import {
  charsetOf,
  type ExchangeDetail,
  GAP_REASONS,
  header,
  mediaType,
  type MessageRef,
  refRanges,
  splitTarget,
  type WitnessRef,
  witnessesOf,
} from '../reconstruct/exchange-row.js';
import { type DirectionSource, type DirectionWitnesses, WitnessedStream, witnessOf } from '../reconstruct/stream-items.js';
import type { StreamItem } from '../protocols/stream.js';
import { RowCheck, checkedCallDetail, checkedDetail, derivedDamage, exactNumber, parsedJson } from './damage.js';
import { EventReader, type SessionEvent } from './event-reader.js';
import { WsMessageReader } from './ws-messages.js';
import { grpcFacts } from './grpc-facts.js';
import type { FlowSummary } from './session.js';

/** The columns of ExchangeRowData in order, for statements that read rows as arrays. */
export const EXCHANGE_ROW_COLUMNS = READ_COLUMNS.map((c) => `x.${c}`).join(', ');

/**
 * A row read as an array of EXCHANGE_ROW_COLUMNS (better-sqlite3's raw mode), as an object: its
 * values checked (checkedRow) against the types ExchangeRowData gives them.
 *
 * Building the object this way takes a third of the time better-sqlite3 takes to build it, which
 * counts in an export of a million exchanges; but only as an object literal: one filled key by
 * key in a loop takes fifty times as long (V8's keyed stores with ever-changing names), so the
 * literal is made once from the column names. The names are model/exchange-table.ts's own, never
 * a file's.
 */
export const exchangeRowFromArray = rowMaker(READ_COLUMNS) as (a: unknown[]) => ExchangeRowData;

/** The same for a row of the exchange list (SUMMARY_COLUMNS): `ls` of a million rows makes one each. */
export const summaryFromArray = rowMaker(SUMMARY_COLUMNS) as (a: unknown[]) => ExchangeSummary;

export function rowMaker(names: readonly string[]): (a: unknown[]) => Record<string, unknown> {
  if (!names.every((n) => /^[a-z_]+$/.test(n))) throw new Error('a column name that is not an identifier');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('a', `return { ${names.map((n, i) => `${n}: a[${i}]`).join(', ')} };`) as (a: unknown[]) => Record<string, unknown>;
}

const exchangeCheck = new RowCheck(columnTypes(READ_COLUMNS));
const flowCheck = RowCheck.declared('flows');

/** flows.client_processes / server_processes: JSON [{pid, comm, cause}], or NULL. */
function processesFit(v: unknown): boolean {
  if (v === null) return true;
  const list = parsedJson(v);
  return (
    Array.isArray(list) &&
    list.every(
      (h: { pid?: unknown; comm?: unknown; cause?: unknown } | null) =>
        typeof h === 'object' && h !== null && Number.isSafeInteger(h.pid) && (h.comm === null || typeof h.comm === 'string') && Number.isSafeInteger(h.cause),
    )
  );
}

const FLOW_NUMBERS = ['id', 'client_conn', 'server_conn', 'client_pid', 'server_pid', 'client_port', 'server_port', 'bytes_c2s', 'bytes_s2c', 'exchanges'];

/**
 * A flows row as Session.flows() gives it (ids, pids, ports and counters as numbers; times
 * bigint), every value checked against formats/exchanges.sql first (damage.ts).
 */
export function checkedFlow(file: string, r: Record<string, unknown>): FlowSummary {
  const bad = flowCheck.problem(r) ?? (['client_processes', 'server_processes'].find((c) => !processesFit(r[c])) || null);
  if (bad) throw derivedDamage(file, `flow ${String(r.id)} holds a ${bad} of the wrong type`);
  const out: Record<string, unknown> = { ...r };
  for (const c of FLOW_NUMBERS) {
    if (r[c] === null) continue;
    out[c] = exactNumber(r[c]);
    if (out[c] === null) throw derivedDamage(file, `flow ${String(r.id)} holds a ${c} out of range`);
  }
  return out as unknown as FlowSummary;
}

const fields = (h: [string, string][]): HeaderField[] => h.map(([name, value]) => ({ name, value }));

/** Captured bytes, and why the bytes after them are missing, if some are. */
type Captured = { bytes: Buffer; missing: MissingReason | null };

/** Collects the bytes of wanted stream ranges from stream items, stopping at the first missing one. */
class RangeCollector {
  private readonly parts: Buffer[] = [];
  private r = 0;
  private pos: number;
  missing: MissingReason | null = null;

  constructor(private readonly ranges: [number, number][]) {
    this.pos = ranges[0][0];
  }

  get done(): boolean {
    return this.missing !== null || this.r >= this.ranges.length;
  }

  /** Take what these items hold of the ranges; true once nothing more is wanted. */
  take(items: StreamItem[]): boolean {
    for (const item of items) {
      if (this.done) break;
      if (item.kind !== 'data') continue;
      const itemEnd = item.offset + item.length;
      if (itemEnd <= this.pos) continue;
      if (item.offset > this.pos) {
        this.missing = 'lost';
        break;
      }
      while (this.r < this.ranges.length && this.pos < itemEnd) {
        const rEnd = this.ranges[this.r][1];
        const want = Math.min(rEnd, itemEnd) - this.pos;
        const at = this.pos - item.offset;
        const have = Math.max(0, Math.min(want, item.bytes.length - at));
        if (have > 0) this.parts.push(Buffer.from(item.bytes.buffer, item.bytes.byteOffset + at, have));
        if (have < want) {
          this.missing = item.gap ?? 'lost';
          break;
        }
        this.pos += want;
        if (this.pos >= rEnd) {
          this.r++;
          if (this.r < this.ranges.length) this.pos = this.ranges[this.r][0];
        }
      }
    }
    return this.done;
  }

  result(): Captured {
    if (!this.done) this.missing = 'lost';
    return { bytes: Buffer.concat(this.parts), missing: this.missing };
  }
}

/**
 * Reads the captured bytes of stream ranges of one direction, from its witnesses
 * (reconstruct/stream-items.ts), exactly as the exchanges were built from them.
 */
export class StreamBytesReader {
  constructor(private readonly reader: EventReader) {}

  /**
   * The captured bytes of `ranges` (in order), stopping at the first byte that was not
   * captured; and why it was missing, if one was.
   */
  read(w: DirectionWitnesses, ranges: [number, number][], fromRecord: number, lastBlock?: number): Captured {
    if (ranges.length === 0) return { bytes: Buffer.alloc(0), missing: null };
    // the receiver nearly always has every byte: read the sender too only when it did not
    if (w.receiver && w.sender) {
      const alone = this.readFrom({ receiver: w.receiver, sender: null }, ranges, fromRecord, lastBlock);
      if (!alone.missing) return alone;
    }
    return this.readFrom(w, ranges, fromRecord, lastBlock);
  }

  private readFrom(w: DirectionWitnesses, ranges: [number, number][], fromRecord: number, lastBlock?: number): Captured {
    const sources = [w.receiver, w.sender].filter((s): s is DirectionSource => s !== null);
    const collector = new RangeCollector(ranges);
    if (sources.length === 0) return collector.result();
    const stream = new WitnessedStream('c2s', 0n, { receiver: !!w.receiver, sender: !!w.sender });
    for (const ev of this.reader.events({ connIds: sources.map((s) => s.connId), fromRecord, sources, lastBlock })) {
      const witness = witnessOf(w, ev);
      const items = witness === 'receiver' ? stream.received(ev) : witness === 'sender' ? stream.sent(ev) : [];
      if (collector.take(items)) return collector.result();
    }
    collector.take(stream.finish(0, 0));
    return collector.result();
  }
}

/** A message head read back from the capture and parsed again (detail keeps positions only). */
interface Head {
  line: RequestLine | StatusLine | null;
  headers: [string, string][];
}

const NO_HEAD: Head = { line: null, headers: [] };

function parsedHead(kind: 'request' | 'response', bytes: Buffer): Head {
  const parsed = parseHead(kind, bytes, 0, bytes.length);
  return isFlaw(parsed) ? NO_HEAD : { line: parsed.line, headers: parsed.headers };
}

/** `got`: the captured bytes of the body's ranges (null when it has none, or no source). */
function bodyOf(ref: MessageRef | null, head: Head, got: Captured | null): Body {
  const contentType = header(head.headers, 'content-type');
  const encodings = parseContentEncoding(header(head.headers, 'content-encoding'));
  const size = ref ? ref[4] : 0;
  const gapReason: MissingReason | null = ref && ref[7].length ? GAP_REASONS[ref[7][0][2]] : null;
  const captured: Uint8Array = got?.bytes ?? Buffer.alloc(0);
  const missing = gapReason ?? got?.missing ?? null;
  const decoded = decodeContent(captured, encodings);
  return {
    size,
    captured,
    complete: !!ref && ref[5] === 1 && ref[7].length === 0 && captured.length === size,
    missing: captured.length < size ? (missing ?? 'lost') : null,
    encoding: encodings.length ? encodings.join(', ') : null,
    decoded: decoded.bytes,
    decodeError: decoded.error,
    mimeType: mediaType(contentType),
    charset: charsetOf(contentType),
  };
}

interface EndpointRow {
  pid: number | null;
  comm: string | null;
  argv: string[] | null;
  cgroup: string | null;
}

/**
 * A processes row as an endpoint shows it: a value of the wrong type (SPEC.md §4.1; counted
 * by tinytap info) is shown as unknown, an argv that is not a JSON list of strings as none.
 */
function endpointRow(r: Record<string, unknown>): EndpointRow {
  const argv = parsedJson(r.argv);
  return {
    pid: exactNumber(r.pid),
    comm: typeof r.comm === 'string' ? r.comm : null,
    argv: Array.isArray(argv) && argv.every((a) => typeof a === 'string') ? argv : null,
    cgroup: typeof r.cgroup === 'string' ? r.cgroup : null,
  };
}

/**
 * Rows that many exchanges share (their connection's flow, the processes at its ends), looked up
 * once for a run of loads inside one read transaction (Session.iterateWholeExchanges), where
 * they cannot change. Bounded: a session may have a connection per exchange.
 */
export class SharedRows {
  private static readonly MAX = 4096;
  readonly flows = new Map<number, FlowSummary | undefined>();
  readonly processes = new Map<string, EndpointRow | undefined>();
  /** The file's last block id, asked once. */
  lastBlock: number | undefined;

  static remember<K, V>(map: Map<K, V>, key: K, value: V): V {
    if (map.size >= SharedRows.MAX) map.clear();
    map.set(key, value);
    return value;
  }
}

export class ExchangeLoader {
  private readonly file: string;
  private readonly byId: Database.Statement;
  private readonly flow: Database.Statement;
  private readonly proc: Database.Statement;
  private readonly holder: Database.Statement | null;
  private readonly bytes: StreamBytesReader;
  readonly events: EventReader;
  /** The messages of WebSocket upgrades. */
  readonly webSockets: WsMessageReader;

  constructor(db: Database.Database) {
    this.file = db.name;
    this.webSockets = new WsMessageReader(db);
    this.byId = db.prepare(`SELECT ${EXCHANGE_ROW_COLUMNS} FROM exchanges x WHERE x.id = ?`).safeIntegers(true);
    this.flow = db.prepare('SELECT * FROM flows WHERE id = ?').safeIntegers(true);
    this.proc = db
      .prepare('SELECT p.pid, p.comm, p.argv, p.cgroup FROM connections c JOIN processes p ON p.id = c.process_id WHERE c.id = ?')
      .safeIntegers(true);
    // schema 2 names every process that held a connection
    this.holder = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'connection_users'").get()
      ? db
          .prepare(
            'SELECT p.pid, p.comm, p.argv, p.cgroup FROM connection_users u JOIN processes p ON p.id = u.process_id WHERE u.conn_id = ? AND u.pid = ?',
          )
          .safeIntegers(true)
      : null;
    this.events = new EventReader(db);
    this.bytes = new StreamBytesReader(this.events);
  }

  row(id: number): ExchangeRowData | null {
    const row = this.byId.raw().get(id) as unknown[] | undefined;
    return row ? this.checkedRow(row) : null;
  }

  /** A row of EXCHANGE_ROW_COLUMNS (raw), its values checked against formats/exchanges.sql (damage.ts). */
  checkedRow(row: unknown[]): ExchangeRowData {
    const bad = exchangeCheck.problemAt(row);
    if (bad) throw derivedDamage(this.file, `exchange ${String(row[0])} holds a ${bad} of the wrong type`);
    return exchangeRowFromArray(row);
  }

  /** An exchange's detail, decoded and checked. */
  private detailOf(row: ExchangeRowData): ExchangeDetail {
    const d = checkedDetail(row.detail);
    if (typeof d === 'string') throw derivedDamage(this.file, `exchange ${row.id}: ${d}`);
    return d;
  }

  load(id: number): Exchange | null {
    const row = this.row(id);
    return row ? this.fromRow(row) : null;
  }

  /** The process row of `pid` as a holder of connection `connId` (the connection's own, in schema 1). */
  private processOf(connId: number, pid: number | null, shared: SharedRows | null): EndpointRow | undefined {
    const key = `${connId}:${pid}`;
    if (shared?.processes.has(key)) return shared.processes.get(key);
    const raw = ((pid !== null ? this.holder?.get(connId, pid) : undefined) ?? this.proc.get(connId)) as Record<string, unknown> | undefined;
    const p = raw ? endpointRow(raw) : undefined;
    return shared ? SharedRows.remember(shared.processes, key, p) : p;
  }

  private flowOf(flowId: number, shared: SharedRows | null): FlowSummary | undefined {
    if (shared?.flows.has(flowId)) return shared.flows.get(flowId);
    const row = this.flow.get(flowId) as Record<string, unknown> | undefined;
    const f = row ? checkedFlow(this.file, row) : undefined;
    return shared ? SharedRows.remember(shared.flows, flowId, f) : f;
  }

  private endpoint(
    shared: SharedRows | null,
    connId: number | null,
    pid: number | null,
    comm: string | null,
    addr: string | null,
    port: number | null,
    holders: string | null,
  ): Endpoint {
    const p = connId !== null ? this.processOf(connId, pid, shared) : undefined;
    // checked by checkedFlow
    const all = holders ? (JSON.parse(holders) as { pid: number; comm: string | null; cause: number }[]) : [];
    return {
      pid: p?.pid ?? pid,
      comm: p?.comm ?? comm,
      argv: p?.argv ?? null,
      cgroup: p?.cgroup ?? null,
      addr,
      port,
      others: all.filter((h) => h.pid !== (p?.pid ?? pid)).map((h) => ({ pid: h.pid, comm: h.comm, how: holderHow(h.cause) })),
    };
  }

  private head(kind: 'request' | 'response', src: DirectionWitnesses, start: number, headEnd: number, from: number): Head {
    if (headEnd <= start) return NO_HEAD;
    const got = this.bytes.read(src, [[start, headEnd]], from);
    return got.bytes.length < headEnd - start ? NO_HEAD : parsedHead(kind, got.bytes);
  }

  /**
   * A message's head and body, read in one pass over the capture (reading is most of what
   * loading an exchange costs); the body is looked for on its own only when the head was not
   * wholly captured.
   */
  private message(
    kind: 'request' | 'response',
    src: DirectionWitnesses,
    ref: MessageRef,
    from: number,
    shared: SharedRows | null,
    /** An HTTP/2 head, decoded when the exchange was built: its bytes are HPACK, not a head to parse. */
    stored: Head | null = null,
  ): { head: Head; body: Body } {
    const bodyRanges = ref[4] > 0 ? refRanges(ref) : [];
    if (stored) return { head: stored, body: bodyOf(ref, stored, bodyRanges.length && (src.receiver || src.sender) ? this.bytes.read(src, bodyRanges, from) : null) };
    if (!src.receiver && !src.sender) return { head: NO_HEAD, body: bodyOf(ref, NO_HEAD, null) };
    const [start, headEnd] = ref;
    if (headEnd > start) {
      if (shared) shared.lastBlock ??= this.events.lastBlockId();
      const got = this.bytes.read(src, [[start, headEnd], ...bodyRanges], from, shared?.lastBlock);
      const headLength = headEnd - start;
      if (got.bytes.length >= headLength) {
        const head = parsedHead(kind, got.bytes.subarray(0, headLength));
        const body = bodyRanges.length ? { bytes: got.bytes.subarray(headLength), missing: got.missing } : null;
        return { head, body: bodyOf(ref, head, body) };
      }
    }
    return { head: NO_HEAD, body: bodyOf(ref, NO_HEAD, bodyRanges.length ? this.bytes.read(src, bodyRanges, from) : null) };
  }

  /** `shared`: rows to reuse, when the caller loads many exchanges in one read transaction. */
  fromRow(row: ExchangeRowData, shared: SharedRows | null = null): Exchange {
    const detail = this.detailOf(row);
    const [, c2sRef, s2cRef, reqRef, respRef, info, , errors] = detail;
    const h2 = detail[0] === 3 ? detail[8] : null;
    const storedRequest: Head | null = h2 ? (h2.request ? { line: h2.request, headers: h2.request.headers } : NO_HEAD) : null;
    const storedResponse: Head | null = h2 ? (h2.response ? { line: h2.response, headers: h2.response.headers } : NO_HEAD) : null;
    const c2s = witnessesOf(c2sRef);
    const s2c = witnessesOf(s2cRef);
    const f = this.flowOf(Number(row.flow_id), shared);
    const from = row.first_event === null ? Number.MIN_SAFE_INTEGER : Number(row.first_event);
    const num = (v: bigint | null) => (v === null ? null : Number(v));
    const req = reqRef ? this.message('request', c2s, reqRef, from, shared, storedRequest) : { head: NO_HEAD, body: bodyOf(null, NO_HEAD, null) };
    const resp = respRef ? this.message('response', s2c, respRef, from, shared, storedResponse) : null;
    const reqHead = req.head;
    const respHead = resp?.head ?? NO_HEAD;
    const reqLine = reqHead.line as RequestLine | null;
    const respLine = respHead.line as StatusLine | null;
    const target = reqLine ? splitTarget(reqLine.target) : { path: row.path ?? '', query: row.query };
    const err = errors[0];
    const exchange: Exchange = {
      id: Number(row.id),
      flowId: Number(row.flow_id),
      seq: Number(row.seq),
      client: this.endpoint(shared, f?.client_conn ?? null, num(row.client_pid), row.client_comm, f?.client_addr ?? null, f?.client_port ?? null, f?.client_processes ?? null),
      server: this.endpoint(shared, f?.server_conn ?? null, num(row.server_pid), row.server_comm, f?.server_addr ?? null, f?.server_port ?? null, f?.server_processes ?? null),
      transport: f?.transport ?? 'tcp',
      request: {
        method: reqLine?.method ?? row.method ?? '',
        target: reqLine?.target ?? '',
        url: row.url,
        scheme: row.scheme,
        host: row.host ?? '',
        path: target.path,
        query: target.query,
        httpVersion: reqLine?.version ?? row.http_version ?? '',
        headers: fields(reqHead.headers),
        trailers: fields(reqRef ? reqRef[8] : []),
        body: req.body,
        size: num(row.req_size) ?? 0,
        startedNs: row.req_started,
        endedNs: row.req_ended,
      },
      response: respRef
        ? {
            status: respLine?.status ?? Number(row.status ?? 0),
            reason: respLine?.reason ?? row.reason ?? '',
            httpVersion: respLine?.version ?? '',
            headers: fields(respHead.headers),
            trailers: fields(respRef[8]),
            body: resp!.body,
            size: num(row.resp_size) ?? 0,
            startedNs: row.resp_started ?? row.req_started,
            endedNs: row.resp_ended,
          }
        : null,
      informational: info.map(([start, headEnd, , ns], i) => {
        const stored = h2?.informational[i];
        const h = stored ? { line: stored, headers: stored.headers } : this.head('response', s2c, start, headEnd, from);
        const line = h.line as StatusLine | null;
        return { status: line?.status ?? 0, reason: line?.reason ?? '', headers: fields(h.headers), ns: BigInt(ns) };
      }),
      timings: {
        sendNs: row.req_ended !== null ? Number(row.req_ended - row.req_started) : null,
        waitNs: row.resp_started !== null ? Number(row.resp_started - (row.req_ended ?? row.req_started)) : null,
        receiveNs: row.resp_ended !== null && row.resp_started !== null ? Number(row.resp_ended - row.resp_started) : null,
        totalNs: num(row.duration_ns),
      },
      upgrade: row.upgrade,
      ...(row.upgrade === 'websocket' && respLine?.status === 101
        ? { websocket: this.webSockets.facts(Number(row.id), headerValues(respHead.headers, 'sec-websocket-extensions')) }
        : {}),
      error: err ? { direction: err[0] === 0 ? 'request' : 'response', offset: err[1], message: err[3] } : null,
      events: row.first_event !== null ? { first: Number(row.first_event), last: Number(row.last_event) } : null,
      tls: [c2s, s2c].some((d) => (d.receiver ?? d.sender)?.layer === 'tls')
        ? {
            decryptedFrom: f?.tls ?? 'a TLS library',
            serverName: f?.tls_server_name ?? null,
            alpn: f?.tls_alpn ?? null,
            version: f?.tls_version ?? null,
          }
        : null,
      ...(h2
        ? {
            http2: {
              stream: h2.stream,
              reset: h2.reset ? { by: h2.reset[0], code: h2.reset[1], name: h2.reset[2] } : null,
              pushedOn: h2.pushedOn,
              unknownFields: { request: h2.unknownFields[0], response: h2.unknownFields[1] },
              startedBeforeRecording: h2.startedBeforeRecording,
            },
          }
        : {}),
    };
    // a gRPC call is read again from the heads and bodies just loaded (session/grpc-facts.ts)
    if (detail[0] === 3 && detail[9]) exchange.grpc = grpcFacts(exchange, detail[9]);
    return exchange;
  }

  /** A database call (a row whose protocol is not 'http'); null if there is no such id. */
  loadCall(id: number): CallExchange | null {
    const row = this.row(id);
    return row ? this.callFromRow(row) : null;
  }

  callFromRow(row: ExchangeRowData, shared: SharedRows | null = null): CallExchange {
    const d = checkedCallDetail(row.detail);
    if (typeof d === 'string') throw derivedDamage(this.file, `exchange ${row.id}: ${d}`);
    const [, c2sRef, s2cRef, c] = d;
    const f = this.flowOf(Number(row.flow_id), shared);
    const num = (v: bigint | null) => (v === null ? null : Number(v));
    const err = c.errors[0];
    const layerTls = [c2sRef, s2cRef].some((w) => w[2] === 1);
    return {
      id: Number(row.id),
      flowId: Number(row.flow_id),
      seq: Number(row.seq),
      protocol: row.protocol,
      client: this.endpoint(shared, f?.client_conn ?? null, num(row.client_pid), row.client_comm, f?.client_addr ?? null, f?.client_port ?? null, f?.client_processes ?? null),
      server: this.endpoint(shared, f?.server_conn ?? null, num(row.server_pid), row.server_comm, f?.server_addr ?? null, f?.server_port ?? null, f?.server_processes ?? null),
      transport: f?.transport ?? 'tcp',
      operation: row.operation ?? '',
      text: c.text,
      params: c.params ?? null,
      names: row.names ? row.names.split('\n') : [],
      shape: row.shape,
      status: c.status,
      result: c.result ?? null,
      rows: num(row.rows),
      errorCode: row.error_code,
      errorMessage: c.errorMessage ?? null,
      database: row.db,
      user: c.user ?? null,
      oneWay: (Number(row.flags) & ExchangeFlag.ONE_WAY) !== 0,
      startedNs: row.req_started,
      endedNs: row.resp_ended,
      timings: {
        sendNs: row.req_ended !== null ? Number(row.req_ended - row.req_started) : null,
        waitNs: row.resp_started !== null ? Number(row.resp_started - (row.req_ended ?? row.req_started)) : null,
        receiveNs: row.resp_ended !== null && row.resp_started !== null ? Number(row.resp_ended - row.resp_started) : null,
        totalNs: num(row.duration_ns),
      },
      flags: Number(row.flags),
      parent: row.parent_id !== null ? { id: Number(row.parent_id), link: row.link ?? 'overlap' } : null,
      error: err ? { direction: err[0] === 0 ? 'request' : 'response', offset: err[1], message: err[3] } : null,
      events: row.first_event !== null ? { first: Number(row.first_event), last: Number(row.last_event) } : null,
      tls: layerTls
        ? { decryptedFrom: f?.tls ?? 'a TLS library', serverName: f?.tls_server_name ?? null, alpn: f?.tls_alpn ?? null, version: f?.tls_version ?? null }
        : null,
      more: c.more,
    };
  }

  /** A database call's request and reply bytes as captured. */
  callWireBytes(id: number): { request: Buffer; response: Buffer } | null {
    const row = this.row(id);
    if (!row) return null;
    const d = checkedCallDetail(row.detail);
    if (typeof d === 'string') throw derivedDamage(this.file, `exchange ${row.id}: ${d}`);
    const [, c2sRef, s2cRef, c] = d;
    const from = row.first_event === null ? Number.MIN_SAFE_INTEGER : Number(row.first_event);
    const read = (src: WitnessRef, r: [number, number] | undefined) => (r && r[1] > r[0] ? this.bytes.read(witnessesOf(src), [r], from).bytes : Buffer.alloc(0));
    return { request: read(c2sRef, c.request), response: read(s2cRef, c.response) };
  }

  /** The request and the response as they crossed the socket (head, framing and body). */
  wireBytes(id: number): { request: Buffer; response: Buffer; informational: Buffer[] } | null {
    const row = this.row(id);
    if (!row) return null;
    const [, c2sRef, s2cRef, req, resp, info] = this.detailOf(row);
    const from = row.first_event === null ? Number.MIN_SAFE_INTEGER : Number(row.first_event);
    const read = (src: WitnessRef, start: number, end: number) =>
      end > start ? this.bytes.read(witnessesOf(src), [[start, end]], from).bytes : Buffer.alloc(0);
    return {
      request: req ? read(c2sRef, req[0], req[2]) : Buffer.alloc(0),
      informational: info.map(([start, , end]) => read(s2cRef, start, end)),
      response: resp ? read(s2cRef, resp[0], resp[2]) : Buffer.alloc(0),
    };
  }

  /** The events holding an exchange's bytes, as captured (both of its connections' ends). */
  *rawEvents(ex: Pick<Exchange, 'events' | 'flowId'>): Generator<SessionEvent> {
    if (!ex.events) return;
    const f = this.flowOf(ex.flowId, null);
    const conns = [f?.client_conn, f?.server_conn].filter((c): c is number => typeof c === 'number');
    for (const ev of this.events.events({ connIds: conns, fromRecord: ex.events.first })) {
      if (ev.id > ex.events.last) break;
      yield ev;
    }
  }
}

