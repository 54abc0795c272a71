// The one escaping function, the TerminalText type the writers take, and JSON that is safe on a
// terminal (src/render/terminal-text.ts).
/* eslint-disable no-control-regex -- the point is control characters */
import { describe, expect, it, vi } from 'vitest';

import { paint } from '../../src/render/format.js';
import { stdout } from '../../src/cli/terminal.js';
import { type TerminalText, controlSequence, escaped, joinText, json, safeJson, safeText, sgr, term } from '../../src/render/terminal-text.js';

describe('safeText', () => {
  it('shows every C0 control, DEL and every C1 control as a visible escape', () => {
    expect(safeText('a\x1b]52;c;eA==\x07b')).toBe('a\\x1b]52;c;eA==\\x07b');
    expect(safeText('\x9b2J\x9d0;t\x9c\x7f\x00')).toBe('\\x9b2J\\x9d0;t\\x9c\\x7f\\x00');
    expect(safeText('a\nb\tc\rd')).toBe('a\\nb\\tc\\rd');
    for (let c = 0; c < 0x100; c++) {
      const out = safeText(String.fromCharCode(c));
      expect(/[\x00-\x1f\x7f-\x9f]/.test(out), `0x${c.toString(16)}`).toBe(false);
    }
  });

  it('keeps newlines and tabs for multi-line text, and drops carriage returns (a line cannot overwrite another)', () => {
    expect(safeText('a\r\nb\tc\x1b[2J\rX', true)).toBe('a\nb\tc\\x1b[2JX');
  });

  it('leaves printable text, Latin-1 and Unicode as it is; escaping escaped text changes nothing', () => {
    const text = 'café ÿ → 日本 \\x1b';
    expect(safeText(text)).toBe(text);
    const once = safeText('\x1b[8m\x9b');
    expect(safeText(once)).toBe(once);
  });
});

describe('TerminalText', () => {
  it('term escapes the values and keeps the template, which is ours', () => {
    const comm = '\x1b]0;x\x07';
    expect(term`${comm} (${42})\n`.text).toBe('\\x1b]0;x\\x07 (42)\n');
    expect(term`${null} ${undefined} ${7n} ${true}`.text).toBe('null undefined 7 true');
  });

  it('a TerminalText in a template stays as it is: our colours survive, the data in them does not', () => {
    const red = sgr('31', 'x\x1b[2J');
    expect(red.text).toBe('\x1b[31mx\\x1b[2J\x1b[0m');
    expect(term`[${red}]`.text).toBe('[\x1b[31mx\\x1b[2J\x1b[0m]');
    expect(paint(false, '31', '\x9b').text).toBe('\\x9b');
    expect(paint(true, '1', term`${'\x07'}`).text).toBe('\x1b[1m\\x07\x1b[0m');
  });

  it('an SGR code is digits and semicolons only', () => {
    expect(() => sgr('31m\x1b]52;c;x\x07', 'a')).toThrow(/not an SGR code/);
  });

  it('joins, escaping the parts that are plain strings', () => {
    expect(joinText(['a\x1b', term`b`]).text).toBe('a\\x1b\nb');
    expect(joinText(['a', 'b'], term`, `).text).toBe('a, b');
  });

  it('controlSequence takes a literal only', () => {
    expect(controlSequence`\r\x1b[K`.text).toBe('\r\x1b[K');
    // a value would be data: controlSequence`\x1b]0;${title}\x07` is refused
    expect(() => Reflect.apply(controlSequence, undefined, [Object.assign(['a', 'b'], { raw: ['a', 'b'] }), '\x1b'])).toThrow();
  });

  it('escaped() is the one escaping function as TerminalText', () => {
    expect(escaped('a\nb\x1b').text).toBe('a\\nb\\x1b');
    expect(escaped('a\nb\x1b', true).text).toBe('a\nb\\x1b');
  });
});

describe('the writers of stdout and stderr', () => {
  it('write TerminalText as it is, and escape a string that got there anyway (JavaScript, a cast)', () => {
    let out = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    try {
      stdout.write(term`${'\x1b]52;c;x\x07'}\n`);
      stdout.write('raw\x1b[2J\n' as unknown as TerminalText);
    } finally {
      spy.mockRestore();
    }
    expect(out).toBe('\\x1b]52;c;x\\x07\nraw\\x1b[2J\n');
  });
});

describe('safeJson', () => {
  it('escapes C1 controls and DEL, which JSON.stringify leaves raw; the value reads back the same', () => {
    const value = { s: 'a\x9b2J\x7f\x1b]52;\x07', n: [1, '\x85'] };
    expect(JSON.stringify(value)).toContain('\x9b');
    const text = safeJson(value);
    expect(text).toBe('{"s":"a\\u009b2J\\u007f\\u001b]52;\\u0007","n":[1,"\\u0085"]}');
    expect(/[\x00-\x1f\x7f-\x9f]/.test(text)).toBe(false);
    expect(JSON.parse(text)).toEqual(value);
    expect(json(value).text).toBe(text);
  });

  it('is JSON.stringify when there is nothing to escape', () => {
    const value = { a: 'café', b: [1, null], c: '日本' };
    expect(safeJson(value)).toBe(JSON.stringify(value));
    expect(safeJson(value, 2)).toBe(JSON.stringify(value, null, 2));
  });
});
