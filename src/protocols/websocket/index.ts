/** WebSocket (RFC 6455, with permessage-deflate, RFC 7692): the two directions after a 101 upgrade. */

/**
 * Bumped whenever the parser's output for the same bytes changes, so that messages derived and
 * stored by an older parser can be recognized and rebuilt.
 */
export const WEBSOCKET_PARSER_VERSION = 1;

export { WebSocketConnection, type WebSocketStart } from './connection.js';
export { WsDirectionReader, type DirectionHooks } from './direction-reader.js';
export { parseExtensions } from './extensions.js';
export { WEBSOCKET_LIMITS } from './limits.js';
export type {
  WsClose,
  WsCutReason,
  WsDeflateParams,
  WsExtensions,
  WsFlaw,
  WsFlawCode,
  WsMessage,
  WsMessageType,
} from './types.js';
