/**
 * Arbitrary bytes, gaps and ends: the parser never throws, never holds more than its limits,
 * reports offsets that lie inside the streams, and (since errors carry stream offsets, not
 * positions in a segment) gives the same result however the same bytes are segmented.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GapReason, StreamDirection, StreamItem, StreamSegment } from '../../../src/protocols/stream.js';
import { Http1Connection, type Http1Exchange, type Http1Limits, type HttpMessage } from '../../../src/protocols/http1/index.js';
import { arbConversation } from './conversation.js';
import { summarizeExchanges } from './summarize.js';

const SMALL_LIMITS: Http1Limits = { maxHeadBytes: 300, maxChunkLineBytes: 40, maxPausedBytes: 200 };

/** A stream as captured: runs of bytes, of uncaptured bytes, and of bytes whose records were lost. */
type Run =
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'gap'; size: number; reason: GapReason }
  | { kind: 'jump'; size: number };

interface FuzzStream {
  runs: Run[];
  end: 'eof' | 'close' | 'error' | undefined;
}

const HTTPISH = [
  'GET ', 'POST ', 'HEAD ', 'CONNECT ', '/ ', '/a?b=c ', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', ' 200 OK', ' 100 Continue',
  ' 101 Switching', ' 204 ', ' 304 ', '\r\n', '\n', '\r', ' ', '\t', ':', 'Host: x', 'Content-Length: 3', 'Content-Length: 0',
  'Content-Length: x', 'Transfer-Encoding: chunked', 'Transfer-Encoding: gzip', 'Upgrade: websocket', 'Connection: close',
  'Connection: keep-alive', '0\r\n', '5;e=1\r\n', 'ffffffffffffffffff\r\n', 'abc', 'hello', '\x00', '\xff',
];
const arbHttpish = fc
  .array(fc.constantFrom(...HTTPISH), { maxLength: 40 })
  .map((parts) => Uint8Array.from(Buffer.from(parts.join(''), 'latin1')));
const arbMutatedConversation = fc
  .tuple(arbConversation, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.boolean())
  .map(([conv, flips, useS2c]) => {
    const bytes = Uint8Array.from(useS2c ? conv.s2c : conv.c2s);
    for (const [at, value] of flips) if (bytes.length > 0) bytes[at % bytes.length] = value;
    return bytes;
  });
const arbBytes = fc.oneof(fc.uint8Array({ maxLength: 200 }), arbHttpish, arbMutatedConversation);
const arbRun: fc.Arbitrary<Run> = fc.oneof(
  { weight: 6, arbitrary: arbBytes.map((bytes) => ({ kind: 'bytes' as const, bytes })) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('gap' as const),
      size: fc.integer({ min: 1, max: 400 }),
      reason: fc.constantFrom<GapReason>('truncated', 'zerocopy', 'lost'),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('jump' as const), size: fc.integer({ min: 1, max: 400 }) }) },
);
const arbStream: fc.Arbitrary<FuzzStream> = fc.record({
  runs: fc.array(arbRun, { maxLength: 6 }),
  end: fc.constantFrom(undefined, 'eof' as const, 'close' as const, 'error' as const),
});
const arbCuts = fc.array(fc.nat(), { maxLength: 30 });

describe('http1 fuzz', () => {
  it('never throws and stays within its limits, whatever the bytes', () => {
    fc.assert(
      fc.property(arbStream, arbStream, arbCuts, fc.array(fc.boolean(), { minLength: 1 }), (c2s, s2c, cuts, coin) => {
        // any interleaving, including responses before their requests
        const a = segments('c2s', c2s, cuts);
        const b = segments('s2c', s2c, cuts);
        const items: StreamItem[] = [];
        let k = 0;
        while (a.length > 0 || b.length > 0) items.push((coin[k++ % coin.length] && a.length > 0) || b.length === 0 ? a.shift()! : b.shift()!);
        const exchanges = feedChecked(items, SMALL_LIMITS);
        checkWellFormed(exchanges, items);
      }),
      { numRuns: Number(process.env.HTTP1_FUZZ_RUNS ?? 1000) },
    );
  }, 60_000);

  it('gives the same result however the same bytes are segmented', () => {
    fc.assert(
      fc.property(arbStream, arbStream, arbCuts, (c2s, s2c, cuts) => {
        const whole = [...segments('c2s', c2s, []), ...segments('s2c', s2c, [])];
        const split = [...segments('c2s', c2s, cuts), ...segments('s2c', s2c, cuts)];
        for (const limits of [SMALL_LIMITS, {}]) {
          const expected = summarizeExchanges(feedChecked(whole, limits), whole, { withoutTs: true });
          expect(summarizeExchanges(feedChecked(split, limits), split, { withoutTs: true })).toBe(expected);
        }
      }),
      { numRuns: Number(process.env.HTTP1_FUZZ_RUNS ?? 1000) },
    );
  }, 60_000);

  it('gives up on a head that never ends after maxHeadBytes, in linear time', () => {
    const limits = { maxHeadBytes: 256 * 1024 };
    const cases: Array<[string, Uint8Array, number]> = [
      ['method characters without a space', repeat('a', 4 << 20), 1500],
      ['header lines without the blank line', concatText('GET / HTTP/1.1\r\n', repeat('X-A: b\r\n', 1 << 19)), 1500],
      ['a head arriving one byte at a time', concatText('GET / HTTP/1.1\r\n', repeat('X-A: b\r\n', 40000)), 1],
    ];
    for (const [label, bytes, pieceSize] of cases) {
      const started = performance.now();
      const connection = new Http1Connection(limits);
      let maxBuffered = 0;
      for (let at = 0; at < bytes.length; at += pieceSize) {
        const piece = bytes.subarray(at, Math.min(bytes.length, at + pieceSize));
        connection.push({ kind: 'data', dir: 'c2s', ts: at, offset: at, length: piece.length, bytes: piece, eventId: 1 });
        maxBuffered = Math.max(maxBuffered, connection.bufferedBytes);
      }
      const exchanges = connection.finish();
      const elapsed = performance.now() - started;
      expect(exchanges.map((e) => e.errors.map((x) => `${x.code} ${x.offset}`)), label).toEqual([['head-too-large 0']]);
      expect(maxBuffered, label).toBeLessThanOrEqual(limits.maxHeadBytes + pieceSize);
      // quadratic rescanning would take minutes here
      expect(elapsed, label).toBeLessThan(5000);
    }
  }, 30_000);

  it('keeps memory flat on a long keep-alive connection', () => {
    const connection = new Http1Connection();
    const request = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1');
    const response = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello', 'latin1');
    let taken = 0;
    for (let n = 0; n < 20000; n++) {
      connection.push({ kind: 'data', dir: 'c2s', ts: n, offset: n * request.length, length: request.length, bytes: request, eventId: n });
      connection.push({ kind: 'data', dir: 's2c', ts: n, offset: n * response.length, length: response.length, bytes: response, eventId: n });
      const out = connection.takeExchanges();
      expect(out.length).toBe(1);
      taken += out.length;
      expect(connection.bufferedBytes).toBe(0);
    }
    expect(connection.finish()).toEqual([]);
    expect(taken).toBe(20000);
  });
});

/** The runs of a stream as segments: bytes cut at `cuts`, gaps as uncaptured segments, jumps as skipped offsets. */
function segments(dir: StreamDirection, stream: FuzzStream, cuts: number[]): StreamItem[] {
  const out: StreamItem[] = [];
  let offset = 0;
  let eventId = 1;
  const push = (bytes: Uint8Array, length: number, gap?: GapReason): void => {
    const segment: StreamSegment = { kind: 'data', dir, ts: eventId * 10, offset, length, bytes, eventId: eventId++ };
    if (gap) segment.gap = gap;
    out.push(segment);
    offset += length;
  };
  for (const run of stream.runs) {
    if (run.kind === 'jump') {
      offset += run.size;
    } else if (run.kind === 'gap') {
      push(new Uint8Array(0), run.size, run.reason);
    } else {
      let from = 0;
      const points = [...new Set(cuts.map((c) => c % Math.max(1, run.bytes.length)))].filter((c) => c > 0).sort((x, y) => x - y);
      for (const to of [...points, run.bytes.length]) {
        if (to > from) push(run.bytes.subarray(from, to), to - from);
        from = to;
      }
    }
  }
  if (stream.end) out.push({ kind: 'end', dir, ts: eventId * 10, offset, reason: stream.end, eventId });
  return out;
}

function feedChecked(items: StreamItem[], limits: Partial<Http1Limits>): Http1Exchange[] {
  const connection = new Http1Connection(limits);
  const bound = Math.max(limits.maxHeadBytes ?? 256 * 1024, limits.maxPausedBytes ?? 1 << 20);
  const out: Http1Exchange[] = [];
  for (const item of items) {
    connection.push(item);
    expect(connection.bufferedBytes).toBeLessThanOrEqual(bound);
    out.push(...connection.takeExchanges());
  }
  out.push(...connection.finish());
  expect(connection.bufferedBytes).toBe(0);
  return out;
}

function checkWellFormed(exchanges: Http1Exchange[], items: StreamItem[]): void {
  const size: Record<StreamDirection, number> = { c2s: 0, s2c: 0 };
  for (const item of items) size[item.dir] = Math.max(size[item.dir], item.kind === 'data' ? item.offset + item.length : item.offset);
  expect(exchanges.map((e) => e.index)).toEqual(exchanges.map((_, k) => k));
  for (const ex of exchanges) {
    for (const e of ex.errors) expect(e.offset).toBeLessThanOrEqual(size[e.dir]);
    for (const m of [ex.request, ...ex.informational, ex.response]) if (m) checkMessage(m, size[m.kind === 'request' ? 'c2s' : 's2c']);
  }
}

function checkMessage(m: HttpMessage, streamSize: number): void {
  expect(m.start).toBeLessThan(m.headEnd);
  expect(m.headEnd).toBeLessThanOrEqual(m.end);
  expect(m.end).toBeLessThanOrEqual(streamSize);
  let at = m.headEnd;
  let length = 0;
  for (const [a, b] of m.body.ranges) {
    expect(a).toBeGreaterThanOrEqual(at);
    expect(b).toBeGreaterThan(a);
    at = b;
    length += b - a;
  }
  expect(at).toBeLessThanOrEqual(m.end);
  expect(m.body.length).toBe(length);
  for (const g of m.body.gaps) {
    expect(m.body.ranges.some(([a, b]) => a <= g.start && g.end <= b)).toBe(true);
  }
  if (m.complete) expect(m.body.complete).toBe(true);
}

function repeat(text: string, times: number): Uint8Array {
  return Uint8Array.from(Buffer.from(text.repeat(times), 'latin1'));
}

function concatText(head: string, rest: Uint8Array): Uint8Array {
  return Uint8Array.from(Buffer.concat([Buffer.from(head, 'latin1'), rest]));
}
