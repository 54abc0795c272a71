/** HPACK (RFC 7541): a header-block decoder that can join a connection mid-way. */
export { HpackDecoder } from './decoder.js';
export { HPACK_LIMITS, DEFAULT_TABLE_SIZE } from './limits.js';
export type { HpackBlockResult, HpackDecoderOptions, HpackError, HpackErrorCode, HpackField, UnknownFieldReason } from './types.js';
