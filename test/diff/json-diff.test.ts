import { describe, expect, it } from 'vitest';

import { diffJson, jsonType } from '../../src/diff/json-diff.js';
import { formatPath, matchesPath, parsePathPattern } from '../../src/diff/json-path.js';

describe('JSON paths', () => {
  it('formats keys, odd keys and indexes', () => {
    expect(formatPath([])).toBe('$');
    expect(formatPath(['items', 2, 'price'])).toBe('$.items[2].price');
    expect(formatPath(['content-type', 'a b', '_x', '$y', '9lives'])).toBe('$["content-type"]["a b"]._x.$y["9lives"]');
    expect(formatPath(['say "hi"'])).toBe('$["say \\"hi\\""]');
  });

  it('parses patterns with *, [*], .. and quoted keys', () => {
    const steps = (t: string) => parsePathPattern(t).steps;
    expect(steps('$.meta.generatedAt')).toEqual([{ kind: 'key', name: 'meta' }, { kind: 'key', name: 'generatedAt' }]);
    expect(steps('$.items[*].price')).toEqual([{ kind: 'key', name: 'items' }, { kind: 'any' }, { kind: 'key', name: 'price' }]);
    expect(steps('$.items[3]')).toEqual([{ kind: 'key', name: 'items' }, { kind: 'index', index: 3 }]);
    expect(steps('$..requestId')).toEqual([{ kind: 'descend' }, { kind: 'key', name: 'requestId' }]);
    expect(steps('$.*.id')).toEqual([{ kind: 'any' }, { kind: 'key', name: 'id' }]);
    expect(steps(`$["a.b"]['c]d']`)).toEqual([{ kind: 'key', name: 'a.b' }, { kind: 'key', name: 'c]d' }]);
    expect(steps('meta.generatedAt')).toEqual(steps('$.meta.generatedAt'));
  });

  it('refuses patterns it cannot read, in one line', () => {
    expect(() => parsePathPattern('$')).toThrow("bad JSON path '$': it names the whole body (use e.g. $.meta.generatedAt, $.items[*].price or $..requestId)");
    expect(() => parsePathPattern('$.a[')).toThrow(/a '\[' is not closed/);
    expect(() => parsePathPattern('$.a[x]')).toThrow(/'\[x\]' is not an index, \* or a quoted key/);
    expect(() => parsePathPattern('$.a..')).toThrow(/'\.\.' must be followed by a name/);
    expect(() => parsePathPattern('$.a.')).toThrow(/a step has no name/);
  });

  it('matches exactly, with * for one step and .. for any depth', () => {
    const m = (p: string, path: (string | number)[]) => matchesPath(parsePathPattern(p), path);
    expect(m('$.meta.generatedAt', ['meta', 'generatedAt'])).toBe(true);
    expect(m('$.meta.generatedAt', ['meta'])).toBe(false);
    expect(m('$.meta.generatedAt', ['meta', 'generatedAt', 'x'])).toBe(false);
    expect(m('$.items[*].price', ['items', 4, 'price'])).toBe(true);
    expect(m('$.items[*].price', ['items', 'x', 'price'])).toBe(true);
    expect(m('$.items[1].price', ['items', 4, 'price'])).toBe(false);
    expect(m('$.items[1]', ['items', '1'])).toBe(false); // an index is not a key
    expect(m('$..nonce', ['nonce'])).toBe(true);
    expect(m('$..nonce', ['a', 0, 'b', 'nonce'])).toBe(true);
    expect(m('$..nonce', ['nonce', 'x'])).toBe(false);
    expect(m('$.a..id', ['a', 'b', 'id'])).toBe(true);
    expect(m('$.a..id', ['b', 'id'])).toBe(false);
  });
});

describe('structural JSON diff', () => {
  it('finds nothing in equal values, whatever the key order', () => {
    expect(diffJson({ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 })).toEqual({ changes: [], omitted: 0 });
  });

  it('names changed, added and removed fields by path, in nested objects and arrays', () => {
    const a = { id: 7, meta: { page: 1, tags: ['x', 'y'] }, items: [{ sku: 'A', price: 10 }, { sku: 'B', price: 20 }, { sku: 'C', price: 30 }], old: true };
    const b = { id: 7, meta: { page: 1, tags: ['x', 'z', 'w'] }, items: [{ sku: 'A', price: 10 }, { sku: 'B', price: 20 }, { sku: 'C', price: 31, sale: true }], new: 'yes' };
    expect(diffJson(a, b).changes).toEqual([
      { change: 'changed', path: '$.meta.tags[1]', a: 'y', b: 'z' },
      { change: 'added', path: '$.meta.tags[2]', b: 'w' },
      { change: 'changed', path: '$.items[2].price', a: 30, b: 31 },
      { change: 'added', path: '$.items[2].sale', b: true },
      { change: 'removed', path: '$.old', a: true },
      { change: 'added', path: '$.new', b: 'yes' },
    ]);
  });

  it('reports a change of type at its path without looking inside', () => {
    expect(diffJson({ n: 1, o: { x: 1 }, l: [1], z: null }, { n: '1', o: [1], l: { 0: 1 }, z: 0 }).changes).toEqual([
      { change: 'type', path: '$.n', a: 1, b: '1' },
      { change: 'type', path: '$.o', a: { x: 1 }, b: [1] },
      { change: 'type', path: '$.l', a: [1], b: { 0: 1 } },
      { change: 'type', path: '$.z', a: null, b: 0 },
    ]);
    expect(diffJson([1, 2], { a: 1 }).changes).toEqual([{ change: 'type', path: '$', a: [1, 2], b: { a: 1 } }]);
    expect(diffJson('a', 'b').changes).toEqual([{ change: 'changed', path: '$', a: 'a', b: 'b' }]);
    expect(jsonType([])).toBe('array');
  });

  it('removes a shortened array tail item by item', () => {
    expect(diffJson({ xs: [1, 2, 3] }, { xs: [1] }).changes).toEqual([
      { change: 'removed', path: '$.xs[1]', a: 2 },
      { change: 'removed', path: '$.xs[2]', a: 3 },
    ]);
  });

  it('skips ignored paths and everything under them', () => {
    const ignore = (p: readonly (string | number)[]) => p[p.length - 1] === 'generatedAt' || (p[0] === 'debug');
    expect(diffJson({ generatedAt: 1, debug: { a: 1 }, x: { generatedAt: 1 } }, { generatedAt: 2, debug: { a: 2, b: 3 }, x: {} }, { ignore }).changes).toEqual([]);
  });

  it('keeps at most `limit` changes and counts the rest', () => {
    const a = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, i]));
    const b = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, i + 1]));
    const r = diffJson(a, b, { limit: 3 });
    expect(r.changes.map((c) => c.path)).toEqual(['$.k0', '$.k1', '$.k2']);
    expect(r.omitted).toBe(7);
  });

  it('survives nesting deeper than it walks', () => {
    const deep = (n: number, leaf: unknown) => {
      let v: unknown = leaf;
      for (let i = 0; i < n; i++) v = [v];
      return v;
    };
    const r = diffJson(deep(5000, 1), deep(5000, 2));
    // (the values are too deep for the test runner to print: compare what is printable)
    expect(r.changes.map((c) => [c.change, c.path])).toEqual([['changed', '$' + '[0]'.repeat(257)]]);
    expect(diffJson(deep(5000, 1), deep(5000, 1)).changes.length).toBe(0);
    expect(diffJson(deep(5000, { a: [1, 2] }), deep(5000, { a: [1, 2] })).changes.length).toBe(0);
    expect(diffJson(deep(5000, { a: [1, 2] }), deep(5000, { a: [1] })).changes.length).toBe(1);
    expect(diffJson(deep(5000, { a: 1 }), deep(5000, { b: 1 })).changes.length).toBe(1);
  });
});
