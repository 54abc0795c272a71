/**
 * The operation of a SQL text as a user would name it: its first keyword, upper-cased, after
 * whitespace, comments and opening parentheses. For `WITH ... ` it is the main statement's
 * keyword (withMainKeyword), or 'WITH' when that is not found.
 */

/** A dollar-quote tag: $$ or $name$ (a name does not start with a digit, unlike $1). */
const DOLLAR_TAG = /^\$(?:[A-Za-z_]\w*)?\$/;
const MAIN_STATEMENTS = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'VALUES', 'TABLE']);

interface Token {
  kind: 'word' | 'open' | 'close' | 'other';
  text: string;
}

export function sqlOperation(sql: string): string {
  const tokens = tokenize(sql);
  let first: Token | undefined;
  // by hand: breaking out of for-of would close the generator that withMainKeyword goes on with
  for (let r = tokens.next(); !r.done; r = tokens.next()) {
    if (r.value.kind === 'open') continue;
    first = r.value;
    break;
  }
  if (first === undefined) return 'EMPTY';
  if (first.kind !== 'word') return first.text.slice(0, 16).toUpperCase();
  const keyword = first.text.toUpperCase();
  return keyword === 'WITH' ? withMainKeyword(tokens) : keyword;
}

/**
 * The first statement keyword outside parentheses after the first CTE's body: before it only CTE
 * names and column lists can stand, after it further CTEs, SEARCH/CYCLE clauses, and the
 * main statement.
 */
function withMainKeyword(tokens: Iterator<Token>): string {
  let depth = 0;
  let pastFirstBody = false;
  for (let r = tokens.next(); !r.done; r = tokens.next()) {
    const t = r.value;
    if (t.kind === 'open') depth++;
    else if (t.kind === 'close') {
      depth = Math.max(0, depth - 1);
      if (depth === 0) pastFirstBody = true;
    } else if (depth === 0 && pastFirstBody && t.kind === 'word' && MAIN_STATEMENTS.has(t.text.toUpperCase())) {
      return t.text.toUpperCase();
    }
  }
  return 'WITH';
}

/** Words, parentheses and other characters; strings, quoted names and comments are skipped. */
function* tokenize(sql: string): Generator<Token> {
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const ch = sql[i];
    if (/\s/.test(ch)) i++;
    else if (ch === '-' && sql[i + 1] === '-') i = lineEnd(sql, i);
    else if (ch === '/' && sql[i + 1] === '*') i = blockCommentEnd(sql, i);
    else if (ch === "'" || ch === '"') i = quoteEnd(sql, i, ch);
    else if (ch === '$' && DOLLAR_TAG.test(sql.slice(i, i + 64))) i = dollarQuoteEnd(sql, i);
    else if (ch === '(') {
      i++;
      yield { kind: 'open', text: ch };
    } else if (ch === ')') {
      i++;
      yield { kind: 'close', text: ch };
    } else if (/[A-Za-z_]/.test(ch)) {
      let j = i + 1;
      while (j < n && /[\w$]/.test(sql[j])) j++;
      yield { kind: 'word', text: sql.slice(i, j) };
      i = j;
    } else {
      i++;
      yield { kind: 'other', text: ch };
    }
  }
}

function lineEnd(sql: string, i: number): number {
  const nl = sql.indexOf('\n', i);
  return nl < 0 ? sql.length : nl + 1;
}

/** PostgreSQL block comments nest. */
function blockCommentEnd(sql: string, i: number): number {
  let depth = 0;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return i;
}

function quoteEnd(sql: string, i: number, quote: string): number {
  let j = i + 1;
  while (j < sql.length) {
    if (sql[j] === quote) {
      if (sql[j + 1] === quote) j += 2; // doubled quote inside
      else return j + 1;
    } else j++;
  }
  return j;
}

function dollarQuoteEnd(sql: string, i: number): number {
  const tag = DOLLAR_TAG.exec(sql.slice(i, i + 64))![0];
  const close = sql.indexOf(tag, i + tag.length);
  return close < 0 ? sql.length : close + tag.length;
}
