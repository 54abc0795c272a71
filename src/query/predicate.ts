/**
 * The same filter evaluated in memory on one exchange: for the live TUI (exchanges arriving
 * while recording, before they are queried) and as the oracle the SQL compiler is tested
 * against. Every rule here is the SQL's rule (compile-sql.ts): ASCII-only case folding (what
 * SQLite's LIKE, NOCASE and lower() do), NULL columns never match, the same regexes.
 */
import type { FilterAst, StringPattern, Term, TextField } from './ast.js';
import { HEADER_FIELDS, SCOPE_FIELDS } from './ast.js';
import type { Body, Exchange, HeaderField } from '../model/exchange.js';
import { looksLikeText } from '../model/text-sniff.js';
import { ExchangeFlag, IS_FLAGS } from './flags.js';
import { asciiLower, globMatches, headerFieldRegex, regexMatches } from './regex.js';
import { timeSpan } from './time-span.js';

/**
 * What a filter can look at: an exchanges row's values and its searchable text (the
 * exchange_text row: headers as "Name: value" lines joined by "\n", bodies decoded to text).
 */
export interface FilterSubject {
  /** exchanges.protocol: 'http', 'postgresql', 'mysql', 'redis'. */
  protocol: string;
  /** The HTTP method or the database call's operation. */
  operation: string | null;
  /** A database call's query shape, its names (tables or keys, one per line), database, rows. */
  shape: string | null;
  names: string | null;
  db: string | null;
  rows: number | null;
  /** An HTTP exchange's database calls. */
  queries: number | null;
  /** A gRPC call's service ('pkg.Service'), method and grpc-status; absent or null for the rest. */
  grpcService?: string | null;
  grpcMethod?: string | null;
  grpcStatus?: number | null;
  method: string | null;
  status: number | null;
  host: string | null;
  /** Without the query. */
  path: string | null;
  query: string | null;
  url: string;
  clientPid: number | null;
  clientComm: string | null;
  serverPid: number | null;
  serverComm: string | null;
  serverPort: number | null;
  clientPort: number | null;
  respBodySize: number | null;
  durationNs: number | null;
  /** Wall-clock ns of the first request byte. */
  reqStartedNs: bigint;
  /** Response media type, lower case, no parameters. */
  respType: string | null;
  /** exchanges.flags (ExchangeFlag). */
  flags: number;
  /** The URL's scheme, lower case. */
  scheme: string;
  reqHeaders: string;
  respHeaders: string;
  reqBody: string;
  respBody: string;
}

export interface MatchOptions {
  /** What since:5m and since:10:30 are relative to. Default: the current time. */
  now?: Date;
}

const TEXT: Record<TextField, (s: FilterSubject) => string> = {
  url: (s) => s.url,
  req_headers: (s) => s.reqHeaders,
  resp_headers: (s) => s.respHeaders,
  req_body: (s) => s.reqBody,
  resp_body: (s) => s.respBody,
};

function contains(hay: string, lowerNeedle: string): boolean {
  return asciiLower(hay).includes(lowerNeedle);
}

/** One of the names (one per line) matches the pattern: `table:` and `key:`, here and in SQL (functions.ts). */
export function namesMatch(names: string | null, p: StringPattern, nocase: boolean): boolean {
  if (names === null) return false;
  return names.split('\n').some((n) => stringMatches(n, p, nocase));
}

function stringMatches(value: string | null, p: StringPattern, nocase: boolean): boolean {
  if (value === null) return false;
  switch (p.kind) {
    case 'exact':
      return nocase ? asciiLower(value) === asciiLower(p.value) : value === p.value;
    case 'glob':
      return nocase ? globMatches(asciiLower(p.value), asciiLower(value)) : globMatches(p.value, value);
    case 'regex':
      return regexMatches(p.regex, value);
  }
}

function compare(a: number | bigint | null, cmp: string, b: number | bigint): boolean {
  if (a === null) return false;
  switch (cmp) {
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    default:
      return a === b;
  }
}

function termMatches(t: Term, s: FilterSubject, now: Date): boolean {
  switch (t.type) {
    case 'text': {
      const needle = asciiLower(t.text);
      return SCOPE_FIELDS[t.scope].some((f) => contains(TEXT[f](s), needle));
    }
    case 'text-regex':
      return SCOPE_FIELDS[t.scope].some((f) => regexMatches(t.regex, TEXT[f](s)));
    case 'method':
      return s.method !== null && t.methods.includes(s.method);
    case 'method-regex':
      return regexMatches(t.regex, s.method);
    case 'status':
      return s.status !== null && t.ranges.some(([lo, hi]) => s.status! >= lo && s.status! <= hi);
    case 'host':
      return stringMatches(s.host, t.match, true);
    case 'path': {
      const m = t.match;
      if (m.kind !== 'prefix') return stringMatches(s.path, m, false);
      const dir = m.value.endsWith('/') ? m.value : `${m.value}/`;
      return s.path !== null && (s.path === m.value || s.path.startsWith(dir));
    }
    case 'process': {
      const ends: [number | null, string | null][] = [];
      if (t.side !== 'server') ends.push([s.clientPid, s.clientComm]);
      if (t.side !== 'client') ends.push([s.serverPid, s.serverComm]);
      const m = t.match;
      return ends.some(([pid, comm]) => (m.kind === 'pid' ? pid === m.pid : stringMatches(comm, m, false)));
    }
    case 'port':
      return s.serverPort === t.port || s.clientPort === t.port;
    case 'size':
      return compare(s.respBodySize, t.cmp, t.bytes);
    case 'duration':
      return compare(s.durationNs, t.cmp, t.ns);
    case 'time': {
      const [start, end] = timeSpan(t.at, now);
      return t.bound === 'since' ? s.reqStartedNs >= start : s.reqStartedNs < end;
    }
    case 'header': {
      const regex = headerFieldRegex(t.name, t.contains);
      return HEADER_FIELDS[t.scope].some((f) => regexMatches(regex, TEXT[f](s)));
    }
    case 'header-regex':
      return HEADER_FIELDS[t.scope].some((f) => regexMatches(t.regex, TEXT[f](s), 'm'));
    case 'mime':
      return stringMatches(s.respType, t.match, true);
    case 'type':
      return s.respType !== null && contains(s.respType, t.text);
    case 'tls':
      return ((s.flags & ExchangeFlag.DECRYPTED) !== 0) === t.decrypted;
    case 'scheme':
      return s.scheme === t.scheme;
    case 'proto':
      return t.protocols.includes(s.protocol);
    case 'sql':
      return s.shape !== null && s.shape.includes(t.text);
    case 'names':
      return (s.protocol === 'redis') === (t.of === 'key') && namesMatch(s.names, t.match, t.of === 'table');
    case 'cmd':
      return s.protocol !== 'http' && s.operation !== null && t.commands.includes(s.operation);
    case 'db':
      return stringMatches(s.db, t.match, false);
    case 'grpc':
      return stringMatches((t.of === 'service' ? s.grpcService : s.grpcMethod) ?? null, t.match, false);
    case 'grpc-status':
      return s.grpcStatus !== undefined && s.grpcStatus !== null && t.codes.includes(s.grpcStatus);
    case 'count':
      return compare(s[t.of], t.cmp, t.count);
    case 'is':
      switch (t.what) {
        case 'error':
          return (s.status !== null && s.status >= 400) || (s.flags & (ExchangeFlag.PARSE_ERROR | ExchangeFlag.DB_ERROR)) !== 0;
        case 'no-response':
          return s.status === null && (s.protocol === 'http' || (s.flags & ExchangeFlag.NO_RESPONSE) !== 0);
        default:
          return (s.flags & IS_FLAGS[t.what]) !== 0;
      }
  }
}

function matches(ast: FilterAst, s: FilterSubject, now: Date): boolean {
  switch (ast.type) {
    case 'all':
      return true;
    case 'not':
      return !matches(ast.item, s, now);
    case 'and':
      return ast.items.every((i) => matches(i, s, now));
    case 'or':
      return ast.items.some((i) => matches(i, s, now));
    default:
      return termMatches(ast, s, now);
  }
}

/** Whether the exchange passes the filter: what the compiled SQL would say of its row. */
export function matchesExchange(ast: FilterAst, subject: FilterSubject, opts: MatchOptions = {}): boolean {
  return matches(ast, subject, opts.now ?? new Date());
}

/** As the session's indexer stores text (src/reconstruct/exchange-row.ts): at most 1 MiB of a text body. */
const MAX_INDEXED_BYTES = 1 << 20;

function headerLines(headers: HeaderField[]): string {
  return headers.map((h) => `${h.name}: ${h.value}`).join('\n');
}

function bodyText(body: Body): string {
  const bytes = body.decoded ?? body.captured;
  if (bytes.length === 0 || !looksLikeText(bytes)) return '';
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, MAX_INDEXED_BYTES)).toString('utf8');
}

/**
 * exchanges.flags as far as the model shows them. The session stores the exact flags; pass
 * them (ExchangeSummary.flags) when you have the row.
 */
function modelFlags(ex: Exchange): number {
  let f = 0;
  if (!ex.response) f |= ExchangeFlag.NO_RESPONSE;
  if (ex.request.endedNs === null || (ex.response && ex.response.endedNs === null)) f |= ExchangeFlag.INCOMPLETE;
  if (ex.upgrade) f |= ExchangeFlag.UPGRADE;
  if (ex.error) f |= ExchangeFlag.PARSE_ERROR;
  if (ex.tls) f |= ExchangeFlag.DECRYPTED;
  const missing = (body: Body, partial: number) => {
    if (body.missing === null) return 0;
    const reason =
      body.missing === 'zerocopy'
        ? ExchangeFlag.ZEROCOPY
        : body.missing === 'lost'
          ? ExchangeFlag.LOST
          : body.missing === 'truncated'
            ? ExchangeFlag.TRUNCATED
            : 0;
    return partial | reason;
  };
  f |= missing(ex.request.body, ExchangeFlag.REQ_BODY_PARTIAL);
  if (ex.response) f |= missing(ex.response.body, ExchangeFlag.RESP_BODY_PARTIAL);
  return f;
}

/** The subject of an exchange model; `flags` from its row when known (else derived from the model). */
export function subjectFromExchange(ex: Exchange, flags?: number | bigint): FilterSubject {
  const r = ex.response;
  return {
    protocol: 'http',
    operation: ex.request.method || null,
    shape: null,
    names: null,
    db: null,
    rows: null,
    queries: null,
    grpcService: ex.grpc?.service ?? null,
    grpcMethod: ex.grpc?.method ?? null,
    grpcStatus: ex.grpc?.status?.code ?? null,
    method: ex.request.method || null,
    status: r?.status ?? null,
    host: ex.request.host || null,
    path: ex.request.path,
    query: ex.request.query,
    url: ex.request.url,
    clientPid: ex.client.pid,
    clientComm: ex.client.comm,
    serverPid: ex.server.pid,
    serverComm: ex.server.comm,
    serverPort: ex.server.port,
    clientPort: ex.client.port,
    respBodySize: r ? r.body.size : null,
    durationNs: ex.timings.totalNs,
    reqStartedNs: ex.request.startedNs,
    respType: r?.body.mimeType ?? null,
    flags: flags === undefined ? modelFlags(ex) : Number(flags),
    scheme: ex.request.scheme,
    reqHeaders: headerLines(ex.request.headers),
    // interim (1xx) responses' headers are indexed with the final response's
    respHeaders: r ? headerLines([...ex.informational.flatMap((i) => i.headers), ...r.headers]) : '',
    reqBody: bodyText(ex.request.body),
    respBody: r ? bodyText(r.body) : '',
  };
}
