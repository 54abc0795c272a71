/**
 * The keys of database calls (proto:, sql:, table:, cmd:, key:, db:, queries:, rows:, error:,
 * is:n+1), run like filters.test.ts: the compiled SQL against a real database built from
 * formats/exchanges.sql, and matchesExchange in memory, over the HTTP rows and database calls
 * together. Both must select exactly the expected ids.
 */
import { afterAll, describe, expect, it } from 'vitest';

import { describeFilter, parseFilter } from '../../src/query/index.js';
import { DB_ROWS, NOW, ROWS, makeDb, memoryIds, sqlIds } from './fixture.js';

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
    it(filter, () => {
      const ast = parseFilter(filter);
      expect(sqlIds(db, ast)).toEqual(expected);
      expect(memoryIds(ast, NOW, rows)).toEqual(expected);
      // what describeFilter prints parses back to the same filter
      expect(parseFilter(describeFilter(ast))).toEqual(ast);
    });
  }

  it('refuses what cannot be meant, saying what to write', () => {
    expect(() => parseFilter('proto:ftp')).toThrow(/unknown protocol 'ftp'/);
    expect(() => parseFilter('queries:many')).toThrow(/bad queries count/);
    expect(() => parseFilter('error:maybe')).toThrow(/error: takes true or false/);
  });
});
