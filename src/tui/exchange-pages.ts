/**
 * Pages of the exchange list read with keyset pagination: "the rows after (value, id)", which an
 * index on the sort column answers in a few page reads wherever the row is, where OFFSET would
 * step over every row before it (tens of ms at a million rows, per page).
 *
 * SQLite sorts NULLs first ascending and last descending, and a comparison with NULL is never
 * true, so the order is walked as two segments: the rows whose sort value is NULL (by id), and
 * the others (by value, then id). Within the value segment "after (v, id)" is asked as two
 * queries, `c = v AND id > ?` then `c > v`: each is one index range, where the row value
 * `(c, id) > (v, id)` makes SQLite range over `c >= v` and step over every row equal to v.
 *
 * Which index answers a filtered page is a choice SQLite makes without knowing how many rows
 * match: for `host:auth.local` (a third of a million rows) it reads every match through the
 * host index and sorts them, 300-900 ms per page, where walking the sort column's index and
 * testing each row finds a page in a millisecond. For a rare match the opposite holds. Once the
 * count is known the caller says which (`walkOrder`): the filter is then hidden from the
 * planner in coalesce(), which no index can serve.
 */
import { NOT_NULL_COLUMNS } from '../model/exchange-table.js';
import { type ExchangeSummary, SORTABLE, type Session } from '../session/session.js';
import type { PageSource } from './list-window.js';

export interface ListQuery {
  /** SQL over exchanges aliased x (a compiled filter), and its parameters. */
  where: string;
  params: unknown[];
}

export interface SortOrder {
  /** A column of SORTABLE. */
  column: string;
  descending: boolean;
}

/** A condition selecting part of the order, and its parameters. */
interface Part {
  where: string;
  params: unknown[];
  /** Read in descending order. */
  descending: boolean;
}

/** Columns that are never NULL: no NULL segment to walk. */
const NOT_NULL = NOT_NULL_COLUMNS;

export class ExchangePages implements PageSource<ExchangeSummary> {
  private readonly where: string;

  constructor(
    private readonly session: Session,
    private readonly query: ListQuery,
    readonly order: SortOrder,
    /** Walk the sort column's index and test the filter on each row (the filter matches many). */
    readonly walkOrder = false,
  ) {
    // the column is pasted into SQL, as Session.exchanges pastes its orderBy
    if (!SORTABLE.has(order.column)) throw new Error(`cannot sort exchanges by ${order.column}`);
    this.where = walkOrder && query.where !== '1' ? `coalesce((${query.where}), 0)` : `(${query.where})`;
  }

  id(row: ExchangeSummary): string {
    return String(row.id);
  }

  sameRows(other: PageSource<ExchangeSummary>): boolean {
    return other instanceof ExchangePages && other.query === this.query;
  }

  private value(row: ExchangeSummary): unknown {
    return (row as unknown as Record<string, unknown>)[this.order.column];
  }

  private get col(): string {
    return `x.${this.order.column}`;
  }

  /** The segments in display order: NULLs first ascending, last descending. */
  private segments(): ('null' | 'value')[] {
    if (NOT_NULL.has(this.order.column)) return ['value'];
    return this.order.descending ? ['value', 'null'] : ['null', 'value'];
  }

  private whole(segment: 'null' | 'value', descending: boolean): Part {
    return { where: segment === 'null' ? `${this.col} IS NULL` : `${this.col} IS NOT NULL`, params: [], descending };
  }

  /**
   * The parts holding the rows past `anchor` in one direction (forward: display order), in the
   * order they are to be read; `inclusive` keeps the anchor itself.
   */
  private partsFrom(anchor: ExchangeSummary | null, forward: boolean, inclusive: boolean): Part[] {
    const descending = forward === this.order.descending;
    // walking "up" in SQL terms (ascending values) or down
    const up = !descending;
    const idCmp = `${up ? '>' : '<'}${inclusive ? '=' : ''}`;
    const segs = forward ? this.segments() : [...this.segments()].reverse();
    if (!anchor) return segs.map((s) => this.whole(s, descending));
    const v = this.value(anchor);
    const at = v === null || v === undefined ? 'null' : 'value';
    const parts: Part[] =
      at === 'null'
        ? [{ where: `${this.col} IS NULL AND x.id ${idCmp} ?`, params: [anchor.id], descending }]
        : [
            { where: `${this.col} = ? AND x.id ${idCmp} ?`, params: [v, anchor.id], descending },
            { where: `${this.col} ${up ? '>' : '<'} ?`, params: [v], descending },
          ];
    for (const s of segs.slice(segs.indexOf(at) + 1)) parts.push(this.whole(s, descending));
    return parts;
  }

  private read(parts: Part[], limit: number): ExchangeSummary[] {
    const out: ExchangeSummary[] = [];
    for (const p of parts) {
      if (out.length >= limit) break;
      out.push(
        ...this.session.exchanges({
          where: `${this.where} AND ${p.where}`,
          params: [...this.query.params, ...p.params],
          orderBy: this.order.column,
          descending: p.descending,
          limit: limit - out.length,
        }),
      );
    }
    return out;
  }

  first(limit: number): ExchangeSummary[] {
    return this.read(this.partsFrom(null, true, false), limit);
  }

  last(limit: number): ExchangeSummary[] {
    return this.read(this.partsFrom(null, false, false), limit).reverse();
  }

  after(anchor: ExchangeSummary, limit: number): ExchangeSummary[] {
    return this.read(this.partsFrom(anchor, true, false), limit);
  }

  from(anchor: ExchangeSummary, limit: number): ExchangeSummary[] {
    return this.read(this.partsFrom(anchor, true, true), limit);
  }

  before(anchor: ExchangeSummary, limit: number): ExchangeSummary[] {
    return this.read(this.partsFrom(anchor, false, false), limit).reverse();
  }
}

/**
 * Whether a filter matching `shown` of `total` rows is paged faster by walking the sort index
 * (measured at a million exchanges: from about 1 in 700 rows matching, walking wins).
 */
export function walkOrderFor(shown: number | null, total: number | null): boolean {
  return shown !== null && total !== null && total > 0 && shown / total >= 1 / 700;
}
