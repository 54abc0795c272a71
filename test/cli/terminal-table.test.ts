// The table `ls` and `conns` print: as wide as its widest cell, whatever the number of rows.
import { describe, expect, it } from 'vitest';

import { table } from '../../src/cli/terminal.js';

describe('table', () => {
  const cols = [
    { title: 'ID', value: (n: number) => String(n), right: true },
    { title: 'URL', value: (n: number) => `/items/${n}`, flex: true },
  ];

  it('sizes each column to its widest cell and the flex one to what is left', () => {
    const lines = table([1, 22, 333], cols, 80, false).map((l) => l.text);
    expect(lines).toEqual([' ID  URL', '  1  /items/1', ' 22  /items/22', '333  /items/333']);
  });

  it('takes a few hundred thousand rows (the rows of `ls` on a big session; it overflowed the stack)', () => {
    const rows = Array.from({ length: 300_000 }, (_, i) => i);
    const lines = table(rows, cols, 80, false);
    expect(lines).toHaveLength(300_001);
    expect(lines[300_000].text).toBe('299999  /items/299999');
  });
});
