/** HTTP/2 (RFC 9113): one exchange per stream, from the two byte streams of a connection. */

/**
 * Bumped whenever the parser's output for the same bytes changes, so that exchanges derived and
 * stored by an older parser can be recognized and rebuilt.
 */
export const HTTP2_PARSER_VERSION = 2;

export { Http2Connection } from './connection.js';
export { headersSide, looksLikeHttp2Frames, looksLikeHttp2Preface, startsWithHttp2Frames } from './sniff.js';
export { HTTP2_LIMITS } from './limits.js';
export { CLIENT_PREFACE, errorCodeName } from './constants.js';
export type {
  BodyGap,
  ExchangeTiming,
  HeaderField,
  Http2Body,
  Http2ConnectionFacts,
  Http2ConnectionOptions,
  Http2ErrorCode,
  Http2Exchange,
  Http2Goaway,
  Http2Message,
  Http2ParseError,
  Http2Request,
  Http2Reset,
  Http2Response,
  Http2SettingsFrame,
  Http2Side,
  Http2Start,
  Http2UnknownField,
  StreamRange,
} from './types.js';
