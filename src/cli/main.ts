/** The tinytap command line: one file per command, registered here. */
import { Command, CommanderError } from 'commander';

import { TINYTAP_VERSION } from '../version.js';
import { escaped } from '../render/terminal-text.js';
import { reportError } from './errors.js';
import { stderr, stdout } from './terminal.js';
import { guardStdout, onOutputFailure } from './stdout.js';

type Register = (program: Command) => void;

/**
 * Each command's module, loaded when needed: loading all of them (and what they import: the
 * protocol parsers, the diff engine, protobufjs...) took a third of a second before any command
 * ran, `record`'s start-up included. In the order `--help` lists them.
 */
const COMMANDS: [string, () => Promise<Register>][] = [
  ['record', async () => (await import('./record.js')).registerRecord],
  ['doctor', async () => (await import('./doctor.js')).registerDoctor],
  ['service', async () => (await import('./service.js')).registerService],
  ['info', async () => (await import('./info.js')).registerInfo],
  ['ls', async () => (await import('./ls.js')).registerLs],
  ['open', async () => (await import('./open.js')).registerOpen],
  ['show', async () => (await import('./show.js')).registerShow],
  ['search', async () => (await import('./search.js')).registerSearch],
  ['conns', async () => (await import('./conns.js')).registerConns],
  ['reparse', async () => (await import('./reparse.js')).registerReparse],
  ['diff', async () => (await import('./diff.js')).registerDiff],
  ['replay', async () => (await import('./replay.js')).registerReplay],
  ['export', async () => (await import('./export.js')).registerExport],
  ['completion', async () => (await import('./completion.js')).registerCompletion],
  ['man', async () => (await import('./man.js')).registerMan],
];

/**
 * The commands to register: the one named (the first word that is not an option, as commander
 * reads it: the program has no options that take a value), or every one for `--help`, `help`,
 * a mistyped name and no name at all, so that what commander says about them is unchanged.
 */
function commandsFor(argv: string[]): [string, () => Promise<Register>][] {
  const name = argv.slice(2).find((a) => !a.startsWith('-'));
  const one = COMMANDS.filter(([n]) => n === name);
  return one.length ? one : COMMANDS;
}

/** The program with every command, in order: what completion and the man page describe. */
export async function fullProgram(): Promise<Command> {
  const program = tinytapProgram();
  for (const [, load] of COMMANDS) (await load())(program);
  return program;
}

/** The program without its commands. */
function tinytapProgram(): Command {
  return new Command()
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
}

export async function main(argv: string[]): Promise<number> {
  // `| head` ends a command quietly; a full disk is an error, not a cut document (stdout.ts)
  guardStdout(process.stdout);
  onOutputFailure(null);
  const args = argv.slice(2);
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    // more than commander's one line: which addon, BPF object and formats (loaded only for this)
    stdout.write(escaped(`${(await import('./version-text.js')).versionText()}\n`, true));
    return 0;
  }
  const program = tinytapProgram();
  try {
    for (const [, load] of commandsFor(argv)) (await load())(program);
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
