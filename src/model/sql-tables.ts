/**
 * The tables a SQL statement names, for `table:users` filters: best effort from the tokens,
 * never a parse, never an exception. A name counts after FROM, JOIN, UPDATE, INTO, TABLE,
 * TABLES, COPY and TRUNCATE (so DELETE FROM, INSERT INTO, CREATE/ALTER/DROP TABLE, LOCK TABLES),
 * anywhere in the text, so a subquery's tables count too; comma lists (`FROM a, b x`) and MySQL's
 * `UPDATE a, b` are followed. Not counted: functions in FROM (`unnest(...)`), the names of WITH
 * queries, `FROM` inside EXTRACT/SUBSTRING/TRIM/OVERLAY/POSITION and after IS DISTINCT, `FOR
 * UPDATE`, `ON DUPLICATE KEY UPDATE` and `DO UPDATE SET`.
 *
 * Names are lower-cased, quoted or not: a filter should find `"Users"` with `table:users`, and
 * two tables differing only in case are rarer than users typing the wrong case. A schema-qualified
 * name gives its last part and then the whole (`users`, `public.users`), so `table:users` finds
 * both and `table:public.users` only the qualified one.
 */
import { sqlTokens, type SqlToken } from './sql-tokens.js';

const TABLE_KEYWORDS = new Set(['from', 'join', 'update', 'into', 'table', 'tables', 'copy', 'truncate']);
/** Words between a table keyword and the name: FROM ONLY t, DROP TABLE IF EXISTS t, INSERT IGNORE. */
const SKIPPED = new Set(['only', 'if', 'not', 'exists', 'ignore', 'low_priority', 'high_priority', 'delayed', 'quick', 'temporary', 'temp', 'unlogged']);
/** Words that end a table reference rather than name or alias a table. */
const NOT_NAMES = new Set([
  'select', 'where', 'set', 'values', 'value', 'default', 'as', 'on', 'using', 'join', 'inner', 'left',
  'right', 'full', 'outer', 'cross', 'natural', 'straight_join', 'group', 'order', 'limit', 'offset',
  'having', 'window', 'union', 'intersect', 'except', 'for', 'of', 'nowait', 'skip', 'returning', 'with',
  'lateral', 'stdin', 'stdout', 'program', 'outfile', 'dumpfile', 'to', 'from', 'partition',
  'tablesample', 'use', 'force', 'lock', 'fetch', 'into', 'and', 'or', 'when', 'then', 'else', 'end',
  'do', 'table', 'like', 'in', 'is', 'not',
]);
/** Functions whose arguments say FROM without naming a table. */
const FROM_IN_ARGUMENTS = new Set(['extract', 'substring', 'substr', 'trim', 'overlay', 'position']);
/** Keywords after which a name may be followed by an alias (`FROM users u`). */
const ALIASED = new Set(['from', 'join', 'update']);

/** The tables `sql` names (see the header), de-duplicated, in order of appearance. */
export function sqlTables(sql: string): string[] {
  try {
    const tokens = sqlTokens(sql);
    const close = matchingParens(tokens);
    const withNames = withQueryNames(tokens, close);
    const found = new Set<string>();
    const argumentParens: boolean[] = [];
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (t.kind === 'punct' && t.text === '(') {
        argumentParens.push(tokens[i - 1]?.kind === 'word' && FROM_IN_ARGUMENTS.has(tokens[i - 1].text));
        continue;
      }
      if (t.kind === 'punct' && t.text === ')') {
        argumentParens.pop();
        continue;
      }
      if (t.kind !== 'word' || !TABLE_KEYWORDS.has(t.text) || !countsHere(tokens, i, argumentParens)) continue;
      readTableList(tokens, i, close, (parts) => {
        if (parts.length === 1 && withNames.has(parts[0])) return;
        found.add(parts[parts.length - 1]);
        if (parts.length > 1) found.add(parts.join('.'));
      });
    }
    return [...found];
  } catch {
    return [];
  }
}

function countsHere(tokens: SqlToken[], i: number, argumentParens: boolean[]): boolean {
  const keyword = tokens[i].text;
  const prev = tokens[i - 1];
  if (keyword === 'from') {
    return !argumentParens[argumentParens.length - 1] && !(prev?.kind === 'word' && prev.text === 'distinct');
  }
  if (keyword === 'update') {
    // FOR UPDATE (a lock), ON DUPLICATE KEY UPDATE / DO UPDATE SET (columns)
    return !(prev?.kind === 'word' && (prev.text === 'for' || prev.text === 'key'));
  }
  return true;
}

/** The names of a comma list of tables after the keyword at `k`, each handed to `take` as parts. */
function readTableList(tokens: SqlToken[], k: number, close: number[], take: (parts: string[]) => void): void {
  const aliased = ALIASED.has(tokens[k].text);
  let i = k + 1;
  for (;;) {
    while (tokens[i]?.kind === 'word' && SKIPPED.has(tokens[i].text)) i++;
    const parts: string[] = [];
    while (isNamePart(tokens[i])) {
      parts.push(unquote(tokens[i]));
      if (tokens[i + 1]?.text !== '.' || !isNamePart(tokens[i + 2])) break;
      i += 2;
    }
    if (parts.length === 0) return;
    i++;
    // in FROM and JOIN, a name followed by ( is a function: unnest($1), generate_series(1, 3)
    if (!(aliased && tokens[i]?.text === '(')) take(parts);
    if (aliased) i = pastAlias(tokens, i, close);
    if (tokens[i]?.text !== ',') return;
    i++;
  }
}

function pastAlias(tokens: SqlToken[], i: number, close: number[]): number {
  if (tokens[i]?.text === '(') i = close[i] + 1; // a function's arguments
  if (tokens[i]?.kind === 'word' && tokens[i].text === 'as') i++;
  if (isNamePart(tokens[i])) i++;
  if (tokens[i]?.text === '(' && close[i] > i) i = close[i] + 1; // AS x(a, b)
  return i;
}

function isNamePart(t: SqlToken | undefined): t is SqlToken {
  if (t === undefined) return false;
  return t.kind === 'quoted' || (t.kind === 'word' && !NOT_NAMES.has(t.text));
}

/** A name without its quotes, lower-cased: "My""Table" → my"table. */
function unquote(t: SqlToken): string {
  if (t.kind !== 'quoted') return t.text;
  const q = t.text[0];
  const body = t.text.length > 1 && t.text.endsWith(q) ? t.text.slice(1, -1) : t.text.slice(1);
  return body.split(q + q).join(q).toLowerCase();
}

/** For each ( the index of its ), or -1 when it has none. */
function matchingParens(tokens: SqlToken[]): number[] {
  const close = new Array<number>(tokens.length).fill(-1);
  const open: number[] = [];
  tokens.forEach((t, i) => {
    if (t.kind !== 'punct') return;
    if (t.text === '(') open.push(i);
    else if (t.text === ')' && open.length > 0) close[open.pop() as number] = i;
  });
  return close;
}

/** Names given to queries by WITH: `WITH [RECURSIVE] name [(cols)] AS [NOT] [MATERIALIZED] (`. */
function withQueryNames(tokens: SqlToken[], close: number[]): Set<string> {
  const names = new Set<string>();
  for (let i = 1; i < tokens.length; i++) {
    const prev = tokens[i - 1];
    if (!(prev.text === ',' || (prev.kind === 'word' && (prev.text === 'with' || prev.text === 'recursive')))) continue;
    if (tokens[i].kind !== 'word' && tokens[i].kind !== 'quoted') continue;
    let j = i + 1;
    if (tokens[j]?.text === '(' && close[j] > j) j = close[j] + 1;
    if (tokens[j]?.text !== 'as') continue;
    j++;
    while (tokens[j]?.text === 'not' || tokens[j]?.text === 'materialized') j++;
    if (tokens[j]?.text === '(') names.add(unquote(tokens[i]));
  }
  return names;
}
