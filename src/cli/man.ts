/** `tinytap man`: the manual page, made from the same definitions as --help. */
import type { Command } from 'commander';

import { escaped } from '../render/terminal-text.js';
import { programNode } from './command-tree.js';
import { filterWords } from './filter-words.js';
import { fullProgram } from './main.js';
import { manPageOf } from './manpage/page.js';
import { stdout } from './terminal.js';

/** tinytap(1) in roff, for packaging (dist/tinytap.1) as for `tinytap man`. */
export async function manPage(): Promise<string> {
  return manPageOf(programNode(await fullProgram()), filterWords());
}

export function registerMan(program: Command): void {
  program
    .command('man')
    .description('print the manual page, in roff (read it with: tinytap man | man -l -)')
    .action(async () => {
      stdout.write(escaped(await manPage(), true));
    });
}
