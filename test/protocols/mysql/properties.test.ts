/**
 * Property tests over the corpus's real streams and over random bytes: however the segments are
 * cut the calls are the same; nothing thrown, whatever the bytes; memory held stays under the
 * limit; every call is well-formed; no password ever reaches a call.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DB_TEXT_LIMIT, type DbCall } from '../../../src/protocols/db-call.js';
import type { StreamItem, StreamSegment } from '../../../src/protocols/stream.js';
import { loadCase, type CorpusCase } from '../corpus/corpus-format.js';
import { recut } from '../corpus/split.js';
import { runAtOnce, runIncrementally } from './run-connection.js';
import { summarizeCalls } from './summarize.js';

const corpusDir = fileURLToPath(new URL('../../../testdata/protocols/mysql/', import.meta.url));
const cases: CorpusCase[] = readdirSync(corpusDir)
  .filter((f) => f.endsWith('.mysql'))
  .sort()
  .map((f) => loadCase(corpusDir + f))
  .filter((c) => c.splitEvery > 0); // the 17 MB case is too big to re-run hundreds of times

const arbCase = fc.constantFrom(...cases);
const arbCuts = fc.array(fc.nat(), { maxLength: 60 });

function checkWellFormed(calls: DbCall[], items: StreamItem[]): void {
  const ends = { c2s: 0, s2c: 0 };
  for (const item of items) if (item.kind === 'data') ends[item.dir] = Math.max(ends[item.dir], item.offset + item.length);
  calls.forEach((c, i) => {
    expect(c.index).toBe(i);
    expect(c.protocol).toBe('mysql');
    expect(c.text.length).toBeLessThanOrEqual(DB_TEXT_LIMIT);
    expect((c.result ?? '').length).toBeLessThanOrEqual(DB_TEXT_LIMIT);
    expect((c.replyText ?? '').length).toBeLessThanOrEqual(DB_TEXT_LIMIT);
    for (const p of c.params ?? []) expect((p ?? '').length).toBeLessThanOrEqual(DB_TEXT_LIMIT);
    if (c.request) expect(c.request[0] <= c.request[1] && c.request[1] <= ends.c2s).toBe(true);
    if (c.response) expect(c.response[0] <= c.response[1] && c.response[1] <= ends.s2c).toBe(true);
    expect(JSON.stringify(c.detail).length).toBeLessThan(64 * 1024);
    if (c.complete) expect(c.errors).toEqual([]);
    // the catch-all turns a bug into an 'internal' error: none may happen
    for (const e of c.errors) expect(e.code, e.message).not.toBe('internal');
  });
}

/** Random bytes shaped a little like packets (a plausible header now and then), so states past the first are reached. */
const arbChunk = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.tuple(fc.nat({ max: 40 }), fc.nat({ max: 3 }), fc.uint8Array({ maxLength: 40 })).map(([len, seq, body]) => {
    const payload = Uint8Array.from({ length: len }, (_, i) => body[i % Math.max(1, body.length)] ?? 0);
    return Uint8Array.from([len, 0, 0, seq, ...payload]);
  }),
);
const arbRandomItems = fc.array(fc.tuple(fc.boolean(), arbChunk, fc.nat({ max: 3 })), { maxLength: 30 }).map((chunks) => {
  const offsets = { c2s: 0, s2c: 0 };
  return chunks.map(([toServer, bytes, gapChoice], n): StreamItem => {
    const dir = toServer ? 'c2s' : 's2c';
    const gap = gapChoice === 0 ? 7 : 0;
    const item: StreamSegment = { kind: 'data', dir, ts: n, offset: offsets[dir], length: bytes.length + gap, bytes, eventId: n };
    if (gap) item.gap = 'truncated';
    offsets[dir] += item.length;
    return item;
  });
});

describe('mysql properties', () => {
  it('gives the same calls however the segments of a real stream are cut', () => {
    fc.assert(
      fc.property(arbCase, arbCuts, (testCase, cuts) => {
        const items = recut(testCase.items, cuts);
        const run = runIncrementally(items);
        expect(summarizeCalls(run.calls, run.switchedTo)).toBe(testCase.expected);
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it('never throws on random bytes, keeps memory under the limit, and hands out well-formed calls', () => {
    fc.assert(
      fc.property(arbRandomItems, (items) => {
        const run = runIncrementally(items, { maxHeldBytes: 1024 });
        expect(run.maxBuffered).toBeLessThanOrEqual(2 * (1024 + 4)); // one packet per direction
        checkWellFormed(run.calls, items);
        expect(summarizeCalls(runAtOnce(items, { maxHeldBytes: 1024 }).calls, null)).toBe(summarizeCalls(run.calls, null));
      }),
      { numRuns: 500 },
    );
  }, 60_000);

  it('never throws on mutated real streams, and the calls stay well-formed', () => {
    const arbMutation = fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'drop', 'gap')), {
      minLength: 1,
      maxLength: 8,
    });
    fc.assert(
      fc.property(arbCase, arbMutation, (testCase, mutations) => {
        const items: StreamItem[] = testCase.items.map((item) =>
          item.kind === 'data' ? { ...item, bytes: Uint8Array.from(item.bytes) } : item,
        );
        for (const [which, where, value, how] of mutations) {
          const data = items.filter((i) => i.kind === 'data' && i.bytes.length > 0) as StreamSegment[];
          if (data.length === 0) break;
          const seg = data[which % data.length];
          const at = where % seg.bytes.length;
          if (how === 'set') seg.bytes[at] = value;
          else if (how === 'drop') seg.bytes = seg.bytes.subarray(0, at); // the rest of the segment becomes a gap
          else seg.gap = 'truncated';
          if (seg.bytes.length < seg.length) seg.gap ??= 'truncated';
        }
        const run = runIncrementally(items, { maxHeldBytes: 4096 });
        expect(run.maxBuffered).toBeLessThanOrEqual(2 * (4096 + 4));
        checkWellFormed(run.calls, items);
      }),
      { numRuns: 400 },
    );
  }, 60_000);

  it('skips bytes missing inside a reply packet: same calls and results, the call marked gap', () => {
    // streams of plain packets, without STATISTICS (whose reply is text that a gap changes)
    const plain = cases.filter((c) => !/compress|SSL|garbage|gap|lost|orphan|refused|end of|COM_STATISTICS/i.test(c.title));
    fc.assert(
      fc.property(fc.constantFrom(...plain), fc.nat(), fc.nat(), fc.nat(), (testCase, which, from, size) => {
        // rows and column definitions: their first byte is a length; OK, ERR, EOF and auth packets are left whole
        const payloads = replyPayloads(testCase.items).filter((p) => p.end - p.start >= 3 && p.first > 0x01 && p.first < 0xfb);
        if (payloads.length === 0) return;
        const p = payloads[which % payloads.length];
        // keep the payload's first byte (it says what the packet is); lose some of the rest
        const start = p.start + 1 + (from % (p.end - p.start - 1));
        const end = Math.min(p.end, start + 1 + (size % 100));
        const gapped = withGap(testCase.items, 's2c', start, end);
        const outline = (calls: DbCall[]) => calls.map((c) => `${c.index} ${c.operation} ${c.status} ${c.result} ${c.rows}`).join('\n');
        const before = runIncrementally(testCase.items).calls;
        const after = runIncrementally(gapped).calls;
        expect(outline(after)).toBe(outline(before));
        expect(after.some((c) => c.gap && !c.complete)).toBe(true);
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it('never puts a password or auth data in a call', () => {
    const secrets = ['s3cret-pw', 'hunter2', 'hunter3', 'ed-pw-123', 'secret-password', 'scramble-secret', 'abcdefgh', 'ijklmnopqrst'];
    for (const testCase of [...cases]) {
      const text = JSON.stringify(runIncrementally(testCase.items).calls);
      for (const secret of secrets) expect(text, testCase.title).not.toContain(secret);
    }
  });
});

/** Payload ranges of the s2c packets, found by walking the headers (plain streams only). */
function replyPayloads(items: StreamItem[]): { start: number; end: number; first: number }[] {
  const bytes: number[] = [];
  for (const item of items) if (item.kind === 'data' && item.dir === 's2c') bytes.push(...item.bytes);
  const out: { start: number; end: number; first: number }[] = [];
  for (let at = 0; at + 4 <= bytes.length; ) {
    const length = bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16);
    // the greeting (sequence id 0 at offset 0) is left whole: its facts are not a reply's
    if (at > 0 && at + 4 + length <= bytes.length) out.push({ start: at + 4, end: at + 4 + length, first: bytes[at + 4] });
    at += 4 + length;
  }
  return out;
}

/** The same items with the bytes [start, end) of one direction moved but not captured. */
function withGap(items: StreamItem[], dir: 'c2s' | 's2c', start: number, end: number): StreamItem[] {
  const out: StreamItem[] = [];
  for (const item of items) {
    if (item.kind !== 'data' || item.dir !== dir || item.offset + item.length <= start || item.offset >= end) {
      out.push(item);
      continue;
    }
    const from = Math.max(start, item.offset) - item.offset;
    const to = Math.min(end, item.offset + item.length) - item.offset;
    if (from > 0) out.push({ ...item, length: from, bytes: item.bytes.subarray(0, from) });
    out.push({ ...item, offset: item.offset + from, length: to - from, bytes: new Uint8Array(0), gap: 'truncated' });
    if (to < item.length) out.push({ ...item, offset: item.offset + to, length: item.length - to, bytes: item.bytes.subarray(to) });
  }
  return out;
}
