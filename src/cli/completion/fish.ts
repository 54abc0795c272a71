/**
 * The fish completion script: a `complete` line per command, option and argument, each under a
 * condition that a small fixed function answers (which command, which argument).
 */
import type { CommandNode, ProgramNode, ValueSpec } from '../command-tree.js';
import { argumentSlots, everyCommand, optionNames } from './slots.js';

/** A fish word that stays the string it was given. */
function fishQuote(s: string): string {
  return `'${s.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/** A fish word, quoted if it needs to be. */
function fishWord(s: string): string {
  return /^[\w.:+-]+$/.test(s) ? s : fishQuote(s);
}

/** `complete -a` takes a list that fish evaluates: a word quoted (if it needs it) inside the quoted list. */
function wordList(words: readonly string[]): string {
  return fishQuote(words.map(fishWord).join(' '));
}

/** What `complete` offers for a value of this kind. */
function valueFlags(value: ValueSpec): string {
  switch (value.kind) {
    case 'session':
      return `-a ${fishQuote('(__tinytap_sessions)')}`;
    case 'file':
      return '-F';
    case 'dir':
      return `-a ${fishQuote('(__fish_complete_directories)')}`;
    case 'program':
      return `-a ${fishQuote('(__fish_complete_command)')}`;
    case 'filter':
    case 'choice':
      return `-a ${wordList(value.choices)}`;
    case 'word':
      return '';
  }
}

function optionLines(cmd: CommandNode, condition: string): string[] {
  return cmd.options.map((o) => {
    const names = [o.short ? `-s ${fishQuote(o.short.slice(1))}` : '', o.long ? `-l ${fishQuote(o.long.slice(2))}` : ''].filter(Boolean).join(' ');
    // -r: the option takes a value (the next word, or after '='); -x: and it is no file name
    const value = o.value ? [o.value.kind === 'file' ? '-r' : '-x', valueFlags(o.value)] : [];
    return ['complete -c tinytap -n', fishQuote(condition), names, ...value, '-d', fishQuote(o.description)].filter(Boolean).join(' ');
  });
}

/** `path`: the words that name `cmd`, `ls` or `service install`. */
function argumentLines(path: string, cmd: CommandNode, filterKeys: readonly string[]): string[] {
  return argumentSlots(cmd).flatMap((slot) => {
    const condition = fishQuote(`__tinytap_argument ${fishWord(path)} ${slot.position}${slot.repeats ? '+' : ''}`);
    if (slot.value.kind !== 'filter') return [['complete -c tinytap -n', condition, '-k', valueFlags(slot.value)].filter(Boolean).join(' ')];
    // a term may be negated: -status:2xx
    const keys: ValueSpec = { kind: 'filter', choices: [...filterKeys, ...filterKeys.map((k) => `-${k}`)] };
    return [`complete -c tinytap -n ${condition} ${valueFlags(keys)}`];
  });
}

/** The names of `commands`, with their descriptions, where `condition` holds. */
function commandLines(commands: readonly CommandNode[], condition: string): string[] {
  return commands.map((c) => `complete -c tinytap -n ${fishQuote(condition)} -a ${fishQuote(c.name)} -d ${fishQuote(c.description)}`);
}

/** The options that take a value, as `CMD OPTION` (the word after one is its value, not an argument). */
function takesValueFunction(program: ProgramNode): string {
  const pairs = everyCommand(program).flatMap(({ path, cmd }) => cmd.options.filter((o) => o.value).flatMap((o) => optionNames(o).map((n) => `${path} ${n}`)));
  return `function __tinytap_takes_value
    contains -- "$argv" ${pairs.map(fishQuote).join(' ')}
end`;
}

/** The subcommands, as `CMD SUBCOMMAND`. */
function subcommandFunction(program: ProgramNode): string {
  const pairs = program.commands.flatMap((c) => c.subcommands.map((sub) => `${c.name} ${sub.name}`));
  return `function __tinytap_subcommand
    contains -- "$argv" ${pairs.map(fishQuote).join(' ')}
end`;
}

const RUNTIME = `# Sessions, and directories that may hold some (fish's helper offers every other file too).
function __tinytap_sessions
    __fish_complete_suffix .tinytap | string match -r -- '^.*(?:\\.tinytap|/)(?:\\t.*)?$'
end

# The command (or '' before one; a subcommand as 'service install') and how many arguments it has
# before the word being completed.
function __tinytap_position
    set -l cmd ''
    set -l n 0
    set -l dashes 0
    set -l tokens (commandline -opc)
    set -l i 2
    while test $i -le (count $tokens)
        set -l t $tokens[$i]
        set i (math $i + 1)
        if test $dashes = 0; and test "$t" = --
            set dashes 1
        else if test $dashes = 0; and string match -q -- '-?*' $t
            # an option; the word after it is its value if it takes one
            if not string match -q -- '*=*' $t; and __tinytap_takes_value $cmd $t
                set i (math $i + 1)
            end
        else if test -z "$cmd"
            set cmd $t
        else if test $n = 0; and __tinytap_subcommand $cmd $t
            set cmd "$cmd $t"
        else
            set n (math $n + 1)
        end
    end
    echo $cmd
    echo $n
end

# __tinytap_command CMD: the command being completed is CMD ('' for none yet)
function __tinytap_command
    set -l at (__tinytap_position)
    test "$at[1]" = "$argv[1]"
end

# __tinytap_argument CMD N: the word being completed is CMD's N-th argument (N+: or a later one)
function __tinytap_argument
    set -l at (__tinytap_position)
    test "$at[1]" = "$argv[1]"; or return 1
    set -l position (math $at[2] + 1)
    if string match -q -- '*+' $argv[2]
        test $position -ge (string trim -r -c + -- $argv[2])
    else
        test $position -eq $argv[2]
    end
end`;

export function fishScript(program: ProgramNode, filterKeys: readonly string[]): string {
  const top = { name: '', usage: '', description: '', args: [], options: program.options, notes: '', subcommands: [] };
  return [
    `# fish completion for ${program.name}, generated by \`${program.name} completion fish\` from its command definitions.`,
    `# Save it as ~/.config/fish/completions/${program.name}.fish, or load it with: ${program.name} completion fish | source`,
    '',
    takesValueFunction(program),
    '',
    subcommandFunction(program),
    '',
    RUNTIME,
    '',
    // no file names unless a place takes them
    'complete -c tinytap -f',
    ...optionLines(top, "__tinytap_command ''"),
    ...commandLines(program.commands, "__tinytap_command ''"),
    ...everyCommand(program).flatMap(({ path, cmd }) => [
      ...optionLines(cmd, `__tinytap_command ${fishWord(path)}`),
      ...commandLines(cmd.subcommands, `__tinytap_argument ${fishWord(path)} 1`),
      ...argumentLines(path, cmd, filterKeys),
    ]),
    '',
  ].join('\n');
}
