/** The tinytap command line: one file per command, registered here. */
import { Command, CommanderError } from 'commander';

import { TINYTAP_VERSION } from '../version.js';
import { escaped } from '../render/terminal-text.js';
import { reportError } from './errors.js';
import { stderr, stdout } from './terminal.js';
import { registerConns } from './conns.js';
import { registerDiff } from './diff.js';
import { registerExport } from './export.js';
import { registerInfo } from './info.js';
import { registerLs } from './ls.js';
import { registerOpen } from './open.js';
import { registerRecord } from './record.js';
import { registerReparse } from './reparse.js';
import { registerReplay } from './replay.js';
import { registerSearch } from './search.js';
import { registerShow } from './show.js';
import { guardStdout, onOutputFailure } from './stdout.js';

export async function main(argv: string[]): Promise<number> {
  // `| head` ends a command quietly; a full disk is an error, not a cut document (stdout.ts)
  guardStdout(process.stdout);
  onOutputFailure(null);
  const program = new Command();
  program
    .name('tinytap')
    .description('the DevTools Network tab for every process on this Linux machine, recorded to disk')
    .version(TINYTAP_VERSION)
    .exitOverride()
    // commander's usage errors quote the arguments, and a file name can hold anything: its
    // output goes through the same escaping as everything else (help text keeps its lines);
    // "error: unknown option '--x'" → "tinytap: unknown option '--x'", as every other error
    .configureOutput({
      writeOut: (str) => stdout.write(escaped(str, true)),
      writeErr: (str) => stderr.write(escaped(str, true)),
      outputError: (str, write) => write(`tinytap: ${str.replace(/^error: /, '')}`),
    });
  registerRecord(program);
  registerInfo(program);
  registerLs(program);
  registerOpen(program);
  registerShow(program);
  registerSearch(program);
  registerConns(program);
  registerReparse(program);
  registerDiff(program);
  registerReplay(program);
  registerExport(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its one line (usage errors) or the help/version text
      return err.exitCode === 0 ? 0 : 2;
    }
    return reportError(err);
  }
}
