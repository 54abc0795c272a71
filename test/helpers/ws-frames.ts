/** WebSocket frames and an upgrade, written by hand for scripted sessions (RFC 6455 §5.2). */
import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';

/** One frame; a client's is masked. */
export function frame(opcode: number, payload: string | Buffer, o: { masked?: boolean; fin?: boolean; rsv1?: boolean } = {}): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const head = [((o.fin ?? true) ? 0x80 : 0) | (o.rsv1 ? 0x40 : 0) | opcode];
  const mask = o.masked ? 0x80 : 0;
  if (data.length < 126) head.push(mask | data.length);
  else head.push(mask | 126, data.length >> 8, data.length & 0xff);
  if (!o.masked) return Buffer.concat([Buffer.from(head), data]);
  const key = randomBytes(4);
  return Buffer.concat([Buffer.from(head), key, Buffer.from(data.map((b, i) => b ^ key[i % 4]))]);
}

/** A message compressed alone (no context takeover): deflate's sync flush tail taken off (RFC 7692 §7.2.1). */
export const deflated = (text: string) => deflateRawSync(Buffer.from(text), { finishFlush: 2 /* Z_SYNC_FLUSH */ }).subarray(0, -4);

export const UPGRADE =
  'GET /chat HTTP/1.1\r\nHost: ws.local\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

/** The server's 101, with extra header lines (`Name: value\r\n`). */
export const SWITCHED = (ext = '') =>
  `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n${ext}\r\n`;
