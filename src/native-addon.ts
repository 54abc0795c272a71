/**
 * Finding the native addon (native/, built by node-gyp or shipped as a prebuild), in one place:
 * the recorder's binding (record/binding.ts) and the block codec readers use (session/zstd.ts)
 * load the same module, and a missing build is the same one-line error for both.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const projectRoot = fileURLToPath(new URL('../', import.meta.url));

export class AddonMissingError extends Error {
  readonly code = 'ENOADDON';
}

let addon: unknown = null;

/** The addon's exports, typed by the caller; node-gyp-build finds the build or the prebuild. */
export function loadAddon<T>(): T {
  if (addon) return addon as T;
  try {
    addon = createRequire(import.meta.url)('node-gyp-build')(projectRoot);
  } catch (err) {
    throw new AddonMissingError(
      `the native addon is not built (${(err as Error).message.split('\n')[0]}): run ./setup.sh or npm run build`,
    );
  }
  return addon as T;
}
