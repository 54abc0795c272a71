import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { bruDictionary, bruKey, bruTextBlock, bruValue, fitsTextBlock } from '../../src/export/bru-text.js';
import { parseBru } from './collection-validators.js';

/** Characters the grammar treats apart, often enough to meet them together. */
const tricky = fc.constantFrom(' ', '\t', '\n', '\r', ':', '"', '\\', '~', '{', '}', "'", '@', '(', ')', '[', ']', '#', 'a', 'Z', '0', '-', 'é', '\u{1F375}', '\0');
const text = fc.array(tricky, { maxLength: 24 }).map((cs) => cs.join(''));

/** A header block of one pair, and what Bruno reads from it (null when it does not parse). */
function readPair(key: string, value: string): { name: string; value: string; enabled: boolean }[] | null {
  try {
    return parseBru(`meta {\n  name: x\n}\n\n${bruDictionary('headers', [[key, value]])}\nbody:text {\n  after\n}\n`).headers;
  } catch {
    return null;
  }
}

describe('.bru text', () => {
  it('a key and a value written are read back as they were, or refused', () => {
    fc.assert(
      fc.property(text, text, (name, value) => {
        const k = bruKey(name);
        const v = bruValue(value);
        if (k === null || v === null) return;
        expect(readPair(k, v)).toEqual([{ name, value, enabled: true }]);
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses only what cannot be written', () => {
    expect(bruKey('X-Api-Key')).toBe('X-Api-Key');
    expect(bruKey('a b:c"d')).toBe('"a b:c\\"d"');
    expect(bruKey('~tilde')).toBeNull();
    expect(bruKey('with space\\')).toBeNull();
    expect(bruValue(' padded')).toBeNull();
    expect(bruValue("'''x")).toBeNull();
    expect(bruValue('two\nlines')).toBe("'''\n    two\n    lines\n  '''");
    expect(readPair('k', bruValue('two\nlines')!)).toEqual([{ name: 'k', value: 'two\nlines', enabled: true }]);
  });

  it('a text block holds any text without a CR, byte for byte', () => {
    fc.assert(
      fc.property(text, (body) => {
        if (!fitsTextBlock(body) || body === '') return;
        const parsed = parseBru(`meta {\n  name: x\n}\n\n${bruTextBlock('body:text', body)}\n${bruDictionary('headers', [['a', 'b']])}`);
        expect(parsed.body.text).toBe(body);
        expect(parsed.headers).toEqual([{ name: 'a', value: 'b', enabled: true }]);
      }),
      { numRuns: 3000 },
    );
  });
});
