/**
 * Property tests: messages built by the test encoder (masking, fragments, control frames between
 * them, permessage-deflate with and without context takeover) come out as they were sent however
 * the streams are cut; random and mutated bytes never make the parser throw, hold much memory, or
 * give output that depends on where segments were cut.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StreamDirection, StreamItem } from '../../../src/protocols/stream.js';
import { WEBSOCKET_LIMITS, type WsMessage } from '../../../src/protocols/websocket/index.js';
import { loadCase } from '../corpus/corpus-format.js';
import { itemsOf, mutate } from '../corpus/mutate.js';
import { recut } from '../corpus/split.js';
import { Compressor, encodeMessages, type Expected, type MessageSpec } from './encoder.js';
import { runAtOnce, runIncrementally, startOf } from './run-connection.js';
import { summarizeRun } from './summarize.js';

const arbCuts = fc.array(fc.nat(), { maxLength: 30 });
const arbText = fc.string({ unit: 'binary', maxLength: 300 }).map((s) => Buffer.from(s, 'utf8'));
/** Payloads that compress and that repeat across messages, so the window matters. */
const arbRepetitive = fc.array(fc.constantFrom('tick ', '{"a":1}', 'hello ', 'é✓', '\n'), { maxLength: 60 }).map((parts) => Buffer.from(parts.join('')));
const arbControl = fc.record({
  type: fc.constantFrom('ping' as const, 'pong' as const),
  payload: fc.uint8Array({ maxLength: 125 }),
});

function arbMessage(dir: StreamDirection, deflate: boolean): fc.Arbitrary<MessageSpec> {
  const data = fc.record({
    dir: fc.constant(dir),
    type: fc.constantFrom('text' as const, 'binary' as const),
    text: fc.oneof(arbText, arbRepetitive),
    bytes: fc.oneof(fc.uint8Array({ maxLength: 400 }), arbRepetitive),
    compressed: deflate ? fc.boolean() : fc.constant(false),
    cuts: fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { maxLength: 4 }),
    between: fc.array(fc.option(arbControl, { nil: undefined }), { maxLength: 4 }),
  });
  return fc.oneof(
    { weight: 4, arbitrary: data.map((d) => ({ dir, type: d.type, payload: d.type === 'text' ? d.text : d.bytes, compressed: d.compressed, cuts: d.cuts, between: d.between as MessageSpec['between'] })) },
    { weight: 1, arbitrary: arbControl.map((c) => ({ dir, type: c.type, payload: c.payload, compressed: false, cuts: [], between: [] })) },
  );
}

interface Conversation {
  items: StreamItem[];
  expected: Expected[];
  extensions?: string;
}

/** Both directions' messages, their bytes interleaved in chunks the way a capture sees them. */
function arbConversation(deflate: 'none' | 'takeover' | 'no-takeover'): fc.Arbitrary<Conversation> {
  const on = deflate !== 'none';
  return fc
    .record({
      c2s: fc.array(arbMessage('c2s', on), { maxLength: 8 }),
      s2c: fc.array(arbMessage('s2c', on), { maxLength: 8 }),
      order: fc.array(fc.boolean(), { maxLength: 20 }),
      seed: fc.nat(),
    })
    .map(({ c2s, s2c, order, seed }) => {
      const takeover = deflate === 'takeover';
      const c = encodeMessages(c2s, new Compressor(takeover), seed);
      const s = encodeMessages(s2c, new Compressor(takeover), seed);
      // each direction sent in one segment per message's worth of order flags: halves alternate
      const items: StreamItem[] = [];
      const parts = { c2s: split(c.bytes, order.length), s2c: split(s.bytes, order.length) };
      const offsets = { c2s: 0, s2c: 0 };
      let ts = 1000;
      const emit = (dir: StreamDirection, bytes: Buffer): void => {
        if (bytes.length === 0) return;
        items.push({ kind: 'data', dir, ts: ts++, offset: offsets[dir], length: bytes.length, bytes, eventId: ts });
        offsets[dir] += bytes.length;
      };
      for (const first of order) {
        emit(first ? 'c2s' : 's2c', parts[first ? 'c2s' : 's2c'].shift() ?? Buffer.alloc(0));
      }
      for (const dir of ['c2s', 's2c'] as const) for (const rest of parts[dir]) emit(dir, rest);
      const extensions = deflate === 'none' ? undefined : deflate === 'takeover' ? 'permessage-deflate' : 'permessage-deflate; server_no_context_takeover; client_no_context_takeover';
      return { items, expected: [...c.expected, ...s.expected], extensions };
    });
}

function split(bytes: Buffer, n: number): Buffer[] {
  const size = Math.max(1, Math.ceil(bytes.length / Math.max(1, n)));
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

function checkAgainstModel(conversation: Conversation, messages: WsMessage[]): void {
  expect(messages.map((m) => m.index)).toEqual(messages.map((_, k) => k));
  for (const dir of ['c2s', 's2c'] as const) {
    const got = messages.filter((m) => m.dir === dir);
    const want = conversation.expected.filter((e) => e.dir === dir);
    expect(got.map((m) => [m.type, m.compressed, m.frames, m.complete])).toEqual(want.map((e) => [e.type, e.compressed, e.frames, true]));
    got.forEach((m, k) => {
      expect(m.flaws).toEqual([]);
      expect(m.payloadLength).toBe(want[k].payload.length);
      expect(Buffer.from(m.payload).equals(Buffer.from(want[k].payload))).toBe(true);
      if (m.type === 'text') expect(m.text).toBe(Buffer.from(want[k].payload).toString('utf8'));
    });
  }
}

describe('websocket properties', () => {
  for (const deflate of ['none', 'takeover', 'no-takeover'] as const) {
    it(`gives every message as encoded (deflate: ${deflate}), however the streams are cut`, () => {
      fc.assert(
        fc.property(arbConversation(deflate), arbCuts, (conversation, cuts) => {
          const start = { extensions: conversation.extensions };
          const run = runIncrementally(recut(conversation.items, cuts), start);
          expect(run.flaws).toEqual([]);
          checkAgainstModel(conversation, run.messages);
          expect(summarizeRun(run)).toBe(summarizeRun(runAtOnce(conversation.items, start)));
        }),
        { numRuns: 150 },
      );
    }, 60_000);
  }

  it('never throws on random bytes, and keeps what it holds and hands out bounded', () => {
    const arbChunk = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.constantFrom(...[[0x81, 0x05], [0x01, 0x83, 1, 2, 3, 4], [0x80, 0x7e, 0xff, 0xff], [0xc1, 0x7f, 0, 0, 0, 0, 0, 0, 0x10, 0], [0x89, 0x00], [0x88, 0x02, 0x03, 0xe8]].map((b) => Uint8Array.from(b))),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), arbChunk), { maxLength: 30 }), fc.boolean(), (chunks, deflate) => {
        const items = itemsOf(chunks.map(([c2s, bytes]) => [c2s ? 'c2s' : 's2c', Buffer.from(bytes)]));
        const start = { extensions: deflate ? 'permessage-deflate' : undefined };
        const run = runIncrementally(items, start);
        checkBounded(run.messages);
        expect(run.peakBuffered).toBeLessThan(1024 * 1024);
        expect(summarizeRun(runAtOnce(items, start))).toBe(summarizeRun(run));
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same messages for mutated real captures however they are cut', () => {
    const dir = fileURLToPath(new URL('../../../testdata/protocols/websocket/', import.meta.url));
    const cases = readdirSync(dir)
      .filter((f) => f.endsWith('.ws'))
      .map((f) => loadCase(dir + f));
    const arbMutation = fc.record({ at: fc.nat(), kind: fc.constantFrom('flip', 'drop', 'insert'), byte: fc.integer({ min: 0, max: 255 }) });
    fc.assert(
      fc.property(fc.nat(cases.length - 1), fc.array(arbMutation, { minLength: 1, maxLength: 4 }), arbCuts, (k, mutations, cuts) => {
        const items = mutate(cases[k].items, mutations);
        const start = startOf(cases[k]);
        const whole = runAtOnce(items, start);
        expect(summarizeRun(runIncrementally(recut(items, cuts, 2), start))).toBe(summarizeRun(whole));
        checkBounded(whole.messages);
      }),
      { numRuns: 200 },
    );
  }, 120_000);
});

function checkBounded(messages: WsMessage[]): void {
  let kept = 0;
  for (const m of messages) {
    expect(m.payload.length).toBeLessThanOrEqual(WEBSOCKET_LIMITS.keepMessageBytes);
    if (m.payloadLength !== undefined) expect(m.payload.length).toBeLessThanOrEqual(m.payloadLength);
    kept += m.payload.length;
  }
  expect(kept).toBeLessThanOrEqual(WEBSOCKET_LIMITS.keepConnectionBytes + messages.length * WEBSOCKET_LIMITS.maxControlPayload);
}
