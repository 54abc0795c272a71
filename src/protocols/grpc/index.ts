/** gRPC calls from HTTP/2 streams; see types.ts for what goes in and what comes out. */
export { isGrpcExchange, readGrpcCall, type CallOptions } from './call.js';
export { callContents, messageContent, methodOf, type CallContents, type MessageContent } from './contents.js';
export { GRPC_LIMITS } from './limits.js';
export { GRPC_STATUS_NAMES, statusName } from './status.js';
export type * from './types.js';
