/**
 * An HTTP/1.x exchange as the parser saw it, turned into what the session stores: the indexed
 * row (formats/exchanges.sql), the detail the viewers need (heads, body positions), and the
 * searchable text. Pure.
 */
import type { Http1Exchange, HttpBody, HttpRequest, HttpResponse, HeaderField } from '../protocols/http1/types.js';
import { Direction } from '../events/layout.js';
import type { DirectionWitnesses, Layer } from './stream-items.js';
import type { ExchangeFields } from '../model/exchange-table.js';
import { looksLikeText } from '../model/text-sniff.js';
import { decodeContent, parseContentEncoding } from './content-coding.js';
import { ExchangeFlag } from '../model/exchange-flags.js';
import type { StoredH2 } from './h2-exchange.js';
import { NOT_GRPC, type StoredGrpc } from './grpc-call-row.js';


export interface FlowContext {
  flowId: number;
  clientPid: number | null;
  clientComm: string | null;
  serverPid: number | null;
  serverComm: string | null;
  serverAddr: string | null;
  serverPort: number | null;
  clientPort: number | null;
  /** Wall-clock ns of ts 0 of the stream items. */
  baseNs: bigint;
  witnesses: { c2s: DirectionWitnesses; s2c: DirectionWitnesses };
  /** The layer the exchange was read from: TLS plaintext makes it https. */
  layer: Layer;
}

/** What the session stores of an exchange: its columns (model/exchange-table.ts) and its detail. */
export type ExchangeRow = ExchangeFields & { detail: ExchangeDetail };

/**
 * What the `detail` column holds (msgpack): positions, not copies (SPEC.md "Exchange detail").
 * Heads are parsed again from the captured bytes when an exchange is shown; only what cannot be
 * found that way (body ranges of chunked bodies, gaps, trailers, errors) is kept.
 */
export type MessageRef = [
  start: number,
  headEnd: number,
  end: number,
  framing: number, // 0 none, 1 length, 2 chunked, 3 close, 4 HTTP/2 DATA frames
  bodyLength: number,
  complete: number, // 1: the body's framing reached its end
  ranges: [number, number][] | null, // chunked bodies: one range per chunk; otherwise derived
  gaps: [number, number, number][], // [start, end, reason: 0 truncated, 1 zerocopy, 2 lost]
  trailers: [string, string][],
];

export type ExchangeDetail = Http1Detail | Http2Detail;

export type Http1Detail = [
  version: 2,
  c2s: WitnessRef,
  s2c: WitnessRef,
  request: MessageRef | null,
  response: MessageRef | null,
  informational: [start: number, headEnd: number, end: number, ns: string][], // ns: wall clock, decimal
  protocolSwitch: [protocol: string, c2sOffset: number | null, s2cOffset: number] | null,
  errors: [dir: 0 | 1, offset: number, code: string, message: string][],
];

/** An HTTP/2 stream: the same, with its heads as decoded (they cannot be parsed again) and its stream's facts. */
export type Http2Detail = [
  version: 3,
  c2s: WitnessRef,
  s2c: WitnessRef,
  request: MessageRef | null,
  response: MessageRef | null,
  informational: Http1Detail[5],
  protocolSwitch: null,
  errors: Http1Detail[7],
  h2: StoredH2,
  /** A gRPC call: what only the build could know of it (grpc-call-row.ts). */
  grpc?: StoredGrpc,
];

/** Where a direction's bytes are: the receiving end's connection, the sending end's (either null). */
/** Where a direction's bytes are: the receiving end's connection, the sending end's (either
 * null), and the layer (1: TLS plaintext; absent or 0: the socket's bytes). */
export type WitnessRef = [receiverConn: number | null, senderConn: number | null, tls?: 0 | 1];

export function witnessRef(w: DirectionWitnesses): WitnessRef {
  const ref: WitnessRef = [w.receiver?.connId ?? null, w.sender?.connId ?? null];
  if ((w.receiver ?? w.sender)?.layer === 'tls') ref.push(1);
  return ref;
}

export function witnessesOf(ref: WitnessRef): DirectionWitnesses {
  const layer: Layer = ref[2] === 1 ? 'tls' : 'socket';
  return {
    receiver: ref[0] === null ? null : { connId: ref[0], dir: Direction.INGRESS, layer },
    sender: ref[1] === null ? null : { connId: ref[1], dir: Direction.EGRESS, layer },
  };
}

export const FRAMINGS = ['none', 'length', 'chunked', 'close', 'frames'] as const;
export const GAP_REASONS = ['truncated', 'zerocopy', 'lost', 'discarded'] as const;

function messageRef(m: HttpRequest | HttpResponse, h2: boolean): MessageRef {
  const b = m.body;
  const derived = b.framing !== 'chunked' && (b.ranges.length === 0 || (b.ranges.length === 1 && b.ranges[0][0] === m.headEnd));
  return [
    m.start,
    m.headEnd,
    m.end,
    h2 ? FRAMINGS.indexOf('frames') : FRAMINGS.indexOf(b.framing),
    b.length,
    b.complete ? 1 : 0,
    derived ? null : b.ranges,
    b.gaps.map((g) => [g.start, g.end, GAP_REASONS.indexOf(g.reason)]),
    b.trailers,
  ];
}

/** The body ranges of a stored message. */
export function refRanges(ref: MessageRef): [number, number][] {
  if (ref[6]) return ref[6];
  return ref[4] > 0 ? [[ref[1], ref[1] + ref[4]]] : [];
}

function detailOf(ex: Http1Exchange, ctx: FlowContext, h2: StoredH2 | null): ExchangeDetail {
  const c2s = witnessRef(ctx.witnesses.c2s);
  const s2c = witnessRef(ctx.witnesses.s2c);
  const request = ex.request ? messageRef(ex.request, !!h2) : null;
  const response = ex.response ? messageRef(ex.response, !!h2) : null;
  const informational: Http1Detail[5] = ex.informational.map((i) => [i.start, i.headEnd, i.end, String(ctx.baseNs + BigInt(Math.round(i.startTs)))]);
  const errors: Http1Detail[7] = ex.errors.map((e) => [e.dir === 'c2s' ? 0 : 1, e.offset, e.code, e.message]);
  if (h2) return [3, c2s, s2c, request, response, informational, null, errors, h2];
  const protocolSwitch: Http1Detail[6] = ex.protocolSwitch ? [ex.protocolSwitch.protocol, ex.protocolSwitch.c2sOffset ?? null, ex.protocolSwitch.s2cOffset] : null;
  return [2, c2s, s2c, request, response, informational, protocolSwitch, errors];
}

export interface ExchangeText {
  url: string;
  reqHeaders: string;
  respHeaders: string;
  reqBody: string;
  respBody: string;
}

/** Every value of a header, joined as one list (RFC 9110 §5.3); null when it is absent. */
export function headerValues(headers: readonly HeaderField[], name: string): string | null {
  const lower = name.toLowerCase();
  const values = headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
  return values.length ? values.join(', ') : null;
}

export function header(headers: HeaderField[], name: string): string | null {
  const lower = name.toLowerCase();
  for (const [n, v] of headers) if (n.toLowerCase() === lower) return v;
  return null;
}

export function mediaType(contentType: string | null): string | null {
  if (!contentType) return null;
  const t = contentType.split(';')[0].trim().toLowerCase();
  return t || null;
}

export function charsetOf(contentType: string | null): string | null {
  const m = contentType ? /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType) : null;
  return m ? m[1].toLowerCase() : null;
}

/** Split a request target into host (absolute form only), path and query. */
export function splitTarget(target: string): { host: string | null; scheme: string | null; path: string; query: string | null } {
  let rest = target;
  let host: string | null = null;
  let scheme: string | null = null;
  const abs = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)(.*)$/.exec(target);
  if (abs) {
    scheme = abs[1].toLowerCase();
    host = abs[2];
    rest = abs[3] || '/';
  }
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  return q >= 0 ? { host, scheme, path: rest.slice(0, q), query: rest.slice(q + 1) } : { host, scheme, path: rest, query: null };
}

/** "api.local:8080" → "api.local", "[::1]:80" → "::1". */
export function hostName(authority: string): string {
  const v6 = /^\[([^\]]*)\](?::\d*)?$/.exec(authority);
  if (v6) return v6[1];
  const colon = authority.lastIndexOf(':');
  return colon > 0 && authority.indexOf(':') === colon ? authority.slice(0, colon) : authority;
}

function headersText(headers: HeaderField[]): string {
  return headers.map(([n, v]) => `${n}: ${v}`).join('\n');
}

function bodyFlags(body: HttpBody, partialFlag: number): number {
  let f = 0;
  if (body.gaps.length) f |= partialFlag;
  for (const g of body.gaps) {
    if (g.reason === 'zerocopy') f |= ExchangeFlag.ZEROCOPY;
    else if (g.reason === 'lost') f |= ExchangeFlag.LOST;
    else if (g.reason === 'truncated') f |= ExchangeFlag.TRUNCATED;
  }
  return f;
}

/** The body bytes for the search index, content-encoding removed, as text (or '' for binary). */
export function bodyText(raw: Uint8Array, headers: HeaderField[], maxChars: number): string {
  if (raw.length === 0) return '';
  const decoded = decodeContent(raw, parseContentEncoding(header(headers, 'content-encoding')));
  const bytes = decoded.bytes ?? raw;
  if (!looksLikeText(bytes)) return '';
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, maxChars)).toString('utf8');
  return text;
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  return Buffer.concat(parts);
}

export interface BodyBytes {
  request: Uint8Array[];
  response: Uint8Array[];
}

const MAX_INDEXED_CHARS = 1 << 20;

/** The columns only a database call has, and those its linking (session/call-links.ts) sets. */
const NOT_A_DB_CALL = { errorCode: null, db: null, rows: null, shape: null, names: null, parentId: null, link: null, queries: null, dbNs: null } as const;

/** The columns of a row that its flow says, whatever the protocol. */
export function flowFields(ctx: FlowContext) {
  return {
    flowId: ctx.flowId,
    clientPid: ctx.clientPid,
    clientComm: ctx.clientComm,
    serverPid: ctx.serverPid,
    serverComm: ctx.serverComm,
    serverPort: ctx.serverPort,
    clientPort: ctx.clientPort,
  };
}

/** When a request and its response crossed (ts: ns since the session began, as the parsers give them). */
export interface Timing {
  requestStart?: number;
  requestEnd?: number;
  responseStart?: number;
  responseEnd?: number;
}

/** The row's times (wall-clock ns) and durations from a parser's timing: one rule for every protocol. */
export function wallTimes(t: Timing, baseNs: bigint) {
  const at = (ts: number | undefined) => (ts === undefined ? null : baseNs + BigInt(Math.round(ts)));
  const reqStarted = at(t.requestStart) ?? at(t.responseStart) ?? baseNs;
  const reqEnded = at(t.requestEnd);
  const respStarted = at(t.responseStart);
  const respEnded = at(t.responseEnd);
  return {
    reqStarted,
    reqEnded,
    respStarted,
    respEnded,
    durationNs: respEnded !== null ? Number(respEnded - reqStarted) : null,
    ttfbNs: respStarted !== null ? Number(respStarted - (reqEnded ?? reqStarted)) : null,
  };
}

/**
 * A message's bytes on the wire. An HTTP/2 stream's frames interleave with the other streams',
 * so its size is its header block and its DATA frames (a 9-byte header each), not the span from
 * its first frame to its last.
 */
function wireSize(m: HttpRequest | HttpResponse, h2: boolean): number {
  if (!h2 || m.version !== 'HTTP/2') return m.end - m.start;
  return m.headEnd - m.start + m.body.length + 9 * m.body.ranges.length;
}

/** Build the stored form of one parsed exchange. `bodies` are the captured body bytes. */
export function exchangeRow(
  ex: Http1Exchange,
  ctx: FlowContext,
  bodies: BodyBytes,
  events: { first: number | null; last: number | null },
  /** An HTTP/2 stream's own facts and flags (h2-exchange.ts). */
  h2: { h2: StoredH2; flags: number } | null = null,
): { row: ExchangeRow; text: ExchangeText } {
  const req = ex.request ?? null;
  const resp = ex.response ?? null;
  const target = req ? splitTarget(req.target) : null;
  // HTTP/2 names the host in :authority (RFC 9113 §8.3.1), HTTP/1.1 in Host
  const hostHeader = req ? (header(req.headers, 'host') ?? header(req.headers, ':authority')) : null;
  const serverHostPort = ctx.serverAddr ? (ctx.serverPort ? `${ctx.serverAddr.includes(':') ? `[${ctx.serverAddr}]` : ctx.serverAddr}:${ctx.serverPort}` : ctx.serverAddr) : null;
  const authority = (target?.host ?? hostHeader ?? serverHostPort ?? '').trim() || null;
  // the host column is the name only (filters match names); the URL keeps the port
  const host = authority ? hostName(authority) : null;
  // what the plaintext of a TLS connection carries is https, whatever the request line says
  const scheme = ctx.layer === 'tls' ? 'https' : (target?.scheme ?? (req && header(req.headers, ':scheme')?.toLowerCase()) ?? 'http');
  const isConnect = req?.method === 'CONNECT';
  const path = isConnect ? null : (target?.path ?? null);
  const url = req
    ? isConnect
      ? req.target
      : `${scheme}://${authority ?? ''}${path ?? ''}${target?.query !== null && target?.query !== undefined ? `?${target.query}` : ''}`
    : `${scheme}://${authority ?? ''}`;

  const times = wallTimes(ex.timing, ctx.baseNs);

  let flags = 0;
  if (!resp) flags |= ExchangeFlag.NO_RESPONSE;
  if (!req) flags |= ExchangeFlag.NO_REQUEST;
  if (!ex.complete) flags |= ExchangeFlag.INCOMPLETE;
  if (ex.protocolSwitch) flags |= ExchangeFlag.UPGRADE;
  if (ex.errors.length) flags |= ExchangeFlag.PARSE_ERROR;
  if (ctx.layer === 'tls') flags |= ExchangeFlag.DECRYPTED;
  if (req) flags |= bodyFlags(req.body, ExchangeFlag.REQ_BODY_PARTIAL);
  if (resp) flags |= bodyFlags(resp.body, ExchangeFlag.RESP_BODY_PARTIAL);
  if (h2) flags |= h2.flags;

  const err = ex.errors[0] ?? null;
  const row: ExchangeRow = {
    seq: ex.index,
    protocol: 'http',
    operation: req?.method ?? null,
    target: req?.target ?? null,
    ...flowFields(ctx),
    method: req?.method ?? null,
    scheme,
    host,
    path,
    query: target?.query ?? null,
    url,
    httpVersion: req?.version ?? null,
    status: resp?.status ?? null,
    reason: resp?.reason ?? null,
    ...times,
    reqBodySize: req ? req.body.length : null,
    respBodySize: resp ? resp.body.length : null,
    reqSize: req ? wireSize(req, !!h2) : null,
    respSize: resp ? wireSize(resp, !!h2) : null,
    reqType: req ? mediaType(header(req.headers, 'content-type')) : null,
    respType: resp ? mediaType(header(resp.headers, 'content-type')) : null,
    respEncoding: resp ? (header(resp.headers, 'content-encoding')?.trim().toLowerCase() ?? null) : null,
    flags,
    upgrade: ex.protocolSwitch?.protocol ?? null,
    error: err?.message ?? null,
    errorDir: err ? (err.dir === 'c2s' ? 'request' : 'response') : null,
    errorOffset: err?.offset ?? null,
    ...NOT_A_DB_CALL,
    ...NOT_GRPC,
    firstEvent: events.first,
    lastEvent: events.last,
    detail: detailOf(ex, ctx, h2?.h2 ?? null),
  };
  const text: ExchangeText = {
    url,
    reqHeaders: req ? headersText(req.headers) : '',
    respHeaders: resp ? headersText([...ex.informational.flatMap((i) => i.headers), ...resp.headers]) : '',
    reqBody: req ? bodyText(concat(bodies.request), req.headers, MAX_INDEXED_CHARS) : '',
    respBody: resp ? bodyText(concat(bodies.response), resp.headers, MAX_INDEXED_CHARS) : '',
  };
  return { row, text };
}
