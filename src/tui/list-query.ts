/**
 * What the exchange list shows, from the filter bar and the search bar: one filter language
 * (src/query, as `tinytap ls` takes it) and a substring search narrowed by the trigram index
 * (src/session/text-search.ts), combined into one condition for the pages and the count.
 */
import { FilterError, compileFilter, parseFilter } from '../query/index.js';
import { textSearchSql } from '../session/text-search.js';
import type { ListQuery } from './exchange-pages.js';

export interface FilterProblem {
  message: string;
  /** The bad part of the filter text, [start, end). */
  start: number;
  end: number;
}

export type FilterOutcome = { ok: true; query: ListQuery } | { ok: false; problem: FilterProblem };

export const EVERYTHING: ListQuery = { where: '1', params: [] };

/** The filter text as a condition, or where it is wrong. */
export function compileFilterText(text: string, now = new Date()): FilterOutcome {
  if (text.trim() === '') return { ok: true, query: EVERYTHING };
  try {
    return { ok: true, query: compileFilter(parseFilter(text, now)) };
  } catch (err) {
    if (err instanceof FilterError) {
      const start = Math.min(err.start, text.length);
      return { ok: false, problem: { message: err.message, start, end: Math.max(start + 1, Math.min(err.end, text.length + 1)) } };
    }
    throw err;
  }
}

/** The exchanges whose URL, headers or decoded bodies contain `text` (any case). */
export function searchQuery(text: string): ListQuery {
  if (text === '') return EVERYTHING;
  const s = textSearchSql(text);
  return { where: s.where, params: s.params };
}

export function bothQueries(a: ListQuery, b: ListQuery): ListQuery {
  if (a === EVERYTHING) return b;
  if (b === EVERYTHING) return a;
  return { where: `(${a.where}) AND (${b.where})`, params: [...a.params, ...b.params] };
}

/** A key that names a query (the count cache's key). */
export function queryKey(q: ListQuery): string {
  return `${q.where}\u0000${JSON.stringify(q.params, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof RegExp ? String(v) : v))}`;
}
