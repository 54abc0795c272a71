/** gRPC status codes (https://github.com/grpc/grpc/blob/master/doc/statuscodes.md). */
import type { GrpcStatusName } from './types.js';

export const GRPC_STATUS_NAMES: readonly GrpcStatusName[] = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];

export function statusName(code: number): GrpcStatusName | undefined {
  return GRPC_STATUS_NAMES[code];
}

/**
 * The status a client gives a call whose response had no grpc-status, from its HTTP status
 * (https://github.com/grpc/grpc/blob/master/doc/http-grpc-status-mapping.md).
 */
export function statusFromHttp(httpStatus: number): number {
  switch (httpStatus) {
    case 400:
      return 13; // INTERNAL
    case 401:
      return 16; // UNAUTHENTICATED
    case 403:
      return 7; // PERMISSION_DENIED
    case 404:
      return 12; // UNIMPLEMENTED
    case 429:
    case 502:
    case 503:
    case 504:
      return 14; // UNAVAILABLE
    default:
      return 2; // UNKNOWN
  }
}
