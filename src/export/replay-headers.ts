/**
 * The request headers a replay (curl, Postman) passes on, and those it leaves to the client:
 * the ones every HTTP client computes for the request it sends itself. Passing them on would
 * be wrong as soon as anything changes (a Content-Length for the captured part of a truncated
 * body) or would make the client send them twice.
 */
import type { HeaderField, HttpRequest } from '../model/exchange.js';

export interface ReplayHeaders {
  /** To send, in captured order. */
  send: HeaderField[];
  /** Names left out, in captured order, each once. */
  leftOut: string[];
}

/** Written by the client from the body, the framing it chooses, and its connection handling. */
const CLIENT_SET = new Set(['content-length', 'transfer-encoding', 'connection']);

/** `urlAuthority`: the host[:port] the replay's URL names (its Host header, unless told). */
export function replayHeaders(r: HttpRequest, urlAuthority: string): ReplayHeaders {
  const send: HeaderField[] = [];
  const leftOut: string[] = [];
  for (const h of r.headers) {
    const name = h.name.toLowerCase();
    // HTTP/2's pseudo-header fields (:method, :path ...) are the request line: the client writes them
    const clientSets = CLIENT_SET.has(name) || name.startsWith(':') || (name === 'host' && h.value.toLowerCase() === urlAuthority.toLowerCase());
    if (!clientSets) send.push(h);
    else if (!leftOut.some((n) => n.toLowerCase() === name)) leftOut.push(h.name);
  }
  return { send, leftOut };
}
