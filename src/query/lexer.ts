/**
 * The filter language's tokens, read on demand by the parser: what a piece of text is depends
 * on where it stands (after `path:` a value between slashes is a regex only when it uses regex
 * syntax; after `~u` a value is a raw mitmproxy regex), so the parser asks for a token in the
 * mode it needs. Every token keeps its offsets in the input for error messages.
 */
import { FilterError } from './errors.js';
import { REGEX_FLAGS, canonicalSource, regexFilterError } from './regex.js';

/** A value: a plain word, a "quoted string" (escapes removed) or a /regex/flags. */
export type TextToken = { kind: 'word' | 'quoted'; text: string; start: number; end: number };
export type ValueToken = TextToken | { kind: 'regex'; source: string; flags: string; start: number; end: number };

export type Token =
  | { kind: 'lparen' | 'rparen' | 'not' | 'and' | 'or'; start: number; end: number }
  | ValueToken
  /** `key:value`; `key` lower case. `value.kind` is 'word' with text '' when nothing follows. */
  | { kind: 'keyed'; key: string; value: ValueToken; start: number; end: number }
  /** `~m`, `~q`: a mitmproxy operator; its value (if it takes one) is read with rawValue(). */
  | { kind: 'mitm'; op: string; start: number; end: number };

const SPACE = /\s/;
// `grpc.service:`: the one namespace of keys; any other dotted word (example.com:8080) stays text
const KEY = /^((?:grpc\.)?[A-Za-z][A-Za-z-]*):/i;
const MITM_OP = /^~[A-Za-z]+/;
/** For path: and url:, whose values start with '/' themselves: what makes /…/ a regex. */
const REGEX_SYNTAX = /[\\^$()[\]{}|+?]/;
const KEYWORDS = new Set(['and', 'or', 'not']);

/** Keys whose plain values start with '/' (see REGEX_SYNTAX). */
export const SLASH_VALUE_KEYS = new Set(['path', 'url']);

export function usesRegexSyntax(source: string): boolean {
  return REGEX_SYNTAX.test(source);
}

export class Lexer {
  private pos = 0;
  private peeked: Token | null = null;

  constructor(readonly input: string) {
    // SQLite reads a string only up to a NUL: '%a\0b%' would be LIKE '%a'
    const nul = input.indexOf('\u0000');
    if (nul >= 0) throw new FilterError('the filter holds a NUL character', nul, nul + 1, 'remove it');
  }

  private skipSpace(): void {
    while (this.pos < this.input.length && SPACE.test(this.input[this.pos])) this.pos++;
  }

  /** Whitespace, ')' or the end: where a word, regex or operator must stop. */
  private isDelimiter(at: number): boolean {
    return at >= this.input.length || SPACE.test(this.input[at]) || this.input[at] === ')';
  }

  peek(): Token | null {
    this.peeked ??= this.read();
    return this.peeked;
  }

  next(): Token | null {
    const t = this.peek();
    this.peeked = null;
    return t;
  }

  /** Offset of the end of the input (for "ends too soon" errors). */
  get end(): number {
    return this.input.length;
  }

  /**
   * The value after a mitmproxy operator: a word (regex syntax included: `~u (a|b)\d+`) or a
   * quoted string; null when the filter ends or a ')' follows.
   */
  rawValue(): TextToken | null {
    if (this.peeked) throw new Error('rawValue after peek');
    this.skipSpace();
    if (this.isDelimiter(this.pos)) return null;
    return this.input[this.pos] === '"' ? this.quoted(this.pos) : this.word(this.pos);
  }

  private read(): Token | null {
    this.skipSpace();
    const at = this.pos;
    if (at >= this.input.length) return null;
    const c = this.input[at];
    if (c === '(' || c === ')') {
      this.pos++;
      return { kind: c === '(' ? 'lparen' : 'rparen', start: at, end: at + 1 };
    }
    if (c === '-' || c === '!') {
      if (this.isDelimiter(at + 1))
        throw new FilterError(`nothing to negate after '${c}'`, at, at + 1, `write ${c}term, like ${c}status:200`);
      this.pos++;
      return { kind: 'not', start: at, end: at + 1 };
    }
    if (c === '&' || c === '|') {
      // mitmproxy's & and |, and && || for people who think in C
      let end = at + 1;
      if (this.input[end] === c) end++;
      if (this.isDelimiter(end) || this.input[end] === '(') {
        this.pos = end;
        return { kind: c === '&' ? 'and' : 'or', start: at, end };
      }
    }
    if (c === '"') return this.quoted(at);
    if (c === '/') {
      const regex = this.regex(at, false);
      if (regex) return regex;
    }
    if (c === '~') {
      const op = MITM_OP.exec(this.input.slice(at, at + 16));
      if (op && this.isDelimiter(at + op[0].length)) {
        this.pos = at + op[0].length;
        return { kind: 'mitm', op: op[0].toLowerCase(), start: at, end: this.pos };
      }
    }
    const key = KEY.exec(this.input.slice(at, at + 64));
    if (key) {
      const name = key[1].toLowerCase();
      this.pos = at + key[0].length;
      const value = this.value(name);
      return { kind: 'keyed', key: name, value, start: at, end: value.end };
    }
    const word = this.word(at);
    const lower = word.text.toLowerCase();
    if (KEYWORDS.has(lower)) return { kind: lower as 'and' | 'or' | 'not', start: word.start, end: word.end };
    return word;
  }

  /** The value after `key:` (an empty word when nothing follows). */
  private value(key: string): ValueToken {
    const at = this.pos;
    if (this.isDelimiter(at)) return { kind: 'word', text: '', start: at, end: at };
    const c = this.input[at];
    if (c === '"') return this.quoted(at);
    if (c === '/') {
      const regex = this.regex(at, SLASH_VALUE_KEYS.has(key));
      if (regex) return regex;
    }
    return this.word(at);
  }

  /**
   * A run of characters up to whitespace or a ')' that closes a group: parentheses inside a word
   * are part of it (`body:fn(x)`), so `(status:404)` still closes where it should.
   */
  private word(at: number): TextToken & { kind: 'word' } {
    let i = at;
    let depth = 0;
    while (i < this.input.length && !SPACE.test(this.input[i])) {
      const c = this.input[i];
      if (c === '(') depth++;
      else if (c === ')') {
        if (depth === 0) break;
        depth--;
      }
      i++;
    }
    this.pos = i;
    return { kind: 'word', text: this.input.slice(at, i), start: at, end: i };
  }

  /** "…": \" and \\ are escapes; any other backslash is itself (`"C:\temp"`, `"\d+"`). */
  private quoted(at: number): TextToken {
    let i = at + 1;
    let text = '';
    while (i < this.input.length && this.input[i] !== '"') {
      const c = this.input[i];
      if (c === '\\' && (this.input[i + 1] === '"' || this.input[i + 1] === '\\')) {
        text += this.input[i + 1];
        i += 2;
      } else {
        text += c;
        i++;
      }
    }
    if (i >= this.input.length) throw new FilterError('unclosed quote', at, this.input.length, 'add the closing "');
    this.pos = i + 1;
    return { kind: 'quoted', text, start: at, end: i + 1 };
  }

  /**
   * `/source/flags` followed by a delimiter, flags from i, m, s; else null (and the text is read
   * as a word: `/users` and `/api/v1` are text). With `needsSyntax` (path:, url:) the source must
   * also use regex syntax, or `path:/users/` would be a regex rather than a path.
   */
  private regex(at: number, needsSyntax: boolean): ValueToken | null {
    const s = this.input;
    // a '/' inside [...] does not end the regex (/[/]/); when that finds no end, the first '/'
    // does, so that /[a-/ is reported as a bad regex rather than searched for as text
    for (const classes of [true, false]) {
      const i = closingSlash(s, at + 1, classes);
      if (i === null) continue;
      const raw = s.slice(at + 1, i);
      let end = i + 1;
      while (end < s.length && /[a-z]/.test(s[end])) end++;
      const flags = s.slice(i + 1, end);
      if (!REGEX_FLAGS.test(flags) || !this.isDelimiter(end)) continue;
      if (needsSyntax && !usesRegexSyntax(raw)) continue;
      const problem = regexFilterError(raw, flags, { start: at, end, sourceAt: at + 1 }, 'fix the pattern, or quote the value to search for it as text');
      if (problem) throw problem;
      this.pos = end;
      return { kind: 'regex', source: canonicalSource(raw), flags: [...flags].sort().join(''), start: at, end };
    }
    return null;
  }

}

/**
 * Offset of the '/' that ends a regex whose source starts at `from`, or null. A regex holds no
 * whitespace (write \s or \x20): it would make what a term means depend on the terms after it
 * (`path:/a or b/` would be one regex).
 */
function closingSlash(s: string, from: number, classes: boolean): number | null {
  let inClass = false;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (SPACE.test(c) || (c === '\\' && i + 1 < s.length && SPACE.test(s[i + 1]))) return null;
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[' && classes) inClass = true;
    else if (c === '/') return i;
  }
  return null;
}

/** The tokens of a whole input in term mode (for describeFilter's quoting checks). */
export function tokensOf(input: string): Token[] | null {
  try {
    const lexer = new Lexer(input);
    const out: Token[] = [];
    for (let t = lexer.next(); t; t = lexer.next()) out.push(t);
    return out;
  } catch (err) {
    if (err instanceof FilterError) return null;
    throw err;
  }
}
