/**
 * The shape of a database call: its text with the values taken out, so that calls which differ
 * only in their literals and parameters group together. The N+1 check counts calls per shape,
 * `tinytap diff` matches calls of two sessions by shape, and `sql:"..."` filters match the shape
 * as well as the text. The SQL is read by the tolerant tokenizer of sql-tokens.ts (why not a
 * parser library is said there); tables (sql-tables.ts) and Redis keys (redis-shape.ts) have their
 * own files and are exported from here too, so callers import shapes from one place.
 *
 * The shape is lower case outside quoted names. Folding case without a keyword list makes
 * `SELECT`/`select` and PostgreSQL's folded `Users`/`users` one shape, and a filter can be matched
 * against it without knowing which words are keywords; "Quoted" and `quoted` names keep their
 * case because the servers do. The SQL as sent stays in DbCall.text for display.
 *
 * Values become `?`: strings of every kind ('..', E'..', N'..', X'..', $tag$..$tag$), numbers (with
 * a sign that cannot be binary: `= -5`), and parameters ($1, ?, :name, %s, %(name)s). TRUE, FALSE
 * and NULL stay: `IS NULL` and `= ?` are different queries. A list of values whose length varies
 * with the data shares one form, `IN (?...)` / `ARRAY[?...]` / `VALUES (?, ?)...`, so a batch of 3
 * and a batch of 300 are one shape.
 */
import { createHash } from 'node:crypto';
import { endsOperand, sqlTokens, type SqlToken } from './sql-tokens.js';

export { sqlTables } from './sql-tables.js';
export { redisKeyPattern, redisShape } from './redis-shape.js';

/** The normalised text of a SQL statement (see the header); '' for empty text. Never throws. */
export function sqlShape(sql: string): string {
  try {
    const tokens = sqlTokens(sql);
    while (tokens.length > 0 && tokens[tokens.length - 1].text === ';') tokens.pop();
    return joinTokens(collapseLists(tokens));
  } catch {
    // not expected; a shape must exist whatever happens
    return sql.slice(0, 1024).replace(/\s+/g, ' ').trim().toLowerCase();
  }
}

/** A short stable id of a shape (16 hex digits of its SHA-1), for grouping and storage. */
export function shapeId(shape: string): string {
  return createHash('sha1').update(shape).digest('hex').slice(0, 16);
}

const MAIN_STATEMENTS = new Set(['select', 'insert', 'update', 'delete', 'merge', 'values', 'table']);

/**
 * The statement's first keyword upper-cased ('SELECT', 'BEGIN'), past comments and opening
 * parentheses; for WITH, the statement the common table expressions feed ('SELECT', 'INSERT',
 * ...); '' when the text has no keyword.
 */
export function sqlOperation(sql: string): string {
  try {
    const tokens = sqlTokens(sql);
    let i = 0;
    while (tokens[i]?.text === '(') i++;
    const first = tokens[i];
    if (first?.kind !== 'word') return '';
    if (first.text !== 'with') return first.text.toUpperCase();
    let depth = 0;
    for (let j = i + 1; j < tokens.length; j++) {
      const t = tokens[j];
      if (t.text === '(' && t.kind === 'punct') depth++;
      else if (t.text === ')' && t.kind === 'punct') depth--;
      else if (depth <= 0 && t.kind === 'word' && MAIN_STATEMENTS.has(t.text)) return t.text.toUpperCase();
    }
    return 'WITH';
  } catch {
    return '';
  }
}

const LIST_MARKER: SqlToken = { kind: 'punct', text: '...' };

interface Frame {
  /** The ( or [ that opened this group; null for the statement itself. */
  open: SqlToken | null;
  out: SqlToken[];
  /** The last row kept of a VALUES list: where it starts in `out` and where its marker is. */
  row: { start: number; marker: number } | null;
}

/**
 * The tokens with value lists collapsed (see the header). One pass with a stack of open groups,
 * no recursion, so nesting depth cannot overflow the call stack; a group is judged when it closes,
 * with its own lists already collapsed.
 */
function collapseLists(tokens: SqlToken[]): SqlToken[] {
  const stack: Frame[] = [{ open: null, out: [], row: null }];
  for (const t of tokens) {
    const frame = stack[stack.length - 1];
    if (t.kind === 'punct' && (t.text === '(' || t.text === '[')) {
      stack.push({ open: t, out: [], row: null });
    } else if (t.kind === 'punct' && stack.length > 1 && t.text === (frame.open?.text === '(' ? ')' : ']')) {
      stack.pop();
      closeGroup(stack[stack.length - 1], frame.open as SqlToken, frame.out, t);
    } else if (t === LIST_MARKER || (t.kind === 'punct' && t.text === '...')) {
      // a marker the text already had (a shape shaped again) stands once
      if (frame.out[frame.out.length - 1]?.text !== '...') frame.out.push(LIST_MARKER);
    } else {
      frame.out.push(t);
    }
  }
  // groups never closed: their tokens as they were
  while (stack.length > 1) {
    const frame = stack.pop() as Frame;
    const parent = stack[stack.length - 1].out;
    parent.push(frame.open as SqlToken);
    for (const t of frame.out) parent.push(t);
  }
  return stack[0].out;
}

function closeGroup(parent: Frame, open: SqlToken, inner: SqlToken[], close: SqlToken): void {
  const out = parent.out;
  const before = out[out.length - 1];
  const listOwner = open.text === '(' ? 'in' : 'array';
  if (before?.kind === 'word' && before.text === listOwner) {
    const element = repeatedValueElement(inner);
    if (element !== null) {
      out.push(open, ...element, LIST_MARKER, close);
      return;
    }
  }
  if (open.text === '(' && before?.kind === 'word' && (before.text === 'values' || before.text === 'value') && out[out.length - 2]?.kind !== 'op') {
    // VALUES (...): not MySQL's VALUES(col) function in `SET a = VALUES(a)`
    parent.row = { start: out.length, marker: out.length + inner.length + 2 };
    out.push(open, ...inner, close, LIST_MARKER);
    return;
  }
  const row = parent.row;
  if (open.text === '(' && row !== null && before?.text === ',' && row.marker === out.length - 2) {
    if (sameTokens(out, row.start + 1, row.marker - 1, inner)) {
      out.pop(); // the comma: the row is one more of the same
      return;
    }
    parent.row = { start: out.length, marker: out.length + inner.length + 2 };
    out.push(open, ...inner, close, LIST_MARKER);
    return;
  }
  out.push(open, ...inner, close);
}

/**
 * The one element of a list of identical elements made only of values (`?, ?, ?` or
 * `(?, ?), (?, ?)`), or null when the list holds anything else.
 */
function repeatedValueElement(inner: SqlToken[]): SqlToken[] | null {
  let first: SqlToken[] | null = null;
  let current: SqlToken[] = [];
  let depth = 0;
  const endElement = (): boolean => {
    if (current[current.length - 1] === LIST_MARKER) current.pop();
    if (current.length === 0) return false;
    if (first === null) first = current;
    else if (!sameTokens(first, 0, first.length, current)) return false;
    current = [];
    return true;
  };
  for (const t of inner) {
    if (t.kind === 'punct' && t.text === ',' && depth === 0) {
      if (!endElement()) return null;
      continue;
    }
    if (t.kind === 'punct' && t.text === '(') depth++;
    else if (t.kind === 'punct' && t.text === ')') depth--;
    else if (t.kind !== 'value' && t !== LIST_MARKER && t.text !== ',') return null;
    current.push(t);
  }
  return endElement() ? first : null;
}

function sameTokens(a: SqlToken[], from: number, to: number, b: SqlToken[]): boolean {
  if (to - from !== b.length) return false;
  for (let k = 0; k < b.length; k++) {
    if (a[from + k].kind !== b[k].kind || a[from + k].text !== b[k].text) return false;
  }
  return true;
}

/** Keywords followed by a space before `(`; after any other name `(` is a call or a column list. */
const SPACED_KEYWORDS = new Set([
  'in', 'values', 'value', 'from', 'join', 'as', 'on', 'and', 'or', 'not', 'exists', 'where', 'select',
  'when', 'then', 'else', 'using', 'over', 'lateral', 'union', 'intersect', 'except', 'all', 'any',
  'some', 'by', 'set', 'into', 'with', 'return', 'returning', 'table', 'is', 'between', 'like', 'case',
]);

function isName(t: SqlToken): boolean {
  return t.kind === 'word' || t.kind === 'quoted';
}

function isOperand(t: SqlToken): boolean {
  return isName(t) || t.kind === 'value' || t.text === ')' || t.text === ']';
}

/**
 * Whether two neighbouring tokens are printed without a space. Only pairs that read back as the
 * same two tokens are glued (`a.b`, `f(`, `?::int`, `(?...)`), so shaping a shape changes nothing.
 */
function glued(beforePrev: SqlToken | undefined, prev: SqlToken, t: SqlToken): boolean {
  if (t.kind === 'punct' && (t.text === ',' || t.text === ')' || t.text === ']' || t.text === ';')) return true;
  if (prev.kind === 'punct' && (prev.text === '(' || prev.text === '[')) return true;
  if (t.kind === 'punct' && (t.text === '(' || t.text === '[')) {
    if (t.text === '[' && (prev.text === ')' || prev.text === ']')) return true;
    return isName(prev) && !(prev.kind === 'word' && SPACED_KEYWORDS.has(prev.text));
  }
  if ((t.kind === 'punct' && (t.text === '.' || t.text === '...' || t.text === ':')) || (t.kind === 'op' && t.text === '::')) {
    return isOperand(prev);
  }
  if (prev.kind === 'punct' && prev.text === '.') return isName(t) || t.kind === 'value' || (t.kind === 'op' && t.text === '*');
  if (prev.kind === 'op' && prev.text === '::') return isName(t);
  if (prev.kind === 'punct' && prev.text === ':') return (isName(t) || t.kind === 'value') && endsOperand(beforePrev);
  return false;
}

function joinTokens(tokens: SqlToken[]): string {
  const parts: string[] = [];
  for (let k = 0; k < tokens.length; k++) {
    if (k > 0 && !glued(tokens[k - 2], tokens[k - 1], tokens[k])) parts.push(' ');
    parts.push(tokens[k].text);
  }
  return parts.join('');
}
