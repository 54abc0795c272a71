/**
 * Captured bytes as words of a POSIX shell command (dash, bash, zsh: `sh` runs what we write).
 * The bytes are untrusted: whatever they hold, the word must stand for exactly those bytes, run
 * nothing, and be safe to paste into a terminal.
 *
 * - Printable ASCII goes in single quotes, where the shell interprets nothing ('$(x)', '`x`',
 *   '"' are inert); a quote itself is closed, escaped and reopened: 'it'\''s'.
 * - Any other byte (control characters a terminal would act on when pasted, bytes that are not
 *   UTF-8) is written as an octal escape of printf, inside a command substitution:
 *   "$(printf 'caf\303\251')". printf's format is itself in single quotes. ($'...' would be
 *   shorter, but dash, Debian's sh, does not have it.)
 * - A NUL cannot be in any argument (argv strings end at NUL), and a command substitution drops
 *   trailing newlines: such bytes have no word (null), and callers say so.
 */

function isPrintableAscii(b: number): boolean {
  return b >= 0x20 && b <= 0x7e;
}

/** Single-quoted: for printable ASCII only. */
export function singleQuoted(ascii: string): string {
  return `'${ascii.replace(/'/g, `'\\''`)}'`;
}

/** Characters no shell treats specially anywhere in a word (a leading '~' or '#' would be). */
const BARE = /^[A-Za-z0-9][A-Za-z0-9_.:/=,+@%-]*$/;

/** One word standing for `bytes`, or null when no shell word can (a NUL, a trailing newline). */
export function shellWord(bytes: Uint8Array): string | null {
  if (bytes.every(isPrintableAscii)) {
    const text = Buffer.from(bytes).toString('latin1');
    return BARE.test(text) ? text : singleQuoted(text);
  }
  if (bytes.includes(0) || bytes[bytes.length - 1] === 0x0a) return null;
  let format = '';
  bytes.forEach((b, i) => {
    // ' \ % mean something to the shell or to printf, and a format starting with '-' would be
    // an option to dash's printf: escaped like the unprintable bytes
    const plain = isPrintableAscii(b) && b !== 0x27 && b !== 0x5c && b !== 0x25 && !(i === 0 && b === 0x2d);
    format += plain ? String.fromCharCode(b) : `\\${b.toString(8).padStart(3, '0')}`;
  });
  return `"$(printf '${format}')"`;
}

/** shellWord of a Latin-1 string (one character per byte, as the model keeps header values). */
export function shellWordLatin1(s: string): string | null {
  return shellWord(Buffer.from(s, 'latin1'));
}
