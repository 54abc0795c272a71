/** Linking database calls to the HTTP request their process was serving, and N+1 (call-links.ts). */
import { describe, expect, it } from 'vitest';

import { CallLinker, argsHash } from '../../src/reconstruct/call-links.js';

const MS = 1_000_000;

describe('CallLinker', () => {
  it('links a call to the only request its process was serving, and totals them', () => {
    const l = new CallLinker();
    l.addServed(1, 100, 0, 50 * MS);
    l.addCall(2, 100, 10 * MS, 3 * MS, 'select ?', argsHash('a'));
    l.addCall(3, 100, 20 * MS, 4 * MS, 'select ?', argsHash('b'));
    const r = l.result();
    expect(r.links).toEqual([
      { callId: 2, parentId: 1, link: 'sole', nPlusOne: false },
      { callId: 3, parentId: 1, link: 'sole', nPlusOne: false },
    ]);
    expect(r.requests).toEqual([{ id: 1, queries: 2, dbNs: 7 * MS, nPlusOne: false }]);
  });

  it('leaves alone calls of other processes, before a request arrived or after its response began', () => {
    const l = new CallLinker();
    l.addServed(1, 100, 10 * MS, 20 * MS);
    l.addCall(2, 200, 15 * MS, 1, 's', 0); // another process
    l.addCall(3, 100, 5 * MS, 1, 's', 0); // before the request
    l.addCall(4, 100, 25 * MS, 1, 's', 0); // after the response began
    expect(l.result()).toEqual({ links: [], requests: [] });
  });

  it('a request never answered holds every later call of its process', () => {
    const l = new CallLinker();
    l.addServed(1, 100, 0, null);
    l.addCall(2, 100, 1e12, 1, 's', 0);
    expect(l.result().links).toEqual([{ callId: 2, parentId: 1, link: 'sole', nPlusOne: false }]);
  });

  it('gives a call made while requests overlap to the latest, and says it is a guess', () => {
    const l = new CallLinker();
    l.addServed(1, 100, 0, 100 * MS);
    l.addServed(2, 100, 10 * MS, 30 * MS);
    l.addCall(3, 100, 20 * MS, 1, 's', 0); // both open
    l.addCall(4, 100, 40 * MS, 1, 's', 0); // only 1 open
    expect(l.result().links).toEqual([
      { callId: 3, parentId: 2, link: 'overlap', nPlusOne: false },
      { callId: 4, parentId: 1, link: 'sole', nPlusOne: false },
    ]);
  });

  it('flags a shape run N or more times with different values in one request, and only those', () => {
    const l = new CallLinker(5);
    l.addServed(1, 100, 0, 1000 * MS);
    l.addServed(2, 100, 2000 * MS, 3000 * MS);
    let id = 10;
    l.addCall(id++, 100, 1 * MS, MS, 'select * from users', argsHash('all'));
    for (let i = 0; i < 5; i++) l.addCall(id++, 100, (2 + i) * MS, MS, 'select * from orders where user_id = ?', argsHash(String(i)));
    // the same query five times with the same values is repetition, not N+1 (a cache would fix it)
    for (let i = 0; i < 5; i++) l.addCall(id++, 100, (2001 + i) * MS, MS, 'select * from orders where user_id = ?', argsHash('7'));
    // four times is under the threshold
    for (let i = 0; i < 4; i++) l.addCall(id++, 100, (2010 + i) * MS, MS, 'get user:*', argsHash(String(i)));
    const r = l.result();
    expect(r.links.filter((x) => x.nPlusOne).map((x) => x.callId)).toEqual([11, 12, 13, 14, 15]);
    expect(r.requests).toEqual([
      { id: 1, queries: 6, dbNs: 6 * MS, nPlusOne: true },
      { id: 2, queries: 9, dbNs: 9 * MS, nPlusOne: false },
    ]);
  });

  it('stays fast when a process makes many calls outside any request', () => {
    const l = new CallLinker();
    for (let i = 0; i < 20_000; i++) l.addServed(i + 1, 100, i * 10, i * 10 + 5);
    for (let i = 0; i < 20_000; i++) l.addCall(100_000 + i, 100, i * 10 + 7, 1, 's', 0);
    // every call falls between requests: none is linked, and the scan back is bounded
    expect(l.result().links).toEqual([]);
  });
});
