import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { shellWord, singleQuoted } from '../../src/export/shell-words.js';
import { tempDir } from '../helpers/session-files.js';

/** What sh makes of the words: each one's bytes, as printf '%s\0' writes them. */
function shWords(words: string[], cwd?: string): Buffer[] {
  const out = execFileSync('sh', ['-c', `printf '%s\\0' ${words.join(' ')}`], { cwd, env: { PATH: '/usr/bin:/bin' } });
  const parts: Buffer[] = [];
  for (let at = 0; at < out.length; ) {
    const end = out.indexOf(0, at);
    parts.push(out.subarray(at, end));
    at = end + 1;
  }
  return parts;
}

describe('shell words', () => {
  it('quotes printable ASCII in single quotes, and leaves plain words bare', () => {
    expect(shellWord(Buffer.from('GET'))).toBe('GET');
    expect(shellWord(Buffer.from('a b'))).toBe("'a b'");
    expect(shellWord(Buffer.from("it's $(x) `y`"))).toBe(`'it'\\''s $(x) \`y\`'`);
    expect(shellWord(Buffer.from('~root'))).toBe("'~root'");
    expect(singleQuoted("'")).toBe(`''\\'''`);
  });

  it('writes other bytes as printf octal escapes, and has no word for a NUL or a trailing newline', () => {
    expect(shellWord(Buffer.from('caf\xe9 100%', 'latin1'))).toBe(`"$(printf 'caf\\351 100\\045')"`);
    expect(shellWord(Buffer.from("a\nb'\\"))).toBe(`"$(printf 'a\\012b\\047\\134')"`);
    expect(shellWord(Buffer.from('-\x7f'))).toBe(`"$(printf '\\055\\177')"`);
    expect(shellWord(Buffer.from('a\0b'))).toBeNull();
    expect(shellWord(Buffer.from('ab\n'))).toBeNull();
  });

  it('sh reads every word back as exactly its bytes, and runs nothing', () => {
    const dir = tempDir('tinytap-words-');
    const marker = join(dir, 'ran');
    const hostile = [`$(touch ${marker})`, `\`touch ${marker}\``, `'; touch ${marker}; '`, `"$(touch ${marker})"`, `\\$(touch ${marker})`];
    const words = hostile.map((h) => shellWord(Buffer.from(h))!);
    expect(shWords(words, dir).map((b) => b.toString())).toEqual(hostile);
    expect(existsSync(marker)).toBe(false);
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 48 }), { minLength: 1, maxLength: 24 }), (arrays) => {
        const representable = arrays.filter((a) => !a.includes(0) && a[a.length - 1] !== 0x0a);
        for (const a of arrays) if (!representable.includes(a)) expect(shellWord(a)).toBeNull();
        if (representable.length === 0) return;
        const words = representable.map((a) => shellWord(a)!);
        // pasted into a terminal: nothing but printable ASCII
        for (const w of words) expect(w).toMatch(/^[\x20-\x7e]+$/);
        expect(shWords(words, dir)).toEqual(representable.map((a) => Buffer.from(a)));
      }),
      { numRuns: 100 },
    );
    expect(existsSync(marker)).toBe(false);
  });
});
