/** A cheap test for the layer that picks a parser: does a client stream begin with the HTTP/2 preface? */
import { CLIENT_PREFACE } from './constants.js';

/**
 * True when `bytes` (the first bytes of a client's stream) begin with the client connection
 * preface (RFC 9113 §3.4), or are at least its first 4 bytes ("PRI ", no HTTP/1 method) and
 * all of them match it.
 */
export function looksLikeHttp2Preface(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, CLIENT_PREFACE.length);
  if (n < 4) return false;
  for (let i = 0; i < n; i++) if (bytes[i] !== CLIENT_PREFACE[i]) return false;
  return true;
}
