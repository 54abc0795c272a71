/**
 * Property tests over generated conversations: whatever the segmenting and interleaving, the
 * parser reports exactly what was sent, the same as when each direction arrives in one piece,
 * with timestamps taken from the segments that held the bytes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GapReason, StreamDirection, StreamItem } from '../../../src/protocols/stream.js';
import type { Http1Exchange, HttpMessage } from '../../../src/protocols/http1/index.js';
import { CapturedStream } from './captured-stream.js';
import {
  arbConversation,
  cutInto,
  interleave,
  wholeFeed,
  withBodyGaps,
  type Conversation,
  type ModelMessage,
} from './conversation.js';
import { runAtOnce, runIncrementally } from './run-connection.js';
import { summarizeExchanges } from './summarize.js';

const arbCuts = fc.array(fc.nat(), { maxLength: 40 });
const arbCoin = fc.array(fc.boolean(), { minLength: 1, maxLength: 40 });
const arbFeed = fc
  .tuple(arbConversation, arbCuts, arbCuts, arbCoin)
  .map(([conv, c2sCuts, s2cCuts, coin]) => ({
    conv,
    items: interleave(conv, cutInto('c2s', conv.c2s, c2sCuts), cutInto('s2c', conv.s2c, s2cCuts), coin),
  }));

describe('http1 properties', () => {
  it('reports every exchange as generated, however the streams are cut and interleaved', () => {
    fc.assert(
      fc.property(arbFeed, ({ conv, items }) => {
        checkAgainstModel(conv, runIncrementally(items), items);
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it('gives the same exchanges as feeding each direction in one piece', () => {
    fc.assert(
      fc.property(arbFeed, ({ conv, items }) => {
        const reference = wholeFeed(conv);
        const expected = summarizeExchanges(runAtOnce(reference), reference, { withoutTs: true });
        expect(summarizeExchanges(runIncrementally(items), items, { withoutTs: true })).toBe(expected);
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it('takes each timestamp from the segment holding that byte', () => {
    fc.assert(
      fc.property(arbFeed, ({ items }) => {
        for (const ex of runIncrementally(items)) {
          for (const m of messagesOf(ex)) {
            const dir: StreamDirection = m.kind === 'request' ? 'c2s' : 's2c';
            expect(m.startTs).toBe(tsOfByte(items, dir, m.start));
            expect(m.headEndTs).toBe(tsOfByte(items, dir, m.headEnd - 1));
            expect(m.endTs).toBe(tsOfByte(items, dir, m.end - 1));
          }
          expect(ex.timing.requestStart).toBe(ex.request?.startTs);
          expect(ex.timing.responseEnd).toBe(ex.response?.endTs);
        }
      }),
      { numRuns: 200 },
    );
  }, 60_000);

  it('skips uncaptured body bytes, keeping every head, range and length', () => {
    const arbReasons = fc.array(fc.constantFrom<GapReason>('truncated', 'zerocopy', 'lost'), { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(arbFeed, fc.array(fc.boolean(), { minLength: 1, maxLength: 20 }), arbReasons, ({ conv, items }, pick, reasons) => {
        const gapped = withBodyGaps(conv, items, pick, reasons);
        const plain = runIncrementally(items);
        const withGaps = runIncrementally(gapped);
        const withoutBodyBytes = (text: string): string =>
          text.split('\n').filter((l) => !/^ {4}(data|gap) /.test(l)).join('\n');
        expect(withoutBodyBytes(summarizeExchanges(withGaps, gapped))).toBe(withoutBodyBytes(summarizeExchanges(plain, items)));
        // the gaps reported are exactly the uncaptured body bytes
        for (const ex of withGaps) {
          for (const m of messagesOf(ex)) {
            const stream = new CapturedStream(gapped, m.kind === 'request' ? 'c2s' : 's2c');
            const missing = stream.bodyPieces(m.body).filter((p) => !(p instanceof Uint8Array));
            expect(m.body.gaps.reduce((n, g) => n + g.end - g.start, 0)).toBe(
              missing.reduce((n, p) => n + ('missing' in p ? p.missing : 0), 0),
            );
          }
        }
      }),
      { numRuns: 200 },
    );
  }, 60_000);
});

function checkAgainstModel(conv: Conversation, exchanges: Http1Exchange[], items: StreamItem[]): void {
  const streams = { c2s: new CapturedStream(items, 'c2s'), s2c: new CapturedStream(items, 's2c') };
  expect(exchanges.map((e) => e.index)).toEqual(conv.exchanges.map((_, k) => k));
  conv.exchanges.forEach((model, k) => {
    const ex = exchanges[k];
    expect(ex.errors).toEqual([]);
    expect(ex.complete).toBe(true);
    expect(ex.protocolSwitch).toBeUndefined();
    checkMessage(ex.request!, model.request, streams.c2s);
    expect(ex.informational.length).toBe(model.informational.length);
    ex.informational.forEach((m, n) => checkMessage(m, model.informational[n], streams.s2c));
    checkMessage(ex.response!, model.response, streams.s2c);
  });
}

function checkMessage(m: HttpMessage, model: ModelMessage, stream: CapturedStream): void {
  const startLine = m.kind === 'request' ? `${m.method} ${m.target} ${m.version}` : `${m.version} ${m.status} ${m.reason}`;
  expect(startLine).toBe(model.startLine);
  expect(m.headers).toEqual(model.headers);
  expect(m.complete).toBe(true);
  expect(m.keepAlive).toBe(model.framing !== 'close');
  expect(m.headEnd - m.start).toBe(model.headLength);
  expect(m.end - m.start).toBe(model.wire.length);
  expect(m.body.framing).toBe(model.framing === 'none' && m.body.declaredLength === 0 ? 'length' : model.framing);
  expect(m.body.length).toBe(model.body.length);
  expect(m.body.ranges).toEqual(model.dataRanges.map(([a, b]) => [m.start + a, m.start + b]));
  expect(m.body.trailers).toEqual(model.trailers);
  expect(m.body.gaps).toEqual([]);
  expect(m.body.complete).toBe(true);
  expect(Buffer.from(stream.bodyBytes(m.body)).equals(Buffer.from(model.body))).toBe(true);
}

function messagesOf(ex: Http1Exchange): HttpMessage[] {
  return [ex.request, ...ex.informational, ex.response].filter((m): m is HttpMessage => m !== undefined);
}

function tsOfByte(items: StreamItem[], dir: StreamDirection, offset: number): number | undefined {
  for (const item of items) {
    if (item.kind === 'data' && item.dir === dir && item.offset <= offset && offset < item.offset + item.length) return item.ts;
  }
  return undefined;
}
