/**
 * HTTP/1.x exchanges as Wireshark dissects them from a pcap: the reference that tinytap's
 * `ls`/`show` are compared with. Bodies are the reassembled, de-chunked and content-decoded
 * bytes, taken from the raw field bytes (`http.file_data_raw`), never from tshark's text
 * rendering of them, which escapes or truncates binary data.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';

import { HTTP_PREFS, ephemeralPortClaimants, tsharkArgs, tsharkPackets, type TsharkPacket } from './tshark.js';

export interface WireExchange {
  /** null: a response whose request is not in the capture. */
  method: string | null;
  target: string | null;
  /** The final status; null: no response in the capture. */
  status: number | null;
  /** Header lines, not counting the start line. */
  requestHeaderCount: number | null;
  responseHeaderCount: number | null;
  requestBodyLength: number | null;
  requestBodySha256: string | null;
  responseBodyLength: number | null;
  responseBodySha256: string | null;
  tcpStream: number;
  /** Frames where tshark completed each message: the last segment of it. */
  requestFrame: number | null;
  responseFrame: number | null;
  /** 1xx answers before the final one (100 Continue, 103 Early Hints), in order. */
  interimStatuses: number[];
}

/** One HTTP message from tshark's JSON, in wire order. */
export interface WireMessage {
  kind: 'request' | 'response';
  frame: number;
  /** Which message of its frame this is: several can end in one segment (pipelining). */
  indexInFrame: number;
  tcpStream: number;
  method: string | null;
  target: string | null;
  status: number | null;
  headerCount: number;
  body: Buffer;
}

export interface HttpFromPcapOptions {
  /** An NSS key log (SSLKEYLOGFILE) to decrypt TLS with. */
  tlsKeylog?: string;
  /** Server ports carrying plain HTTP: decoded as HTTP even where heuristics would miss. */
  httpPorts?: number[];
  /** Server ports carrying TLS (with HTTP/1.1 inside, by ALPN). */
  tlsPorts?: number[];
}

/** The exact tshark call httpExchangesFromPcap makes, for reports and for running it by hand. */
export async function httpTsharkArgs(pcap: string, opts: HttpFromPcapOptions = {}): Promise<string[]> {
  return tsharkArgs(pcap, ['-T', 'json', '-x', '--no-duplicate-keys', '-J', HTTP_LAYERS.join(' ')], await httpTsharkOptions(opts));
}

const HTTP_LAYERS = ['frame', 'tcp', 'http'];

async function httpTsharkOptions(opts: HttpFromPcapOptions) {
  return {
    prefs: { ...HTTP_PREFS, ...(opts.tlsKeylog ? { 'tls.keylog_file': opts.tlsKeylog } : {}) },
    decodeAs: [
      ...(opts.httpPorts ?? []).map((p) => `tcp.port==${p},http`),
      ...(opts.tlsPorts ?? []).map((p) => `tcp.port==${p},tls`),
    ],
    disable: await ephemeralPortClaimants(),
    filter: 'http',
  };
}

/** HTTP/1.x exchanges in the pcap, in the order their requests completed on the wire. */
export async function httpExchangesFromPcap(pcap: string, opts: HttpFromPcapOptions = {}): Promise<WireExchange[]> {
  // tshark ignores a key log it cannot read and simply decrypts nothing
  if (opts.tlsKeylog && !(statSync(opts.tlsKeylog, { throwIfNoEntry: false })?.size ?? 0)) {
    throw new Error(`no TLS secrets in ${opts.tlsKeylog}: run the client with SSLKEYLOGFILE set to it`);
  }
  const packets = await tsharkPackets(pcap, HTTP_LAYERS, await httpTsharkOptions(opts));
  const messages = httpMessages(packets);
  refusePipelinedHead(messages);
  return pairExchanges(messages);
}

/**
 * tshark 4.0 decides whether a response has a body from the last request it saw on the
 * connection, not from the request it answers. After a pipelined HEAD (the next request left
 * before its response) it reads the HEAD response's Content-Length as a body and swallows the
 * responses after it: no reference then, so say so rather than return a wrong list.
 */
export function refusePipelinedHead(messages: WireMessage[]): void {
  for (const [stream, { requests, responses }] of byStream(messages)) {
    let r = 0; // the first response after the current request
    requests.forEach((head, i) => {
      while (r < responses.length && !isAfter(responses[r], head)) r++;
      const next = requests[i + 1];
      if (head.method !== 'HEAD' || !next) return;
      const answered = r < responses.length && !isAfter(responses[r], next);
      if (!answered) {
        throw new Error(
          `tcp stream ${stream}: HEAD ${head.target} was pipelined (frame ${head.frame}, next request in frame ${next.frame}); ` +
            `tshark 4.0 frames the responses of such a burst by its last request, so it is no reference for them`,
        );
      }
    });
  }
}

/** Whether message a completed after message b on the wire. */
function isAfter(a: WireMessage, b: WireMessage): boolean {
  return a.frame > b.frame || (a.frame === b.frame && a.indexInFrame > b.indexInFrame);
}

/** Requests and responses of each TCP stream, each list in wire order. */
function byStream(messages: WireMessage[]): Map<number, { requests: WireMessage[]; responses: WireMessage[] }> {
  const streams = new Map<number, { requests: WireMessage[]; responses: WireMessage[] }>();
  for (const m of messages) {
    const s = streams.get(m.tcpStream) ?? { requests: [], responses: [] };
    streams.set(m.tcpStream, s);
    (m.kind === 'request' ? s.requests : s.responses).push(m);
  }
  return streams;
}

// ---- from tshark's JSON to messages ---------------------------------------------------------

/** Every HTTP request and response tshark dissected, in frame order. */
export function httpMessages(packets: TsharkPacket[]): WireMessage[] {
  const messages: WireMessage[] = [];
  for (const layers of packets) {
    const frame = Number(first(layers.frame, 'frame.number'));
    const tcpStream = Number(first(layers.tcp, 'tcp.stream'));
    // a layer per HTTP message; several in one frame become an array (--no-duplicate-keys)
    const https = Array.isArray(layers.http) ? layers.http : [layers.http];
    let indexInFrame = 0;
    for (const http of https) {
      const message = messageOf(http, frame, tcpStream, indexInFrame);
      if (!message) continue; // a body continuation or data tshark could not frame: not a message
      messages.push(message);
      indexInFrame++;
    }
  }
  return messages;
}

function messageOf(http: unknown, frame: number, tcpStream: number, indexInFrame: number): WireMessage | null {
  const kind = first(http, 'http.request') === '1' ? 'request' : first(http, 'http.response') === '1' ? 'response' : null;
  if (!kind) return null;
  const status = first(http, 'http.response.code');
  return {
    kind,
    frame,
    indexInFrame,
    tcpStream,
    method: (first(http, 'http.request.method') as string | undefined) ?? null,
    target: (first(http, 'http.request.uri') as string | undefined) ?? null,
    status: status === undefined ? null : Number(status),
    // tshark adds one http.request.line / http.response.line per header line
    headerCount: all(http, kind === 'request' ? 'http.request.line' : 'http.response.line').length,
    body: bodyOf(http, frame),
  };
}

/** The decoded body: the bytes of http.file_data, empty when the message has none. */
function bodyOf(http: unknown, frame: number): Buffer {
  const raws = all(http, 'http.file_data_raw');
  if (raws.length === 0) return Buffer.alloc(0);
  // a raw value is [hex, offset, length, bitmask, type]; unpacked by all() into its parts
  const hex = raws.filter((v): v is string => typeof v === 'string');
  if (hex.length !== 1) throw new Error(`frame ${frame}: expected one http.file_data_raw in an HTTP message, found ${hex.length}`);
  return Buffer.from(hex[0], 'hex');
}

/** Every value of `key` anywhere under `node` (tshark nests start-line fields in a subtree). */
function all(node: unknown, key: string): unknown[] {
  const found: unknown[] = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (n === null || typeof n !== 'object') return;
    for (const [k, v] of Object.entries(n)) {
      if (k === key) found.push(...flatten(v));
      else walk(v);
    }
  };
  walk(node);
  return found;
}

function flatten(v: unknown): unknown[] {
  return Array.isArray(v) ? v.flatMap(flatten) : [v];
}

function first(node: unknown, key: string): unknown {
  return all(node, key)[0];
}

// ---- pairing --------------------------------------------------------------------------------

/**
 * Pair requests and responses by their order on each connection: HTTP/1.1 answers requests in
 * the order they were sent (RFC 9112 §9.3.2), and a 1xx other than 101 is an interim answer
 * that the final one follows (RFC 9110 §15.2).
 *
 * tshark's own links (http.request_in / http.response_in) are not used: tshark 4.0 links every
 * request of a pipelined burst to the first response and leaves the later responses without a
 * request, and links nothing at all without a second pass (-2).
 */
export function pairExchanges(messages: WireMessage[]): WireExchange[] {
  const paired: { first: WireMessage; exchange: WireExchange }[] = [];
  for (const [tcpStream, { requests, responses }] of byStream(messages)) {
    let next = 0;
    let interim: number[] = [];
    for (const response of responses) {
      const isInterim = response.status !== null && response.status >= 100 && response.status < 200 && response.status !== 101;
      if (isInterim) {
        interim.push(response.status!);
        continue;
      }
      const request = requests[next++];
      paired.push({ first: request ?? response, exchange: exchangeOf(tcpStream, request, response, interim) });
      interim = [];
    }
    for (const request of requests.slice(next)) {
      paired.push({ first: request, exchange: exchangeOf(tcpStream, request, undefined, interim) });
      interim = [];
    }
  }
  paired.sort((a, b) => a.first.frame - b.first.frame || a.first.indexInFrame - b.first.indexInFrame);
  return paired.map((p) => p.exchange);
}

function exchangeOf(tcpStream: number, request: WireMessage | undefined, response: WireMessage | undefined, interimStatuses: number[]): WireExchange {
  return {
    method: request?.method ?? null,
    target: request?.target ?? null,
    status: response?.status ?? null,
    requestHeaderCount: request?.headerCount ?? null,
    responseHeaderCount: response?.headerCount ?? null,
    requestBodyLength: request ? request.body.length : null,
    requestBodySha256: request ? sha256(request.body) : null,
    responseBodyLength: response ? response.body.length : null,
    responseBodySha256: response ? sha256(response.body) : null,
    tcpStream,
    requestFrame: request?.frame ?? null,
    responseFrame: response?.frame ?? null,
    interimStatuses,
  };
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
