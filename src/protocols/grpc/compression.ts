/**
 * Inflating a compressed message (grpc-encoding gzip or deflate; PROTOCOL-HTTP2.md and
 * doc/compression.md). Node's zlib does the work; the size it may reach is bounded.
 */
import { constants, gunzipSync, inflateSync } from 'node:zlib';
import { GRPC_LIMITS } from './limits.js';

export type Inflated = { bytes: Uint8Array; length: number; complete: boolean } | { error: string };

/**
 * The payload inflated. `whole` says the compressed bytes are all there; without it (a cut or a
 * gap) what inflates from the start is returned, marked incomplete.
 */
export function inflatePayload(encoding: string, compressed: Uint8Array, whole: boolean): Inflated {
  const inflate = encoding === 'gzip' ? gunzipSync : encoding === 'deflate' ? inflateSync : undefined;
  if (!inflate) {
    if (encoding === 'identity') return { error: 'compressed flag set but grpc-encoding is identity' };
    return { error: `grpc-encoding ${encoding} is not decoded` };
  }
  try {
    const out = inflate(compressed, {
      maxOutputLength: GRPC_LIMITS.maxInflatedBytes,
      finishFlush: whole ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
    });
    return { bytes: out, length: out.length, complete: whole };
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return { error: `inflates to more than ${GRPC_LIMITS.maxInflatedBytes} bytes` };
    return { error: `${encoding} does not inflate: ${(error as Error).message}` };
  }
}
