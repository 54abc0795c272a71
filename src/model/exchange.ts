/**
 * The exchange: one HTTP request and its response, as every view and exporter consumes it
 * (mitmproxy's flow, for us). Built from the derived tables by src/session/exchanges.ts; the
 * exporters (src/export/), the diff (src/diff/), `show` and the TUI only read it.
 *
 * Times are wall-clock nanoseconds since the Unix epoch, as bigint (a number cannot hold them
 * exactly); durations are nanoseconds as number.
 */
import type { WebSocketFacts } from './ws-message.js';
import type { GrpcCall, GrpcDirection, GrpcMessage } from '../protocols/grpc/types.js';

export interface HeaderField {
  /** As captured, original case. */
  name: string;
  /** Latin-1 decoded: every byte 0-255 kept as one character. */
  value: string;
}

/** Why some body bytes are not in `captured`. */
export type MissingReason = 'truncated' | 'zerocopy' | 'discarded' | 'lost';

export interface Body {
  /** Body length in bytes after transfer decoding (chunked framing removed), captured or not. */
  size: number;
  /** The body bytes that were captured (transfer framing removed), a prefix or all of them. */
  captured: Uint8Array;
  /** Every byte of the body was captured and the body ended normally. */
  complete: boolean;
  /** Why bytes are missing, when some are. */
  missing: MissingReason | null;
  /** Content-Encoding, lower case, e.g. 'gzip'; null if none. */
  encoding: string | null;
  /** `captured` with the content-encoding removed; null if not encoded, or not decodable. */
  decoded: Uint8Array | null;
  /** Why decoding failed (a truncated gzip stream, an unknown coding). */
  decodeError: string | null;
  /** Content-Type media type, lower case, without parameters; null if none. */
  mimeType: string | null;
  /** Content-Type charset parameter, if any. */
  charset: string | null;
}

/** How a process came to hold one end of a connection. */
export type HolderHow = 'connected' | 'accepted' | 'first used' | 'took over';

export interface Endpoint {
  /** The process that moved this end's bytes. */
  pid: number | null;
  comm: string | null;
  /** Command line, when the session knows it. */
  argv: string[] | null;
  cgroup: string | null;
  /** IP address or unix socket path. */
  addr: string | null;
  port: number | null;
  /**
   * The other processes that held this end, in order: the parent that accepted a connection
   * its forked child served, say. Empty when one process did everything.
   */
  others: { pid: number; comm: string | null; how: HolderHow }[];
}

/** A CONN record's cause (SPEC.md §2.4) as a holder's part in a connection. */
export function holderHow(cause: number): HolderHow {
  return cause === 1 ? 'connected' : cause === 2 ? 'accepted' : cause === 4 ? 'took over' : 'first used';
}

/** What a request and a response both are: a head, a body, and when it crossed. */
export interface HttpMessageParts {
  httpVersion: string;
  headers: HeaderField[];
  trailers: HeaderField[];
  body: Body;
  /** Head plus body as on the wire, in bytes. */
  size: number;
  startedNs: bigint;
  endedNs: bigint | null;
}

export interface HttpRequest extends HttpMessageParts {
  method: string;
  /** The request target as sent: origin form "/a?b", or absolute form. */
  target: string;
  url: string;
  scheme: string;
  host: string;
  path: string;
  /** Without the '?'; null when the target has none. */
  query: string | null;
}

export interface HttpResponse extends HttpMessageParts {
  status: number;
  reason: string;
}

export interface InformationalResponse {
  status: number;
  reason: string;
  headers: HeaderField[];
  ns: bigint;
}

export interface ExchangeTimings {
  /** Request start to the end of the request (sending), ns. */
  sendNs: number | null;
  /** End of the request to the first response byte (waiting, "TTFB"), ns. */
  waitNs: number | null;
  /** First to last response byte (receiving), ns. */
  receiveNs: number | null;
  /** Request start to the last response byte, ns. */
  totalNs: number | null;
}

/** How tinytap read an exchange that crossed the wire encrypted. */
export interface ExchangeTls {
  /** The TLS library tinytap took the plaintext from ('openssl 3.0.19', 'gnutls → go crypto/tls'). */
  decryptedFrom: string;
  /** From the handshake, when the recording saw it: SNI, ALPN, the version. */
  serverName: string | null;
  alpn: string | null;
  version: string | null;
}

/** What an exchange is called in messages and exports: its label, else its id. */
export const exchangeLabel = (ex: Pick<Exchange, 'id' | 'label'>): string => ex.label ?? String(ex.id);

export interface Exchange {
  id: number;
  /** The id as the user knows it when it is not plain: `TAG/ID` in a history of several files (history/history-id.ts). */
  label?: string;
  flowId: number;
  /** Position on its connection, from 0. */
  seq: number;
  client: Endpoint;
  server: Endpoint;
  /** 'tcp', 'udp', 'unix'. */
  transport: string;
  request: HttpRequest;
  response: HttpResponse | null;
  informational: InformationalResponse[];
  timings: ExchangeTimings;
  /** The protocol the connection switched to after this exchange ('websocket', 'h2c', 'connect'). */
  upgrade: string | null;
  /** A parse error on this exchange's bytes. */
  error: { direction: 'request' | 'response'; offset: number; message: string } | null;
  /** Record numbers of the first and last event holding its bytes (SPEC.md §3.2). */
  events: { first: number; last: number } | null;
  /** Read from TLS plaintext (an https exchange); null for bytes that crossed in the clear. */
  tls: ExchangeTls | null;
  /** An HTTP/2 stream's own facts; absent for HTTP/1.x. */
  http2?: Http2Facts;
  /** The WebSocket connection a 101 began: its messages are read with Session.wsMessages. */
  websocket?: WebSocketFacts;
  /** A gRPC call (an HTTP/2 exchange whose request is application/grpc); absent for the rest. */
  grpc?: GrpcFacts;
}

/**
 * A gRPC message as loaded: read again from the captured body, its arrival (the DATA frame
 * holding its first byte) as wall-clock ns from what the build stored; null past what it stored.
 */
export type LoadedGrpcMessage = Omit<GrpcMessage, 'ts' | 'endTs'> & { ns: bigint | null };

export type LoadedGrpcDirection = Omit<GrpcDirection, 'messages'> & { messages: LoadedGrpcMessage[] };

/** A gRPC call as protocols/grpc reads it (types.ts GrpcCall), its messages timed as loaded. */
export type GrpcFacts = Omit<GrpcCall, 'requests' | 'responses'> & { requests: LoadedGrpcDirection; responses: LoadedGrpcDirection };

/** What an HTTP/2 exchange says beyond its heads and bodies. */
export interface Http2Facts {
  stream: number;
  /** RST_STREAM: who sent it, and its error code and name ('CANCEL'). */
  reset: { by: 'client' | 'server'; code: number; name: string } | null;
  /** A server push: the stream whose PUSH_PROMISE announced it. */
  pushedOn: number | null;
  /**
   * Header fields of the request and of the response the recording could not decode: they
   * referred to HPACK table entries made before it began. Never guessed, left out.
   */
  unknownFields: { request: number; response: number };
  /** Its request was sent before the recording began. */
  startedBeforeRecording: boolean;
}

/**
 * A database call as the views consume it: a PostgreSQL query, a MySQL statement, a Redis
 * command, or a message nobody asked for (pub/sub). Built from the derived tables like an
 * Exchange (session/exchange-loader.ts); what it says is the parser's (protocols/db-call.ts).
 */
export interface CallExchange {
  id: number;
  flowId: number;
  seq: number;
  /** 'postgresql', 'mysql', 'redis'. */
  protocol: string;
  client: Endpoint;
  server: Endpoint;
  transport: string;
  /** 'SELECT', 'HGETALL', 'STARTUP', 'MESSAGE', ... */
  operation: string;
  /** The SQL or the command line, whole (up to the parser's limit). */
  text: string;
  params: (string | null)[] | null;
  /** Redis: the keys it names; SQL: the tables. */
  names: string[];
  /** The query with literals and parameters taken out; null when there is none. */
  shape: string | null;
  status: 'ok' | 'error' | 'none';
  /** The reply in one line ('SELECT 42', '(integer) 5'). */
  result: string | null;
  rows: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  database: string | null;
  user: string | null;
  oneWay: boolean;
  startedNs: bigint;
  endedNs: bigint | null;
  timings: ExchangeTimings;
  /** exchanges.flags. */
  flags: number;
  /** The HTTP exchange its process was serving when it was made, and how sure that is. */
  parent: { id: number; link: string } | null;
  /** A parse error on its bytes. */
  error: { direction: 'request' | 'response'; offset: number; message: string } | null;
  events: { first: number; last: number } | null;
  tls: ExchangeTls | null;
  /** What only its protocol says (columns, sample rows, notices...), as the parser gave it. */
  more: Record<string, unknown>;
}
