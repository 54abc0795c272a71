/**
 * An HTTP/2 stream (protocols/http2) as the HTTP exchange the rest of tinytap stores and shows:
 * the same row, search text and body ranges as HTTP/1.x (exchange-row.ts), plus what only
 * HTTP/2 has. Its heads are kept in the detail as decoded: unlike an HTTP/1.x head they cannot
 * be parsed again from the captured bytes, since HPACK decoding needs the whole connection's
 * table. Pure.
 */
import type { HttpBody, HttpRequest, HttpResponse, Http1ErrorCode, Http1Exchange, HeaderField } from '../protocols/http1/types.js';
import type { Http2Body, Http2Exchange, Http2Message, Http2Request, Http2Response } from '../protocols/http2/types.js';
import { ExchangeFlag } from '../model/exchange-flags.js';
import { header } from './exchange-row.js';

/** A head as stored for HTTP/2: its start line's parts and its fields, pseudo-header fields first. */
export interface StoredRequestHead {
  method: string;
  target: string;
  version: string;
  headers: HeaderField[];
}

export interface StoredResponseHead {
  status: number;
  reason: string;
  version: string;
  headers: HeaderField[];
}

/** What the detail of an HTTP/2 exchange holds beyond an HTTP/1.x one (ExchangeDetail version 3). */
export interface StoredH2 {
  stream: number;
  request: StoredRequestHead | null;
  response: StoredResponseHead | null;
  informational: StoredResponseHead[];
  /** Header fields the recording could not decode (HPACK entries from before it began), per message. */
  unknownFields: [request: number, response: number];
  /** RST_STREAM: which side sent it and its error code's name. */
  reset: [by: 'client' | 'server', code: number, name: string] | null;
  /** A server push: the stream its PUSH_PROMISE came on. */
  pushedOn: number | null;
  /** Its request's HEADERS were before the recording began. */
  startedBeforeRecording: boolean;
}

const VERSION = 'HTTP/2';

/**
 * The pseudo-header fields as header fields, as DevTools and HAR show an HTTP/2 head. The parser
 * keeps them by name, not in their order on the wire; RFC 9113 §8.3 puts them first, and they
 * are written in the order the RFC lists them.
 */
export function requestFields(m: Http2Request): HeaderField[] {
  const pseudo: HeaderField[] = [];
  for (const [name, value] of [[':method', m.method], [':scheme', m.scheme], [':authority', m.authority], [':path', m.path]] as const)
    if (value !== undefined) pseudo.push([name, value]);
  return [...pseudo, ...m.headers];
}

export function responseFields(m: Http2Response): HeaderField[] {
  return [...(m.status !== undefined ? [[':status', String(m.status)] as HeaderField] : []), ...m.headers];
}

function body(m: Http2Message, declared: string | null): HttpBody {
  const b: Http2Body = m.body;
  const length = declared !== null && /^\d+$/.test(declared.trim()) ? Number(declared.trim()) : undefined;
  return {
    // one range per DATA frame, kept as a chunked body's are; the detail says 'frames' (exchange-row.ts)
    framing: 'chunked',
    ...(length !== undefined ? { declaredLength: length } : {}),
    length: b.length,
    ranges: b.ranges,
    gaps: b.gaps,
    trailers: m.trailers,
    complete: m.complete,
  };
}

/** What a request and a response both take from their stream: where they are, their body. */
function common(m: Http2Message) {
  return {
    start: m.start,
    headEnd: m.headEnd,
    end: m.end,
    startTs: m.startTs,
    headEndTs: m.headEndTs,
    endTs: m.endTs,
    keepAlive: true,
    body: body(m, header(m.headers, 'content-length')),
    complete: m.complete,
  };
}

function requestOf(m: Http2Request): HttpRequest {
  // stream 1 of an h2c upgrade: the HTTP/1.1 request that asked for it, as it was sent
  const upgrade = !!m.http1Upgrade;
  return {
    kind: 'request',
    version: upgrade ? 'HTTP/1.1' : VERSION,
    // CONNECT has no :path (RFC 9113 §8.5): its target is the authority, as in HTTP/1.1
    method: m.method ?? '',
    target: m.method === 'CONNECT' ? (m.authority ?? '') : (m.path ?? ''),
    headers: upgrade ? m.headers : requestFields(m),
    ...common(m),
  };
}

function responseOf(m: Http2Response): HttpResponse {
  return {
    kind: 'response',
    version: VERSION,
    status: m.status ?? 0,
    reason: '',
    headers: responseFields(m),
    ...common(m),
  };
}

const storedResponse = (r: HttpResponse): StoredResponseHead => ({ status: r.status, reason: r.reason, version: r.version, headers: r.headers });

/** The stream as an HTTP exchange, what only HTTP/2 says of it, and the flags that says. */
export function fromHttp2(ex: Http2Exchange): { exchange: Http1Exchange; h2: StoredH2; flags: number } {
  const request = ex.request ? requestOf(ex.request) : undefined;
  const response = ex.response ? responseOf(ex.response) : undefined;
  const informational = ex.informational.map(responseOf);
  const exchange: Http1Exchange = {
    index: ex.index,
    ...(request ? { request } : {}),
    ...(response ? { response } : {}),
    informational,
    // HTTP/2's own error codes ('compression', 'frame-too-large'), stored as they are
    errors: ex.errors.map((e) => ({ dir: e.dir, offset: e.offset, code: e.code as Http1ErrorCode, message: e.message })),
    complete: ex.complete,
    timing: ex.timing,
  };
  const unknown: [number, number] = [ex.request?.unknownFields.length ?? 0, ex.response?.unknownFields.length ?? 0];
  const h2: StoredH2 = {
    stream: ex.streamId,
    request: request ? { method: request.method, target: request.target, version: request.version, headers: request.headers } : null,
    response: response ? storedResponse(response) : null,
    informational: informational.map(storedResponse),
    unknownFields: unknown,
    reset: ex.reset ? [ex.reset.by, ex.reset.code, ex.reset.name] : null,
    pushedOn: ex.pushedOn ?? null,
    startedBeforeRecording: !!ex.startedBeforeRecording,
  };
  let flags = 0;
  if (ex.fieldsUnknown || unknown[0] + unknown[1] > 0) flags |= ExchangeFlag.FIELDS_UNKNOWN;
  if (ex.reset) flags |= ExchangeFlag.RESET;
  return { exchange, h2, flags };
}
