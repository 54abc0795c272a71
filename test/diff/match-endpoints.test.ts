import { describe, expect, it } from 'vitest';

import { EndpointAggregate, MAX_DIFFERENCES_PER_ENDPOINT } from '../../src/diff/aggregate.js';
import { EndpointCollector, matchEndpoints } from '../../src/diff/match-endpoints.js';

function collector(rows: [number, string, string, number | null][]): EndpointCollector {
  const c = new EndpointCollector();
  for (const [id, method, target, ms] of rows) {
    const [path, query = null] = target.split('?');
    c.add({ id: BigInt(id), method, path, query, url: `http://x${target}`, duration_ns: ms === null ? null : BigInt(ms * 1e6) });
  }
  return c;
}

describe('matching exchanges across two recordings', () => {
  const a = collector([
    [1, 'GET', '/users/1', 5],
    [2, 'GET', '/users/2?x=1', 6],
    [3, 'GET', '/users/3', 7],
    [4, 'POST', '/users', 9],
    [5, 'GET', '/users/4', null],
    [6, 'GET', '/gone', 1],
  ]);
  const b = collector([
    [10, 'POST', '/users', 9],
    [11, 'GET', '/users/9', 5],
    [12, 'GET', '/users/8', 6],
    [13, 'GET', '/new', 1],
    [14, 'GET', '/users/7?x=2', 6],
  ]);
  const m = matchEndpoints(a, b);

  it('groups by method and templated route, in order of first occurrence', () => {
    expect(m.endpoints.map((e) => [e.endpoint.key, e.a?.ids ?? null, e.b?.ids ?? null])).toEqual([
      ['GET /users/{id}', [1, 3, 5], [11, 12]],
      ['GET /users/{id}?x', [2], [14]],
      ['POST /users', [4], [10]],
      ['GET /gone', [6], null],
      ['GET /new', null, [13]],
    ]);
    expect(m.endpoints[0].a!.durationsNs).toEqual([5e6, 7e6]); // the one without a response has none
    expect(m.pairCount).toBe(4);
  });

  it('pairs the n-th occurrence in A with the n-th in B, walking A in order', () => {
    expect([...m.pairs()]).toEqual([
      { endpoint: 0, occurrence: 0, a: 1, b: 11 },
      { endpoint: 1, occurrence: 0, a: 2, b: 14 },
      { endpoint: 0, occurrence: 1, a: 3, b: 12 },
      { endpoint: 2, occurrence: 0, a: 4, b: 10 },
    ]);
  });
});

describe('folding the differences of an endpoint', () => {
  it('counts each difference once per pair, keeping the first example, listed status first', () => {
    const agg = new EndpointAggregate();
    agg.add([{ kind: 'body-json', message: 'response', change: 'changed', path: '$.a', a: 1, b: 2 }], { a: 1, b: 2 });
    agg.add([], { a: 3, b: 4 });
    agg.add(
      [
        { kind: 'body-json', message: 'response', change: 'changed', path: '$.a', a: 5, b: 6 },
        { kind: 'header', message: 'request', change: 'added', name: 'X-New', a: null, b: '1' },
        { kind: 'status', a: 200, b: 500 },
        { kind: 'body-json-omitted', message: 'response', count: 3 },
      ],
      { a: 5, b: 6 },
    );
    agg.add([{ kind: 'status', a: 200, b: 404 }, { kind: 'body-json-omitted', message: 'response', count: 4 }], { a: 7, b: 8 });
    expect(agg.pairs).toBe(4);
    expect(agg.identical).toBe(1);
    expect(agg.differences()).toEqual([
      { kind: 'status', a: 200, b: 500, pairs: 1, example: { a: 5, b: 6 } },
      { kind: 'status', a: 200, b: 404, pairs: 1, example: { a: 7, b: 8 } },
      { kind: 'header', message: 'request', change: 'added', name: 'X-New', a: null, b: '1', pairs: 1, example: { a: 5, b: 6 } },
      { kind: 'body-json', message: 'response', change: 'changed', path: '$.a', a: 1, b: 2, pairs: 2, example: { a: 1, b: 2 } },
      { kind: 'body-json-omitted', message: 'response', count: 7, pairs: 2, example: { a: 5, b: 6 } },
    ]);
  });

  it('keeps a bounded number of distinct differences and counts the rest', () => {
    const agg = new EndpointAggregate();
    for (let i = 0; i < MAX_DIFFERENCES_PER_ENDPOINT + 5; i++)
      agg.add([{ kind: 'body-json', message: 'response', change: 'added', path: `$.k${i}`, b: i }], { a: i, b: i });
    expect(agg.differences()).toHaveLength(MAX_DIFFERENCES_PER_ENDPOINT);
    expect(agg.omitted).toBe(5);
  });
});

describe('matching gRPC calls', () => {
  const call = (id: number, service: string, method: string, path = `/${service}/${method}`) => ({
    id,
    method: 'POST',
    path,
    query: null,
    url: `http://x${path}`,
    protocol: 'http',
    grpc_service: service,
    grpc_method: method,
    duration_ns: 1_000_000,
  });

  it('pairs calls by service and method, whatever their paths look like to the route templates', () => {
    const a = new EndpointCollector();
    const b = new EndpointCollector();
    // a method named like an id would be templated away, and merged with its neighbours, by its path
    for (const x of [call(1, 'shop.v1.Orders', 'Get'), call(2, 'shop.v1.Orders', 'A1B2C3D4E5F6G7H8J9K0'), call(3, 'shop.v1.Orders', 'Get')]) a.add(x);
    for (const x of [call(11, 'shop.v1.Orders', 'Get'), call(12, 'shop.v1.Orders', 'Z9Y8X7W6V5U4T3S2R1Q0'), call(13, 'shop.v2.Orders', 'Get')]) b.add(x);
    const m = matchEndpoints(a, b);
    expect(m.endpoints.map((e) => [e.endpoint.key, e.endpoint.method, e.a?.ids ?? null, e.b?.ids ?? null])).toEqual([
      ['gRPC shop.v1.Orders/Get', 'gRPC', [1, 3], [11]],
      ['gRPC shop.v1.Orders/A1B2C3D4E5F6G7H8J9K0', 'gRPC', [2], null],
      ['gRPC shop.v1.Orders/Z9Y8X7W6V5U4T3S2R1Q0', 'gRPC', null, [12]],
      ['gRPC shop.v2.Orders/Get', 'gRPC', null, [13]],
    ]);
    expect([...m.pairs()].map((p) => [p.a, p.b])).toEqual([[1, 11]]);
  });

  it('leaves a plain HTTP POST to the same path an HTTP endpoint', () => {
    const c = new EndpointCollector();
    c.add({ ...call(1, 'shop.v1.Orders', 'Get'), grpc_service: null, grpc_method: null });
    expect([...c.endpoints.keys()]).toEqual(['POST /shop.v1.Orders/Get']);
  });
});
