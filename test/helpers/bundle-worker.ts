/**
 * A worker thread runs JavaScript files only, and the tests run the TypeScript sources: esbuild
 * bundles a worker entry (and what it imports from src/ and test/) into one file, so a test can
 * run a real thread on the current code without a build.
 */
import { build } from 'esbuild';
import { mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let bundles = 0;

/** `replace`: the source to bundle instead of a module's own (a module made to fail), by its path. */
export async function bundleWorker(entry: URL, replace: (path: string) => string | undefined = () => undefined): Promise<URL> {
  // under node_modules, so that the bundle's own imports (better-sqlite3, a native addon that is
  // not bundled) resolve to the project's packages
  const dir = join(ROOT, 'node_modules/.cache/tinytap-test-workers');
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, `${basename(entry.pathname, '.ts')}-${process.pid}-${bundles++}.mjs`);
  await build({
    entryPoints: [fileURLToPath(entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    external: ['better-sqlite3'],
    logLevel: 'silent',
    plugins: [
      {
        // modules find their files (package.json, formats/) relative to their own source file
        name: 'source-file-urls',
        setup(b) {
          b.onLoad({ filter: /\.ts$/ }, (args) => ({
            contents: replace(args.path) ?? readFileSync(args.path, 'utf8').replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
            loader: 'ts',
          }));
        },
      },
    ],
  });
  return pathToFileURL(outfile);
}
