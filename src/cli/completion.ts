/** `tinytap completion SHELL`: a completion script made from the same definitions as --help. */
import { Argument, type Command } from 'commander';

import { escaped } from '../render/terminal-text.js';
import { type ProgramNode, programNode } from './command-tree.js';
import { bashScript } from './completion/bash.js';
import { fishScript } from './completion/fish.js';
import { zshScript } from './completion/zsh.js';
import { filterWords, keyPrefixes } from './filter-words.js';
import { fullProgram } from './main.js';
import { stdout } from './terminal.js';

const SCRIPTS: Record<string, (program: ProgramNode, filterKeys: readonly string[]) => string> = {
  bash: bashScript,
  zsh: zshScript,
  fish: fishScript,
};

export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .description('print a completion script for bash, zsh or fish: commands, options, filter keys, session files')
    .addArgument(new Argument('<shell>', 'the shell').choices(Object.keys(SCRIPTS)))
    .addHelpText(
      'after',
      '\nTo load it:\n' +
        '  bash  eval "$(tinytap completion bash)" in ~/.bashrc\n' +
        '  zsh   tinytap completion zsh > DIR/_tinytap, DIR a directory of $fpath (before compinit)\n' +
        '  fish  tinytap completion fish > ~/.config/fish/completions/tinytap.fish',
    )
    .action(async (shell: string) => {
      // main.ts loaded only this command; the script describes them all
      stdout.write(escaped(SCRIPTS[shell](programNode(await fullProgram()), keyPrefixes(filterWords())), true));
    });
}
