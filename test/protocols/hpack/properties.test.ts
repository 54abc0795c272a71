/**
 * Property tests: blocks made by a test encoder (every representation, Huffman or not, size
 * updates, evictions) decode to the fields encoded; a decoder that joins after some blocks never
 * gives a wrong name or value, and knows every field that does not need an entry from before it
 * joined; random bytes never make it throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { HpackDecoder, type HpackField } from '../../../src/protocols/hpack/index.js';
import { type FieldPlan, TestEncoder } from './encoder.js';

const arbText = (max: number) =>
  fc.oneof(fc.constantFrom('', 'gzip', '200', 'www.example.com', 'x'.repeat(40)), fc.string({ maxLength: max }), fc.uint8Array({ maxLength: max }).map((b) => Buffer.from(b).toString('latin1')));
const arbField: fc.Arbitrary<FieldPlan> = fc.record({
  name: fc.oneof(fc.constantFrom(':method', ':path', ':status', 'content-type', 'x-a', 'x-b', 'cookie'), arbText(20)),
  value: arbText(60),
  how: fc.constantFrom('indexed', 'incremental', 'without', 'never'),
  indexName: fc.boolean(),
  huffman: fc.boolean(),
});
const arbBlock = fc.record({
  fields: fc.array(arbField, { maxLength: 12 }),
  sizeUpdate: fc.option(fc.constantFrom(0, 64, 256, 1000, 4096), { nil: undefined }),
});

function pairs(fields: HpackField[]): [string | null, string | null][] {
  return fields.map((f) => [f.name, f.value]);
}

describe('HPACK decoding, properties', () => {
  it('gives back the fields a conforming encoder encoded, block after block', () => {
    fc.assert(
      fc.property(fc.array(arbBlock, { minLength: 1, maxLength: 12 }), (blocks) => {
        const encoder = new TestEncoder();
        const decoder = new HpackDecoder();
        for (const block of blocks) {
          const result = decoder.decode(encoder.encode(block.fields, block.sizeUpdate));
          expect(result.error).toBeUndefined();
          expect(pairs(result.fields)).toEqual(block.fields.map((f) => [f.name, f.value]));
          expect(decoder.tableEntries.map((e) => [e.name, e.value])).toEqual(encoder.table);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('joined mid-way: never a wrong name or value, and everything not needing an older entry is known', () => {
    fc.assert(
      fc.property(fc.array(arbBlock, { minLength: 2, maxLength: 12 }), fc.nat(), (blocks, k) => {
        const joinAt = 1 + (k % (blocks.length - 1));
        const encoder = new TestEncoder();
        const late = new HpackDecoder({ joinedMidway: true });
        const full = new HpackDecoder();
        blocks.forEach((block, n) => {
          const bytes = encoder.encode(block.fields, block.sizeUpdate);
          const exact = full.decode(bytes);
          if (n < joinAt) return;
          const result = late.decode(bytes);
          expect(result.error).toBeUndefined();
          expect(result.fields).toHaveLength(block.fields.length);
          result.fields.forEach((field, i) => {
            const sent = exact.fields[i];
            const plan = block.fields[i];
            if (plan.how !== 'indexed' && !plan.indexName) expect(field.unknown).toBeUndefined();
            if (field.unknown === undefined) expect([field.name, field.value]).toEqual([sent.name, sent.value]);
            else {
              expect(field.unknown).toBe('dynamic-index-before-recording');
              if (field.name !== null) expect(field.name).toBe(sent.name);
              if (field.value !== null) expect(field.value).toBe(sent.value);
            }
          });
        });
      }),
      { numRuns: 400 },
    );
  });

  it('never throws on random bytes; a bad block is reported and later blocks still decode', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), fc.boolean(), (blocks, midway) => {
        const decoder = new HpackDecoder({ joinedMidway: midway });
        for (const block of blocks) {
          const result = decoder.decode(block);
          if (result.error) expect(decoder.stateLost).toBe(true);
          expect(decoder.tableSize).toBeLessThanOrEqual(64 * 1024);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
