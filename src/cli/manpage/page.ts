/** tinytap(1): the commands, arguments and options as --help shows them, and the filter keys. */
import type { CommandNode, OptionNode, ProgramNode } from '../command-tree.js';
import type { FilterWords } from '../filter-words.js';
import { bold, italic, roffLines, roffText, synopsisText } from './roff.js';

/** A tagged paragraph: the tag on its own line, then the text. */
function item(tag: string, text: string): string[] {
  return ['.TP', tag, roffLines(text)];
}

function optionItems(options: OptionNode[]): string[] {
  return options.flatMap((o) => item(synopsisText(o.flags), o.description));
}

/** A command's section, then one for each of its subcommands (`path`: `service install`). */
function commandSection(program: ProgramNode, cmd: CommandNode, path = cmd.name): string[] {
  const lines = ['.SS ' + roffText(path), synopsisText(`${program.name} ${cmd.usage}`), '.PP', roffLines(cmd.description)];
  if (cmd.args.length) lines.push('.PP', 'Arguments:', ...cmd.args.flatMap((a) => item(italic(a.name), a.description)));
  if (cmd.options.length) lines.push('.PP', 'Options:', ...optionItems(cmd.options));
  if (cmd.notes) lines.push(...notes(cmd.notes));
  return [...lines, ...cmd.subcommands.flatMap((sub) => commandSection(program, sub, `${path} ${sub.name}`))];
}

/**
 * Text added to --help: its paragraphs filled like the rest of the page, its indented lines
 * (aligned columns, laid out for a terminal) kept as they are.
 */
function notes(text: string): string[] {
  const lines = ['.PP'];
  let asIs = false;
  for (const line of text.split('\n')) {
    const indented = /^\s/.test(line);
    if (line.trim() === '') lines.push(...(asIs ? ['.fi'] : []), '.PP');
    else if (indented !== asIs) lines.push(indented ? '.nf' : '.fi');
    asIs = indented && line.trim() !== '';
    if (line.trim() !== '') lines.push(roffLines(indented ? line : line.trim()));
  }
  return asIs ? [...lines, '.fi'] : lines;
}

function filterSection(words: FilterWords): string[] {
  const keys = words.keys.map((k) => bold(`${k}:`)).join(', ');
  return [
    '.SH FILTER KEYS',
    `The commands that take a ${italic('filter')} read the same language: terms that all must match, such as`,
    `${bold('method:POST status:5xx host:api.local')};`,
    `${bold('or')} and parentheses group, and ${bold('-')}, ${bold('!')} or ${bold('not')} negates a term.`,
    'A bare word or quoted phrase is text to find in the URL, headers or bodies.',
    'The keys:',
    '.PP',
    `${keys}.`,
    '.PP',
    `Other names for keys: ${words.aliases.map(([alias, key]) => `${bold(`${alias}:`)} for ${bold(`${key}:`)}`).join(', ')}.`,
    '.PP',
    "mitmproxy's filter expressions (a value is a regular expression, as in mitmproxy):",
    ...words.operators.flatMap(([op, help, value]) => item(value ? `${bold(op)} ${italic('value')}` : bold(op), help)),
  ];
}

export function manPageOf(program: ProgramNode, words: FilterWords): string {
  const name = program.name;
  return [
    `.TH ${name.toUpperCase()} 1 "" "${roffText(`${name} ${program.version}`)}" "User Commands"`,
    '.SH NAME',
    `${roffText(name)} \\- ${roffText(program.description)}`,
    '.SH SYNOPSIS',
    program.commands
      .flatMap((c) => [c, ...c.subcommands])
      .map((c) => synopsisText(`${name} ${c.usage}`))
      .join('\n.br\n'),
    '.SH DESCRIPTION',
    roffLines(`${name}: ${program.description}.`),
    `Each command is described below; ${bold(`${name} help`)} ${italic('command')} prints the same.`,
    '.SH OPTIONS',
    ...optionItems(program.options),
    '.SH COMMANDS',
    ...program.commands.flatMap((c) => commandSection(program, c)),
    ...filterSection(words),
    '.SH FILES',
    ...item(italic('*.tinytap'), 'A recorded session: an SQLite database, created mode 0600. While tinytap records, SQLite keeps FILE-wal, FILE-shm or FILE-journal beside it.'),
    '.SH SEE ALSO',
    '.BR sqlite3 (1)',
    '',
  ].join('\n');
}
