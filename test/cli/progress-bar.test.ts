import { describe, expect, it } from 'vitest';

import { progressBar, timeLeft } from '../../src/cli/terminal.js';

function fakeTerminal() {
  const written: string[] = [];
  const stream = { isTTY: true, columns: 100, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

describe('the progress bar', () => {
  it('says how long is left once a second has passed and enough is done to judge the rate', () => {
    expect(timeLeft(500, 0.5)).toBeNull();
    expect(timeLeft(5000, 0.01)).toBeNull();
    expect(timeLeft(2000, 0.25)).toBe('~6 s left');
    expect(timeLeft(60_000, 0.25)).toBe('~3 min left');
    expect(timeLeft(5000, 1)).toBeNull();
  });

  it('draws the fraction done, then the step with no count that is left, and clears its line', () => {
    const { stream, written } = fakeTerminal();
    const bar = progressBar('building exchanges', stream);
    bar.update(1, 4);
    bar.update(4, 4);
    bar.stage('indexing');
    bar.done();
    const clear = '\r\x1b[K';
    expect(written[0].startsWith(clear)).toBe(true);
    expect(written[0].slice(clear.length)).toMatch(/^building exchanges \[#+\.+\] 25%$/);
    expect(written[1]).toMatch(/\] 100%$/);
    expect(written[2]).toBe('\r\x1b[Kbuilding exchanges: indexing…');
    expect(written[3]).toBe('\r\x1b[K');
  });

  it('shows nothing off a terminal', () => {
    const { stream, written } = fakeTerminal();
    (stream as { isTTY: boolean }).isTTY = false;
    const bar = progressBar('exporting', stream);
    bar.update(1, 2);
    bar.stage('indexing');
    bar.done();
    expect(written).toEqual([]);
  });
});
