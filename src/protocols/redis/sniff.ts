/**
 * A cheap guess for a caller that does not know whether a stream is Redis: the first bytes of
 * each direction. Requests start as a RESP array of bulk strings ("*2\r\n$3\r\nGET") or as an
 * inline command ("PING\r\n"); replies with a RESP type byte and a plausible first line. HTTP
 * (GET is also a Redis command) and TLS are never claimed.
 */
import { looksLikeHttp1Request, looksLikeHttp1Response } from '../http1/sniff.js';

/** Commands an inline (telnet-style) session plausibly starts with. */
const INLINE_FIRST = new Set(
  'PING AUTH HELLO SELECT INFO GET SET DEL KEYS SCAN EXISTS QUIT CLIENT CONFIG MONITOR SUBSCRIBE PSUBSCRIBE DBSIZE FLUSHALL FLUSHDB ECHO COMMAND TYPE TTL INCR HGETALL LRANGE MGET'.split(
    ' ',
  ),
);

export function looksLikeRedis(c2s: Uint8Array, s2c: Uint8Array): boolean {
  if (looksLikeHttp1Request(c2s) || looksLikeHttp1Response(s2c) || isTls(c2s) || isTls(s2c)) return false;
  if (c2s.length > 0) return looksLikeRequest(c2s) && (s2c.length === 0 || looksLikeReply(s2c));
  return s2c.length > 0 && looksLikeReply(s2c) && lineOf(s2c) !== undefined;
}

function looksLikeRequest(bytes: Uint8Array): boolean {
  if (bytes[0] === 0x2a) {
    // "*N\r\n$L\r\n": a count, then a bulk string header
    const m = /^\*([1-9]\d{0,6})\r\n(\$(\d{1,10}(\r\n)?)?)?$/.exec(latin1(bytes, 24).replace(/(\$\d+\r\n).*$/s, '$1'));
    return m !== null;
  }
  const text = latin1(bytes, 32);
  const word = /^([A-Za-z]+)(?=[ \r\n]|$)/.exec(text)?.[1];
  if (!word || !INLINE_FIRST.has(word.toUpperCase())) return false;
  return text.length > word.length || bytes.length === word.length;
}

function looksLikeReply(bytes: Uint8Array): boolean {
  const line = lineOf(bytes) ?? latin1(bytes, 64);
  const type = line[0];
  const rest = line.slice(1);
  const complete = lineOf(bytes) !== undefined;
  switch (type) {
    case '+':
      return /^[\x20-\x7e]*$/.test(rest);
    case '-':
      return /^[A-Z]+/.test(rest) || (!complete && rest === '');
    case ':':
    case '$':
    case '*':
    case '%':
    case '~':
    case '>':
    case '|':
    case '=':
    case '!':
    case '(':
      return /^-?\d*$/.test(rest) && (rest.length > 0 || !complete);
    case '_':
      return rest === '';
    case '#':
      return rest === 't' || rest === 'f' || (!complete && rest === '');
    case ',':
      return /^[-+0-9.eEinfa]*$/.test(rest);
    default:
      return false;
  }
}

/** The first line, when its CRLF has arrived (within 64 bytes). */
function lineOf(bytes: Uint8Array): string | undefined {
  const text = latin1(bytes, 66);
  const end = text.indexOf('\r\n');
  return end < 0 ? undefined : text.slice(0, end);
}

function latin1(bytes: Uint8Array, max: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, max)).toString('latin1');
}

/** A TLS record header: handshake/alert/app-data type and version 3.x. */
function isTls(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] >= 0x14 && bytes[0] <= 0x17 && bytes[1] === 0x03;
}
