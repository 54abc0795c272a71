/** HTTP/1.x: the direction parser, the connection pairing, and stream sniffing. */

/**
 * Bumped whenever the parser's output for the same bytes changes, so that exchanges derived and
 * stored by an older parser can be recognized and rebuilt.
 */
export const HTTP1_PARSER_VERSION = 1;

export { Http1Connection } from './pairing.js';
export { Http1Parser, type Http1ParserHooks, type MessageKind } from './parser.js';
export { looksLikeHttp1Request, looksLikeHttp1Response } from './sniff.js';
export { DEFAULT_HTTP1_LIMITS } from './limits.js';
export { parseHead, type ParsedHead } from './head.js';
export { isFlaw } from './flaw.js';
export type {
  BodyFraming,
  BodyGap,
  ExchangeTiming,
  HeaderField,
  Http1ErrorCode,
  Http1Exchange,
  Http1Limits,
  Http1ParseError,
  HttpBody,
  HttpMessage,
  HttpRequest,
  HttpResponse,
  ProtocolSwitch,
  StreamRange,
} from './types.js';
