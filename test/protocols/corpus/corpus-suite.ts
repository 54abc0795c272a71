/**
 * The corpus test every protocol parser runs (llhttp runs its fixtures the same way): each case
 * of a directory (the format of testdata/http/README.md) must give exactly its expected output,
 * parsed incrementally and all at once; and so must the same streams cut in two at every byte
 * and fed one byte per segment. UPDATE_CORPUS=1 rewrites the expected output of every case from
 * the parser's; review the diff before committing it.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import type { StreamItem } from '../../../src/protocols/stream.js';
import { type CorpusCase, EXPECT_MARKER, loadCase } from './corpus-format.js';
import { oneBytePerSegment, singleSplits } from './split.js';

export interface CorpusSpec {
  /** The suite's name ('redis corpus'). */
  name: string;
  /** The directory of cases, ending in '/'. */
  dir: string;
  /** The cases' file extension ('.resp'). */
  ext: string;
  /** What the parser gives, as the expected output names it ('exchanges', 'calls'). */
  what: string;
  minCases: number;
  /** The summary of the items parsed as they come, segment by segment (the case: for its notes). */
  incremental: (items: StreamItem[], testCase: CorpusCase) => string;
  /** The summary of the items parsed with nothing handed out before the end. */
  atOnce: (items: StreamItem[], testCase: CorpusCase) => string;
  /** More to check of the case files (that most are real traffic, say). */
  checkFiles?: (files: string[]) => void;
  /** More to check of each case's output (that no secret is in it, say). */
  checkOutput?: (summary: string) => void;
  /** For the split-at-every-byte runs of large cases. */
  splitTimeoutMs?: number;
}

export function corpusSuite(spec: CorpusSpec): void {
  const files = readdirSync(spec.dir)
    .filter((f) => f.endsWith(spec.ext))
    .sort();
  const update = process.env.UPDATE_CORPUS === '1';

  describe(spec.name, () => {
    it('has cases', () => {
      expect(files.length).toBeGreaterThanOrEqual(spec.minCases);
      spec.checkFiles?.(files);
    });

    for (const file of files) {
      const path = spec.dir + file;
      describe(file, () => {
        const testCase = loadCase(path);

        it(`gives the expected ${spec.what}: ${testCase.title}`, () => {
          const actual = spec.incremental(testCase.items, testCase);
          if (update) {
            const text = readFileSync(path, 'utf8');
            const head = text.slice(0, text.indexOf(`\n${EXPECT_MARKER}\n`));
            writeFileSync(path, `${head}\n${EXPECT_MARKER}\n${actual}\n`);
            return;
          }
          expect(actual).toBe(testCase.expected);
          spec.checkOutput?.(actual);
          expect(spec.atOnce(testCase.items, testCase)).toBe(testCase.expected);
        });

        it.skipIf(update)(
          `gives the same ${spec.what} split at every byte`,
          () => {
            let variants = 0;
            for (const variant of singleSplits(testCase.items, testCase.splitEvery)) {
              const actual = spec.incremental(variant.items, testCase);
              if (actual !== testCase.expected) expect(`${variant.label}\n${actual}`).toBe(`${variant.label}\n${testCase.expected}`);
              variants++;
            }
            if (testCase.splitEvery > 0) expect(variants).toBeGreaterThan(0);
          },
          spec.splitTimeoutMs,
        );

        it.skipIf(update || testCase.splitEvery !== 1)(`gives the same ${spec.what} with one byte per segment`, () => {
          expect(spec.incremental(oneBytePerSegment(testCase.items), testCase)).toBe(testCase.expected);
        });
      });
    }
  });
}
