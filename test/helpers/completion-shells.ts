/**
 * Asking bash, zsh and fish themselves what they would complete, with a script loaded: each
 * answers the way it does at a prompt (zsh through a pseudo-terminal, see zsh-complete.zsh).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { tempDir } from './session-files.js';

export type Complete = (line: string) => string[];

/** What is offered for each of `lines`, asked in one shell where starting one is slow (zsh). */
export type CompleteAll = (lines: string[]) => string[][];

export const each =
  (complete: Complete): CompleteAll =>
  (lines) =>
    lines.map(complete);

/**
 * Whether `program` (a shell, groff) is missing here, so its tests are skipped. CI installs them
 * all (.ci/debian-packages): there a missing one fails rather than skips.
 */
export function missing(program: string): boolean {
  return !process.env.CI && spawnSync('sh', ['-c', 'command -v "$1"', 'sh', program]).status !== 0;
}

/** A directory to complete in: two sessions, another file, a subdirectory. */
export function fixtureDir(): string {
  const dir = tempDir('tinytap-completion-');
  for (const f of ['a.tinytap', 'b.tinytap', 'notes.txt']) writeFileSync(join(dir, f), '');
  mkdirSync(join(dir, 'sub'));
  return dir;
}

function run(command: string, args: string[], cwd: string): string {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 20_000, env: { ...process.env, HOME: cwd } });
  if (r.status !== 0) throw new Error(`${command} exited ${r.status ?? r.signal}: ${r.stderr}`);
  return r.stdout;
}

const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '');

/**
 * How readline cuts a line into COMP_WORDS: at blanks, and around the COMP_WORDBREAKS
 * characters a filter term or --opt=value holds (`status:5` is `status` `:` `5`). Unquoted
 * words only, which is all these tests type.
 */
export function compWords(line: string): string[] {
  const words = line.match(/[^\s:=]+|[:=]+/g) ?? [];
  return /\s$/.test(line) ? [...words, ''] : words;
}

/** compopt cannot run outside a completion readline started, so it is recorded instead. */
const BASH_DRIVER = `
source "$1" || exit 3
compopts=()
compopt() { compopts+=("$*"); }
COMP_LINE=$2 COMP_POINT=\${#2}
shift 2
COMP_WORDS=("$@") COMP_CWORD=$(($# - 1))
_tinytap tinytap
printf '%s\\n' "\${COMPREPLY[@]}"
printf '%s\\n' "\${compopts[@]}" >&2
`;

/** Also what compopt was asked (-o nospace, -o filenames), on stderr. */
export function bashCompleteWithOptions(script: string, cwd: string, line: string): { words: string[]; compopt: string[] } {
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', BASH_DRIVER, 'bash', script, line, ...compWords(line)], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bash exited ${r.status}: ${r.stderr}`);
  return { words: lines(r.stdout), compopt: lines(r.stderr) };
}

export const bashComplete =
  (script: string, cwd: string): Complete =>
  (line) =>
    bashCompleteWithOptions(script, cwd, line).words;

export const zshCompleteAll =
  (script: string, cwd: string): CompleteAll =>
  (typed) =>
    run('zsh', ['-f', join(import.meta.dirname, 'zsh-complete.zsh'), script, ...typed], cwd)
      .split('<<NEXT>>\n')
      .slice(0, -1)
      .map(lines);

export const zshComplete =
  (script: string, cwd: string): Complete =>
  (line) =>
    zshCompleteAll(script, cwd)([line])[0];

/** fish prints "word<TAB>description"; a directory ends in '/'. */
export const fishComplete =
  (script: string, cwd: string): Complete =>
  (line) =>
    lines(run('fish', ['--no-config', '-c', 'source $argv[1]; and complete -C $argv[2]', script, line], cwd)).map((l) => l.split('\t')[0].replace(/\/$/, ''));
