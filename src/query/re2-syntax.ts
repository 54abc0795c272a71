/**
 * A filter's regex is written in JavaScript's syntax (as without the `u` flag) and run by RE2's
 * algorithm (re2js, see regex.ts), whose syntax is Perl's: this turns one into the other, and
 * refuses what RE2 cannot do in linear time (lookaround, backreferences) or would read
 * differently (`\a` is a bell in RE2 and the letter a in JavaScript), saying where.
 *
 * RE2's syntax: https://github.com/google/re2/wiki/Syntax
 */

/** Why a pattern is refused, and which of its characters (offsets into the source). */
export interface RegexProblem {
  message: string;
  start: number;
  end: number;
}


/** JavaScript escapes of a letter that mean something; any other letter would read as itself. */
const SHARED_CLASS_ESCAPES = new Set(['d', 'D', 'w', 'W', 's', 'S']);
const SHARED_CONTROL_ESCAPES = new Set(['n', 'r', 't', 'f', 'v']);
const HEX = /^[0-9A-Fa-f]$/;

/** Everything; and nothing: JavaScript's [^] and [], which RE2 has no spelling for. */
const ANY_CHAR = '[\\x{0}-\\x{10FFFF}]';
const NO_CHAR = '[^\\x{0}-\\x{10FFFF}]';

function hexEscape(code: number): string {
  return `\\x{${code.toString(16)}}`;
}

/** The code unit of a \\uHHHH escape at `at`, or null. */
function utf16Escape(source: string, at: number): number | null {
  const hex = source.slice(at + 2, at + 6);
  return source.startsWith('\\u', at) && hex.length === 4 && [...hex].every((h) => HEX.test(h)) ? parseInt(hex, 16) : null;
}

function problem(message: string, start: number, end: number): { problem: RegexProblem } {
  return { problem: { message, start, end } };
}

/**
 * RE2 syntax meaning what `source` means in JavaScript (without the u flag), or the first
 * problem. The source must already be valid JavaScript (new RegExp accepted it).
 */
export function toRe2Syntax(source: string): { re2: string } | { problem: RegexProblem } {
  let out = '';
  let inClass = false;
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === '\\') {
      const escape = translateEscape(source, i, inClass);
      if ('problem' in escape) return escape;
      out += escape.re2;
      i = escape.end;
      continue;
    }
    if (inClass) {
      // RE2 reads [[:alpha:]] as a POSIX class; in JavaScript '[' in a class is itself
      out += c === '[' ? '\\[' : c;
      if (c === ']') inClass = false;
      i++;
      continue;
    }
    if (c === '[') {
      const empty = source.startsWith('[]', i) ? NO_CHAR : source.startsWith('[^]', i) ? ANY_CHAR : null;
      if (empty) {
        out += empty;
        i += empty === NO_CHAR ? 2 : 3;
        continue;
      }
      inClass = true;
      out += source[i + 1] === '^' ? '[^' : '[';
      i += source[i + 1] === '^' ? 2 : 1;
      // a ']' right after the opening is the end of an empty class in JavaScript (handled
      // above), so nothing more to do here
      continue;
    }
    if (c === '(' && source[i + 1] === '?') {
      const group = translateGroup(source, i);
      if ('problem' in group) return group;
      out += group.re2;
      i = group.end;
      continue;
    }
    out += c;
    i++;
  }
  return { re2: out };
}

function translateGroup(source: string, at: number): { re2: string; end: number } | { problem: RegexProblem } {
  const rest = source.slice(at, at + 4);
  for (const [open, what] of [
    ['(?<=', 'lookbehind'],
    ['(?<!', 'negative lookbehind'],
    ['(?=', 'lookahead'],
    ['(?!', 'negative lookahead'],
  ] as const) {
    if (rest.startsWith(open)) return problem(`${what} ${open}…) is not supported: filter regexes run in linear time (RE2), without lookaround`, at, at + open.length);
  }
  // a named group: (?<name>…) is RE2's (?P<name>…)
  if (rest.startsWith('(?<')) return { re2: '(?P<', end: at + 3 };
  return { re2: '(?', end: at + 2 }; // (?:
}

function translateEscape(source: string, at: number, inClass: boolean): { re2: string; end: number } | { problem: RegexProblem } {
  const d = source[at + 1];
  if (d === undefined) return { re2: '\\\\', end: at + 1 }; // JavaScript refuses a trailing '\' anyway
  const end = at + 2;
  if (d >= '1' && d <= '9')
    return problem(`backreference \\${d} is not supported: filter regexes run in linear time (RE2), without backreferences`, at, end);
  if (d === '0') {
    if (/[0-9]/.test(source[end] ?? '')) return problem('octal escapes are not supported: write the character as \\xHH', at, end + 1);
    return { re2: '\\x{0}', end };
  }
  if (d === 'k' && source[end] === '<') return problem('backreference \\k<…> is not supported: filter regexes run in linear time (RE2), without backreferences', at, source.indexOf('>', end) + 1 || end);
  if (SHARED_CLASS_ESCAPES.has(d) || SHARED_CONTROL_ESCAPES.has(d)) return { re2: `\\${d}`, end };
  if (d === 'b' || d === 'B') {
    // in a class JavaScript's \b is a backspace (and \B the letter B, refused below)
    if (!inClass) return { re2: `\\${d}`, end };
    if (d === 'b') return { re2: '\\x{8}', end };
  }
  if (d === 'x' && HEX.test(source[end] ?? '') && HEX.test(source[end + 1] ?? '')) return { re2: hexEscape(parseInt(source.slice(end, end + 2), 16)), end: end + 2 };
  const unit = d === 'u' ? utf16Escape(source, at) : null;
  if (unit !== null) {
    // RE2 matches code points: a surrogate pair written as two escapes is one character
    const low = unit >= 0xd800 && unit < 0xdc00 ? utf16Escape(source, at + 6) : null;
    if (low !== null && low >= 0xdc00 && low < 0xe000) return { re2: hexEscape(0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00)), end: at + 12 };
    return { re2: hexEscape(unit), end: at + 6 };
  }
  if (d === 'c' && /[A-Za-z]/.test(source[end] ?? '')) return { re2: hexEscape(source.charCodeAt(end) % 32), end: end + 1 };
  if (/[A-Za-z]/.test(d))
    // JavaScript reads an unknown letter escape as the letter; RE2 refuses it or, for some
    // (\a \p \z \Q...), gives it another meaning. Refused, so that no pattern means two things.
    return problem(`\\${d} is not an escape: write ${d} for the letter`, at, end);
  // punctuation: escaped or not, itself in both; anything else (é) is written as itself
  if (d.charCodeAt(0) < 0x80) return { re2: `\\${d}`, end };
  return { re2: d, end };
}
