import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { registerFilterFunctions } from '../../src/query/index.js';
import type { ExchangeSummary } from '../../src/session/session.js';
import { Session } from '../../src/session/session.js';
import { SORT_COLUMNS } from '../../src/tui/exchange-columns.js';
import { ExchangePages, walkOrderFor } from '../../src/tui/exchange-pages.js';
import { EVERYTHING, compileFilterText } from '../../src/tui/list-query.js';
import { basicSession } from './tui-sessions.js';

let session: Session;

beforeAll(async () => {
  session = Session.open(await basicSession(12));
  registerFilterFunctions(session.db);
});
afterAll(() => session.close());

const ids = (rows: ExchangeSummary[]) => rows.map((r) => Number(r.id));

/** Every row, a page of `size` at a time, forward from the first. */
function walkForward(p: ExchangePages, size: number): number[] {
  const out = p.first(size);
  for (let page = out; page.length === size; ) {
    page = p.after(out[out.length - 1], size);
    out.push(...page);
  }
  return ids(out);
}

function walkBackward(p: ExchangePages, size: number): number[] {
  const out = p.last(size);
  for (let page = out; page.length === size; ) {
    page = p.before(out[0], size);
    out.unshift(...page);
  }
  return ids(out);
}

describe('ExchangePages: keyset pagination in the order session.exchanges() gives', () => {
  const filters = ['', 'status:2xx', 'comm:python3', '-status:404'];
  for (const { column } of SORT_COLUMNS)
    for (const descending of [false, true])
      it(`by ${column} ${descending ? 'descending' : 'ascending'}: pages of 1 and 4, both ways, match the whole order`, () => {
        for (const text of filters) {
          const f = compileFilterText(text);
          if (!f.ok) throw new Error(text);
          const whole = ids(session.exchanges({ where: f.query.where, params: f.query.params, orderBy: column, descending }));
          expect(whole.length).toBeGreaterThan(0);
          for (const walk of [false, true]) {
            const p = new ExchangePages(session, f.query, { column, descending }, walk);
            for (const size of [1, 4]) {
              expect(walkForward(p, size)).toEqual(whole);
              expect(walkBackward(p, size)).toEqual(whole);
            }
          }
        }
      });

  it('from() starts at the anchor itself; after() and before() leave it out; NULL statuses sort first', () => {
    const p = new ExchangePages(session, EVERYTHING, { column: 'status', descending: false });
    const all = p.first(100);
    // the exchange without a response has no status: first ascending
    expect(all[0]).toMatchObject({ path: '/slow', status: null });
    expect(all.map((x) => x.status)).toEqual([null, 200n, 200n, 200n, 200n, 200n, 200n, 200n, 200n, 200n, 200n, 200n, 201n, 404n, 500n, 500n]);
    const mid = all[5];
    expect(ids(p.from(mid, 2))).toEqual([Number(mid.id), Number(all[6].id)]);
    expect(ids(p.after(mid, 2))).toEqual(ids(all.slice(6, 8)));
    expect(ids(p.before(mid, 2))).toEqual(ids(all.slice(3, 5)));
    expect(ids(p.before(all[1], 5))).toEqual([Number(all[0].id)]);
    const desc = new ExchangePages(session, EVERYTHING, { column: 'status', descending: true }).first(100);
    expect(desc.at(-1)).toMatchObject({ path: '/slow', status: null });
  });

  it('knows another order or plan of the same query holds the same rows, another query not', () => {
    const f = compileFilterText('status:2xx');
    if (!f.ok) throw new Error('filter');
    const a = new ExchangePages(session, f.query, { column: 'status', descending: false });
    expect(a.sameRows(new ExchangePages(session, f.query, { column: 'url', descending: true }, true))).toBe(true);
    expect(a.sameRows(new ExchangePages(session, EVERYTHING, { column: 'status', descending: false }))).toBe(false);
  });

  it('chooses to walk the sort index for a filter that matches many rows, not for a rare one', () => {
    expect(walkOrderFor(null, 1_000_000)).toBe(false);
    expect(walkOrderFor(333_724, 1_000_000)).toBe(true);
    expect(walkOrderFor(6049, 1_000_000)).toBe(true);
    expect(walkOrderFor(1, 1_000_000)).toBe(false);
    expect(walkOrderFor(0, 0)).toBe(false);
  });
});

describe('ExchangePages refuses', () => {
  it('a sort column that is not one of SORTABLE (it would be pasted into SQL)', () => {
    expect(() => new ExchangePages(session, EVERYTHING, { column: 'id; DROP TABLE exchanges', descending: false })).toThrow(
      'cannot sort exchanges by id; DROP TABLE exchanges',
    );
  });
});
