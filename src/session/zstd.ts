/**
 * zstd (RFC 8878), the codec of the blocks tinytap records (event_blocks.codec 2, SPEC.md §3.2),
 * through libzstd in the native addon (native/block_codec.cc). Node 20's zlib has no zstd, and
 * the JavaScript and WebAssembly ports run at a fraction of libzstd's speed on the recorder's
 * hot path; the addon is there wherever tinytap records. It is loaded on first use, so reading
 * a file of deflate blocks never needs it.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Small frames made and read with one dictionary (native/block_codec.h). */
export interface ZstdDictionary {
  compress(data: Uint8Array): Buffer;
  /** Throws (code EZSTD) if the frame is damaged, made with another dictionary, or holds more than maxLen bytes. */
  decompress(data: Uint8Array, maxLen: number): Buffer;
}

interface ZstdBinding {
  zstdCompress(data: Uint8Array, level: number): Buffer;
  zstdDecompress(data: Uint8Array, rawLen: number): Buffer;
  zstdTrainDictionary(samples: Uint8Array, sizes: number[], capacity: number): Buffer;
  ZstdDictionary: new (dictionary: Uint8Array, level: number) => ZstdDictionary;
}

/** The recorder's level: bench/NOTES.md ("Recording overhead") has the levels measured on its records. */
export const ZSTD_LEVEL = 1;

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
let binding: ZstdBinding | null = null;

function addon(): ZstdBinding {
  if (binding) return binding;
  try {
    // the same module record/binding.ts loads: node-gyp-build finds the build or the prebuild
    binding = createRequire(import.meta.url)('node-gyp-build')(projectRoot) as ZstdBinding;
  } catch (err) {
    const e = new Error(
      `zstd blocks are read by the native addon, which is not built (${(err as Error).message.split('\n')[0]}): run npm rebuild -g tinytap (in a checkout: ./setup.sh)`,
    ) as Error & { code: string };
    e.code = 'ENOADDON';
    throw e;
  }
  return binding;
}

/** One zstd frame of `data`, with its content size and a checksum. */
export function zstdCompress(data: Uint8Array, level = ZSTD_LEVEL): Buffer {
  return addon().zstdCompress(data, level);
}

/**
 * zstd frames laid end to end, decompressed into exactly `rawLen` bytes (the caller bounds it);
 * throws an error of code EZSTD, saying what is wrong, if they do not make exactly that.
 */
export function zstdDecompress(data: Uint8Array, rawLen: number): Buffer {
  return addon().zstdDecompress(data, rawLen);
}

/**
 * A dictionary of at most `capacity` bytes trained on `samples`, or null when they are too few or
 * too alike to train one (zstd says so).
 */
export function trainZstdDictionary(samples: Uint8Array[], capacity: number): Buffer | null {
  try {
    return addon().zstdTrainDictionary(Buffer.concat(samples), samples.map((s) => s.length), capacity);
  } catch (err) {
    if ((err as { code?: string }).code === 'EZSTD') return null;
    throw err;
  }
}

/** `dictionary` digested for making (at `level`) and reading small frames. */
export function zstdDictionary(dictionary: Uint8Array, level = 3): ZstdDictionary {
  return new (addon().ZstdDictionary)(dictionary, level);
}
