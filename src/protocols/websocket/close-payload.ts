/** A close frame's payload (RFC 6455 §5.5.1): nothing, or a 2-byte status code and a UTF-8 reason. */
import type { WsClose } from './types.js';
import { decodeUtf8 } from './utf8.js';

export interface DecodedClose {
  close: WsClose;
  /** Why it breaks the rules, if it does. */
  problem?: { code: 'invalid-close' | 'invalid-utf8'; message: string };
}

/**
 * §7.4.1: 1004 is reserved, 1005, 1006 and 1015 must never be sent, 1016-2999 are kept for
 * future revisions and extensions, and below 1000 nothing is defined; 3000-4999 belong to
 * libraries and applications.
 */
function mayBeSent(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
}

/** `payload`: the whole payload of a close frame, or the prefix kept of it (`whole` false). */
export function decodeClose(payload: Uint8Array, whole: boolean): DecodedClose {
  if (payload.length === 0) return { close: {} };
  if (payload.length === 1) {
    return whole ? { close: {}, problem: { code: 'invalid-close', message: 'a close payload of 1 byte (a code takes 2)' } } : { close: {} };
  }
  const code = (payload[0] << 8) | payload[1];
  const close: WsClose = { code };
  if (!mayBeSent(code)) return { close, problem: { code: 'invalid-close', message: `close code ${code} may not be sent` } };
  const reasonBytes = payload.subarray(2);
  if (reasonBytes.length === 0) return { close };
  const reason = decodeUtf8(reasonBytes, !whole);
  if (reason === undefined) return { close, problem: { code: 'invalid-utf8', message: 'the close reason is not UTF-8' } };
  close.reason = reason;
  return { close };
}
