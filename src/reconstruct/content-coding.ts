/**
 * Removing a body's Content-Encoding for display and search (the raw bytes stay as captured).
 * Node's zlib does gzip, deflate and br, so no library is needed. A truncated body still
 * decodes as far as it goes (the streaming decoders are fed with finishFlush SYNC_FLUSH), and
 * output is capped so a decompression bomb cannot take the reader's memory.
 */
import { brotliDecompressSync, constants, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';

export interface Decoded {
  bytes: Uint8Array | null;
  error: string | null;
}

/** Largest decoded body kept, per body. */
export const MAX_DECODED_BYTES = 16 << 20;

const GZIP_OPTS = { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: MAX_DECODED_BYTES };

function inflateEither(input: Uint8Array): Buffer {
  // "deflate" is specified as zlib-wrapped (RFC 9110 §8.4.1.2) but some servers send raw DEFLATE
  try {
    return inflateSync(input, GZIP_OPTS);
  } catch {
    return inflateRawSync(input, GZIP_OPTS);
  }
}

/** Content-Encoding tokens in the order they were applied, lower case (identity dropped). */
export function parseContentEncoding(value: string | null): string[] {
  if (!value) return [];
  return value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s && s !== 'identity');
}

export function decodeContent(body: Uint8Array, encodings: string[]): Decoded {
  if (encodings.length === 0) return { bytes: null, error: null };
  let data: Uint8Array = body;
  try {
    // codings were applied in order, so they come off in reverse
    for (const coding of [...encodings].reverse()) {
      switch (coding) {
        case 'gzip':
        case 'x-gzip':
          data = gunzipSync(data, GZIP_OPTS);
          break;
        case 'deflate':
          data = inflateEither(data);
          break;
        case 'br':
          data = brotliDecompressSync(data, {
            finishFlush: constants.BROTLI_OPERATION_FLUSH,
            maxOutputLength: MAX_DECODED_BYTES,
          });
          break;
        default:
          return { bytes: null, error: `unsupported content-encoding ${coding}` };
      }
    }
    return { bytes: data, error: null };
  } catch (err) {
    return { bytes: null, error: `cannot decode ${encodings.join(', ')}: ${(err as Error).message}` };
  }
}
