/** gRPC calls from HTTP/2 streams; see types.ts for what goes in and what comes out. */

/** Bumped whenever what is read of a call changes: part of DERIVED_VERSION, so stored calls are rebuilt. */
export const GRPC_READER_VERSION = 1;

export { isGrpcExchange, readGrpcCall, type CallOptions } from './call.js';
export { callContents, messageContent, methodOf, type CallContents, type CallMessages, type MessageBytes, type MessageContent } from './contents.js';
export { GRPC_LIMITS } from './limits.js';
export { GRPC_STATUS_NAMES, statusName } from './status.js';
export type * from './types.js';
