/**
 * The keys of database calls (proto:, sql:, table:, cmd:, key:, db:, queries:, rows:, error:,
 * is:n+1), run like filters.test.ts: the compiled SQL against a real database built from
 * formats/exchanges.sql, and matchesExchange in memory, over the HTTP rows and database calls
 * together. Both must select exactly the expected ids.
 */
import { afterAll, describe, expect, it } from 'vitest';

import { ExchangeFlag } from '../../src/model/exchange-flags.js';
import { sqlShape } from '../../src/model/query-shape.js';
import { parseFilter } from '../../src/query/index.js';
import { countForPlanner } from '../../src/session/build-exchanges.js';
import { DB_ROWS, NOW, ROWS, type Row, expectSelects, makeDb, memoryIds, queryPlan, sqlIds } from './fixture.js';

const rows = [...ROWS, ...DB_ROWS];
const db = makeDb(rows);
afterAll(() => db.close());

const HTTP_IDS = [...ROWS.map((r) => r.id), 15];

const CASES: [string, number[]][] = [
  ['proto:postgres', [11, 12]],
  ['proto:pg', [11, 12]],
  ['proto:postgresql,redis', [11, 12, 13, 14]],
  ['proto:mariadb', []],
  ['proto:http', HTTP_IDS],
  ['proto:https', HTTP_IDS],
  ['protocol:redis', [13, 14]],
  ['-proto:http', [11, 12, 13, 14]],
  ['sql:"from users"', [11]],
  ['sql:"FROM   users where id = 7"', [11]],
  ['sql:orders', [12]],
  ['sql:"insert into public.orders"', [12]],
  ['sql:"where id = ?"', [11]],
  ['table:users', [11]],
  ['table:orders', [12]],
  ['table:public.orders', [12]],
  ['table:ORDERS', [12]],
  ['table:ord*', [12]],
  ['table:session*', []],
  ['key:session:*', [13]],
  ['key:cache', [14]],
  ['key:users:*', [14]],
  ['key:/^users:\\d+$/', [14]],
  ['key:users', []],
  ['cmd:HGETALL', [13]],
  ['cmd:hgetall,mget', [13, 14]],
  ['cmd:SELECT', [11]],
  ['cmd:GET', []],
  ['command:INSERT', [12]],
  ['db:app', [11]],
  ['db:0', [13]],
  ['database:s*', [12]],
  ['queries:>10', [15]],
  ['queries:12', [15]],
  ['queries:<5', []],
  ['rows:>=2', [13, 14]],
  ['error:true', [3, 4, 7, 12]],
  ['is:error', [3, 4, 7, 12]],
  ['error:false proto:pg', [11]],
  ['is:n+1', [11, 15]],
  ['is:n+1 proto:http', [15]],
  ['duration:>=100ms proto:pg', [12]],
  ['comm:node proto:redis', [13]],
  ['pid:5002 -proto:http', [11, 12, 13]],
  ['"session:3f2a9c"', [13]],
];

describe('database filter keys', () => {
  for (const [filter, expected] of CASES) {
    it(filter, () => expectSelects(db, rows, filter, expected));
  }

  it('refuses what cannot be meant, saying what to write', () => {
    expect(() => parseFilter('proto:ftp')).toThrow(/unknown protocol 'ftp'/);
    expect(() => parseFilter('queries:many')).toThrow(/bad queries count/);
    expect(() => parseFilter('error:maybe')).toThrow(/error: takes true or false/);
  });
});

/**
 * A few calls among many, listed in time order as `ls` lists them: SQLite must find them through
 * their index and sort them, not walk every exchange in time order and test each. It can tell
 * only from the counts a build leaves (countForPlanner); on a million exchanges the walk took
 * 0.5-0.8 s and the index 0.02-0.1 s.
 */
describe('a listing in time order of a few calls among thousands', () => {
  const SHAPES = ['SELECT * FROM orders WHERE id = $1', 'UPDATE orders SET total = $1 WHERE id = $2', 'SELECT * FROM items WHERE order_id = $1'];
  const many: Row[] = [];
  for (let i = 0; i < 4000; i++) {
    const like = i % 2 === 0 ? ROWS[i % ROWS.length] : DB_ROWS[1];
    const rare = i % 200 < 2; // one HTTP request and one query in 200
    many.push({
      ...like,
      id: i + 1,
      reqStartedNs: like.reqStartedNs + BigInt(i) * 1_000_000n,
      flags: rare ? ExchangeFlag.N_PLUS_ONE : 0,
      queries: like.protocol === 'http' ? (rare ? 12 : 1) : null,
      shape: like.protocol === 'http' ? null : sqlShape(rare ? 'SELECT * FROM audit WHERE id = 1' : SHAPES[i % SHAPES.length]),
    });
  }
  const big = makeDb(many);
  afterAll(() => big.close());
  const plan = (filter: string) => queryPlan(big, parseFilter(filter), NOW, true);
  const FILTERS: [string, string, number][] = [
    ['is:n+1', 'exchanges_flagged', 40],
    ['queries:>5', 'exchanges_queries (queries>?)', 20],
    ['sql:"from audit"', 'exchanges_shape (shape=?)', 20],
  ];

  it('walks every exchange in time order without the counts', () => {
    expect(plan('is:n+1')).toContain('SCAN x USING INDEX exchanges_started');
  });

  it.each(FILTERS)('%s: through %s once the build has counted', (filter, index, count) => {
    countForPlanner(big, 'main');
    expect(plan(filter)).toContain(index);
    expect(plan(filter)).not.toContain('exchanges_started');
    const ast = parseFilter(filter);
    expect(sqlIds(big, ast)).toEqual(memoryIds(ast, NOW, many));
    expect(sqlIds(big, ast)).toHaveLength(count);
  });
});
