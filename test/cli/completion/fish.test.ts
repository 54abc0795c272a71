// The fish script, sourced in fish and asked with `complete -C`, which is what TAB runs.
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';

import { each, fishComplete, missing } from '../../helpers/completion-shells.js';
import { type Loaded, completesAsDefined, writeScript } from './cases.js';

describe.skipIf(missing('fish'))('fish completion', { timeout: 60_000 }, () => {
  let s: Loaded;
  beforeAll(async () => {
    s = await writeScript('fish');
  });

  it('parses', () => {
    const r = spawnSync('fish', ['--no-execute', s.script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  completesAsDefined(() => each(fishComplete(s.script, s.dir)));

  it('offers negated keys, and options with their descriptions', () => {
    expect(fishComplete(s.script, s.dir)('tinytap ls a.tinytap -sta')).toEqual(expect.arrayContaining(['-status:', '-status-code:']));
    const r = spawnSync('fish', ['--no-config', '-c', 'source $argv[1]; and complete -C "tinytap ls --rev"', s.script], { encoding: 'utf8' });
    expect(r.stdout).toBe('--reverse\treverse the order\n');
  });
});
