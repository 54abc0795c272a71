/**
 * Tokens of the filter language. Written by hand rather than with a parser library: the
 * language is small, and a hand-written scanner can point at the exact characters of a bad term.
 */
export class FilterError extends Error {
  readonly code = 'EFILTER';
  constructor(
    message: string,
    readonly start: number,
    readonly end: number,
  ) {
    super(message);
  }

  /** The input with a caret line under the bad part. */
  format(input: string): string {
    const width = Math.max(1, this.end - this.start);
    return `  ${input}\n  ${' '.repeat(this.start)}${'^'.repeat(width)}`;
  }
}

export type Token =
  | { kind: 'lparen' | 'rparen' | 'not' | 'or' | 'and'; start: number; end: number }
  /** A plain word, possibly key:value (split later). */
  | { kind: 'word'; text: string; start: number; end: number }
  | { kind: 'quoted'; text: string; start: number; end: number }
  | { kind: 'regex'; source: string; flags: string; start: number; end: number }
  /** key:value whose value was quoted or a regex: `body:"a b"`, `path:/x/`. */
  | { kind: 'pair'; key: string; value: ValueToken; start: number; end: number }
  | { kind: 'mitm'; op: string; start: number; end: number };

export type ValueToken =
  | { kind: 'word'; text: string; start: number; end: number }
  | { kind: 'quoted'; text: string; start: number; end: number }
  | { kind: 'regex'; source: string; flags: string; start: number; end: number };

const SPACE = /\s/;

function readQuoted(input: string, at: number): ValueToken {
  let i = at + 1;
  let text = '';
  while (i < input.length && input[i] !== '"') {
    if (input[i] === '\\' && i + 1 < input.length) {
      text += input[i + 1];
      i += 2;
    } else text += input[i++];
  }
  if (i >= input.length) throw new FilterError('unclosed quote: add the closing "', at, input.length);
  return { kind: 'quoted', text, start: at, end: i + 1 };
}

function readRegex(input: string, at: number): ValueToken {
  let i = at + 1;
  let source = '';
  while (i < input.length && input[i] !== '/') {
    if (input[i] === '\\' && i + 1 < input.length) {
      // keep the escape for the regex, except for an escaped slash
      source += input[i + 1] === '/' ? '/' : input[i] + input[i + 1];
      i += 2;
    } else source += input[i++];
  }
  if (i >= input.length) throw new FilterError('unclosed regular expression: end it with /', at, input.length);
  i++;
  let flags = '';
  while (i < input.length && /[a-z]/.test(input[i])) flags += input[i++];
  if (flags && flags !== 'i') throw new FilterError(`unsupported regular expression flags '${flags}': only i is allowed`, at, i);
  try {
    new RegExp(source, flags);
  } catch (err) {
    throw new FilterError(`bad regular expression: ${(err as Error).message}`, at, i);
  }
  return { kind: 'regex', source, flags, start: at, end: i };
}

function readWord(input: string, at: number): number {
  let i = at;
  while (i < input.length && !SPACE.test(input[i]) && input[i] !== '(' && input[i] !== ')') i++;
  return i;
}

const KEY_PREFIX = /^([a-zA-Z][a-zA-Z-]*):/;

/**
 * Paths and URLs begin with '/' themselves: for path: and url: a value between slashes is a
 * regular expression only if it uses regex syntax (path:/users/ is a path; path:/^\/users\/\d+$/
 * is a pattern). Other keys' values never start with '/', so there /.../ is always a pattern.
 */
function slashMeansRegex(key: string, word: string): boolean {
  if (key !== 'path' && key !== 'url') return true;
  const m = /^\/(.*)\/i?$/.exec(word);
  return !!m && /[\\^$[\]()|+?{}]/.test(m[1]);
}

export function tokenize(input: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (SPACE.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      out.push({ kind: c === '(' ? 'lparen' : 'rparen', start: i, end: i + 1 });
      i++;
      continue;
    }
    if ((c === '-' || c === '!') && i + 1 < input.length && !SPACE.test(input[i + 1]) && input[i + 1] !== ')') {
      out.push({ kind: 'not', start: i, end: i + 1 });
      i++;
      continue;
    }
    if (c === '"') {
      const q = readQuoted(input, i);
      out.push(q);
      i = q.end;
      continue;
    }
    if (c === '/') {
      const r = readRegex(input, i);
      out.push(r);
      i = r.end;
      continue;
    }
    if (c === '~') {
      const end = readWord(input, i);
      out.push({ kind: 'mitm', op: input.slice(i, end), start: i, end });
      i = end;
      continue;
    }
    const key = KEY_PREFIX.exec(input.slice(i));
    if (key) {
      const valueAt = i + key[0].length;
      const v = input[valueAt];
      if (v === '"' || (v === '/' && slashMeansRegex(key[1].toLowerCase(), input.slice(valueAt).split(/\s/)[0]))) {
        const value = v === '"' ? readQuoted(input, valueAt) : readRegex(input, valueAt);
        out.push({ kind: 'pair', key: key[1].toLowerCase(), value, start: i, end: value.end });
        i = value.end;
        continue;
      }
    }
    const end = readWord(input, i);
    const text = input.slice(i, end);
    const lower = text.toLowerCase();
    if (lower === 'or' || lower === 'and' || lower === 'not') out.push({ kind: lower, start: i, end });
    else out.push({ kind: 'word', text, start: i, end });
    i = end;
  }
  return out;
}
