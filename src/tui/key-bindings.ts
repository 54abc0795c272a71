/**
 * Every key the TUI answers, in one table of named commands: components look their command up
 * here (commandFor) and the help screen is generated from it (helpSections), so the two cannot
 * disagree. A scope is active only while its view has the focus (see use-commands.ts).
 */
import type { Key } from 'ink';

export type Scope = 'always' | 'global' | 'list' | 'detail' | 'input' | 'help';

export const COMMANDS = {
  always: ['interrupt'],
  global: ['quit', 'help', 'filter', 'search', 'toggleView'],
  list: ['up', 'down', 'pageUp', 'pageDown', 'top', 'bottom', 'open', 'sortNext', 'sortReverse', 'curl'],
  detail: [
    'scrollUp',
    'scrollDown',
    'pageUp',
    'pageDown',
    'top',
    'bottom',
    'nextTab',
    'prevTab',
    'nextExchange',
    'prevExchange',
    'nextMatch',
    'prevMatch',
    'curl',
    'back',
  ],
  input: ['apply', 'cancel', 'deleteChar', 'clear'],
  help: ['close', 'down', 'up', 'pageDown', 'pageUp'],
} as const;

export type CommandOf<S extends Scope> = (typeof COMMANDS)[S][number];

/**
 * A key as written in the table: a character ('j', '?', 'G'), a named key ('down', 'pagedown',
 * 'enter', 'esc', 'tab', 'shift-tab', 'home', 'end', 'backspace'), or 'ctrl-' and a letter.
 */
export type KeyName = string;

export interface Binding<S extends Scope = Scope> {
  scope: S;
  command: CommandOf<S>;
  keys: KeyName[];
  help: string;
}

function b<S extends Scope>(scope: S, command: CommandOf<S>, keys: KeyName[], help: string): Binding<S> {
  return { scope, command, keys, help };
}

export const BINDINGS: readonly Binding[] = [
  // Ctrl-C quits even from the filter bar, where q is a letter of the filter
  b('always', 'interrupt', ['ctrl-c'], 'quit'),
  b('global', 'quit', ['q'], 'quit'),
  b('global', 'help', ['?'], 'this help'),
  b('global', 'filter', ['/', 'f'], 'filter, in the language of tinytap ls (status:5xx method:POST ...)'),
  b('global', 'search', ['s'], 'search the text of URLs, headers and bodies'),
  b('global', 'toggleView', ['v'], 'switch between Exchanges and Connections'),

  b('list', 'up', ['k', 'up'], 'previous row'),
  b('list', 'down', ['j', 'down'], 'next row'),
  b('list', 'pageUp', ['pageup', 'ctrl-b'], 'page up'),
  b('list', 'pageDown', ['pagedown', 'ctrl-f'], 'page down'),
  b('list', 'top', ['g', 'home'], 'first row'),
  b('list', 'bottom', ['G', 'end'], 'last row'),
  b('list', 'open', ['enter'], 'open the detail of the exchange'),
  b('list', 'sortNext', ['o'], 'sort by the next column'),
  b('list', 'sortReverse', ['r'], 'reverse the sort order'),
  b('list', 'curl', ['c'], 'write the exchange as a curl command (file and clipboard)'),

  b('detail', 'scrollUp', ['k', 'up'], 'scroll up'),
  b('detail', 'scrollDown', ['j', 'down'], 'scroll down'),
  b('detail', 'pageUp', ['pageup', 'ctrl-b'], 'page up'),
  b('detail', 'pageDown', ['pagedown', 'ctrl-f', 'space'], 'page down'),
  b('detail', 'top', ['g', 'home'], 'top'),
  b('detail', 'bottom', ['G', 'end'], 'bottom'),
  b('detail', 'nextTab', ['tab', 'right', 'l'], 'next tab'),
  b('detail', 'prevTab', ['shift-tab', 'left', 'h'], 'previous tab'),
  b('detail', 'nextExchange', [']', 'J'], 'next exchange'),
  b('detail', 'prevExchange', ['[', 'K'], 'previous exchange'),
  b('detail', 'nextMatch', ['n'], 'next search match'),
  b('detail', 'prevMatch', ['N'], 'previous search match'),
  b('detail', 'curl', ['c'], 'write the exchange as a curl command (file and clipboard)'),
  b('detail', 'back', ['esc', 'backspace'], 'back to the list'),

  b('input', 'apply', ['enter'], 'keep it and leave the bar'),
  b('input', 'cancel', ['esc'], 'put back what was there and leave the bar'),
  b('input', 'deleteChar', ['backspace'], 'delete a character'),
  b('input', 'clear', ['ctrl-u'], 'clear'),

  b('help', 'close', ['esc', '?', 'q', 'enter'], 'close the help'),
  b('help', 'down', ['j', 'down'], 'scroll down'),
  b('help', 'up', ['k', 'up'], 'scroll up'),
  b('help', 'pageDown', ['pagedown', 'space'], 'page down'),
  b('help', 'pageUp', ['pageup'], 'page up'),
];

export function keyMatches(name: KeyName, input: string, key: Key): boolean {
  switch (name) {
    case 'up':
      return key.upArrow;
    case 'down':
      return key.downArrow;
    case 'left':
      return key.leftArrow;
    case 'right':
      return key.rightArrow;
    case 'pageup':
      return key.pageUp;
    case 'pagedown':
      return key.pageDown;
    case 'home':
      return key.home;
    case 'end':
      return key.end;
    case 'enter':
      return key.return;
    case 'esc':
      return key.escape;
    case 'tab':
      return key.tab && !key.shift;
    case 'shift-tab':
      return key.tab && key.shift;
    // terminals send DEL (0x7f) for the Backspace key, which ink names delete
    case 'backspace':
      return key.backspace || key.delete;
    case 'space':
      return input === ' ' && !key.ctrl;
  }
  if (name.startsWith('ctrl-')) return key.ctrl && input === name.slice(5);
  return input === name && !key.ctrl && !key.meta;
}

/** The command `input`/`key` means in `scope`, if any. */
export function commandFor<S extends Scope>(scope: S, input: string, key: Key): CommandOf<S> | null {
  for (const binding of BINDINGS) {
    if (binding.scope !== scope) continue;
    if (binding.keys.some((k) => keyMatches(k, input, key))) return binding.command;
  }
  return null;
}

const KEY_LABELS: Record<string, string> = {
  up: '↑',
  down: '↓',
  left: '←',
  right: '→',
  pageup: 'PgUp',
  pagedown: 'PgDn',
  home: 'Home',
  end: 'End',
  enter: 'Enter',
  esc: 'Esc',
  tab: 'Tab',
  'shift-tab': 'Shift-Tab',
  backspace: 'Backspace',
  space: 'Space',
};

export function keyLabel(name: KeyName): string {
  if (KEY_LABELS[name]) return KEY_LABELS[name];
  if (name.startsWith('ctrl-')) return `Ctrl-${name.slice(5).toUpperCase()}`;
  return name;
}

const SCOPE_TITLES: Record<Scope, string> = {
  always: 'Always',
  global: 'Anywhere but in the bars',
  list: 'In the list',
  detail: 'In the detail pane',
  input: 'In the filter and search bars',
  help: 'In this help',
};

export interface HelpSection {
  title: string;
  rows: { keys: string; help: string }[];
}

export function helpSections(): HelpSection[] {
  return (Object.keys(SCOPE_TITLES) as Scope[]).map((scope) => ({
    title: SCOPE_TITLES[scope],
    rows: BINDINGS.filter((x) => x.scope === scope).map((x) => ({ keys: x.keys.map(keyLabel).join(' '), help: x.help })),
  }));
}
