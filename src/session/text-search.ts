/**
 * Substring search over the exchanges' text (URL, headers, decoded bodies): the trigram index
 * narrows to the exchanges that contain the text, then each hit is located for display.
 */
import { TEXT_FIELDS, type TextFieldName, textIdsSql } from '../model/text-sql.js';


export const TEXT_COLUMNS = TEXT_FIELDS;

/** A WHERE term (over exchanges aliased x) for exchanges whose text contains `text`. */
export function textSearchSql(text: string, columns: readonly TextFieldName[] = TEXT_FIELDS): { where: string; params: unknown[] } {
  const m = textIdsSql(text, columns);
  return { where: `x.id IN (${m.sql})`, params: m.params };
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
export function findMatches(row: Record<string, unknown> | null | undefined, text: string, context = 40, perField = 3): TextMatch[] {
  const needle = text.toLowerCase();
  const out: TextMatch[] = [];
  for (const col of TEXT_COLUMNS) {
    // a value of another type (a damaged or hostile file's exchange_text) has no text to show
    const value = row?.[col];
    const hay = typeof value === 'string' ? value : '';
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
