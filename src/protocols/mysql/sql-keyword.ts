/**
 * The statement's first keyword, upper-cased, as DbCall.operation wants it: whitespace, comments
 * (`-- `, `#`, `/* *\/`) and opening parentheses are skipped; a MySQL executable comment
 * (`/*!40101 SET ...*\/`) is read as the statement it holds.
 */
export function firstKeyword(sql: string): string {
  let i = 0;
  const n = Math.min(sql.length, 4096); // a keyword after 4 KiB of comments is not worth finding
  while (i < n) {
    const c = sql[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '(' || c === ';') i++;
    else if (c === '#' || (c === '-' && sql[i + 1] === '-' && /[\s]/.test(sql[i + 2] ?? ' '))) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? n : end + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      if (sql[i + 2] === '!' || (sql[i + 2] === 'M' && sql[i + 3] === '!')) {
        i += sql[i + 2] === '!' ? 3 : 4;
        while (i < n && sql[i] >= '0' && sql[i] <= '9') i++;
      } else {
        const end = sql.indexOf('*/', i + 2);
        i = end < 0 ? n : end + 2;
      }
    } else break;
  }
  const m = /^[A-Za-z_]+/.exec(sql.slice(i, i + 64));
  return m ? m[0].toUpperCase() : '';
}

/** The database a `USE db` statement names: backquotes removed; undefined when it is not one. */
export function useTarget(sql: string): string | undefined {
  const m = /^\s*use\s+(`(?:[^`]|``)+`|[^\s;`]+)\s*;?\s*$/i.exec(sql);
  if (!m) return undefined;
  const name = m[1];
  return name.startsWith('`') ? name.slice(1, -1).replace(/``/g, '`') : name;
}
