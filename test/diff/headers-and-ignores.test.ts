import { describe, expect, it } from 'vitest';

import { diffHeaders } from '../../src/diff/header-diff.js';
import { DEFAULT_IGNORED_HEADERS, IgnoreRules } from '../../src/diff/ignore-rules.js';
import type { HeaderField } from '../../src/model/exchange.js';

const h = (...pairs: [string, string][]): HeaderField[] => pairs.map(([name, value]) => ({ name, value }));

describe('header diff', () => {
  const rules = new IgnoreRules();

  it('reports added, removed and changed headers, names compared without case', () => {
    const a = h(['Content-Type', 'application/json'], ['X-Version', '1'], ['X-Old', 'yes'], ['Vary', 'Accept']);
    const b = h(['content-type', 'application/json'], ['X-Version', '2'], ['Vary', 'Accept'], ['Cache-Control', 'no-store']);
    expect(diffHeaders(a, b, rules)).toEqual([
      { change: 'changed', name: 'X-Version', a: '1', b: '2' },
      { change: 'removed', name: 'X-Old', a: 'yes', b: null },
      { change: 'added', name: 'Cache-Control', a: null, b: 'no-store' },
    ]);
  });

  it('compares a repeated header as its list of values, in order', () => {
    expect(diffHeaders(h(['Vary', 'Accept'], ['Vary', 'Origin']), h(['Vary', 'Accept'], ['Vary', 'Origin']), rules)).toEqual([]);
    expect(diffHeaders(h(['Vary', 'Accept'], ['Vary', 'Origin']), h(['Vary', 'Accept']), rules)).toEqual([
      { change: 'changed', name: 'Vary', a: 'Accept, Origin', b: 'Accept' },
    ]);
    // surrounding whitespace is not a change
    expect(diffHeaders(h(['X-A', ' 1 ']), h(['X-A', '1']), rules)).toEqual([]);
  });

  it('ignores the noise of every run by default', () => {
    const a = h(
      ['Date', 'Mon, 01 Jan 2024 10:00:00 GMT'],
      ['ETag', 'W/"1a"'],
      ['Content-Length', '120'],
      ['X-Request-Id', 'r-1'],
      ['traceparent', '00-aaa-bbb-01'],
      ['X-B3-TraceId', 'abc'],
      ['Last-Modified', 'Mon, 01 Jan 2024 09:00:00 GMT'],
      ['Age', '3'],
      ['Expires', 'Mon, 01 Jan 2024 11:00:00 GMT'],
      ['Keep-Alive', 'timeout=5'],
    );
    const b = h(
      ['Date', 'Tue, 02 Jan 2024 10:00:00 GMT'],
      ['ETag', 'W/"2b"'],
      ['Content-Length', '121'],
      ['X-Request-Id', 'r-2'],
      ['traceparent', '00-ccc-ddd-01'],
      ['X-B3-TraceId', 'def'],
      ['X-B3-SpanId', 'new'],
    );
    expect(diffHeaders(a, b, rules)).toEqual([]);
    expect(DEFAULT_IGNORED_HEADERS).toContain('content-length');
  });

  it('compares cookies and credentials by their shape only', () => {
    const a = h(['Set-Cookie', 'sid=abc; Path=/; Expires=Mon, 01 Jan 2024 10:00:00 GMT; HttpOnly'], ['Cookie', 'sid=1; theme=dark'], ['Authorization', 'Bearer aaa.bbb']);
    const b = h(['Set-Cookie', 'sid=xyz; Path=/; Expires=Tue, 02 Jan 2024 10:00:00 GMT; HttpOnly'], ['Cookie', 'sid=2; theme=light'], ['Authorization', 'Bearer ccc.ddd']);
    expect(diffHeaders(a, b, rules)).toEqual([]);
    // but a cookie that is no longer set, a new attribute, or another scheme is a change
    const c = h(['Set-Cookie', 'sid=xyz; Path=/; HttpOnly; Secure'], ['Cookie', 'sid=2'], ['Authorization', 'Basic dXNlcg==']);
    expect(diffHeaders(a, c, rules)).toEqual([
      { change: 'changed', name: 'Set-Cookie', a: 'sid=abc; Path=/; Expires=Mon, 01 Jan 2024 10:00:00 GMT; HttpOnly', b: 'sid=xyz; Path=/; HttpOnly; Secure' },
      { change: 'changed', name: 'Cookie', a: 'sid=1; theme=dark', b: 'sid=2' },
      { change: 'changed', name: 'Authorization', a: 'Bearer aaa.bbb', b: 'Basic dXNlcg==' },
    ]);
  });

  it('lets the user add names (with a * suffix) and switch the defaults off', () => {
    const a = h(['X-Build', '100'], ['X-Cache-Node', 'n1'], ['Date', 'Mon']);
    const b = h(['X-Build', '101'], ['X-Cache-Node', 'n2'], ['Date', 'Tue']);
    expect(diffHeaders(a, b, new IgnoreRules({ headers: ['x-build', 'X-Cache-*'] }))).toEqual([]);
    const none = new IgnoreRules({ defaults: false });
    expect(diffHeaders(a, b, none).map((c) => c.name)).toEqual(['X-Build', 'X-Cache-Node', 'Date']);
    expect(diffHeaders(h(['Cookie', 'a=1']), h(['Cookie', 'a=2']), none)).toEqual([{ change: 'changed', name: 'Cookie', a: 'a=1', b: 'a=2' }]);
    // user names still apply without the defaults
    expect(diffHeaders(a, b, new IgnoreRules({ defaults: false, headers: ['date'] })).map((c) => c.name)).toEqual(['X-Build', 'X-Cache-Node']);
  });
});

describe('JSON ignore rules', () => {
  it('ignores timestamp and request/trace id fields by name, anywhere, in any spelling', () => {
    const r = new IgnoreRules();
    for (const name of ['timestamp', 'generatedAt', 'generated_at', 'serverTime', 'requestId', 'request_id', 'Request-Id', 'traceId', 'trace_id', 'spanId', 'correlationId'])
      expect(r.ignoresJsonPath(['data', 0, name]), name).toBe(true);
    for (const name of ['createdAt', 'updatedAt', 'date', 'id', 'time', 'request', 'trace']) expect(r.ignoresJsonPath(['data', name]), name).toBe(false);
    // an index is never a field name
    expect(r.ignoresJsonPath(['timestamp', 0])).toBe(false);
  });

  it('adds the user paths, and keeps only them without the defaults', () => {
    const r = new IgnoreRules({ jsonPaths: ['$.meta.build', '$.items[*].price'] });
    expect(r.ignoresJsonPath(['meta', 'build'])).toBe(true);
    expect(r.ignoresJsonPath(['items', 3, 'price'])).toBe(true);
    expect(r.ignoresJsonPath(['items', 3, 'sku'])).toBe(false);
    const only = new IgnoreRules({ defaults: false, jsonPaths: ['$.meta.build'] });
    expect(only.ignoresJsonPath(['timestamp'])).toBe(false);
    expect(only.ignoresJsonPath(['meta', 'build'])).toBe(true);
  });

  it('refuses a bad user path when the rules are made', () => {
    expect(() => new IgnoreRules({ jsonPaths: ['$.a['] })).toThrow(/^bad JSON path '\$\.a\['/);
  });
});
