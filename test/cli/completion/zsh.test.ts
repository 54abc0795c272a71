// The zsh script, loaded in an interactive zsh (on a pseudo-terminal) and asked with TAB.
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';

import { missing, zshCompleteAll } from '../../helpers/completion-shells.js';
import { type Loaded, completesAsDefined, writeScript } from './cases.js';

describe.skipIf(missing('zsh'))('zsh completion', { timeout: 60_000 }, () => {
  let s: Loaded;
  beforeAll(async () => {
    s = await writeScript('zsh');
  });

  it('parses, and defines _tinytap for tinytap when sourced', () => {
    const r = spawnSync('zsh', ['-f', '-c', 'autoload -Uz compinit && compinit -u -D && source "$1" && print -r -- $_comps[tinytap]', 'zsh', s.script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('_tinytap');
  });

  completesAsDefined(() => zshCompleteAll(s.script, s.dir));
});
