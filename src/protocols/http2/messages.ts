/** Building an exchange's messages from decoded header blocks and DATA frames. */
import type { HpackField } from '../hpack/types.js';
import type { HttpRequest } from '../http1/types.js';
import type { DataPart, Http2Frame } from './frame-reader.js';
import { HTTP2_LIMITS } from './limits.js';
import type { HeaderField, Http2Body, Http2Message, Http2Request, Http2Response, Http2UnknownField } from './types.js';

/** A header block's fields, sorted: pseudo-header fields by name, regular ones in order, and the unknown ones. */
export interface SortedFields {
  pseudo: Map<string, string>;
  headers: HeaderField[];
  unknown: Http2UnknownField[];
  omitted: number;
}

export function sortFields(fields: HpackField[] | null, omitted: number): SortedFields {
  const sorted: SortedFields = { pseudo: new Map(), headers: [], unknown: [], omitted };
  if (fields === null) {
    // the whole block was lost: nothing of it is known
    sorted.unknown.push({ at: 0, value: null, reason: 'dynamic-index-before-recording' });
    return sorted;
  }
  for (const f of fields) {
    if (f.unknown !== undefined || f.name === null || f.value === null) sorted.unknown.push({ at: sorted.headers.length, value: f.value, reason: f.unknown ?? 'dynamic-index-before-recording' });
    else if (f.name.startsWith(':')) {
      if (!sorted.pseudo.has(f.name)) sorted.pseudo.set(f.name, f.value);
    } else sorted.headers.push([f.name, f.value]);
  }
  return sorted;
}

/** Where a header block was: its first frame, and the frame that ended it. */
export interface BlockPlace {
  start: number;
  startTs: number;
  last: Http2Frame;
}

function base(fields: SortedFields, place: BlockPlace) {
  return {
    headers: fields.headers,
    unknownFields: fields.unknown,
    ...(fields.omitted > 0 ? { omittedFields: fields.omitted } : {}),
    start: place.start,
    startTs: place.startTs,
    headEnd: place.last.end,
    headEndTs: place.last.endTs,
    end: place.last.end,
    endTs: place.last.endTs,
    body: emptyBody(),
    trailers: [],
    complete: false,
  };
}

export function newRequest(fields: SortedFields, place: BlockPlace): Http2Request {
  const request: Http2Request = { kind: 'request', ...base(fields, place) };
  const { pseudo } = fields;
  if (pseudo.has(':method')) request.method = pseudo.get(':method');
  if (pseudo.has(':scheme')) request.scheme = pseudo.get(':scheme');
  if (pseudo.has(':authority')) request.authority = pseudo.get(':authority');
  if (pseudo.has(':path')) request.path = pseudo.get(':path');
  return request;
}

export function newResponse(fields: SortedFields, place: BlockPlace): Http2Response {
  const response: Http2Response = { kind: 'response', ...base(fields, place) };
  const status = statusOf(fields);
  if (status !== undefined) response.status = status;
  return response;
}

/** :status as a number, when it is three digits. */
export function statusOf(fields: SortedFields): number | undefined {
  const text = fields.pseudo.get(':status');
  return text !== undefined && /^\d{3}$/.test(text) ? Number(text) : undefined;
}

/** A message seen only from its DATA (its header block was before the recording). */
export function headlessMessage<K extends Http2Message['kind']>(kind: K, frame: Http2Frame): Extract<Http2Message, { kind: K }> {
  const fields: SortedFields = { pseudo: new Map(), headers: [], unknown: [], omitted: 0 };
  const message = kind === 'request' ? newRequest(fields, { start: frame.start, startTs: frame.startTs, last: frame }) : newResponse(fields, { start: frame.start, startTs: frame.startTs, last: frame });
  message.headEnd = frame.start;
  message.headEndTs = frame.startTs;
  return message as Extract<Http2Message, { kind: K }>;
}

/** The HTTP/1.1 request that upgraded the connection to h2c, as stream 1's request (RFC 7540 §3.2). */
export function upgradeRequest(request: HttpRequest): Http2Request {
  const host = request.headers.find(([name]) => name.toLowerCase() === 'host');
  const out: Http2Request = {
    kind: 'request',
    method: request.method,
    scheme: 'http',
    path: request.target,
    headers: request.headers,
    unknownFields: [],
    start: request.start,
    headEnd: request.headEnd,
    end: request.end,
    startTs: request.startTs,
    headEndTs: request.headEndTs,
    endTs: request.endTs,
    // an HTTP/1.1 body has no frames: its ranges are timed by the end of its head
    body: { length: request.body.length, ranges: request.body.ranges, times: request.body.ranges.map(() => request.headEndTs), omittedRanges: 0, gaps: request.body.gaps },
    trailers: request.body.trailers,
    complete: request.complete,
    http1Upgrade: true,
  };
  if (host) out.authority = host[1];
  return out;
}

export function emptyBody(): Http2Body {
  return { length: 0, ranges: [], times: [], omittedRanges: 0, gaps: [] };
}

export function addData(message: Http2Message, data: DataPart, frame: Http2Frame): void {
  const body = message.body;
  body.length += data.end - data.start;
  if (data.end > data.start) {
    if (body.ranges.length < HTTP2_LIMITS.maxBodyRanges) {
      body.ranges.push([data.start, data.end]);
      body.times.push(frame.endTs);
    } else body.omittedRanges++;
  }
  body.gaps.push(...data.gaps);
  extendTo(message, frame);
}

/** The message's last frame so far. */
export function extendTo(message: Http2Message, frame: Http2Frame): void {
  message.end = frame.end;
  message.endTs = frame.endTs;
}
