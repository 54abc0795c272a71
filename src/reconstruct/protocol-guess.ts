/**
 * A guess at what a non-HTTP connection speaks, from its first bytes (and port), for `conns`
 * and the TUI: so non-HTTP traffic is never just "unknown" when a glance would tell.
 */
import { looksLikeHttp1Request, looksLikeHttp1Response } from '../protocols/http1/index.js';
import { looksLikeHttp2Frames } from '../protocols/http2/index.js';

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

function startsWith(b: Uint8Array, prefix: Uint8Array): boolean {
  if (b.length < Math.min(prefix.length, 8)) return false;
  for (let i = 0; i < Math.min(prefix.length, b.length); i++) if (b[i] !== prefix[i]) return false;
  return true;
}

export function guessProtocol(c2s: Uint8Array, s2c: Uint8Array, serverPort: number | null, transport: string): string {
  if (transport === 'udp') {
    if (serverPort === 53 || serverPort === 5353) return 'dns';
    return 'udp';
  }
  if (looksLikeHttp1Request(c2s) || looksLikeHttp1Response(s2c)) return 'http/1.1';
  if (startsWith(c2s, H2_PREFACE)) return 'http/2';
  // TLS record: handshake (22), version 3.x
  if (c2s.length >= 3 && c2s[0] === 0x16 && c2s[1] === 0x03 && c2s[2] <= 0x04) return 'tls';
  if (startsWith(s2c, Buffer.from('SSH-')) || startsWith(c2s, Buffer.from('SSH-'))) return 'ssh';
  // Redis RESP: an array of bulk strings, "*N\r\n$"
  if (c2s.length >= 4 && c2s[0] === 0x2a && c2s.indexOf(0x0d) > 0 && c2s.includes(0x24)) return 'redis';
  // PostgreSQL: a startup message (protocol 3.0) or an SSLRequest
  if (c2s.length >= 8) {
    const code = Buffer.from(c2s.buffer, c2s.byteOffset, c2s.length).readUInt32BE(4);
    if (code === 196608 || code === 80877103) return 'postgresql';
  }
  // MySQL: the server speaks first, protocol version 10
  if (s2c.length >= 5 && s2c[4] === 10 && s2c[3] === 0) return 'mysql';
  // HTTP/2 the recording joined mid-way: frames, no preface
  if (looksLikeHttp2Frames(c2s, s2c)) return 'http/2';
  if (serverPort === 6379) return 'redis';
  if (serverPort === 5432) return 'postgresql';
  if (serverPort === 443) return 'tls';
  return 'unknown';
}
