/**
 * Running exported curl commands with `sh` against a stand-in curl that records its argv and
 * stdin: the shell quoting is tested byte for byte, without a network or root.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { tempDir } from '../helpers/session-files.js';

export interface CurlRun {
  /** Each argument's bytes. */
  args: Buffer[];
  stdin: Buffer;
}

const FAKE_CURL = `#!/bin/sh
n=$(ls "$FAKE_OUT" | grep -c '\\.args$')
for a in "$@"; do printf '%s\\0' "$a"; done > "$FAKE_OUT/$n.args"
cat > "$FAKE_OUT/$n.stdin"
`;

/** Run `script` with sh, curl being the stand-in; what each curl call received, in order. */
export function runWithFakeCurl(script: string, cwd?: string): CurlRun[] {
  const dir = tempDir('tinytap-fake-curl-');
  const bin = join(dir, 'bin');
  const out = join(dir, 'out');
  mkdirSync(bin);
  mkdirSync(out);
  writeFileSync(join(bin, 'curl'), FAKE_CURL);
  chmodSync(join(bin, 'curl'), 0o755);
  execFileSync('sh', ['-c', script], {
    cwd: cwd ?? dir,
    env: { PATH: `${bin}:/usr/bin:/bin`, FAKE_OUT: out },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const runs = readdirSync(out).filter((f) => f.endsWith('.args')).length;
  return Array.from({ length: runs }, (_, i) => {
    const raw = readFileSync(join(out, `${i}.args`));
    const args: Buffer[] = [];
    for (let at = 0; at < raw.length; ) {
      const end = raw.indexOf(0, at);
      args.push(raw.subarray(at, end));
      at = end + 1;
    }
    return { args, stdin: readFileSync(join(out, `${i}.stdin`)) };
  });
}

/** The arguments as Latin-1 strings (one character per byte), easy to compare. */
export function argText(run: CurlRun): string[] {
  return run.args.map((a) => a.toString('latin1'));
}
