/**
 * The bash completion script: the commands, options and argument kinds as two generated case
 * statements, read by a fixed function that finds where on the line the cursor is.
 */
import type { ProgramNode, ValueSpec } from '../command-tree.js';
import { singleQuoted } from '../../export/shell-words.js';
import { argumentSlots, everyCommand, optionNames, subcommandNames } from './slots.js';

function words(list: readonly string[]): string {
  return list.map(singleQuoted).join(' ');
}

/** The assignments that say what a place takes: see _tinytap_reply. */
function valueAssignments(value: ValueSpec): string {
  return value.kind === 'choice' ? `kind=choice choices=(${words(value.choices)})` : `kind=${value.kind}`;
}

function optionsCase(program: ProgramNode): string {
  const arms = [['', program.options] as const, ...everyCommand(program).map(({ path, cmd }) => [path, cmd.options] as const)].map(
    ([name, options]) => `    ${singleQuoted(name)}) opts=(${words(options.flatMap(optionNames))}) ;;`,
  );
  return `_tinytap_options() {\n  opts=()\n  case $1 in\n${arms.join('\n')}\n  esac\n}`;
}

/**
 * `'CMD --opt'` for an option's value, `'CMD #N'` for the N-th argument (CMD a command, or a
 * subcommand as `service install`); the first match wins.
 */
function valueCase(program: ProgramNode): string {
  const commands: ValueSpec = { kind: 'choice', choices: program.commands.map((c) => c.name) };
  const arms = [`    ' #1') ${valueAssignments(commands)} ;;`];
  for (const { path, cmd } of everyCommand(program)) {
    for (const option of cmd.options) {
      if (option.value) arms.push(`    ${optionNames(option).map((n) => singleQuoted(`${path} ${n}`)).join('|')}) ${valueAssignments(option.value)} ;;`);
    }
    if (cmd.subcommands.length) arms.push(`    ${singleQuoted(`${path} #1`)}) ${valueAssignments(subcommandNames(cmd))} ;;`);
    for (const slot of argumentSlots(cmd)) {
      const pattern = slot.repeats ? `${singleQuoted(`${path} #`)}*` : singleQuoted(`${path} #${slot.position}`);
      arms.push(`    ${pattern}) ${valueAssignments(slot.value)} ;;`);
    }
  }
  return `_tinytap_value() {\n  kind='' choices=()\n  case "$1 $2" in\n${arms.join('\n')}\n  esac\n}`;
}

/** `_tinytap_subcommand CMD WORD`: WORD names a subcommand of CMD (`service install`). */
function subcommandCase(program: ProgramNode): string {
  const paths = program.commands.flatMap((c) => c.subcommands.map((sub) => singleQuoted(`${c.name} ${sub.name}`)));
  const arm = paths.length ? `    ${paths.join('|')}) return 0 ;;\n` : '';
  return `_tinytap_subcommand() {\n  case "$1 $2" in\n${arm}  esac\n  return 1\n}`;
}

function replyFunction(filterKeys: readonly string[]): string {
  return `# Adds to COMPREPLY what a place of this \`kind\` takes that starts with $1, each after $2.
_tinytap_reply() {
  local cur=$1 prefix=\${2-} start=\${#COMPREPLY[@]} i
  case $kind in
    choice) _tinytap_add "$cur" "\${choices[@]}" ;;
    # after \`key:\` comes a value, which only the session knows
    filter) [[ $cur == *:* ]] || _tinytap_add "$cur" ${words(filterKeys)} ;;
    session)
      compopt -o filenames 2>/dev/null
      mapfile -t -O "$start" COMPREPLY < <(compgen -d -- "$cur"; compgen -f -X '!*.tinytap' -- "$cur") ;;
    file)
      compopt -o filenames 2>/dev/null
      mapfile -t -O "$start" COMPREPLY < <(compgen -f -- "$cur") ;;
    dir)
      compopt -o filenames 2>/dev/null
      mapfile -t -O "$start" COMPREPLY < <(compgen -d -- "$cur") ;;
    program) mapfile -t -O "$start" COMPREPLY < <(compgen -c -- "$cur") ;;
  esac
  for ((i = start; i < \${#COMPREPLY[@]}; i++)); do COMPREPLY[i]=$prefix\${COMPREPLY[i]}; done
}`;
}

const RUNTIME = `# Adds to COMPREPLY the words after $1 that start with it.
_tinytap_add() {
  local cur=$1 w
  shift
  for w; do [[ $w == "$cur"* ]] && COMPREPLY+=("$w"); done
}

# COMP_WORDS is cut at COMP_WORDBREAKS too, ':' and '=' among them: status:5xx arrives as three
# words. The pieces that touch on the line are joined again, into words and cword.
_tinytap_words() {
  local i w gap rest=$COMP_LINE
  words=()
  for ((i = 0; i <= COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    gap=\${rest%%[![:space:]]*}
    rest=\${rest#"$gap"}
    if ((i > 0)) && [[ -z $gap ]]; then words[\${#words[@]} - 1]+=$w; else words+=("$w"); fi
    rest=\${rest#"$w"}
  done
  cword=$((\${#words[@]} - 1))
}

_tinytap() {
  local words cword kind choices opts i w cmd='' n=0 dashes='' valueOf=''
  _tinytap_words
  local cur=\${words[cword]}
  for ((i = 1; i < cword; i++)); do
    w=\${words[i]}
    if [[ -z $dashes && $w == -- ]]; then
      dashes=1
    elif [[ -z $dashes && $w == -?* ]]; then
      # an option; the word after it is its value if it takes one (unless written --opt=value)
      [[ $w == *=* ]] && continue
      _tinytap_value "$cmd" "$w"
      [[ -z $kind ]] && continue
      ((i + 1 == cword)) && valueOf=$w
      i=$((i + 1))
    elif [[ -z $cmd ]]; then
      cmd=$w
    elif ((n == 0)) && _tinytap_subcommand "$cmd" "$w"; then
      cmd+=" $w"
    else
      n=$((n + 1))
    fi
  done
  COMPREPLY=()
  if [[ -n $valueOf ]]; then
    _tinytap_value "$cmd" "$valueOf"
    _tinytap_reply "$cur"
  elif [[ -z $dashes && $cur == --*=* ]]; then
    _tinytap_value "$cmd" "\${cur%%=*}"
    _tinytap_reply "\${cur#*=}" "\${cur%%=*}="
  elif [[ -z $dashes && $cur == -* ]]; then
    _tinytap_options "$cmd"
    _tinytap_add "$cur" "\${opts[@]}"
    # '-' also negates a filter term: -status:2xx
    if [[ -n $cmd && $cur != --* ]]; then
      _tinytap_value "$cmd" "#$((n + 1))"
      [[ $kind == filter ]] && _tinytap_reply "\${cur#-}" -
    fi
  else
    _tinytap_value "$cmd" "#$((n + 1))"
    _tinytap_reply "$cur"
  fi
  # a key is followed by its value, not by a space
  if ((\${#COMPREPLY[@]} == 1)) && [[ $COMPREPLY == *: ]]; then compopt -o nospace 2>/dev/null; fi
  # bash replaces only the piece of the word after its last COMP_WORDBREAKS character
  local before=\${cur%"\${COMP_WORDS[COMP_CWORD]}"}
  [[ -n $before ]] && COMPREPLY=("\${COMPREPLY[@]#"$before"}")
  return 0
}`;

export function bashScript(program: ProgramNode, filterKeys: readonly string[]): string {
  return [
    `# bash completion for ${program.name}, generated by \`${program.name} completion bash\` from its command definitions.`,
    `# Load it with: eval "$(${program.name} completion bash)"; or save it as`,
    `# ~/.local/share/bash-completion/completions/${program.name}`,
    '',
    optionsCase(program),
    '',
    valueCase(program),
    '',
    subcommandCase(program),
    '',
    replyFunction(filterKeys),
    '',
    RUNTIME,
    '',
    `complete -F _tinytap ${singleQuoted(program.name)}`,
    '',
  ].join('\n');
}
