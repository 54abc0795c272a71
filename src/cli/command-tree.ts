/**
 * The commander definition as plain data, read through commander's own Help (what `--help`
 * prints), so the completion scripts and the man page cannot drift from it.
 */
import type { EventEmitter } from 'node:events';

import type { Argument, Command, Help, Option } from 'commander';

/**
 * What a value on the command line is, for completing it. Read from the names and words the
 * definitions already use: the argument called `filter` is filter-arg.ts's FILTER, a session is
 * "a .tinytap session" wherever it appears, `<dir>` and `<file>` values (and those of a
 * `--…-file` option) are what they say.
 */
export type ValueKind = 'session' | 'file' | 'dir' | 'filter' | 'program' | 'choice' | 'word';

export interface ValueSpec {
  kind: ValueKind;
  /** The values a 'choice' takes. */
  choices: string[];
}

export interface ArgumentNode extends ValueSpec {
  name: string;
  description: string;
  required: boolean;
  variadic: boolean;
}

export interface OptionNode {
  flags: string;
  short: string | null;
  long: string | null;
  /** As --help shows it, defaults included. */
  description: string;
  /** null for a flag that takes no value. */
  value: (ValueSpec & { name: string }) | null;
}

export interface CommandNode {
  name: string;
  /** `ls [options] <file> [filter...]`; a subcommand's after its command's name: `service install [options]` */
  usage: string;
  description: string;
  args: ArgumentNode[];
  options: OptionNode[];
  /** Text added to --help around the generated part (addHelpText). */
  notes: string;
  /** `service install`, `service status`...: one level of them (empty for most commands, and for a subcommand). */
  subcommands: CommandNode[];
}

export interface ProgramNode {
  name: string;
  version: string;
  description: string;
  options: OptionNode[];
  commands: CommandNode[];
}

/** `option`: the long name of the option whose value this is. */
export function valueKind(name: string, description: string, choices: readonly string[] | undefined, option = ''): ValueKind {
  if (choices?.length) return 'choice';
  if (name === 'filter') return 'filter';
  if (description.includes('.tinytap')) return 'session';
  if (name === 'dir' || option.endsWith('-dir')) return 'dir';
  if (name === 'file' || option.endsWith('-file')) return 'file';
  return 'word';
}

/** `commands`: the program's command names, which `help [command]` takes. */
function argumentNode(arg: Argument, help: Help, commands: string[] | null): ArgumentNode {
  const name = arg.name();
  const base = { name, description: help.argumentDescription(arg), required: arg.required, variadic: arg.variadic };
  // `record [command...]` runs a program
  if (name === 'command') return { ...base, kind: commands ? 'choice' : 'program', choices: commands ?? [] };
  return { ...base, kind: valueKind(name, arg.description, arg.argChoices), choices: arg.argChoices ?? [] };
}

function optionNode(option: Option, help: Help): OptionNode {
  const valueName = /[<[]([^>\]]+?)(?:\.\.\.)?[>\]]/.exec(option.flags)?.[1];
  const choices = option.argChoices ?? [];
  return {
    flags: option.flags,
    short: option.short ?? null,
    long: option.long ?? null,
    description: help.optionDescription(option),
    value: valueName === undefined ? null : { name: valueName, kind: valueKind(valueName, option.description, choices, option.long), choices },
  };
}

/**
 * The text addHelpText adds at `position`. Commander keeps it only as a listener of the event
 * outputHelp emits (a Command is an EventEmitter; its typings do not say so).
 */
function helpText(cmd: Command, position: 'before' | 'after'): string {
  let text = '';
  (cmd as unknown as EventEmitter).emit(`${position}Help`, { error: false, command: cmd, write: (s: string) => (text += s) });
  return text.trim();
}

/** `parent`: the program, or the command whose subcommand `cmd` is (then `path` is that command's name). */
function commandNode(cmd: Command, help: Help, parent: Command, path = ''): CommandNode {
  // commander makes the `help` command for --help only: it is not among parent.commands
  const commands = parent.commands.includes(cmd) ? null : help.visibleCommands(parent).map((c) => c.name());
  const name = path ? `${path} ${cmd.name()}` : cmd.name();
  return {
    name: cmd.name(),
    usage: `${name} ${cmd.usage()}`,
    description: help.commandDescription(cmd),
    args: cmd.registeredArguments.map((a) => argumentNode(a, help, commands)),
    options: help.visibleOptions(cmd).map((o) => optionNode(o, help)),
    notes: [helpText(cmd, 'before'), helpText(cmd, 'after')].filter(Boolean).join('\n\n'),
    subcommands: path ? [] : help.visibleCommands(cmd).map((c) => commandNode(c, help, cmd, name)),
  };
}

/** `program` with its commands registered. */
export function programNode(program: Command): ProgramNode {
  const help = program.createHelp();
  return {
    name: program.name(),
    version: program.version() ?? '',
    description: help.commandDescription(program),
    options: help.visibleOptions(program).map((o) => optionNode(o, help)),
    commands: help.visibleCommands(program).map((c) => commandNode(c, help, program)),
  };
}
