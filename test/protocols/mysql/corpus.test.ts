/**
 * The corpus of testdata/protocols/mysql/: each case's streams must give exactly the expected
 * calls, and so must the same streams cut in two at every byte and fed one byte per segment.
 * UPDATE_CORPUS=1 rewrites the expected output of every case from the parser's output; review
 * the diff before committing it.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXPECT_MARKER, loadCase } from '../corpus/corpus-format.js';
import { oneBytePerSegment, singleSplits } from '../corpus/split.js';
import { runAtOnce, runIncrementally } from './run-connection.js';
import { summarizeCalls } from './summarize.js';
import type { StreamItem } from '../../../src/protocols/stream.js';

const corpusDir = fileURLToPath(new URL('../../../testdata/protocols/mysql/', import.meta.url));
const files = readdirSync(corpusDir).filter((f) => f.endsWith('.mysql')).sort();
const update = process.env.UPDATE_CORPUS === '1';

function summarize(items: StreamItem[]): string {
  const run = runIncrementally(items);
  return summarizeCalls(run.calls, run.switchedTo);
}

describe('mysql corpus', () => {
  it('has cases', () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
  });

  for (const file of files) {
    const path = corpusDir + file;
    describe(file, () => {
      const testCase = loadCase(path);

      it(`gives the expected calls: ${testCase.title}`, () => {
        const actual = summarize(testCase.items);
        if (update) {
          const text = readFileSync(path, 'utf8');
          const head = text.slice(0, text.indexOf(`\n${EXPECT_MARKER}\n`));
          writeFileSync(path, `${head}\n${EXPECT_MARKER}\n${actual}\n`);
          return;
        }
        expect(actual).toBe(testCase.expected);
        const atOnce = runAtOnce(testCase.items);
        expect(summarizeCalls(atOnce.calls, atOnce.switchedTo)).toBe(testCase.expected);
      });

      it.skipIf(update)('gives the same calls split at every byte', () => {
        let variants = 0;
        for (const variant of singleSplits(testCase.items, testCase.splitEvery)) {
          const actual = summarize(variant.items);
          if (actual !== testCase.expected) expect(`${variant.label}\n${actual}`).toBe(`${variant.label}\n${testCase.expected}`);
          variants++;
        }
        if (testCase.splitEvery > 0) expect(variants).toBeGreaterThan(0);
      }, 120_000); // a case of a few kB is a few thousand runs

      it.skipIf(update || testCase.splitEvery !== 1)('gives the same calls with one byte per segment', () => {
        expect(summarize(oneBytePerSegment(testCase.items))).toBe(testCase.expected);
      });
    });
  }
});
