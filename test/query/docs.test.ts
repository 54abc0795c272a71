/** Every filter docs/filter-language.md shows as an example parses (and prints back to itself). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

import { describeFilter, parseFilter } from '../../src/query/index.js';

const doc = readFileSync(fileURLToPath(new URL('../../docs/filter-language.md', import.meta.url)), 'utf8');

/** The code spans of the first column of each table row ("| `a`, `b` | ..."). */
function tableExamples(): string[] {
  return doc
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...line.split(' | ')[0].matchAll(/`([^`]+)`/g)].map((m) => m[1]))
    .filter((t) => !t.endsWith(':') && !t.includes('…'));
}

/** The filters of the `tinytap ls s.tinytap FILTER` examples. */
function commandExamples(): string[] {
  return [...doc.matchAll(/^tinytap ls s\.tinytap (.*?)(?:\s+#.*)?$/gm)].map((m) => m[1].replace(/^'(.*)'$/, '$1'));
}

describe('docs/filter-language.md', () => {
  it('has examples', () => {
    expect(tableExamples().length).toBeGreaterThan(60);
    expect(commandExamples().length).toBeGreaterThan(5);
  });
  it.each([...tableExamples(), ...commandExamples()].map((e) => [e.replace(/\\\|/g, '|')]))('%s parses', (example) => {
    const ast = parseFilter(example);
    expect(parseFilter(describeFilter(ast))).toEqual(ast);
  });
});
