/**
 * SQL over the exchanges' searchable text (formats/exchanges.sql): exchange_text keeps each
 * exchange's five text fields packed and compressed in one `data` value, read with the SQL
 * function tinytap_text(codec, data, field) that session/exchange-text.ts registers on each
 * connection; exchange_fts is a trigram index of the same fields that keeps no copy of them.
 * The one place that writes SQL reading them: search, filters and the TUI's list share it.
 */

/** Upper-case ASCII letters lowered, nothing else: what SQLite's lower() and LIKE fold. */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** exchange_text's fields, in the order tinytap_text numbers them. */
export const TEXT_FIELDS = ['url', 'req_headers', 'resp_headers', 'req_body', 'resp_body'] as const;
export type TextFieldName = (typeof TEXT_FIELDS)[number];

export const TEXT_FUNCTION = 'tinytap_text';
/**
 * tinytap_text_has(codec, data, mask, needle): 1 when a field in `mask` (bit k: TEXT_FIELDS[k])
 * holds `needle` (given lower-case), ASCII case-insensitively, as LIKE and lower() compare. One
 * call a row, searched in the row's bytes: five calls of tinytap_text and lower() made a search
 * for a common word half again as slow.
 */
export const TEXT_CONTAINS_FUNCTION = 'tinytap_text_has';

/** The TEXT_CONTAINS_FUNCTION mask of `fields`. */
export function textMask(fields: readonly TextFieldName[]): number {
  return fields.reduce((m, f) => m | (1 << TEXT_FIELDS.indexOf(f)), 0);
}

/** The SQL value of one field of the exchange_text row aliased `alias`. */
export function textField(alias: string, field: TextFieldName): string {
  const k = TEXT_FIELDS.indexOf(field);
  if (k < 0) throw new Error(`no text field ${String(field)}`);
  return `${TEXT_FUNCTION}(${alias}.codec, ${alias}.data, ${k})`;
}

/**
 * The most trigrams a MATCH is narrowed by: the candidates of a long text's first few dozen are
 * already few, and every one is checked for the whole text.
 */
const MAX_TRIGRAMS = 48;

/**
 * An FTS5 query for rows holding every trigram of `text` (3 or more characters), in any field:
 * the trigram index keeps no positions (detail=none), so this finds a superset of the rows that
 * hold the text, which the caller narrows to the exact substring.
 */
export function trigramMatch(text: string): string {
  // the index folds case: so may the query (and 'Tim' and 'tim' are one trigram)
  const chars = [...asciiLower(text)];
  const grams = new Set<string>();
  for (let i = 0; i + 3 <= chars.length && grams.size < MAX_TRIGRAMS; i++) grams.add(chars.slice(i, i + 3).join(''));
  return [...grams].map((g) => `"${g.replace(/"/g, '""')}"`).join(' AND ');
}

/**
 * SQL selecting the ids of exchanges whose `fields` contain `text`, ASCII case-insensitively.
 * Text of 3 or more characters goes through the trigram index, then each candidate is checked
 * for the exact substring; shorter text cannot use the index and reads every row.
 */
export function textIdsSql(text: string, fields: readonly TextFieldName[] = TEXT_FIELDS): { sql: string; params: unknown[] } {
  const has = `${TEXT_CONTAINS_FUNCTION}(t.codec, t.data, ?, ?)`;
  const params = [textMask(fields), asciiLower(text)];
  if ([...text].length >= 3)
    return {
      sql: `SELECT t.id FROM exchange_fts JOIN exchange_text t ON t.id = exchange_fts.rowid WHERE exchange_fts MATCH ? AND ${has}`,
      params: [trigramMatch(text), ...params],
    };
  // the trigram index holds nothing shorter than three characters
  return { sql: `SELECT t.id FROM exchange_text t WHERE ${has}`, params };
}
