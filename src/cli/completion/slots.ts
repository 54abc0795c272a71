/** Where on a command line each kind of value goes: what every shell's script is built from. */
import type { CommandNode, OptionNode, ProgramNode, ValueSpec } from '../command-tree.js';

/** The value of the `position`-th argument (from 1), and of every later one when `repeats`. */
export interface Slot {
  position: number;
  repeats: boolean;
  value: ValueSpec;
}

const FILES: ValueSpec = { kind: 'file', choices: [] };

export function argumentSlots(cmd: CommandNode): Slot[] {
  const slots: Slot[] = cmd.args.map((a, i) => ({ position: i + 1, repeats: a.variadic, value: a }));
  const last = slots.at(-1);
  // a program's name comes first; what follows are its own arguments, most often files
  if (last?.value.kind === 'program' && last.repeats) slots.splice(-1, 1, { ...last, repeats: false }, { position: last.position + 1, repeats: true, value: FILES });
  return slots;
}

/** Each name of an option: `-n`, `--limit`. */
export function optionNames(option: OptionNode): string[] {
  return [option.short, option.long].filter((n): n is string => n !== null);
}

/** A command, or a subcommand, with the words that name it on a command line: `ls`, `service install`. */
export interface NamedCommand {
  path: string;
  cmd: CommandNode;
}

/** Every command, each followed by its subcommands. */
export function everyCommand(program: ProgramNode): NamedCommand[] {
  return program.commands.flatMap((cmd) => [{ path: cmd.name, cmd }, ...cmd.subcommands.map((sub) => ({ path: `${cmd.name} ${sub.name}`, cmd: sub }))]);
}

/** What the first argument of a command with subcommands is: one of their names. */
export function subcommandNames(cmd: CommandNode): ValueSpec {
  return { kind: 'choice', choices: cmd.subcommands.map((c) => c.name) };
}
