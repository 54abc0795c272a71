// Definitions are ours, but each script quotes every word anyway: a description or choice with
// quotes, $(...), backquotes and the shells' own specials is loaded as text, never run, and
// completes to exactly itself.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Argument, Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';

import { programNode } from '../../../src/cli/command-tree.js';
import { bashScript } from '../../../src/cli/completion/bash.js';
import { fishScript } from '../../../src/cli/completion/fish.js';
import { zshScript } from '../../../src/cli/completion/zsh.js';
import { type Complete, bashComplete, fishComplete, fixtureDir, missing, zshComplete } from '../../helpers/completion-shells.js';

const EVIL = `it's "$(touch pwned)" \`touch pwned\` \\ [x]: ;&| $HOME (a) {b} %`;
const CHOICES = [`it's`, 'a b', '$(touch pwned)', 'x:y', '[z]'];

function evilProgram(): Command {
  const p = new Command().name('tinytap').description(EVIL);
  p.command('ls').description(EVIL).argument('<file>', 'a .tinytap session').argument('[filter...]', EVIL).option('--json', EVIL).option('--sort <column>', EVIL, `d'f`);
  p.command('pick').description(EVIL).addArgument(new Argument('<x>', EVIL).choices(CHOICES));
  return p;
}

const SHELLS: [string, (program: ReturnType<typeof programNode>, keys: string[]) => string, (script: string, dir: string) => Complete][] = [
  ['bash', bashScript, bashComplete],
  ['zsh', zshScript, zshComplete],
  ['fish', fishScript, fishComplete],
];

describe.each(SHELLS)('%s: words from the definitions stay text', { timeout: 60_000 }, (shell, generate, completer) => {
  let dir = '';
  let complete: Complete = () => [];
  beforeAll(() => {
    dir = fixtureDir();
    const script = join(dir, `evil.${shell}`);
    writeFileSync(script, generate(programNode(evilProgram()), ['status:', `it's:`]));
    complete = completer(script, dir);
  });

  it.skipIf(missing(shell))('completes them as they are, running nothing', () => {
    expect(complete('tinytap pick ').sort()).toEqual([...CHOICES].sort());
    expect(complete('tinytap ls --')).toEqual(expect.arrayContaining(['--json', '--sort']));
    expect(complete('tinytap ls a.tinytap ')).toEqual(expect.arrayContaining(['status:', `it's:`]));
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
  });

  it.skipIf(missing(shell))('parses', () => {
    const check = { bash: ['-n'], zsh: ['-n'], fish: ['--no-execute'] }[shell]!;
    const r = spawnSync(shell, [...check, join(dir, `evil.${shell}`)], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
  });
});
