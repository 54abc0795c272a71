/**
 * Property tests: however the streams are cut, the calls are the same; whatever the bytes, the
 * parser never throws, holds at most its limit, keeps every text within DB_TEXT_LIMIT, and hands
 * out each call once in index order; generated conversations come out as generated.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DB_TEXT_LIMIT, type DbCall } from '../../../src/protocols/db-call.js';
import type { StreamDirection, StreamItem, StreamSegment } from '../../../src/protocols/stream.js';
import { PostgresConnection } from '../../../src/protocols/postgres/index.js';
import { loadCase } from '../corpus/corpus-format.js';
import { recut } from '../corpus/split.js';
import { runAtOnce, runIncrementally } from './run-connection.js';
import { summarizeCalls } from './summarize.js';
import * as w from './wire.js';

const corpusDir = fileURLToPath(new URL('../../../testdata/protocols/postgres/', import.meta.url));
const realCases = readdirSync(corpusDir)
  .filter((f) => f.startsWith('real-'))
  .sort()
  .map((f) => loadCase(corpusDir + f));

function segment(dir: StreamDirection, offset: number, bytes: Uint8Array, ts: number, gap = 0): StreamSegment {
  const s: StreamSegment = { kind: 'data', dir, ts, offset, length: bytes.length + gap, bytes, eventId: 0 };
  if (gap > 0) s.gap = 'truncated';
  return s;
}

/** Both directions pushed as the given chunks, alternating; checks memory after every push. */
function feedChecked(chunks: Array<{ dir: StreamDirection; bytes: Uint8Array; gap?: number }>, maxHeldBytes: number): DbCall[] {
  const connection = new PostgresConnection({ maxHeldBytes });
  const offsets = { c2s: 0, s2c: 0 };
  const calls: DbCall[] = [];
  chunks.forEach(({ dir, bytes, gap }, ts) => {
    connection.push(segment(dir, offsets[dir], bytes, ts, gap));
    offsets[dir] += bytes.length + (gap ?? 0);
    expect(connection.heldBytes).toBeLessThanOrEqual(2 * maxHeldBytes); // one message per direction
    calls.push(...connection.takeCalls());
  });
  calls.push(...connection.finish());
  return calls;
}

function checkCalls(calls: DbCall[]): void {
  calls.forEach((call, k) => {
    expect(call.index).toBe(k);
    for (const text of [call.text, call.result, call.replyText, call.errorMessage, ...(call.params ?? [])]) {
      if (typeof text === 'string') expect(text.length).toBeLessThanOrEqual(DB_TEXT_LIMIT);
    }
    expect(JSON.stringify(call.detail).length).toBeLessThan(64 * 1024 * 40);
  });
}

const arbChunks = fc.array(
  fc.record({ dir: fc.constantFrom<StreamDirection>('c2s', 's2c'), bytes: fc.uint8Array({ maxLength: 64 }) }),
  { maxLength: 30 },
);

describe('postgres properties', () => {
  it('gives the same calls however the real streams are cut', () => {
    fc.assert(
      fc.property(fc.nat(realCases.length - 1), fc.array(fc.nat(), { minLength: 1, maxLength: 20 }), (k, cuts) => {
        const items = realCases[k].items;
        expect(summarizeCalls(runIncrementally(recut(items, cuts)))).toBe(summarizeCalls(runAtOnce(items)));
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on random bytes, and stays within its memory limit', () => {
    fc.assert(
      fc.property(arbChunks, (chunks) => checkCalls(feedChecked(chunks, 256))),
      { numRuns: 500 },
    );
  });

  it('never throws on random bytes with uncaptured stretches', () => {
    const arbGapped = fc.array(
      fc.record({
        dir: fc.constantFrom<StreamDirection>('c2s', 's2c'),
        bytes: fc.uint8Array({ maxLength: 64 }),
        gap: fc.oneof(fc.constant(0), fc.nat(5000)),
      }),
      { maxLength: 30 },
    );
    fc.assert(
      fc.property(arbGapped, (chunks) => checkCalls(feedChecked(chunks, 256))),
      { numRuns: 500 },
    );
  });

  it('never throws on random bytes after a valid startup', () => {
    const hello = [
      { dir: 'c2s' as const, bytes: w.startup({ user: 'u' }) },
      { dir: 's2c' as const, bytes: Buffer.concat([w.authOk(), w.ready()]) },
    ];
    fc.assert(
      fc.property(arbChunks, (chunks) => checkCalls(feedChecked([...hello, ...chunks], 256))),
      { numRuns: 500 },
    );
  });

  it('never throws on mutated real streams, and keeps calls in order and bounded', () => {
    fc.assert(
      fc.property(
        fc.nat(realCases.length - 1),
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 8 }),
        (k, flips) => {
          const items: StreamItem[] = realCases[k].items.map((item) => (item.kind === 'data' ? { ...item, bytes: Uint8Array.from(item.bytes) } : item));
          const data = items.filter((i): i is StreamSegment => i.kind === 'data' && i.bytes.length > 0);
          for (const [at, value] of flips) {
            const seg = data[at % data.length];
            seg.bytes[at % seg.bytes.length] = value;
          }
          const connection = new PostgresConnection({ maxHeldBytes: 512 });
          const calls: DbCall[] = [];
          for (const item of items) {
            connection.push(item);
            expect(connection.heldBytes).toBeLessThanOrEqual(2 * 512);
            calls.push(...connection.takeCalls());
          }
          calls.push(...connection.finish());
          checkCalls(calls);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('reports generated simple and extended queries as generated, pipelined or not', () => {
    const arbQuery = fc.record({
      extended: fc.boolean(),
      value: fc.string({ maxLength: 20 }),
      rows: fc.nat(30),
      fails: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(arbQuery, { minLength: 1, maxLength: 8 }), fc.boolean(), (queries, pipelined) => {
        const requests: Buffer[] = [];
        const replies: Buffer[] = [];
        for (const q of queries) {
          const sql = `SELECT v FROM t LIMIT ${q.rows}`;
          const rows = Array.from({ length: q.rows }, (_, n) => w.dataRow([`${q.value}${n}`]));
          const result = q.fails ? [w.errorResponse('42P01', 'nope')] : [...rows, w.complete(`SELECT ${q.rows}`)];
          if (q.extended) {
            requests.push(Buffer.concat([w.parse(sql), w.bind([q.value]), w.execute(), w.sync()]));
            replies.push(Buffer.concat([w.msg('1'), w.msg('2'), ...result, w.ready()]));
          } else {
            requests.push(w.query(sql));
            replies.push(Buffer.concat([w.rowDescription(['v']), ...result, w.ready()]));
          }
        }
        const chunks: Array<{ dir: StreamDirection; bytes: Uint8Array }> = [
          { dir: 'c2s', bytes: w.startup({ user: 'u', database: 'd' }) },
          { dir: 's2c', bytes: Buffer.concat([w.authOk(), w.ready()]) },
        ];
        if (pipelined) chunks.push({ dir: 'c2s', bytes: Buffer.concat(requests) }, { dir: 's2c', bytes: Buffer.concat(replies) });
        else requests.forEach((r, k) => chunks.push({ dir: 'c2s', bytes: r }, { dir: 's2c', bytes: replies[k] }));
        const calls = feedChecked(chunks, 1 << 20);
        expect(calls.map((c) => c.operation)).toEqual(['STARTUP', ...queries.map(() => 'SELECT')]);
        queries.forEach((q, k) => {
          const call = calls[k + 1];
          expect(call.text).toBe(`SELECT v FROM t LIMIT ${q.rows}`);
          expect(call.params).toEqual(q.extended ? [q.value] : undefined);
          expect(call.status).toBe(q.fails ? 'error' : 'ok');
          expect(call.result).toBe(q.fails ? 'ERROR 42P01: nope' : `SELECT ${q.rows}`);
          expect(call.complete).toBe(true);
          expect(call.database).toBe('d');
          if (!q.fails) expect(call.rows).toBe(q.rows);
          if (!q.fails) expect((call.detail.sampleRows as unknown[] | undefined)?.length ?? 0).toBe(Math.min(q.rows, 20));
        });
      }),
      { numRuns: 300 },
    );
  });
});
