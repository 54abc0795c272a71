/**
 * Substring search over the exchanges' text (URL, headers, decoded bodies): the trigram index
 * narrows to the exchanges that contain the text, then each hit is located for display.
 */

/** FTS5 string literal: the text as one phrase, quotes doubled. */
export function ftsPhrase(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/** LIKE pattern matching `text` anywhere, with its wildcards escaped (ESCAPE '\'). */
export function likeAnywhere(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const TEXT_COLUMNS = ['url', 'req_headers', 'resp_headers', 'req_body', 'resp_body'];

/**
 * SQL (over exchanges aliased x) selecting exchanges whose text contains `text`. The trigram
 * tokenizer indexes substrings of 3 or more characters; shorter ones fall back to LIKE.
 */
export function textSearchSql(text: string): { where: string; params: unknown[] } {
  if ([...text].length >= 3)
    return { where: 'x.id IN (SELECT rowid FROM exchange_fts WHERE exchange_fts MATCH ?)', params: [ftsPhrase(text)] };
  const like = likeAnywhere(text);
  return {
    where: `x.id IN (SELECT id FROM exchange_text WHERE ${TEXT_COLUMNS.map((c) => `${c} LIKE ? ESCAPE '\\'`).join(' OR ')})`,
    params: TEXT_COLUMNS.map(() => like),
  };
}

export interface TextMatch {
  field: string;
  before: string;
  hit: string;
  after: string;
  cutBefore: boolean;
  cutAfter: boolean;
}

const FIELD_NAMES: Record<string, string> = {
  url: 'url',
  req_headers: 'request header',
  resp_headers: 'response header',
  req_body: 'request body',
  resp_body: 'response body',
};

/** Where `text` occurs in an exchange's text fields, with some context (at most `perField` each). */
export function findMatches(row: Record<string, string>, text: string, context = 40, perField = 3): TextMatch[] {
  const needle = text.toLowerCase();
  const out: TextMatch[] = [];
  for (const col of TEXT_COLUMNS) {
    const hay = row?.[col] ?? '';
    const lower = hay.toLowerCase();
    let at = lower.indexOf(needle);
    let n = 0;
    while (at >= 0 && n < perField) {
      // headers: show the whole header line as context
      let from = Math.max(0, at - context);
      let to = Math.min(hay.length, at + text.length + context);
      if (col.endsWith('headers')) {
        from = Math.max(from, hay.lastIndexOf('\n', at) + 1);
        const eol = hay.indexOf('\n', at + text.length);
        to = Math.min(to, eol < 0 ? hay.length : eol);
      }
      out.push({
        field: FIELD_NAMES[col],
        before: hay.slice(from, at),
        hit: hay.slice(at, at + text.length),
        after: hay.slice(at + text.length, to),
        cutBefore: from > 0 && !(col.endsWith('headers') && hay[from - 1] === '\n'),
        cutAfter: to < hay.length && !(col.endsWith('headers') && hay[to] === '\n'),
      });
      n++;
      at = lower.indexOf(needle, at + Math.max(1, text.length));
    }
  }
  return out;
}
