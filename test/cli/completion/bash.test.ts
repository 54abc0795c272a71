// The bash script, sourced in bash and asked as readline asks it (COMP_WORDS, COMP_CWORD, ...).
import { beforeAll, describe, expect, it } from 'vitest';

import { bashComplete, each, bashCompleteWithOptions } from '../../helpers/completion-shells.js';
import { type Loaded, completesAsDefined, writeScript } from './cases.js';

describe('bash completion', () => {
  let s: Loaded;
  beforeAll(async () => {
    s = await writeScript('bash');
  });

  completesAsDefined(() => each(bashComplete(s.script, s.dir)));

  it('puts no space after a key, so its value can follow', () => {
    const r = bashCompleteWithOptions(s.script, s.dir, 'tinytap ls a.tinytap grpc.se');
    expect(r.words).toEqual(['grpc.service:']);
    expect(r.compopt).toContain('-o nospace');
  });

  it('file names are quoted by bash, as file names (-o filenames)', () => {
    expect(bashCompleteWithOptions(s.script, s.dir, 'tinytap ls a').compopt).toContain('-o filenames');
  });

  it('completes after --opt= and after a key:value, though readline cuts the word there', () => {
    // the word bash replaces is the piece after '=': the reply is that piece
    expect(bashComplete(s.script, s.dir)('tinytap export a.tinytap --output=no')).toEqual(['notes.txt']);
    expect(bashComplete(s.script, s.dir)('tinytap ls a.tinytap status:5xx -ho')).toEqual(['-host:']);
  });

  it('offers negated keys after a single dash, with the short options', () => {
    const offered = bashComplete(s.script, s.dir)('tinytap ls a.tinytap -');
    expect(offered).toEqual(expect.arrayContaining(['-r', '-n', '-status:', '-host:']));
  });

  it('offers programs to run after record --', () => {
    expect(bashComplete(s.script, s.dir)('tinytap record -- bas')).toContain('bash');
  });
});
