/**
 * tinytap's CLI as a process of its own, on the current sources (bundled by esbuild, without a
 * build), with its stdout a pipe or a terminal: a pseudo-terminal made by script(1), so that
 * every `isTTY` branch (colours, progress bars, `show --raw`) runs as it does for a person.
 */
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let bundled: Promise<string> | null = null;

/** The CLI in one file, built once per test process. */
function cliBundle(): Promise<string> {
  bundled ??= (async () => {
    // under node_modules, so that the packages left out of the bundle resolve
    const dir = join(ROOT, 'node_modules/.cache/tinytap-test-cli');
    mkdirSync(dir, { recursive: true });
    const outfile = join(dir, `tinytap-${process.pid}.mjs`);
    await build({
      stdin: {
        contents: "import { main } from './src/cli/main.ts'; process.exitCode = await main(process.argv);",
        resolveDir: ROOT,
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile,
      // packages (better-sqlite3, commander, ink) load from node_modules as they are
      packages: 'external',
      logLevel: 'silent',
      plugins: [
        {
          // modules find their files (package.json, formats/) relative to their own source file
          name: 'source-file-urls',
          setup(b) {
            b.onLoad({ filter: /\.tsx?$/ }, (args) => ({
              contents: readFileSync(args.path, 'utf8').replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
              loader: args.path.endsWith('x') ? 'tsx' : 'ts',
            }));
          },
        },
      ],
    });
    return outfile;
  })();
  return bundled;
}

/** Removes the bundle (a test file's afterAll). */
export async function removeCliBundle(): Promise<void> {
  if (bundled) rmSync(await bundled, { force: true });
  bundled = null;
}

export interface ProcessRun {
  code: number | null;
  /** stdout and stderr; on a terminal both are the terminal, in the order written. */
  out: Buffer;
  err: Buffer;
}

const shellWord = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Runs `tinytap ARGS` in `cwd`. With `terminal`, stdout and stderr are a pseudo-terminal (80
 * columns unless `columns`), and `out` is what the terminal received.
 */
export async function runCliProcess(
  args: string[],
  opts: { cwd: string; terminal?: boolean; env?: Record<string, string>; columns?: number },
): Promise<ProcessRun> {
  const cli = await cliBundle();
  // NO_COLOR only when the case asks for it
  const { NO_COLOR: _, ...inherited } = process.env;
  const env: Record<string, string | undefined> = { ...inherited, TERM: 'xterm-256color', ...opts.env };
  const command = [process.execPath, cli, ...args].map(shellWord).join(' ');
  const [file, argv] = opts.terminal
    ? ['script', ['-qec', `stty cols ${opts.columns ?? 80} rows 50; exec ${command}`, '/dev/null']]
    : [process.execPath, [cli, ...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out: Buffer.concat(out), err: Buffer.concat(err) }));
  });
}
