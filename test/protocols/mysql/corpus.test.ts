/** The corpus of testdata/protocols/mysql/ (corpus-suite.ts says how every case is run). */
import { fileURLToPath } from 'node:url';

import type { StreamItem } from '../../../src/protocols/stream.js';
import { corpusSuite } from '../corpus/corpus-suite.js';
import { runAtOnce, runIncrementally } from './run-connection.js';
import { summarizeCalls } from './summarize.js';

const summarize = (run: (items: StreamItem[]) => ReturnType<typeof runIncrementally>) => (items: StreamItem[]) => {
  const r = run(items);
  return summarizeCalls(r.calls, r.switchedTo);
};

corpusSuite({
  name: 'mysql corpus',
  dir: fileURLToPath(new URL('../../../testdata/protocols/mysql/', import.meta.url)),
  ext: '.mysql',
  what: 'calls',
  minCases: 20,
  incremental: summarize(runIncrementally),
  atOnce: summarize(runAtOnce),
  // a case of a few kB is a few thousand runs
  splitTimeoutMs: 120_000,
});
