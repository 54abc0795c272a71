import { describe, expect, it } from 'vitest';
import { splitInlineArgs } from '../../../src/protocols/redis/inline.js';

const split = (line: string): string[] | undefined => splitInlineArgs(Buffer.from(line, 'latin1'))?.map((b) => b.toString('latin1'));

describe('splitInlineArgs (Redis sdssplitargs)', () => {
  it('splits on spaces and tabs, ignoring runs of them', () => {
    expect(split('SET  a\tb ')).toEqual(['SET', 'a', 'b']);
    expect(split('   ')).toEqual([]);
  });

  it('reads double quotes with C escapes and \\xHH', () => {
    expect(split('SET k "a b\\n\\x41\\"q\\\\"')).toEqual(['SET', 'k', 'a b\nA"q\\']);
    expect(split('"\\xZZ"')).toEqual(['xZZ']); // not hex: an ordinary escape of 'x'
  });

  it('reads single quotes with only \\\' escaped', () => {
    expect(split("SET k 'it\\'s \\n'")).toEqual(['SET', 'k', "it's \\n"]);
  });

  it('refuses unbalanced quotes and a quote not followed by a space', () => {
    expect(split('ECHO "open')).toBeUndefined();
    expect(split("ECHO 'open")).toBeUndefined();
    expect(split('ECHO "a"b')).toBeUndefined();
  });

  it('keeps an empty quoted argument', () => {
    expect(split('SET k ""')).toEqual(['SET', 'k', '']);
  });
});
