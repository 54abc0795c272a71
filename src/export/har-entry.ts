/**
 * One exchange as one HAR 1.2 entry (http://www.softwareishard.com/blog/har-12-spec/), shaped
 * so that Chrome's and Firefox's DevTools import it: every number Chrome's importer casts is
 * present (-1 where unknown), `cache` is an object (Firefox reads entry.cache.afterRequest), and
 * `connection` is the server's port (both importers show it as the remote port). What HAR has
 * no field for is kept in fields prefixed with '_', as the HAR spec allows.
 */
import type { WebSocketMessage } from '../model/ws-message.js';
import type { Content, Entry, Header, Param, PostDataCommon, Request, Response, Timings } from 'har-format';
import { isIP } from 'node:net';

import type { Endpoint, Exchange, HeaderField, HttpRequest, HttpResponse } from '../model/exchange.js';
import { bodyNotes, readableBytes } from '../render/body.js';
import { grpcJson, grpcView } from '../render/grpc-format.js';
import type { ProtoSchema } from '../protocols/protobuf/index.js';
import { requestCookies, responseCookies } from './cookies.js';
import { requestHeadSize, responseHeadSize } from './message-size.js';
import { parseParams } from './params.js';
import { SecretFilter } from './secrets.js';
import { bodyText, capturedText, headerValue } from './text.js';
import { exchangeUri } from './url.js';

export interface HarOptions {
  /** Keep credentials (left out by default: src/export/secrets.ts says which). */
  includeSecrets: boolean;
  /** The messages of a WebSocket upgrade exchange (Session.wsMessages). */
  messagesOf?: (ex: Exchange) => WebSocketMessage[];
  /** Decodes gRPC messages with their types (`--proto DIR`); schema-less without it. */
  schema?: ProtoSchema;
}

/**
 * A WebSocket's messages as Chrome's HAR writes them (`_webSocketMessages`): `send` for what the
 * client sent, time in seconds since the epoch, opcode, and the data as text (base64 for binary).
 * Close frames are listed with their code and reason as Chrome shows them, as data.
 */
function webSocketMessages(messages: WebSocketMessage[], secrets: SecretFilter) {
  return messages.map((m) => ({
    type: m.dir === 'c2s' ? ('send' as const) : ('receive' as const),
    time: Number(m.startedNs / 1000n) / 1e6,
    opcode: m.opcode,
    data:
      m.text !== null
        ? secrets.messageText(m.text)
        : Buffer.from(m.payload).toString(m.type === 'binary' ? 'base64' : 'utf8'),
  }));
}

/** Fields of tinytap's own, '_'-prefixed as HAR 1.2 asks of custom fields. */
type Custom = { [field: `_${string}`]: unknown };

/**
 * Chrome writes both `text` and `params` for a form (har-format's types say one or the other):
 * Chrome's importer reads `text`, tools that resend a request read `params`.
 */
type HarPostData = PostDataCommon & Custom & { text: string; params?: Param[] };

const REDACTED_COMMENT = 'value left out by tinytap: export with --include-secrets to keep it';

function harHeaders(fields: readonly HeaderField[], secrets: SecretFilter): Header[] {
  return fields.map((h) => {
    const value = secrets.header(h.name, h.value);
    // a secret header keeps its name, as DevTools' sanitized HAR does
    return value === null ? { name: capturedText(h.name), value: '', comment: REDACTED_COMMENT } : { name: capturedText(h.name), value: capturedText(value) };
  });
}

/** Milliseconds, to the microsecond (HAR times are ms; ns would only bloat the file). */
function ms(ns: number | null): number {
  return ns === null || ns < 0 ? 0 : Math.round(ns / 1e3) / 1e3;
}

/**
 * Date.toISOString is a good part of an entry's cost, and exchanges come in time order, many in
 * the same second: the "YYYY-MM-DDTHH:MM:SS." of the last second is kept.
 */
let second = { start: -1n, end: -1n, text: '' };

export function isoTime(wallNs: bigint): string {
  if (wallNs < second.start || wallNs >= second.end) {
    const start = wallNs - (wallNs % 1_000_000_000n);
    second = { start, end: start + 1_000_000_000n, text: new Date(Number(start / 1_000_000n)).toISOString().slice(0, 20) };
  }
  return `${second.text}${String(Math.floor(Number(wallNs - second.start) / 1e6)).padStart(3, '0')}Z`;
}

function postData(r: HttpRequest, secrets: SecretFilter): HarPostData | undefined {
  if (r.body.size === 0 && r.body.captured.length === 0) return undefined;
  const mimeType = capturedText(headerValue(r.headers, 'content-type') ?? '');
  const body = bodyText(r.body);
  const form = !body.base64 && r.body.mimeType === 'application/x-www-form-urlencoded';
  return {
    mimeType,
    // a form's fields are parameters: those named like a password or a token are left out
    text: body.base64 ? body.text : secrets.bodyText(body.text, r.body.mimeType),
    params: form ? parseParams(secrets.params(Buffer.from(readableBytes(r.body)).toString('latin1'))) : undefined,
    // HAR's postData has no encoding field: binary request bodies are base64, marked as such
    _encoding: body.base64 ? 'base64' : undefined,
  };
}

function harRequest(r: HttpRequest, uri: string, opts: HarOptions, secrets: SecretFilter): Request {
  // one object literal, absent fields undefined (JSON leaves them out): entries of one shape
  // are what JSON.stringify writes fastest
  const request: Omit<Request, 'postData'> & Custom & { postData?: HarPostData } = {
    method: r.method,
    url: secrets.url(uri),
    httpVersion: r.httpVersion,
    cookies: opts.includeSecrets ? requestCookies(r.headers) : [],
    headers: harHeaders(r.headers, secrets),
    queryString: parseParams(secrets.params(r.query ?? '')),
    postData: postData(r, secrets),
    // a response whose request was not captured: its request's sizes are unknown
    headersSize: r.method ? requestHeadSize(r) : -1,
    bodySize: r.method ? r.body.size : -1,
    _trailers: r.trailers.length ? harHeaders(r.trailers, secrets) : undefined,
    // the target as sent, when the URL had to be percent-encoded to be one
    _target: uri !== r.url ? capturedText(secrets.url(r.target)) : undefined,
  };
  return request as Request;
}

function content(resp: HttpResponse, secrets: SecretFilter): Content {
  const b = resp.body;
  const body = bodyText(b);
  const readable = readableBytes(b).length;
  return {
    // the decoded length when known; what was on the wire when some of it was not captured
    size: b.complete || b.encoding ? readable : b.size,
    compression: b.encoding && b.decoded && b.complete ? b.decoded.length - b.size : undefined,
    mimeType: capturedText(headerValue(resp.headers, 'content-type') ?? ''),
    // a JSON body's members named like a token or a password are left out (secrets.ts)
    text: body.base64 ? body.text : secrets.bodyText(body.text, b.mimeType),
    encoding: body.base64 ? 'base64' : undefined,
  };
}

function harResponse(resp: HttpResponse, opts: HarOptions, secrets: SecretFilter): Response {
  const response: Response & Custom = {
    status: resp.status,
    statusText: capturedText(resp.reason),
    httpVersion: resp.httpVersion,
    cookies: opts.includeSecrets ? responseCookies(resp.headers) : [],
    headers: harHeaders(resp.headers, secrets),
    content: content(resp, secrets),
    redirectURL: capturedText(secrets.url(headerValue(resp.headers, 'location') ?? '')),
    headersSize: responseHeadSize(resp),
    bodySize: resp.body.size,
    _trailers: resp.trailers.length ? harHeaders(resp.trailers, secrets) : undefined,
  };
  return response;
}

/** What Chrome writes for a request that got no response: status 0 and an _error. */
function noResponse(reason: string): Response & Custom {
  return {
    status: 0,
    statusText: '',
    httpVersion: '',
    cookies: [],
    headers: [],
    content: { size: 0, mimeType: 'x-unknown' },
    redirectURL: '',
    headersSize: -1,
    bodySize: -1,
    _error: reason,
  };
}

function timings(ex: Exchange): Required<Omit<Timings, 'comment'>> {
  // tinytap sees the syscalls of an open connection: name resolution, connecting and TLS are
  // not part of an exchange's bytes, so they are -1 ("does not apply / unknown", HAR 1.2)
  return {
    blocked: -1,
    dns: -1,
    connect: -1,
    ssl: -1,
    send: ms(ex.timings.sendNs),
    wait: ex.response ? ms(ex.timings.waitNs) : 0,
    receive: ex.response ? ms(ex.timings.receiveNs) : 0,
  };
}

function party(e: Endpoint, secrets: SecretFilter) {
  // a command line holds what its program was given, credentials included: the program only
  const { argv, argumentsLeftOut } = secrets.commandLine(e.argv);
  const p = {
    pid: e.pid,
    comm: e.comm,
    commandLine: argv,
    commandLineArgumentsLeftOut: argumentsLeftOut || undefined,
    cgroup: e.cgroup,
    address: e.addr,
    port: e.port,
  };
  // the parent that accepted what its forked child answered, say
  return e.others.length ? { ...p, otherProcesses: e.others } : p;
}

/** What a reader should know about bytes the entry does not hold. */
function notes(ex: Exchange): string[] {
  const out = ex.request.method ? bodyNotes(ex.request.body, 'request body') : ['the request was not captured, only its response'];
  if (ex.response) out.push(...bodyNotes(ex.response.body, 'response body'));
  else if (!ex.error) out.push('no response was captured (the server did not answer, or the capture ended first)');
  if (ex.upgrade && !ex.websocket) out.push(`the connection switched to ${ex.upgrade} after this exchange; what followed is not HTTP`);
  if (ex.error) out.push(`parse error in the ${ex.error.direction} at stream offset ${ex.error.offset}: ${ex.error.message}`);
  return out;
}

export function harEntry(ex: Exchange, opts: HarOptions): Entry {
  const secrets = new SecretFilter(opts.includeSecrets);
  const t = timings(ex);
  const n = notes(ex);
  const entry: Entry & Custom = {
    startedDateTime: isoTime(ex.request.startedNs),
    time: Math.round((t.send + t.wait + t.receive) * 1e3) / 1e3,
    request: harRequest(ex.request, exchangeUri(ex), opts, secrets),
    response: ex.response ? harResponse(ex.response, opts, secrets) : noResponse(n[0] ?? 'no response'),
    cache: {},
    timings: t,
    serverIPAddress: ex.server.addr && isIP(ex.server.addr) ? ex.server.addr : undefined,
    connection: String(ex.server.port ?? ex.flowId),
    _connectionId: String(ex.flowId),
    _tinytapId: ex.label ?? ex.id,
    _transport: ex.transport,
    // as DevTools writes it: the connection was encrypted or it was not
    _securityState: ex.tls ? 'secure' : 'insecure',
    _tls: ex.tls ?? undefined,
    _client: party(ex.client, secrets),
    _server: party(ex.server, secrets),
    _notes: n.length ? n : undefined,
    // an HTTP/2 entry like any other; what it said as a gRPC call, as `show --json` gives it
    _grpc: ex.grpc ? grpcJson(ex.grpc, grpcView(ex.grpc, opts.schema), (name, value) => secrets.headerOrPlaceholder(name, value)) : undefined,
  };
  if (ex.websocket) {
    entry._resourceType = 'websocket';
    entry._webSocketMessages = webSocketMessages(opts.messagesOf?.(ex) ?? [], secrets);
  }
  return entry;
}
