/**
 * The gRPC keys (grpc.service:, grpc.method:, grpc.status:), run like filters.test.ts: the
 * compiled SQL against a real database built from formats/exchanges.sql and matchesExchange in
 * memory, over HTTP rows, gRPC calls and database calls together; both must select exactly the
 * expected ids, and what describeFilter prints must parse back to the same filter.
 */
import { afterAll, describe, expect, it } from 'vitest';

import { describeFilter, parseFilter } from '../../src/query/index.js';
import { DB_ROWS, ROWS, type Row, expectSelects, makeDb, queryPlan } from './fixture.js';

/** An HTTP/2 POST of a gRPC call, as the build writes one. */
function grpcRow(id: number, service: string, method: string, status: number | null): Row {
  return {
    ...ROWS[1],
    id,
    method: 'POST',
    operation: 'POST',
    path: `/${service}/${method}`,
    respType: 'application/grpc',
    grpcService: service,
    grpcMethod: method,
    grpcStatus: status,
  };
}

const GRPC_ROWS = [
  grpcRow(21, 'tinytap.demo.Inventory', 'GetItem', 0),
  grpcRow(22, 'tinytap.demo.Inventory', 'GetItem', 5),
  grpcRow(23, 'tinytap.demo.Inventory', 'ListItems', 8),
  grpcRow(24, 'grpc.health.v1.Health', 'Check', 14),
  // no status seen: the response never came
  grpcRow(25, 'grpc.health.v1.Health', 'Watch', null),
];
const rows = [...ROWS, ...DB_ROWS, ...GRPC_ROWS];
const db = makeDb(rows);
afterAll(() => db.close());

const CASES: [string, number[]][] = [
  ['grpc.service:tinytap.demo.Inventory', [21, 22, 23]],
  ['grpc.service:grpc.health.*', [24, 25]],
  ['grpc.service:/Health$/', [24, 25]],
  // gRPC names are case-sensitive
  ['grpc.service:tinytap.demo.inventory', []],
  ['grpc.method:GetItem', [21, 22]],
  ['grpc.method:*Item*', [21, 22, 23]],
  ['grpc.method:getitem', []],
  ['grpc.status:OK', [21]],
  ['grpc.status:0', [21]],
  ['grpc.status:NOT_FOUND', [22]],
  ['grpc.status:not_found,14', [22, 24]],
  ['grpc.status:not-found', [22]],
  ['GRPC.STATUS:5', [22]],
  ['-grpc.status:OK grpc.service:*', [22, 23, 24, 25]],
  ['grpc.service:tinytap.demo.Inventory grpc.method:GetItem -grpc.status:0', [22]],
  ['grpc.method:Check or grpc.status:RESOURCE_EXHAUSTED', [23, 24]],
  ['grpc.status:16', []],
  // the HTTP keys still see the call as the HTTP/2 POST it is
  ['method:POST grpc.method:ListItems', [23]],
];

describe('gRPC filter keys', () => {
  for (const [filter, expected] of CASES) {
    it(filter, () => expectSelects(db, rows, filter, expected));
  }

  it('prints status codes by their names', () => {
    expect(describeFilter(parseFilter('grpc.status:5,14,99'))).toBe('grpc.status:NOT_FOUND,UNAVAILABLE,99');
  });

  it('refuses a status that is neither a name nor a code, pointing at it', () => {
    expect(() => parseFilter('grpc.status:NOPE')).toThrow(/bad gRPC status 'NOPE'/);
    expect(() => parseFilter('grpc.status:5,')).toThrow(/empty gRPC status/);
    expect(() => parseFilter('grpc.status:/5/')).toThrow(/takes no regular expression/);
    expect(() => parseFilter('grpc.services:x')).toThrow(/unknown key 'grpc.services:'/);
  });

  it('leaves other dotted words with a colon as text', () => {
    expect(parseFilter('example.com:8080')).toEqual({ type: 'text', scope: 'all', text: 'example.com:8080' });
  });

  it('finds the calls of a service, and those of a status, through their indexes', () => {
    expect(queryPlan(db, parseFilter('grpc.service:tinytap.demo.Inventory'))).toMatch(/USING (COVERING )?INDEX exchanges_grpc /);
    expect(queryPlan(db, parseFilter('grpc.status:NOT_FOUND,14'))).toMatch(/USING (COVERING )?INDEX exchanges_grpc_status/);
  });
});
