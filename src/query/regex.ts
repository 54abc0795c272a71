/**
 * Regular expressions and globs as the filter language uses them, shared by the SQL functions
 * (functions.ts) and the in-memory predicate (predicate.ts) so both agree on every match.
 *
 * Patterns come from users, and tinytap runs as root: they run on re2js, a JavaScript port of
 * RE2 (via Go's regexp), whose matching time grows linearly with the text whatever the
 * pattern (JavaScript's backtracking RegExp takes forever on /(a+)+$/ against 41 characters,
 * and blocks the event loop while it does). Why re2js rather than the others:
 * - `re2` (the C++ RE2 binding) is faster on long bodies (about 10x), but installs by
 *   downloading a prebuilt binary from GitHub, else compiles RE2 and Abseil (minutes, 20 MB);
 * - `re2-wasm` is slower than re2js here (every call copies the text into WASM memory), needs
 *   the u flag, and is no longer maintained;
 * - V8's own linear engine (--enable-experimental-regexp-engine) is experimental, must be
 *   switched on before any RegExp exists, and refuses many patterns;
 * - a time budget per match cannot stop a synchronous RegExp.test() in the middle.
 * re2js is plain JavaScript with no dependencies (about 260 kB), bundles into the TUI, and runs
 * a lazy DFA for test(): on a URL a match costs about 1-3 µs, on a body about 10 ns a byte.
 */
import { RE2JS } from 're2js';

import type { Regex } from './ast.js';
import { FilterError } from './errors.js';
import { type RegexProblem, toRe2Syntax } from './re2-syntax.js';
import { asciiLower } from '../model/text-sql.js';

export type { RegexProblem } from './re2-syntax.js';

/** Flags a filter's regex may carry (u and y would change what the rest of the source means). */
export const REGEX_FLAGS = /^[ims]*$/;

/** A compiled filter regex: test() finds a match anywhere in the text, in linear time. */
export interface CompiledRegex {
  test(text: string): boolean;
}

const cache = new Map<string, CompiledRegex>();
const WHITESPACE = /\s/;
const FLAG_PREFIX = /^\(\?([ims]+)\)/;

/**
 * One string for a regex and its flags, as the SQL `regexp(pattern, value)` function takes it:
 * "(?im)source" (Perl's and RE2's inline-flag spelling; JavaScript has no such syntax, so no
 * valid source can be mistaken for it), or the bare source when there are no flags.
 */
export function encodeRegex(r: Regex, extraFlags = ''): string {
  const flags = [...new Set(r.flags + extraFlags)].sort().join('');
  return flags ? `(?${flags})${r.source}` : r.source;
}

/**
 * The regex for an encoded pattern (encodeRegex), cached: a query tests it against every row.
 * Only patterns the filter language accepted get here; anything else throws.
 */
export function compiledRegex(pattern: string): CompiledRegex {
  let re = cache.get(pattern);
  if (!re) {
    const m = FLAG_PREFIX.exec(pattern);
    const source = m ? pattern.slice(m[0].length) : pattern;
    const syntax = toRe2Syntax(source);
    if ('problem' in syntax) throw new Error(`bad regular expression /${source}/: ${syntax.problem.message}`);
    re = RE2JS.compile(m ? `(?${m[1]})${syntax.re2}` : syntax.re2);
    if (cache.size >= 256) cache.clear();
    cache.set(pattern, re);
  }
  return re;
}

/** `regex` tested against `value` (null never matches). */
export function regexMatches(r: Regex, value: string | null, extraFlags = ''): boolean {
  if (value === null) return false;
  return compiledRegex(encodeRegex(r, extraFlags)).test(value);
}

/**
 * A regex source that can be printed between slashes and read back: every '/' escaped, and
 * every whitespace character written as \uXXXX (a /regex/ ends at whitespace, so that a filter's
 * terms never run into each other). Means the same as `source`.
 */
export function canonicalSource(source: string): string {
  const hex = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  let out = '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\' && i + 1 < source.length) {
      const d = source[++i];
      // "\ " is a space too
      out += WHITESPACE.test(d) ? hex(d) : c + d;
    } else out += c === '/' ? '\\/' : WHITESPACE.test(c) ? hex(c) : c;
  }
  return out;
}

/**
 * Why a filter cannot use this regex, and which characters of `source` are wrong, or null when
 * it can: it must be JavaScript syntax, and RE2 must take it (no lookaround, no backreferences,
 * at most 1000 repetitions).
 */
export function regexProblem(source: string, flags: string): RegexProblem | null {
  try {
    // only parsed, never run: V8 compiles a RegExp on its first match
    new RegExp(source, flags);
  } catch (err) {
    // "Invalid regular expression: /[a-/: Unterminated character class" → the reason only
    const m = /: \/.*\/[a-z]*: (.*)$/s.exec((err as Error).message);
    return { message: m ? m[1] : (err as Error).message, start: 0, end: source.length };
  }
  const syntax = toRe2Syntax(source);
  if ('problem' in syntax) return syntax.problem;
  try {
    RE2JS.compile(syntax.re2);
    return null;
  } catch (err) {
    // "error parsing regexp: invalid repeat count: `{2000}`" → the reason, and where it is
    const reason = (err as Error).message.replace(/^error parsing regexp: /, '');
    const quoted = /`(.+)`$/.exec(reason)?.[1] ?? '';
    const at = quoted ? source.indexOf(quoted) : -1;
    const message = reason.startsWith('invalid repeat count') ? `${reason} (RE2 repeats at most 1000 times)` : reason;
    return at < 0 ? { message, start: 0, end: source.length } : { message, start: at, end: at + quoted.length };
  }
}

/**
 * The FilterError for a regex the filter cannot use, or null. `token` is where the regex is in
 * the filter's input (all of it, slashes and flags too); `sourceAt` where its source starts,
 * when the source is the input's own characters, so that the error points at the bad ones.
 */
export function regexFilterError(source: string, flags: string, token: { start: number; end: number; sourceAt: number | null }, hint: string): FilterError | null {
  const problem = regexProblem(source, flags);
  if (problem === null) return null;
  const message = `bad regular expression: ${problem.message}`;
  const at = token.sourceAt;
  if (at === null || (problem.start === 0 && problem.end === source.length)) return new FilterError(message, token.start, token.end, hint);
  return new FilterError(message, at + problem.start, at + problem.end, hint);
}

export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/** Lower case for ASCII letters only: what SQLite's NOCASE, LIKE and lower() do. */
export { asciiLower };

/** A glob (`*` is any run of characters, nothing else special) matches the whole of `value`. */
export function globMatches(glob: string, value: string): boolean {
  const parts = glob.split('*');
  if (parts.length === 1) return glob === value;
  const first = parts[0];
  const last = parts[parts.length - 1];
  if (value.length < first.length + last.length || !value.startsWith(first) || !value.endsWith(last)) return false;
  let at = first.length;
  const stop = value.length - last.length;
  for (const part of parts.slice(1, -1)) {
    const found = value.indexOf(part, at);
    if (found < 0 || found + part.length > stop) return false;
    at = found + part.length;
  }
  return true;
}

/** Skips the escape at `i` (a backslash) or the class or group starting there; returns the end. */
function skipAtom(source: string, i: number): number {
  const c = source[i];
  if (c === '\\') return i + 2;
  if (c === '[') {
    let j = i + 1;
    while (j < source.length && source[j] !== ']') j += source[j] === '\\' ? 2 : 1;
    return j + 1;
  }
  if (c === '(') {
    let depth = 0;
    let j = i;
    while (j < source.length) {
      const d = source[j];
      if (d === '\\' || d === '[') {
        j = skipAtom(source, j);
        continue;
      }
      if (d === '(') depth++;
      else if (d === ')' && --depth === 0) return j + 1;
      j++;
    }
    return j;
  }
  return i + 1;
}

function hasTopLevelAlternation(source: string): boolean {
  for (let i = 0; i < source.length; ) {
    if (source[i] === '|') return true;
    i = skipAtom(source, i);
  }
  return false;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]$/;

/**
 * The longest run of printable ASCII text that every match of `r` must contain, when it has 3 or
 * more characters, else null: the trigram index narrows a regex search to the rows holding it
 * before the regex itself runs. Conservative: anything unsure (alternation at the top, groups,
 * classes, escapes with letters, optional characters) ends a run, and a run only loses
 * characters, so the narrowing never drops a row the regex would match.
 */
export function requiredLiteral(r: Regex): string | null {
  const s = r.source;
  if (hasTopLevelAlternation(s)) return null;
  let best = '';
  let run = '';
  let lastIsLiteral = false;
  const end = () => {
    if (run.length > best.length) best = run;
    run = '';
    lastIsLiteral = false;
  };
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === '\\') {
      const d = s[i + 1] ?? '';
      if (/[A-Za-z0-9]/.test(d)) {
        // \d \w \b \x41 \u0041 \1 \cJ \k<name>: not literal text; skip what belongs to it
        end();
        i += 2;
        const hexDigits = d === 'x' ? 2 : d === 'u' ? 4 : 0;
        for (let n = 0; n < hexDigits && /[0-9A-Fa-f]/.test(s[i] ?? ''); n++) i++;
        if (/[0-9]/.test(d)) while (/[0-9]/.test(s[i] ?? '')) i++;
        else if (d === 'c') i++;
        else if (d === 'k' && s[i] === '<') while (i < s.length && s[i - 1] !== '>') i++;
        continue;
      }
      if (PRINTABLE_ASCII.test(d)) {
        run += d;
        lastIsLiteral = true;
      } else end();
      i += 2;
      continue;
    }
    if (c === '*' || c === '?' || c === '{') {
      const quantifier = c === '{' ? /^\{(\d+)(,\d*)?\}/.exec(s.slice(i)) : null;
      // the atom before may occur zero times: it is not required
      if (lastIsLiteral && (c !== '{' || (quantifier && quantifier[1] === '0') || !quantifier)) run = run.slice(0, -1);
      end();
      i += quantifier ? quantifier[0].length : 1;
      continue;
    }
    if (c === '+') {
      end();
      i++;
      continue;
    }
    if (c === '(' || c === '[' || c === '.' || c === '^' || c === '$' || c === ')' || c === ']' || c === '}' || c === '|') {
      end();
      i = c === '(' || c === '[' ? skipAtom(s, i) : i + 1;
      continue;
    }
    if (PRINTABLE_ASCII.test(c)) {
      run += c;
      lastIsLiteral = true;
    } else end();
    i++;
  }
  end();
  return best.length >= 3 ? best : null;
}

/** A regex source matching `text` with ASCII letters in either case (as LIKE and NOCASE do). */
function asciiCaseless(text: string): string {
  return [...text].map((c) => (/[A-Za-z]/.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : escapeRegex(c))).join('');
}

/**
 * The header line `name: …contains…` in a "Name: value" lines text: the meaning of
 * `header:name=contains`, for SQL (as a regexp() argument) and in memory alike.
 */
export function headerFieldRegex(name: string, contains: string | null): Regex {
  return { source: `^${asciiCaseless(name)}:${contains === null ? '' : `[^\\n]*${asciiCaseless(contains)}`}`, flags: 'm' };
}
