/**
 * What a head says about the message around it: how its body is framed (RFC 9112 §6.3), whether
 * the connection stays open, whether it switches protocols. Pure functions of the parsed head,
 * shared by the direction parser and the pairing so that both decide the same way.
 */
import type { BodyFraming, HeaderField, Http1ErrorCode } from './types.js';

/** The framing-relevant fields of a head, gathered in one pass. */
export interface HeadFacts {
  /** Content-Length values as sent, and the index of the first such field. */
  contentLength: string[];
  contentLengthField: number;
  /** The last transfer coding, lowercased ('' if no Transfer-Encoding), and its field index. */
  lastTransferCoding: string;
  transferEncodingField: number;
  connectionClose: boolean;
  connectionKeepAlive: boolean;
}

export type FramingDecision =
  | { framing: BodyFraming; declaredLength?: number }
  | { problem: Http1ErrorCode; message: string; field: number };

export function collectHeadFacts(headers: HeaderField[]): HeadFacts {
  const facts: HeadFacts = {
    contentLength: [],
    contentLengthField: -1,
    lastTransferCoding: '',
    transferEncodingField: -1,
    connectionClose: false,
    connectionKeepAlive: false,
  };
  for (let k = 0; k < headers.length; k++) {
    const [name, value] = headers[k];
    // compare lengths first: most fields are none of these, and lowercasing costs an allocation
    switch (name.length) {
      case 14:
        if (name.toLowerCase() === 'content-length') {
          if (facts.contentLengthField < 0) facts.contentLengthField = k;
          facts.contentLength.push(value);
        }
        break;
      case 17:
        if (name.toLowerCase() === 'transfer-encoding') {
          if (facts.transferEncodingField < 0) facts.transferEncodingField = k;
          const codings = listTokens(value);
          // several Transfer-Encoding fields form one list (RFC 9110 §5.3)
          if (codings.length > 0) facts.lastTransferCoding = codings[codings.length - 1];
        }
        break;
      case 10:
        if (name.toLowerCase() === 'connection') {
          for (const token of listTokens(value)) {
            if (token === 'close') facts.connectionClose = true;
            else if (token === 'keep-alive') facts.connectionKeepAlive = true;
          }
        }
        break;
    }
  }
  return facts;
}

/** RFC 9112 §6.3 for requests: chunked, else Content-Length, else no body. */
export function requestFraming(facts: HeadFacts): FramingDecision {
  if (facts.transferEncodingField >= 0) {
    if (facts.lastTransferCoding === 'chunked') return { framing: 'chunked' };
    // §6.3 item 4: the length of such a request cannot be determined
    return {
      problem: 'invalid-transfer-encoding',
      message: 'request Transfer-Encoding does not end in chunked',
      field: facts.transferEncodingField,
    };
  }
  return lengthOrElse(facts, 'none');
}

/** RFC 9112 §6.3 for responses; `requestMethod` is unknown when the request was not seen. */
export function responseFraming(status: number, facts: HeadFacts, requestMethod: string | undefined): FramingDecision {
  if (status < 200 || status === 204 || status === 304) return { framing: 'none' };
  if (requestMethod === 'HEAD') return { framing: 'none' };
  if (requestMethod === 'CONNECT' && status < 300) return { framing: 'none' };
  if (facts.transferEncodingField >= 0) {
    // §6.3 item 4: a response whose last coding is not chunked runs until the close
    return { framing: facts.lastTransferCoding === 'chunked' ? 'chunked' : 'close' };
  }
  return lengthOrElse(facts, 'close');
}

function lengthOrElse(facts: HeadFacts, otherwise: BodyFraming): FramingDecision {
  if (facts.contentLengthField < 0) return { framing: otherwise };
  const length = parseContentLength(facts.contentLength);
  if (length === undefined) {
    return {
      problem: 'invalid-content-length',
      message: `invalid Content-Length ${JSON.stringify(facts.contentLength.join(', '))}`,
      field: facts.contentLengthField,
    };
  }
  return { framing: 'length', declaredLength: length };
}

/**
 * RFC 9110 §8.6: a list of identical values ("42, 42", or the field repeated) may be taken as
 * one value; anything else is unrecoverable because the message's end is unknown.
 */
export function parseContentLength(values: string[]): number | undefined {
  let length: number | undefined;
  for (const value of values) {
    for (const item of value.split(',')) {
      const text = item.trim();
      if (!/^[0-9]+$/.test(text)) return undefined;
      const n = Number(text);
      if (!Number.isSafeInteger(n)) return undefined;
      if (length !== undefined && n !== length) return undefined;
      length = n;
    }
  }
  return length;
}

/** HTTP/1.1 stays open unless `close`; HTTP/1.0 closes unless `keep-alive` (RFC 9112 §9.3). */
export function keepsAlive(version: string, facts: HeadFacts): boolean {
  if (facts.connectionClose) return false;
  return version === 'HTTP/1.0' ? facts.connectionKeepAlive : true;
}

/** A request after which the connection may stop speaking HTTP/1.x, depending on the answer. */
export function mayUpgrade(request: { method: string; headers: HeaderField[] }): boolean {
  return request.method === 'CONNECT' || upgradeToken(request.headers) !== '';
}

/** The first token of the Upgrade field, as sent; '' without one. */
export function upgradeToken(headers: HeaderField[]): string {
  for (const [name, value] of headers) {
    if (name.length === 7 && name.toLowerCase() === 'upgrade') return value.split(',')[0].trim();
  }
  return '';
}

/** The response turns the rest of the connection into an opaque stream (RFC 9110 §7.8, §9.3.6). */
export function switchesProtocol(requestMethod: string | undefined, status: number): boolean {
  return status === 101 || (requestMethod === 'CONNECT' && status >= 200 && status < 300);
}

/** 1xx other than 101: an interim response; the final one follows (RFC 9110 §15.2). */
export function isInformational(status: number): boolean {
  return status >= 100 && status < 200 && status !== 101;
}

/** The name a switch is known by: 'connect', or the Upgrade token without its version. */
export function switchProtocolName(requestMethod: string | undefined, responseUpgrade: string, requestUpgrade: string): string {
  if (requestMethod === 'CONNECT') return 'connect';
  const token = responseUpgrade || requestUpgrade;
  if (token === '') return 'unknown';
  return token.split('/')[0].trim().toLowerCase();
}

function listTokens(value: string): string[] {
  const tokens: string[] = [];
  for (const part of value.split(',')) {
    const token = part.trim().toLowerCase();
    if (token !== '') tokens.push(token);
  }
  return tokens;
}
