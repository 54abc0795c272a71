/**
 * A tolerant SQL tokenizer for any dialect tinytap records (PostgreSQL, MySQL/MariaDB): it reads
 * whatever text it is given, never throws, and takes time linear in the text. Its only users are
 * the shape functions (query-shape.ts, sql-tables.ts), which need to know what is a literal, a
 * parameter, a name or punctuation, not what the statement means.
 *
 * Why not a parser library: libpg-query / pg-query-emscripten hold PostgreSQL's real grammar and
 * its fingerprinting, but only for PostgreSQL, as a multi-megabyte WASM module, and reject what
 * does not parse; node-sql-parser covers several dialects with a PEG grammar that throws on
 * anything it does not know (vendor syntax, a statement cut at DB_TEXT_LIMIT); sql-summary
 * (Elastic) names one table, no normalised text. A shape must exist for every call, however odd
 * or truncated its SQL, so a lexer that knows the quoting rules of both dialects is the whole job.
 *
 * Dialect choices, where PostgreSQL and MySQL disagree:
 * - `"..."` is an identifier (PostgreSQL, MySQL with ANSI_QUOTES). MySQL by default reads it as a
 *   string, but ORMs quote MySQL names with backticks and send strings as '...' or parameters, so
 *   only hand-written MySQL keeps a value in its shape.
 * - Backslash escapes in '...' (MySQL's default, PostgreSQL's E'...'): when reading with them
 *   leaves a string open at the end, the text is read again with backslashes literal (PostgreSQL's
 *   standard_conforming_strings), so `'C:\'` still ends where PostgreSQL ends it. Two passes at
 *   most: still linear.
 * - `#` starts a comment (MySQL) unless `>` or `-` follows (PostgreSQL's `#>`, `#>>`, `#-`); the
 *   rare PostgreSQL `a # b` (xor) loses the rest of its line.
 * - `/* ... *\/` does not nest (MySQL); PostgreSQL nests them, but cutting a nested comment short
 *   leaves a few stray words, while nesting a MySQL comment would swallow the statement.
 *   MySQL's executable comments `/*!40101 ... *\/` are read as the SQL they hold.
 * - `?` is a parameter, also where it is PostgreSQL's jsonb operator (`data ? 'k'`): it prints as
 *   `?` either way, but `data ? -1` and `data ? 1` then differ (the sign reads as binary).
 */

export type SqlTokenKind =
  /** An unquoted name or keyword, lower-cased. */
  | 'word'
  /** A name in "double quotes" or `backticks`, exactly as written, quotes included. */
  | 'quoted'
  /** A literal or a parameter; its text is always '?'. */
  | 'value'
  /** ( ) [ ] { } , ; . : and the list marker `...` */
  | 'punct'
  /** An operator: a run of operator characters, or `::`. */
  | 'op';

export interface SqlToken {
  kind: SqlTokenKind;
  text: string;
}

/** Text past this many characters is not looked at: a shape is for grouping, not for storage. */
export const SQL_SHAPE_INPUT_LIMIT = 64 * 1024;

/**
 * Keywords after which a value starts a new operand: `then -1` is the literal -1 and `limit :n`
 * a named parameter, while after a name (`a -1`, `a:b`) they are operators.
 */
const OPERATOR_KEYWORDS = new Set([
  'and', 'or', 'not', 'select', 'where', 'when', 'then', 'else', 'between', 'like', 'ilike', 'in',
  'values', 'value', 'return', 'returns', 'set', 'case', 'limit', 'offset', 'having', 'on', 'is', 'by',
  'default', 'interval', 'any', 'all', 'some', 'exists', 'escape', 'fetch', 'first', 'next',
]);

/** Characters that make up an operator run (`?` is not one: it is a parameter; nor is ` a quote). */
const OPERATOR_CHARS = new Set('+-*/<>=~!@#%^&|\\');

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function isIdentStart(c: string | undefined): boolean {
  if (c === undefined) return false;
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c.charCodeAt(0) >= 0x80;
}

function isIdentPart(c: string | undefined): boolean {
  return isIdentStart(c) || isDigit(c) || c === '$';
}

function isHexDigit(c: string | undefined): boolean {
  return isDigit(c) || (c !== undefined && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
}

/** Whether a token ends an operand, so that `-`, `:` or `%` after it is an operator. */
export function endsOperand(token: SqlToken | undefined): boolean {
  if (token === undefined) return false;
  switch (token.kind) {
    case 'word':
      return !OPERATOR_KEYWORDS.has(token.text);
    case 'quoted':
    case 'value':
      return true;
    case 'punct':
      return token.text === ')' || token.text === ']';
    case 'op':
      return false;
  }
}

interface Pass {
  tokens: SqlToken[];
  /** A '...' string read with backslash escapes ran to the end of the text. */
  unterminated: boolean;
}

/**
 * The tokens of `sql` (cut at SQL_SHAPE_INPUT_LIMIT), comments and whitespace left out. A final
 * '…' is DbCall.text's mark of a cut (DB_TEXT_LIMIT), not SQL: `IN (1, 2, 3…` is a list of values.
 */
export function sqlTokens(sql: string): SqlToken[] {
  const uncut = sql.endsWith('…') ? sql.slice(0, -1) : sql;
  const text = uncut.length > SQL_SHAPE_INPUT_LIMIT ? uncut.slice(0, SQL_SHAPE_INPUT_LIMIT) : uncut;
  const escaped = tokenize(text, true);
  if (!escaped.unterminated) return escaped.tokens;
  const literal = tokenize(text, false);
  return literal.unterminated ? escaped.tokens : literal.tokens;
}

function tokenize(s: string, backslashEscapes: boolean): Pass {
  const tokens: SqlToken[] = [];
  let unterminated = false;
  let executableComments = 0;
  const n = s.length;
  let i = 0;

  const push = (kind: SqlTokenKind, text: string): void => {
    tokens.push({ kind, text });
  };
  /** A value; signs just before it that cannot be binary (`= -5`, `(+1`, `- -1`) belong to it. */
  const pushValue = (): void => {
    for (;;) {
      const prev = tokens[tokens.length - 1];
      if (prev?.kind !== 'op' || (prev.text !== '-' && prev.text !== '+') || endsOperand(tokens[tokens.length - 2])) break;
      tokens.pop();
    }
    push('value', '?');
  };
  /** The end of a '...' string whose opening quote is at `start`. */
  const stringEnd = (start: number, escapes: boolean): number => {
    let j = start + 1;
    while (j < n) {
      const c = s[j];
      if (c === '\\' && escapes) j += 2;
      else if (c === "'") {
        if (s[j + 1] === "'") j += 2;
        else return j + 1;
      } else j++;
    }
    if (escapes) unterminated = true;
    return n;
  };
  /** The end of a name quoted with `q` ("..." or `...`), the quote doubled inside. */
  const quotedEnd = (start: number, q: string): number => {
    let j = start + 1;
    while (j < n) {
      if (s[j] === q) {
        if (s[j + 1] === q) j += 2;
        else return j + 1;
      } else j++;
    }
    return n;
  };

  while (i < n) {
    const c = s[i];
    const next = s[i + 1];
    if (c <= ' ') {
      i++;
    } else if ((c === '-' && next === '-') || (c === '#' && !hashOperator(s, i))) {
      const eol = s.indexOf('\n', i);
      i = eol < 0 ? n : eol + 1;
    } else if (c === '/' && next === '*') {
      if (s[i + 2] === '!') {
        // MySQL executable comment: the text inside is SQL, the version number is not
        executableComments++;
        i += 3;
        while (isDigit(s[i])) i++;
      } else {
        const end = s.indexOf('*/', i + 2);
        i = end < 0 ? n : end + 2;
      }
    } else if (c === '*' && next === '/' && executableComments > 0) {
      executableComments--;
      i += 2;
    } else if (c === "'") {
      i = stringEnd(i, backslashEscapes);
      pushValue();
    } else if (c === '"' || c === '`') {
      const end = quotedEnd(i, c);
      push('quoted', s.slice(i, end));
      i = end;
    } else if (isDigit(c) || (c === '.' && isDigit(next))) {
      const end = numberEnd(s, i);
      if (isIdentPart(s[end]) && !s.slice(i, end).includes('.')) {
        // MySQL names may start with digits: 1st_table
        let j = end;
        while (isIdentPart(s[j])) j++;
        push('word', s.slice(i, j).toLowerCase());
        i = j;
      } else {
        pushValue();
        i = end;
      }
    } else if (isIdentStart(c)) {
      let j = i + 1;
      while (isIdentPart(s[j])) j++;
      const word = s.slice(i, j).toLowerCase();
      if (s[j] === "'" && (word === 'e' || word === 'n' || word === 'x' || word === 'b' || word.startsWith('_'))) {
        // E'..' N'..' X'..' B'..' and MySQL's charset introducer _utf8mb4'..'
        i = stringEnd(j, backslashEscapes || word === 'e');
        pushValue();
      } else {
        push('word', word);
        i = j;
      }
    } else if (c === '$') {
      i = dollar(s, i, tokens, pushValue);
    } else if (c === '?') {
      if (next === '|' || next === '&') {
        push('op', c + next); // PostgreSQL jsonb ?| ?&
        i += 2;
      } else {
        i++;
        // JPA's ?1; after an operand `?` is PostgreSQL's jsonb operator and a number follows it
        if (!endsOperand(tokens[tokens.length - 1])) while (isDigit(s[i])) i++;
        pushValue();
      }
    } else if (c === ':') {
      if (next === ':' || next === '=') {
        push('op', c + next);
        i += 2;
      } else if ((isIdentStart(next) || isDigit(next)) && !endsOperand(tokens[tokens.length - 1])) {
        i++;
        while (isIdentPart(s[i])) i++; // :name, :1
        pushValue();
      } else {
        push('punct', ':');
        i++;
      }
    } else if (c === '%' && !endsOperand(tokens[tokens.length - 1]) && formatParamEnd(s, i) > i) {
      i = formatParamEnd(s, i); // %s, %(name)s: Python DB-API paramstyles
      pushValue();
    } else if (c === '.' && next === '.' && s[i + 2] === '.') {
      push('punct', '...');
      i += 3;
    } else if ('()[]{},;.:'.includes(c)) {
      push('punct', c);
      i++;
    } else if (OPERATOR_CHARS.has(c)) {
      i = operatorRun(s, i, push);
    } else {
      push('op', c);
      i++;
    }
  }
  return { tokens, unterminated };
}

/** Whether the `#` at `i` is PostgreSQL's #> #>> #- rather than a MySQL comment. */
function hashOperator(s: string, i: number): boolean {
  return s[i + 1] === '>' || (s[i + 1] === '-' && s[i + 2] !== '-');
}

/** Where a number starting at `i` ends: 42, 4.2, .5, 1e-3, 1_000, 0x1F, 0b101, 0o17. */
function numberEnd(s: string, i: number): number {
  const radix = s[i] === '0' ? s[i + 1]?.toLowerCase() : undefined;
  if (radix === 'x' && isHexDigit(s[i + 2])) {
    let j = i + 2;
    while (isHexDigit(s[j]) || s[j] === '_') j++;
    return j;
  }
  if ((radix === 'b' || radix === 'o') && isDigit(s[i + 2])) {
    let j = i + 2;
    while (isDigit(s[j]) || s[j] === '_') j++;
    return j;
  }
  let j = i;
  while (isDigit(s[j]) || (s[j] === '_' && isDigit(s[j + 1]))) j++;
  if (s[j] === '.' && s[j + 1] !== '.') {
    j++;
    while (isDigit(s[j])) j++;
  }
  if ((s[j] === 'e' || s[j] === 'E') && (isDigit(s[j + 1]) || ((s[j + 1] === '+' || s[j + 1] === '-') && isDigit(s[j + 2])))) {
    j += 2;
    while (isDigit(s[j])) j++;
  }
  return j;
}

/** `$1` (a parameter), `$tag$...$tag$` / `$$...$$` (a dollar-quoted string) or a lone `$`. */
function dollar(s: string, i: number, tokens: SqlToken[], pushValue: () => void): number {
  let j = i + 1;
  if (isDigit(s[j])) {
    while (isDigit(s[j])) j++;
    pushValue();
    return j;
  }
  if (isIdentStart(s[j]) || s[j] === '$') {
    while (isIdentStart(s[j]) || isDigit(s[j])) j++;
    if (s[j] === '$') {
      const tag = s.slice(i, j + 1);
      const end = s.indexOf(tag, j + 1);
      pushValue();
      return end < 0 ? s.length : end + tag.length;
    }
  }
  tokens.push({ kind: 'op', text: '$' });
  return i + 1;
}

/** The end of a %s / %d / %b / %(name)s parameter at `i`, or `i` when there is none. */
function formatParamEnd(s: string, i: number): number {
  const c = s[i + 1];
  if ((c === 's' || c === 'd' || c === 'b') && !isIdentPart(s[i + 2])) return i + 2;
  if (c === '(') {
    const close = s.indexOf(')', i + 2);
    // a name, not an expression: %(user_id)s
    if (close > i + 2 && close - i < 66 && s[close + 1] === 's' && !isIdentPart(s[close + 2])) {
      for (let k = i + 2; k < close; k++) if (!isIdentPart(s[k])) return i;
      return close + 2;
    }
  }
  return i;
}

/**
 * A run of operator characters as one operator, stopping where a comment starts and before a
 * sign that belongs to the number after it (`=-5` is `=` and `-5`, as PostgreSQL reads it).
 */
function operatorRun(s: string, i: number, push: (kind: SqlTokenKind, text: string) => void): number {
  let j = i;
  while (j < s.length && OPERATOR_CHARS.has(s[j])) {
    if (j > i && s[j - 1] !== '#' && (s[j] === '-' || s[j] === '+') && (isDigit(s[j + 1]) || s[j + 1] === '.' || s[j + 1] === '$' || s[j + 1] === '?' || s[j + 1] === "'")) break;
    if ((s[j] === '-' && s[j + 1] === '-') || (s[j] === '/' && s[j + 1] === '*')) break;
    if (j > i && s[j] === '#' && !hashOperator(s, j)) break;
    if (j > i && s[j] === '@' && s[j - 1] === '=') break; // MySQL a=@x, a=@@x
    if (j > i && s[j] === '%' && formatParamEnd(s, j) > j) break; // a=%s
    j++;
  }
  push('op', s.slice(i, j));
  return j;
}
