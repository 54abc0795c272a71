import type { Key } from 'ink';
import { describe, expect, it } from 'vitest';

import { splitTyped } from '../../src/tui/hooks/use-commands.js';
import { BINDINGS, COMMANDS, type Scope, commandFor, helpSections, keyLabel } from '../../src/tui/key-bindings.js';
import { helpLines } from '../../src/tui/components/HelpScreen.js';
import { lineText } from '../../src/tui/styled-text.js';

const none: Key = {
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
  return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
  super: false, hyper: false, capsLock: false, numLock: false,
};
const key = (k: Partial<Key>): Key => ({ ...none, ...k });

describe('the key binding table', () => {
  it('maps keys to named commands per scope', () => {
    expect(commandFor('list', 'j', none)).toBe('down');
    expect(commandFor('list', '', key({ downArrow: true }))).toBe('down');
    expect(commandFor('list', 'G', key({ shift: true }))).toBe('bottom');
    expect(commandFor('list', 'g', none)).toBe('top');
    expect(commandFor('list', '', key({ pageDown: true }))).toBe('pageDown');
    expect(commandFor('list', '', key({ return: true }))).toBe('open');
    expect(commandFor('detail', '', key({ tab: true }))).toBe('nextTab');
    expect(commandFor('detail', '', key({ tab: true, shift: true }))).toBe('prevTab');
    expect(commandFor('detail', '', key({ escape: true, meta: true }))).toBe('back');
    expect(commandFor('always', 'c', key({ ctrl: true }))).toBe('interrupt');
    expect(commandFor('global', 'c', key({ ctrl: true }))).toBeNull();
    expect(commandFor('global', 'q', none)).toBe('quit');
    // Backspace arrives as DEL, which ink calls delete
    expect(commandFor('input', '', key({ delete: true }))).toBe('deleteChar');
    expect(commandFor('input', 'u', key({ ctrl: true }))).toBe('clear');
    expect(commandFor('input', 'q', none)).toBeNull();
    expect(commandFor('list', 'x', none)).toBeNull();
  });

  it('names every command of every scope once, and no key twice where two scopes listen together', () => {
    for (const scope of Object.keys(COMMANDS) as Scope[]) {
      const named = BINDINGS.filter((b) => b.scope === scope).map((b) => b.command);
      expect(named.sort()).toEqual([...COMMANDS[scope]].sort());
    }
    // global keys are heard together with the list's or the detail pane's, Ctrl-C with all
    for (const other of ['list', 'detail', 'input', 'help', 'global'] as const) {
      const scopes = other === 'global' ? ['always'] : ['always', ...(other === 'list' || other === 'detail' ? ['global'] : [])];
      const globalKeys = BINDINGS.filter((b) => scopes.includes(b.scope)).flatMap((b) => b.keys);
      const otherKeys = BINDINGS.filter((b) => b.scope === other).flatMap((b) => b.keys);
      expect(globalKeys.filter((k) => otherKeys.includes(k))).toEqual([]);
    }
  });

  it('generates the help from the table: every binding, with its keys as a person reads them', () => {
    const text = helpLines().map(lineText);
    for (const b of BINDINGS) expect(text).toContainEqual(expect.stringContaining(b.help));
    expect(text).toContain(`  ${'j ↓'.padEnd(20)}next row`);
    expect(text).toContain(`  ${'Tab → l'.padEnd(20)}next tab`);
    expect(text).toContain(`  ${'Shift-Tab ← h'.padEnd(20)}previous tab`);
    expect(helpSections().map((s) => s.title)).toEqual([
      'Always',
      'Anywhere but in the bars',
      'In the list',
      'In the detail pane',
      'In the filter and search bars',
      'In this help',
    ]);
    expect(keyLabel('ctrl-u')).toBe('Ctrl-U');
  });

  it('splits keys typed faster than a read into single presses', () => {
    expect(splitTyped('jjk', none).map((p) => p.input)).toEqual(['j', 'j', 'k']);
    const withEnter = splitTyped('j\r', none);
    expect(withEnter[1].key.return).toBe(true);
    expect(splitTyped('G', key({ shift: true }))).toEqual([{ input: 'G', key: key({ shift: true }) }]);
    expect(splitTyped('aB', none)[1].key.shift).toBe(true);
    expect(splitTyped('\x1b[A', none)).toHaveLength(1);
  });
});
