import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';

import { diffBodies } from '../../src/diff/body-diff.js';
import { compareExchanges, reportableValue } from '../../src/diff/compare-exchanges.js';
import { IgnoreRules } from '../../src/diff/ignore-rules.js';
import type { Body, Exchange } from '../../src/model/exchange.js';

function body(content: string | Buffer, mimeType: string | null, o: Partial<Body> = {}): Body {
  const captured = typeof content === 'string' ? Buffer.from(content) : content;
  return { size: captured.length, captured, complete: true, missing: null, encoding: null, decoded: null, decodeError: null, mimeType, charset: null, ...o };
}

const rules = new IgnoreRules();
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('body diff', () => {
  it('finds nothing in equal bodies, or in JSON that differs only in ignored fields', () => {
    expect(diffBodies(body('hello', 'text/plain'), body('hello', 'text/plain'), rules)).toBeNull();
    expect(diffBodies(body('', null), body('', null), rules)).toBeNull();
    const a = body('{"id":1,"meta":{"generatedAt":"2024-01-01T00:00:00Z","requestId":"r1"}}', 'application/json');
    const b = body('{"id":1,"meta":{"generatedAt":"2024-06-30T12:34:56.789Z","requestId":"r-two"}}', 'application/json');
    expect(diffBodies(a, b, rules)).toBeNull();
    expect(diffBodies(a, b, new IgnoreRules({ defaults: false }))).toEqual({
      format: 'json',
      changes: [
        { change: 'changed', path: '$.meta.generatedAt', a: '2024-01-01T00:00:00Z', b: '2024-06-30T12:34:56.789Z' },
        { change: 'changed', path: '$.meta.requestId', a: 'r1', b: 'r-two' },
      ],
      omitted: 0,
    });
  });

  it('compares JSON structurally, whatever the formatting', () => {
    const a = body('{"items":[{"price":10},{"price":20}]}', 'application/json');
    const b = body('{\n  "items": [ {"price": 10}, {"price": 25} ]\n}', 'application/json; charset=utf-8');
    expect(diffBodies(a, b, rules)).toEqual({ format: 'json', changes: [{ change: 'changed', path: '$.items[1].price', a: 20, b: 25 }], omitted: 0 });
    expect(diffBodies(body('{"a":1} ', 'application/json'), body('{"a":1}', 'application/json'), rules)).toBeNull();
  });

  it('compares text line by line', () => {
    const a = body('line one\nline two\nline three\n', 'text/plain');
    const b = body('line one\nline 2\nline three\nline four\n', 'text/plain');
    expect(diffBodies(a, b, rules)).toEqual({ format: 'text', removed: ['line two'], added: ['line 2', 'line four'], linesRemoved: 1, linesAdded: 2 });
  });

  it('keeps the first lines of a large text change, and counts them all', () => {
    const a = body(Array.from({ length: 50 }, (_, i) => `a${i}`).join('\n'), 'text/plain');
    const b = body(Array.from({ length: 50 }, (_, i) => `b${i}`).join('\n'), 'text/plain');
    const r = diffBodies(a, b, rules, { jsonChanges: 100, textLines: 3, textBytes: 1 << 20, maxEdit: 2000 });
    expect(r).toEqual({ format: 'text', removed: ['a0', 'a1', 'a2'], added: ['b0', 'b1', 'b2'], linesRemoved: 50, linesAdded: 50 });
    const tooDifferent = diffBodies(a, b, rules, { jsonChanges: 100, textLines: 3, textBytes: 1 << 20, maxEdit: 10 });
    expect(tooDifferent).toEqual({ format: 'text', removed: [], added: [], linesRemoved: null, linesAdded: null });
  });

  it('compares binary bodies by size and hash', () => {
    const a = Buffer.from([0, 1, 2, 3, 0xff, 0]);
    const b = Buffer.from([0, 1, 2, 3, 0xfe, 0, 9]);
    expect(diffBodies(body(a, 'application/octet-stream'), body(b, 'application/octet-stream'), rules)).toEqual({
      format: 'binary',
      a: { size: 6, sha256: sha(a) },
      b: { size: 7, sha256: sha(b) },
    });
  });

  it('reports a body that changed what it is', () => {
    expect(diffBodies(body('{"a":1}', 'application/json'), body('<html>oops</html>', 'text/html'), rules)).toEqual({ format: 'type', a: 'json', b: 'text' });
    expect(diffBodies(body('', null), body('{"a":1}', 'application/json'), rules)).toEqual({ format: 'type', a: 'empty', b: 'json' });
  });

  it('compares decoded content: a gzip and a plain copy of one body are equal', () => {
    const plain = body('{"a":1}', 'application/json');
    const gz = body(Buffer.from([0x1f, 0x8b, 1, 2, 3]), 'application/json', { encoding: 'gzip', decoded: Buffer.from('{"a":1}') });
    expect(diffBodies(plain, gz, rules)).toBeNull();
  });

  it('compares bodies that were not wholly captured by length and captured bytes only', () => {
    const cut = (s: string, size: number) => body(s, 'text/plain', { size, complete: false, missing: 'truncated' });
    expect(diffBodies(cut('abcd', 1000), cut('abcd', 1000), rules)).toBeNull();
    expect(diffBodies(cut('abcd', 1000), cut('abcd', 1200), rules)).toEqual({ format: 'partial', a: { size: 1000, captured: 4 }, b: { size: 1200, captured: 4 } });
    expect(diffBodies(cut('abcd', 1000), body('abXd' + 'x'.repeat(996), 'text/plain'), rules)).toEqual({ format: 'partial', a: { size: 1000, captured: 4 }, b: { size: 1000, captured: 1000 } });
  });
});

function exchange(o: { status?: number | null; reqHeaders?: [string, string][]; respHeaders?: [string, string][]; reqBody?: Body; respBody?: Body }): Exchange {
  const hs = (xs: [string, string][] = []) => xs.map(([name, value]) => ({ name, value }));
  const empty = body('', null);
  return {
    id: 1,
    flowId: 1,
    seq: 0,
    client: { pid: 1, comm: 'c', argv: null, cgroup: null, addr: null, port: null, others: [] },
    server: { pid: 2, comm: 's', argv: null, cgroup: null, addr: null, port: null, others: [] },
    transport: 'tcp',
    request: { method: 'GET', target: '/', url: 'http://x/', scheme: 'http', host: 'x', path: '/', query: null, httpVersion: 'HTTP/1.1', headers: hs(o.reqHeaders), trailers: [], body: o.reqBody ?? empty, size: 0, startedNs: 0n, endedNs: 0n },
    response:
      o.status === null
        ? null
        : { status: o.status ?? 200, reason: 'OK', httpVersion: 'HTTP/1.1', headers: hs(o.respHeaders), trailers: [], body: o.respBody ?? empty, size: 0, startedNs: 0n, endedNs: 0n },
    informational: [],
    timings: { sendNs: null, waitNs: null, receiveNs: null, totalNs: null },
    upgrade: null,
    error: null,
    events: null,
    tls: null,
  };
}

describe('comparing two exchanges', () => {
  it('lists status, request and response differences', () => {
    const a = exchange({ status: 200, reqHeaders: [['Accept', 'application/json']], respHeaders: [['X-Version', '1']], reqBody: body('{"q":1}', 'application/json'), respBody: body('{"n":1}', 'application/json') });
    const b = exchange({ status: 201, reqHeaders: [['Accept', '*/*']], respHeaders: [['X-Version', '2']], reqBody: body('{"q":2}', 'application/json'), respBody: body('{"n":1,"m":2}', 'application/json') });
    expect(compareExchanges(a, b, rules)).toEqual([
      { kind: 'header', message: 'request', change: 'changed', name: 'Accept', a: 'application/json', b: '*/*' },
      { kind: 'body-json', message: 'request', change: 'changed', path: '$.q', a: 1, b: 2 },
      { kind: 'status', a: 200, b: 201 },
      { kind: 'header', message: 'response', change: 'changed', name: 'X-Version', a: '1', b: '2' },
      { kind: 'body-json', message: 'response', change: 'added', path: '$.m', b: 2 },
    ]);
    expect(compareExchanges(a, a, rules)).toEqual([]);
  });

  it('says when only one of them got a response', () => {
    expect(compareExchanges(exchange({ status: 200 }), exchange({ status: null }), rules)).toEqual([{ kind: 'response', change: 'removed' }]);
    expect(compareExchanges(exchange({ status: null }), exchange({ status: 200 }), rules)).toEqual([{ kind: 'response', change: 'added' }]);
  });

  it('cuts values too large to report', () => {
    expect(reportableValue('short')).toBe('short');
    expect(reportableValue(12)).toBe(12);
    expect(reportableValue('x'.repeat(1500))).toEqual({ $truncated: 'x'.repeat(1000) + '…' });
    expect(reportableValue({ list: 'y'.repeat(1500) })).toEqual({ $truncated: `{"list":"${'y'.repeat(991)}…` });
  });
});
