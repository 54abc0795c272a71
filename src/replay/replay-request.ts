/**
 * A recorded exchange as a request to send again: whether it may be sent (and if not, why),
 * and its bytes for HTTP/1.1. The bytes are the recorded ones wherever the replay has no
 * reason to change them: method, target, header fields in their order and case, the body as
 * captured (still content-encoded). What changes, and why:
 * - the framing fields (Content-Length, Transfer-Encoding, Connection) are the replay's, for
 *   the body it sends on its own connection (export/replay-headers.ts says which);
 * - Host follows the target unless --keep-host;
 * - --header replaces (or adds) a field, --drop-header removes one;
 * - a value carried over from an earlier response (follow-values.ts) replaces the recorded one.
 */
import type { Exchange, HeaderField } from '../model/exchange.js';
import { replayHeaders } from '../export/replay-headers.js';
import type { Target } from './targets.js';

/** Methods that change nothing on the server (RFC 9110 §9.2.1): sent without --unsafe. */
export const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Why a selected exchange is not sent; counted, and shown in the summary. */
export type SkipReason =
  | 'unsafe method'
  | 'no target'
  | 'body not wholly captured'
  | 'websocket'
  | 'connect tunnel'
  | 'grpc (needs HTTP/2)'
  | 'a field HTTP/1.1 cannot carry'
  | 'no request';

export interface RequestEdits {
  keepHost: boolean;
  /** --header: name and value, in order given; replaces every field of that name. */
  set: HeaderField[];
  /** --drop-header names, lower case. */
  drop: Set<string>;
}

/** Sent over HTTP/2: it was recorded so, unless --http1. */
export function sendsHttp2(ex: Exchange, http1: boolean): boolean {
  return !http1 && !!ex.http2;
}

export function skipReason(ex: Exchange, unsafe: boolean, target: Target | null, http1 = true): SkipReason | null {
  const r = ex.request;
  if (!r.method) return 'no request';
  if (r.method === 'CONNECT' || ex.upgrade === 'connect') return 'connect tunnel';
  if (ex.upgrade === 'websocket' || ex.websocket) return 'websocket';
  // sent as HTTP/1.1, a gRPC call would be refused: its trailers and framing are HTTP/2's
  if (ex.grpc && !sendsHttp2(ex, http1)) return 'grpc (needs HTTP/2)';
  if (!unsafe && !SAFE_METHODS.has(r.method.toUpperCase())) return 'unsafe method';
  if (!r.body.complete || r.body.captured.length < r.body.size) return 'body not wholly captured';
  if (!target) return 'no target';
  // HTTP/2 carries field values no HTTP/1.1 line may (RFC 9113 §8.2.1 forbids them, a capture
  // holds what was sent): written into a head they would end it, or start a forged field
  if (!sendsHttp2(ex, http1) && r.headers.some((h) => !h.name.startsWith(':') && (!FIELD_NAME.test(h.name) || /[\r\n\0]/.test(h.value))))
    return 'a field HTTP/1.1 cannot carry';
  return null;
}

const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The recorded target in origin form (a proxy's absolute-form target loses its authority). */
export function originForm(ex: Exchange): string {
  const t = ex.request.target;
  if (t.startsWith('/') || t === '*') return t;
  const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*([^#]*)/.exec(t);
  if (m) return m[1] || '/';
  return ex.request.path ? ex.request.path + (ex.request.query !== null ? `?${ex.request.query}` : '') : '/';
}

/** Fields that belong to the connection they came on (RFC 9110 §7.6.1), besides replayHeaders'. */
const HOP_BY_HOP = new Set(['keep-alive', 'proxy-connection', 'te', 'upgrade', 'http2-settings']);

export interface RequestParts {
  method: string;
  /** Origin form, the target's path prefix included. */
  target: string;
  headers: HeaderField[];
  body: Uint8Array;
}

/** The request to send, before values are carried over into it. */
export function requestParts(ex: Exchange, target: Target, edits: RequestEdits): RequestParts {
  const r = ex.request;
  const connectionNamed = new Set(
    r.headers
      .filter((h) => h.name.toLowerCase() === 'connection')
      .flatMap((h) => h.value.split(','))
      .map((s) => s.trim().toLowerCase()),
  );
  const authority = r.headers.find((h) => h.name.toLowerCase() === 'host' || h.name === ':authority')?.value ?? null;
  const headers: HeaderField[] = [];
  let host: HeaderField | null = null;
  for (const h of replayHeaders(r, '').send) {
    const name = h.name.toLowerCase();
    if (HOP_BY_HOP.has(name) || connectionNamed.has(name)) continue;
    if (name === 'host') {
      host = { name: h.name, value: edits.keepHost ? h.value : target.authority };
      headers.push(host);
      continue;
    }
    headers.push(h);
  }
  // HTTP/2 says it in :authority, HTTP/1.1 needs a Host field (RFC 9112 §3.2)
  if (!host) headers.unshift({ name: 'Host', value: edits.keepHost && authority ? authority : target.authority });
  const edited = headers.filter((h) => !edits.drop.has(h.name.toLowerCase()) && !edits.set.some((s) => s.name.toLowerCase() === h.name.toLowerCase()));
  edited.push(...edits.set);
  // a space or a control byte would end the request line (HTTP/2's :path may hold them), and a
  // request target is ASCII (RFC 9112 §3.2: Node's server refuses raw UTF-8 with a 400): those
  // bytes alone are percent-encoded, as a browser would have; every other byte goes as recorded
  const path = escapeTarget(originForm(ex));
  return {
    method: r.method,
    target: target.basePath && path !== '*' ? target.basePath + path : path,
    headers: edited,
    body: r.body.captured,
  };
}

/** `target` with every byte a request line cannot carry percent-encoded (see requestParts). */
export function escapeTarget(target: string): string {
  let out = '';
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i);
    out += c <= 0x20 || c >= 0x7f ? `%${c.toString(16).toUpperCase().padStart(2, '0')}` : target[i];
  }
  return out;
}

/** Methods whose request means something with a body, so an empty one is still declared. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** HTTP/1.1 bytes of a request: the head in Latin-1 (every byte as recorded), then the body. */
export function http1Bytes(p: RequestParts): Buffer {
  const lines = [`${p.method} ${p.target} HTTP/1.1`];
  for (const h of p.headers) lines.push(`${h.name}: ${h.value}`);
  if (p.body.length > 0 || BODY_METHODS.has(p.method.toUpperCase())) lines.push(`Content-Length: ${p.body.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return p.body.length ? Buffer.concat([head, p.body]) : head;
}

/** A --header value: 'Name: value', checked as a field line (no line breaks, a token name). */
export function parseHeaderFlag(text: string): HeaderField | null {
  const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*([^\r\n]*?)[ \t]*$/.exec(text);
  return m ? { name: m[1], value: m[2] } : null;
}
