/**
 * A cheap guess, for a caller that does not know the protocol of a connection: do its first
 * bytes look like PostgreSQL? Looks at a prefix only, never allocates.
 */
import { CANCEL_REQUEST_CODE, FRONTEND_TYPES, GSSENC_REQUEST_CODE, MAX_STARTUP_LENGTH, SSL_REQUEST_CODE, BACKEND_TYPES } from './wire.js';

/** Queries a capture that began mid-connection is likely to start with. */
const TYPICAL_FIRST = new Set('QPBSX'.split('').map((c) => c.charCodeAt(0)));

export function looksLikePostgres(c2s: Uint8Array, s2c: Uint8Array): boolean {
  if (c2s.length >= 8 && c2s[0] === 0) return looksLikeStartup(c2s);
  // mid-stream: a typed request and, if the server said anything yet, a typed reply
  if (!looksTyped(c2s, FRONTEND_TYPES) || !TYPICAL_FIRST.has(c2s[0])) return false;
  return s2c.length === 0 || looksTyped(s2c, BACKEND_TYPES);
}

function looksLikeStartup(b: Uint8Array): boolean {
  const length = int32(b, 0);
  const code = int32(b, 4);
  if (length < 8 || length > MAX_STARTUP_LENGTH) return false;
  if (code === SSL_REQUEST_CODE || code === GSSENC_REQUEST_CODE) return length === 8;
  if (code === CANCEL_REQUEST_CODE) return length === 16;
  // StartupMessage: protocol 3.x, then name/value strings
  return code >>> 16 === 3 && (code & 0xffff) < 16 && length > 8;
}

function looksTyped(b: Uint8Array, types: ReadonlySet<number>): boolean {
  if (b.length < 5 || !types.has(b[0])) return false;
  const length = int32(b, 1);
  return length >= 4 && length < 1 << 30;
}

function int32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}
