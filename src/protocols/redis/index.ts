/** Redis (RESP2 and RESP3): the direction reader, the connection pairing, and stream sniffing. */

/**
 * Bumped whenever the parser's output for the same bytes changes, so that calls derived and
 * stored by an older parser can be recognized and rebuilt.
 */
export const REDIS_PARSER_VERSION = 1;

export { RedisConnection } from './pairing.js';
export { RespReader, type RespReaderHooks } from './resp-reader.js';
export { looksLikeRedis } from './sniff.js';
export { REDIS_LIMITS } from './limits.js';
export { PASSWORD_PLACEHOLDER } from './command.js';
export type {
  RedisDetail,
  RedisReplyNode,
  RedisTransactionEntry,
  RespAggregate,
  RespMessage,
  RespScalar,
  RespType,
  RespValue,
} from './types.js';
