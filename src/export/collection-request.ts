/**
 * A captured request as the collection formats (Postman, Insomnia, Bruno) hold it, to be sent
 * again: its method, its URL as a URI, the headers a replay passes on (replay-headers.ts), and
 * its body as text or as bytes, with credentials replaced by the format's placeholders
 * (secrets.ts) unless kept. What each format then does with a body it cannot hold is its own.
 */
import { type Exchange, exchangeLabel } from '../model/exchange.js';
import { bodyNotes } from '../render/body.js';
import { replayHeaders } from './replay-headers.js';
import type { SecretFilter } from './secrets.js';
import { bodyText, capturedText } from './text.js';
import { exchangeUri, uriParts } from './url.js';

export interface ReplayHeader {
  name: string;
  value: string;
}

export type ReplayBody =
  | { kind: 'none' }
  /** Text in its charset, secrets in it replaced (form fields, JSON members). */
  | { kind: 'text'; text: string; mimeType: string | null }
  /**
   * Bytes as sent: not text, or content-encoded (a gzip request body goes out gzipped, as its
   * Content-Encoding header says). Only the captured prefix when the capture was cut.
   */
  | { kind: 'binary'; bytes: Uint8Array; mimeType: string | null };

export interface ReplayRequest {
  method: string;
  /** A URI (url.ts), its password and secret query parameters replaced. */
  url: string;
  headers: ReplayHeader[];
  body: ReplayBody;
  /** Why the request cannot be sent exactly as captured (a body cut at capture ...). */
  notes: string[];
}

function replayBody(ex: Exchange, secrets: SecretFilter): ReplayBody {
  const b = ex.request.body;
  if (b.size === 0 && b.captured.length === 0) return { kind: 'none' };
  if (b.encoding === null) {
    const t = bodyText(b);
    if (!t.base64) return { kind: 'text', text: secrets.bodyText(t.text, b.mimeType), mimeType: b.mimeType };
  }
  return { kind: 'binary', bytes: b.captured, mimeType: b.mimeType };
}

/** The authority a URI names (host[:port]), which a Host header equal to it repeats. */
function authorityOf(uri: string): string {
  const p = uriParts(uri);
  return p.port ? `${p.host}:${p.port}` : p.host;
}

export function replayRequest(ex: Exchange, secrets: SecretFilter): ReplayRequest {
  const r = ex.request;
  const uri = exchangeUri(ex);
  // the authority is taken before the URL's password is replaced: Host is compared with it
  const headers = replayHeaders(r, authorityOf(uri)).send.map((h) => ({
    name: capturedText(h.name),
    value: capturedText(secrets.headerOrPlaceholder(h.name, h.value)),
  }));
  return { method: r.method, url: secrets.url(uri), headers, body: replayBody(ex, secrets), notes: bodyNotes(r.body, 'request body') };
}

/** Requests a replay can send: a response whose request was not captured has none, a CONNECT opens a tunnel. */
export function isReplayable(ex: Exchange): boolean {
  return !!ex.request.method && ex.request.method !== 'CONNECT';
}

/** A request's name in a collection: "#12 GET /api/items?q=1", its secrets replaced. */
export function requestName(ex: Exchange, secrets: SecretFilter): string {
  return `#${exchangeLabel(ex)} ${ex.request.method} ${capturedText(secrets.url(ex.request.target))}`;
}

/** Who sent it and to whom, for a request's description. */
export function capturedBy(ex: Exchange): string {
  const who = (e: Exchange['client']) => `${e.comm ?? '?'} (pid ${e.pid ?? '?'})`;
  return `Captured by tinytap: ${who(ex.client)} → ${who(ex.server)}, exchange #${exchangeLabel(ex)}.`;
}

/** A credential left out, as a Postman or Bruno variable named after it: {{access_token}}. */
export function braceVariable(name: string): string {
  return `{{${name.replace(/[^A-Za-z0-9_.-]/g, '_') || 'secret'}}}`;
}

/** Exchanges a collection format cannot hold, counted for the command to say. */
export interface LeftOut {
  /** gRPC calls: a collection replays HTTP requests; a gRPC client needs the .proto files. */
  grpc: number;
}

/** Request headers of a WebSocket handshake that the client makes itself for every connection (RFC 6455 §4.1). */
export const HANDSHAKE_HEADERS: ReadonlySet<string> = new Set(['upgrade', 'connection', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions']);

/** A WebSocket upgrade: a collection holds it as a WebSocket request, not an HTTP one. */
export function isWebSocketUpgrade(ex: Exchange): boolean {
  return !!ex.websocket || ex.upgrade === 'websocket';
}

/** The handshake's URL as a WebSocket URL (RFC 6455 §3): ws: for http:, wss: for https:. */
export function webSocketUrl(url: string): string {
  return url.replace(/^http/i, 'ws');
}
