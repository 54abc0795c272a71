/**
 * What an exchange says about how it travelled, in words `show` and `open` both use: how an
 * https exchange was read, an HTTP/2 stream's facts, what a recording joined mid-way could not
 * know. Plain strings: the caller escapes them (they hold captured names).
 */
import type { Exchange, Http2Facts } from '../model/exchange.js';

/** How an https exchange was read, and what its handshake said. */
export function tlsLine(t: NonNullable<Exchange['tls']>): string {
  const parts = [`decrypted by tinytap from ${t.decryptedFrom}`];
  if (t.version) parts.push(t.version);
  if (t.serverName) parts.push(`SNI ${t.serverName}`);
  if (t.alpn) parts.push(`ALPN ${t.alpn}`);
  return parts.join(' · ');
}

/** An HTTP/2 exchange's stream, and how it ended when that was not by its end. */
export function http2Line(h: Http2Facts): string {
  const parts = [`stream ${h.stream}`];
  if (h.pushedOn !== null) parts.push(`pushed by the server on stream ${h.pushedOn}`);
  if (h.reset) parts.push(`reset by the ${h.reset.by} (${h.reset.name})`);
  return parts.join(' · ');
}

/** What the recording could not know of an HTTP/2 exchange. */
export function http2Notes(h: Http2Facts): string[] {
  const notes: string[] = [];
  if (h.startedBeforeRecording) notes.push('the request was sent before the recording began: only its response is here');
  const { request, response } = h.unknownFields;
  if (request + response > 0)
    notes.push(
      `${request + response} header field${request + response === 1 ? '' : 's'} (${request} of the request, ${response} of the response) referred to HPACK entries made before the recording began: left out, never guessed`,
    );
  return notes;
}
