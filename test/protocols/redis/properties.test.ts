/**
 * Property tests: generated conversations come out as sent however the streams are cut; random
 * bytes and mutated real captures never make the parser throw, hold much memory, or give output
 * that depends on where segments were cut; passwords never reach a call.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DB_TEXT_LIMIT, type DbCall } from '../../../src/protocols/db-call.js';
import type { StreamDirection, StreamItem } from '../../../src/protocols/stream.js';
import { RedisConnection } from '../../../src/protocols/redis/index.js';
import { loadCase } from '../corpus/corpus-format.js';
import { itemsOf, mutate } from '../corpus/mutate.js';
import { recut } from '../corpus/split.js';
import { arbConversation, encodeCommand, feed, wholeFeed, type Conversation } from './conversation.js';
import { runAtOnce, runIncrementally } from './run-connection.js';
import { summarizeCalls } from './summarize.js';

const arbCuts = fc.array(fc.nat(), { maxLength: 30 });

describe('redis properties', () => {
  it('reports every command and reply as generated, however the streams are cut', () => {
    fc.assert(
      fc.property(arbConversation, arbCuts, arbCuts, (conv, c2sCuts, s2cCuts) => {
        const items = feed(conv, c2sCuts, s2cCuts);
        const calls = runIncrementally(items);
        checkAgainstModel(conv, calls);
        const reference = wholeFeed(conv);
        expect(summarizeCalls(calls, { withoutTs: true })).toBe(summarizeCalls(runAtOnce(reference), { withoutTs: true }));
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it('takes each timestamp from the segment holding that byte', () => {
    fc.assert(
      fc.property(arbConversation, arbCuts, arbCuts, (conv, c2sCuts, s2cCuts) => {
        const items = feed(conv, c2sCuts, s2cCuts);
        for (const call of runIncrementally(items)) {
          expect(call.timing.requestStart).toBe(tsOfByte(items, 'c2s', call.request![0]));
          expect(call.timing.requestEnd).toBe(tsOfByte(items, 'c2s', call.request![1] - 1));
          expect(call.timing.responseStart).toBe(tsOfByte(items, 's2c', call.response![0]));
          expect(call.timing.responseEnd).toBe(tsOfByte(items, 's2c', call.response![1] - 1));
        }
      }),
      { numRuns: 200 },
    );
  }, 60_000);

  it('never throws on random bytes, keeps text bounded and memory small', () => {
    const arbChunk = fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(...['*3\r\n', '$5\r\n', '%1\r\n', '+OK\r\n', '|1\r\n', '>2\r\n', '\r\n'].map((s) => Buffer.from(s))));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), arbChunk), { maxLength: 30 }), (chunks) => {
        const items = itemsOf(chunks.map(([c2s, bytes]) => [c2s ? 'c2s' : 's2c', Buffer.from(bytes)]));
        const connection = new RedisConnection();
        const calls: DbCall[] = [];
        for (const item of items) {
          connection.push(item);
          calls.push(...connection.takeCalls());
          expect(connection.bufferedBytes).toBeLessThan(4 * 1024 * 1024);
        }
        calls.push(...connection.finish());
        checkBounded(calls);
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same calls for mutated real captures however they are cut', () => {
    const dir = fileURLToPath(new URL('../../../testdata/protocols/redis/', import.meta.url));
    const cases = readdirSync(dir)
      .filter((f) => f.endsWith('.resp'))
      .map((f) => loadCase(dir + f))
      .filter((c) => c.splitEvery === 1);
    const arbMutation = fc.record({ at: fc.nat(), kind: fc.constantFrom('flip', 'drop', 'insert'), byte: fc.integer({ min: 0, max: 255 }) });
    fc.assert(
      fc.property(fc.nat(cases.length - 1), fc.array(arbMutation, { minLength: 1, maxLength: 4 }), arbCuts, (k, mutations, cuts) => {
        const items = mutate(cases[k].items, mutations);
        const expected = summarizeCalls(runAtOnce(items));
        expect(summarizeCalls(runIncrementally(recut(items, cuts, 1)))).toBe(expected);
        checkBounded(runAtOnce(items));
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it('never keeps a password', () => {
    const arbPassword = fc.stringMatching(/^[A-Za-z0-9]{8,16}$/).map((p) => `pw${p}`);
    const arbAuth = fc.oneof(
      arbPassword.map((p) => ['AUTH', p]),
      arbPassword.map((p) => ['AUTH', 'alice', p]),
      arbPassword.map((p) => ['HELLO', '3', 'AUTH', 'alice', p]),
      arbPassword.map((p) => ['CONFIG', 'SET', 'requirepass', p]),
      arbPassword.map((p) => ['ACL', 'SETUSER', 'bob', 'on', `>${p}`]),
      arbPassword.map((p) => ['MIGRATE', 'h', '1', 'k', '0', '10', 'AUTH', p]),
    );
    fc.assert(
      fc.property(arbAuth, fc.boolean(), (args, inline) => {
        const password = args[args.length - 1].replace(/^>/, '');
        const request = inline ? Buffer.from(`${args.join(' ')}\r\n`) : encodeCommand(args.map((a) => Buffer.from(a)));
        const items = itemsOf([
          ['c2s', request],
          ['s2c', Buffer.from('+OK\r\n')],
        ]);
        const calls = runIncrementally(items);
        expect(calls.length).toBe(1);
        expect(JSON.stringify(calls)).not.toContain(password);
        expect(calls[0].detail.passwordSent).toBe(true);
      }),
    );
  });
});

function checkAgainstModel(conv: Conversation, calls: DbCall[]): void {
  const exchanges = conv.groups.flat();
  expect(calls.map((c) => c.index)).toEqual(exchanges.map((_, k) => k));
  exchanges.forEach((ex, k) => {
    const call = calls[k];
    expect(call.errors).toEqual([]);
    expect(call.complete).toBe(true);
    expect(call.operation).toBe(Buffer.from(ex.args[0]).toString());
    expect(call.params ?? []).toHaveLength(ex.args.length - 1);
    expect(call.status).toBe(ex.reply.t === 'error' ? 'error' : 'ok');
    if (ex.reply.t === 'error') expect(call.errorCode).toBe(ex.reply.code);
    if (ex.reply.t === 'aggregate') expect(call.rows).toBe(ex.reply.kind === 'map' ? ex.reply.items.length / 2 : ex.reply.items.length);
    if (ex.reply.t === 'integer') expect(call.result).toBe(`(integer) ${ex.reply.n}`);
  });
}

function checkBounded(calls: DbCall[]): void {
  for (const call of calls) {
    for (const text of [call.text, call.result, call.replyText, call.errorMessage, ...(call.params ?? []), ...(call.keys ?? [])]) {
      expect((text ?? '').length).toBeLessThanOrEqual(DB_TEXT_LIMIT + 1);
    }
    expect(JSON.stringify(call.detail).length).toBeLessThan(200_000);
  }
}

function tsOfByte(items: StreamItem[], dir: StreamDirection, offset: number): number | undefined {
  for (const item of items) {
    if (item.kind === 'data' && item.dir === dir && item.offset <= offset && offset < item.offset + item.length) return item.ts;
  }
  return undefined;
}
