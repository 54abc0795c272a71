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
  /** Where in the output the ( or [ that opened this group is; -1 for the statement itself. */
  open: number;
  /** The last row kept of a VALUES list in this group: where its ( and its marker are. */
  row: { start: number; marker: number } | null;
}

/**
 * The tokens with value lists collapsed (see the header). One pass over one output array with a
 * stack of open groups: no recursion (nesting depth cannot overflow the call stack) and no
 * copying of a group into its parent (deep nesting stays linear). A group is judged when it
 * closes, with its own lists already collapsed; a group never closed stays as it was.
 */
function collapseLists(tokens: SqlToken[]): SqlToken[] {
  const out: SqlToken[] = [];
  const stack: Frame[] = [{ open: -1, row: null }];
  for (const t of tokens) {
    const frame = stack[stack.length - 1];
    if (t.kind === 'punct' && (t.text === '(' || t.text === '[')) {
      out.push(t);
      stack.push({ open: out.length - 1, row: null });
    } else if (t.kind === 'punct' && frame.open >= 0 && t.text === (out[frame.open].text === '(' ? ')' : ']')) {
      stack.pop();
      closeGroup(out, stack[stack.length - 1], frame.open, t);
    } else if (t.kind === 'punct' && t.text === '...') {
      // a marker the text already had (a shape shaped again) stands once
      if (out[out.length - 1] !== LIST_MARKER) out.push(LIST_MARKER);
    } else {
      out.push(t);
    }
  }
  if (stack.length > 1) endCutList(out, stack);
  return out;
}

/**
 * Text cut at DB_TEXT_LIMIT (or at SQL_SHAPE_INPUT_LIMIT) ends inside a list: a batch insert of
 * 5000 rows ends in half a row, an IN list of 20000 ids in a comma. The half row is dropped and the
 * list closed, so a cut batch has the shape of an uncut one.
 */
function endCutList(out: SqlToken[], stack: Frame[]): void {
  const outer = stack[1];
  const row = stack[0].row;
  if (row !== null && out[outer.open - 1]?.text === ',' && row.marker === outer.open - 2) {
    out.length = outer.open - 1;
    return;
  }
  const inner = stack[stack.length - 1];
  const owner = out[inner.open - 1];
  if (owner?.kind !== 'word' || owner.text !== (out[inner.open].text === '(' ? 'in' : 'array')) return;
  while (out.length > inner.open + 1 && out[out.length - 1].text === ',') out.length--;
  const element = repeatedValueElement(out, inner.open + 1);
  if (element > 0) {
    out.length = inner.open + 1 + element;
    out.push(LIST_MARKER, { kind: 'punct', text: out[inner.open].text === '(' ? ')' : ']' });
  }
}

/** The group from `open` to the end of `out` has just been closed by `close`. */
function closeGroup(out: SqlToken[], parent: Frame, open: number, close: SqlToken): void {
  const before = out[open - 1];
  const listOwner = out[open].text === '(' ? 'in' : 'array';
  if (before?.kind === 'word' && before.text === listOwner) {
    const element = repeatedValueElement(out, open + 1);
    if (element > 0) {
      out.length = open + 1 + element;
      out.push(LIST_MARKER, close);
      return;
    }
  }
  if (out[open].text !== '(') {
    out.push(close);
    return;
  }
  if (before?.kind === 'word' && (before.text === 'values' || before.text === 'value') && out[open - 2]?.kind !== 'op') {
    // VALUES (...): not MySQL's VALUES(col) function in `SET a = VALUES(a)`
    parent.row = { start: open, marker: out.length + 1 };
    out.push(close, LIST_MARKER);
    return;
  }
  const row = parent.row;
  if (row !== null && before?.text === ',' && row.marker === open - 2) {
    if (sameTokens(out, row.start + 1, row.marker - 1, open + 1, out.length)) {
      out.length = open - 1; // the comma and the row: one more of the same
      return;
    }
    parent.row = { start: open, marker: out.length + 1 };
    out.push(close, LIST_MARKER);
    return;
  }
  out.push(close);
}

/**
 * The length of the one element of a list of identical elements made only of values (`?, ?, ?`
 * or `(?, ?), (?, ?)`) that starts at `from` and runs to the end of `out`; 0 when the list holds
 * anything else. It stops at the first name or operator, so nested lists are not read twice.
 */
function repeatedValueElement(out: SqlToken[], from: number): number {
  let firstEnd = -1;
  let start = from;
  let depth = 0;
  const endElement = (end: number): boolean => {
    if (out[end - 1] === LIST_MARKER) end--;
    if (end === start) return false;
    if (firstEnd < 0) firstEnd = end;
    else if (!sameTokens(out, from, firstEnd, start, end)) return false;
    return true;
  };
  for (let k = from; k < out.length; k++) {
    const t = out[k];
    if (t.kind === 'punct' && t.text === ',' && depth === 0) {
      if (!endElement(k)) return 0;
      start = k + 1;
    } else if (t.kind === 'punct' && t.text === '(') depth++;
    else if (t.kind === 'punct' && t.text === ')') depth--;
    else if (t.kind !== 'value' && t !== LIST_MARKER && t.text !== ',') return 0;
  }
  return endElement(out.length) ? firstEnd - from : 0;
}

function sameTokens(out: SqlToken[], aFrom: number, aTo: number, bFrom: number, bTo: number): boolean {
  if (aTo - aFrom !== bTo - bFrom) return false;
  for (let k = 0; k < aTo - aFrom; k++) {
    if (out[aFrom + k].kind !== out[bFrom + k].kind || out[aFrom + k].text !== out[bFrom + k].text) return false;
  }
  return true;
}

/** Keywords followed by a space before `(`; after any other name `(` is a call or a column list. */
const SPACED_KEYWORDS = new Set([
  'in', 'values', 'value', 'from', 'join', 'as', 'on', 'and', 'or', 'not', 'exists', 'where', 'select',
  'when', 'then', 'else', 'using', 'over', 'lateral', 'union', 'intersect', 'except', 'all', 'any',
  'some', 'by', 'set', 'into', 'with', 'return', 'returning', 'table', 'is', 'between', 'like', 'case',
  'conflict', 'filter', 'within', 'key', 'references', 'check', 'unique', 'distinct',
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
  if (prev.kind === 'punct' && prev.text === '.') {
    // not `.1e`: a name starting with a digit (MySQL's 1e) would read back as a number
    return (isName(t) && !/^\d/.test(t.text)) || t.kind === 'value' || (t.kind === 'op' && t.text === '*');
  }
  if (prev.kind === 'op' && prev.text === '::') return isName(t);
  if (prev.kind === 'punct' && prev.text === ':') return (isName(t) || t.kind === 'value') && endsOperand(beforePrev);
  // MySQL variables: @x, @@session.x (but PostgreSQL's `tsv @@ query` is an operator)
  if (prev.kind === 'op' && (prev.text === '@' || prev.text === '@@')) return t.kind === 'word' && !endsOperand(beforePrev);
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
