/**
 * Property tests: random bytes and mutated real captures never make the parser throw or hold
 * much memory, and give the same output however the streams are cut; gaps anywhere in real
 * captures do too; the sniff knows the preface.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { CLIENT_PREFACE, looksLikeHttp2Preface } from '../../../src/protocols/http2/index.js';
import type { StreamDirection, StreamItem, StreamSegment } from '../../../src/protocols/stream.js';
import { loadCase } from '../corpus/corpus-format.js';
import { recut } from '../corpus/split.js';
import { runAtOnce, runIncrementally } from './run-connection.js';
import { summarize } from './summarize.js';

const dir = fileURLToPath(new URL('../../../testdata/protocols/http2/', import.meta.url));
const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.h2'))
  .map((f) => loadCase(dir + f))
  .filter((c) => c.items.reduce((n, i) => n + (i.kind === 'data' ? i.length : 0), 0) < 100_000);
const arbCuts = fc.array(fc.nat(), { minLength: 1, maxLength: 8 });

describe('HTTP/2 parser, properties', () => {
  it('never throws on random bytes, with or without a preface, and holds little', () => {
    const arbChunk = fc.oneof(fc.uint8Array({ maxLength: 120 }), fc.constantFrom(CLIENT_PREFACE, Buffer.from('000000040000000000', 'hex'), Buffer.from('0000050100000000018286', 'hex')));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), arbChunk), { maxLength: 30 }), fc.boolean(), (chunks, midway) => {
        const items = itemsOf(chunks.map(([c2s, bytes]) => [c2s ? 'c2s' : 's2c', Buffer.from(bytes)]));
        const run = runIncrementally(items, { joinedMidway: midway });
        expect(run.maxBuffered).toBeLessThan(1024 * 1024);
        expect(summarize(run)).toBe(summarize(runAtOnce(items, { joinedMidway: midway })));
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same output for mutated real captures however they are cut', () => {
    const arbMutation = fc.record({ at: fc.nat(), kind: fc.constantFrom('flip', 'drop', 'insert'), byte: fc.integer({ min: 0, max: 255 }) });
    fc.assert(
      fc.property(fc.nat(cases.length - 1), fc.array(arbMutation, { minLength: 1, maxLength: 4 }), arbCuts, (k, mutations, cuts) => {
        const items = mutate(cases[k].items, mutations);
        expect(summarize(runIncrementally(recut(items, cuts, 2)))).toBe(summarize(runAtOnce(items)));
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it('gives the same output for real captures with a gap anywhere, however they are cut', () => {
    fc.assert(
      fc.property(fc.nat(cases.length - 1), fc.nat(), arbCuts, (k, at, cuts) => {
        const items = withGap(cases[k].items, at);
        const run = runAtOnce(items);
        expect(summarize(runIncrementally(recut(items, cuts, 2)))).toBe(summarize(run));
        // a gap makes body gaps or errors, never a body range outside the data moved
        for (const ex of run.exchanges) for (const m of [ex.request, ex.response]) for (const [s, e] of m?.body.ranges ?? []) expect(s).toBeLessThanOrEqual(e);
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it('sniffs the client preface and nothing else', () => {
    expect(looksLikeHttp2Preface(CLIENT_PREFACE)).toBe(true);
    expect(looksLikeHttp2Preface(Buffer.concat([CLIENT_PREFACE, Buffer.from([0, 0, 0, 4])]))).toBe(true);
    expect(looksLikeHttp2Preface(CLIENT_PREFACE.subarray(0, 10))).toBe(true);
    expect(looksLikeHttp2Preface(Buffer.from('PRI'))).toBe(false);
    expect(looksLikeHttp2Preface(Buffer.from('GET / HTTP/1.1\r\n'))).toBe(false);
    expect(looksLikeHttp2Preface(Buffer.from('PRI * HTTP/1.1\r\n\r\n'))).toBe(false);
  });
});

function itemsOf(chunks: [StreamDirection, Buffer][]): StreamItem[] {
  const offsets = { c2s: 0, s2c: 0 };
  return chunks.map(([dir, bytes], k) => {
    const item: StreamSegment = { kind: 'data', dir, ts: 1000 + k, offset: offsets[dir], length: bytes.length, bytes, eventId: k + 1 };
    offsets[dir] += bytes.length;
    return item;
  });
}

function mutate(items: StreamItem[], mutations: { at: number; kind: string; byte: number }[]): StreamItem[] {
  const chunks: [StreamDirection, Buffer][] = items.filter((i): i is StreamSegment => i.kind === 'data').map((i) => [i.dir, Buffer.from(i.bytes)]);
  for (const m of mutations) {
    const chunk = chunks[m.at % chunks.length];
    const at = chunk[1].length === 0 ? 0 : m.at % chunk[1].length;
    if (m.kind === 'flip' && chunk[1].length > 0) chunk[1][at] = m.byte;
    else if (m.kind === 'drop') chunk[1] = Buffer.concat([chunk[1].subarray(0, at), chunk[1].subarray(at + 1)]);
    else chunk[1] = Buffer.concat([chunk[1].subarray(0, at), Buffer.from([m.byte]), chunk[1].subarray(at)]);
  }
  return itemsOf(chunks.filter(([, b]) => b.length > 0));
}

/** One segment keeps only its first `keep` bytes captured: the rest of it is a gap (a truncated capture). */
function withGap(items: StreamItem[], at: number): StreamItem[] {
  const data = items.filter((i): i is StreamSegment => i.kind === 'data');
  const target = data[at % data.length];
  const keep = at % (target.bytes.length + 1);
  return items.map((i) => (i === target ? { ...target, bytes: target.bytes.subarray(0, keep), gap: 'truncated' as const } : i));
}
