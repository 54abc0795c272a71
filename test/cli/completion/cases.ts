/**
 * What every shell's script must complete, asked of the shell itself, in fixtureDir() (a.tinytap,
 * b.tinytap, notes.txt, sub/). The expectations come from the command definitions and
 * src/query/keys.ts, as the scripts do.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';

import { type ProgramNode, programNode } from '../../../src/cli/command-tree.js';
import { fullProgram } from '../../../src/cli/main.js';
import { KNOWN_KEYS } from '../../../src/query/keys.js';
import type { CompleteAll } from '../../helpers/completion-shells.js';
import { fixtureDir } from '../../helpers/completion-shells.js';
import { runCli } from '../../helpers/run-cli.js';

interface Case {
  line: string;
  offers: string[];
  not?: string[];
}

const PROGRAM = programNode(await fullProgram());

function cases(program: ProgramNode): Case[] {
  const ls = program.commands.find((c) => c.name === 'ls')!;
  const lsOptions = ls.options.map((o) => o.long).filter((l): l is string => l !== null);
  return [
    { line: 'tinytap l', offers: ['ls'], not: ['record', 'info'] },
    // ls's own options, not export's (--har) or open's (--follow)
    { line: 'tinytap ls --', offers: lsOptions, not: ['--har', '--follow', '--version'] },
    { line: 'tinytap ls a.tinytap sta', offers: ['status:', 'status-code:'], not: ['host:', 'a.tinytap'] },
    { line: 'tinytap ls a.tinytap ', offers: KNOWN_KEYS.map((k) => `${k}:`), not: ['a.tinytap', '--json'] },
    { line: 'tinytap ls a.tinytap status:5xx gr', offers: ['grpc.service:', 'grpc.method:', 'grpc.status:'] },
    // a key's value is the session's to know
    { line: 'tinytap ls a.tinytap status:5', offers: [], not: ['status:', 'a.tinytap'] },
    { line: 'tinytap ls ', offers: ['a.tinytap', 'b.tinytap', 'sub'], not: ['notes.txt', 'method:'] },
    { line: 'tinytap ls -n 5 ', offers: ['a.tinytap'], not: ['method:'] },
    { line: 'tinytap diff a.tinytap ', offers: ['b.tinytap'], not: ['method:'] },
    // search FILE TEXT [filter...]: the filter is the third
    { line: 'tinytap search a.tinytap timeout ho', offers: ['host:'] },
    { line: 'tinytap export a.tinytap -o ', offers: ['notes.txt', 'a.tinytap'] },
    { line: 'tinytap export a.tinytap --bruno ', offers: ['sub'], not: ['notes.txt', 'a.tinytap'] },
    { line: 'tinytap completion ', offers: ['bash', 'zsh', 'fish'] },
    // service's subcommands, each with its own options (not ls's --sort, nor status's or record's)
    { line: 'tinytap service ', offers: ['install', 'uninstall', 'status'], not: ['record', 'ls', 'a.tinytap'] },
    {
      line: 'tinytap service install --',
      offers: ['--dir', '--rotate', '--keep', '--port', '--comm', '--force', '--no-start', '--name', '--unit-dir', '--help'],
      not: ['--sort', '--output', '--version'],
    },
    { line: 'tinytap service status --', offers: ['--name', '--unit-dir'], not: ['--rotate', '--dir'] },
    { line: 'tinytap service install --dir ', offers: ['sub'], not: ['notes.txt', 'a.tinytap', 'install'] },
    { line: 'tinytap service install --name x --unit-dir ', offers: ['sub'], not: ['notes.txt', 'a.tinytap'] },
    { line: 'tinytap help e', offers: ['export'], not: ['ls'] },
  ];
}

export interface Loaded {
  script: string;
  dir: string;
}

/** The script `tinytap completion SHELL` prints, written into a fresh fixtureDir(). */
export async function writeScript(shell: string): Promise<Loaded> {
  const r = await runCli('completion', shell);
  expect(r.code, r.err).toBe(0);
  const dir = fixtureDir();
  const script = join(dir, `script.${shell}`);
  writeFileSync(script, r.out);
  return { script, dir };
}

/** One test a case, all asked at once (of the shell that `completeAll` asks, once the script is written). */
export function completesAsDefined(completeAll: () => CompleteAll): void {
  const all = cases(PROGRAM);
  let offered: string[][] = [];
  beforeAll(() => {
    offered = completeAll()(all.map((c) => c.line));
  });
  it.each(all.map((c, i) => ({ ...c, i })))('$line', ({ offers, not = [], i }) => {
    if (offers.length === 0) expect(offered[i]).toEqual([]);
    for (const w of offers) expect(offered[i]).toContain(w);
    for (const w of not) expect(offered[i]).not.toContain(w);
  });
}
