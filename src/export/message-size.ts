/**
 * Sizes of a message on the wire, split into head and body as HAR wants them (HAR 1.2:
 * headersSize counts "from the start of the HTTP message until (and including) the double CRLF
 * before the body"; bodySize is the body as transferred, still content-encoded).
 *
 * The model keeps the whole message's wire size and the body's decoded-transfer size. Without
 * chunked framing the body's wire bytes are exactly its size, so the head is the difference;
 * a chunked body's framing is on the wire too, so there the head is counted from its fields,
 * written as the parser read them ("Name: value" + CRLF), which is what HTTP/1.1 senders write.
 */
import type { HeaderField, HttpRequest, HttpResponse } from '../model/exchange.js';
import { headerValue } from './text.js';

function fieldsSize(startLine: string, headers: readonly HeaderField[]): number {
  let n = startLine.length + 2 + 2;
  for (const h of headers) n += h.name.length + 2 + h.value.length + 2;
  return n;
}

function headSize(startLine: string, m: HttpRequest | HttpResponse): number {
  const chunked = /chunked/i.test(headerValue(m.headers, 'transfer-encoding') ?? '');
  const counted = fieldsSize(startLine, m.headers);
  if (chunked || m.size <= 0) return counted;
  const head = m.size - m.body.size;
  return head > 0 ? head : counted;
}

export function requestHeadSize(r: HttpRequest): number {
  return headSize(`${r.method} ${r.target} ${r.httpVersion}`, r);
}

export function responseHeadSize(r: HttpResponse): number {
  return headSize(`${r.httpVersion} ${r.status} ${r.reason}`, r);
}
