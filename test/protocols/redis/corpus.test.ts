/** The corpus of testdata/protocols/redis/ (corpus-suite.ts says how every case is run). */
import { fileURLToPath } from 'node:url';

import { corpusSuite } from '../corpus/corpus-suite.js';
import { runAtOnce, runIncrementally } from './run-connection.js';
import { summarizeCalls } from './summarize.js';

corpusSuite({
  name: 'redis corpus',
  dir: fileURLToPath(new URL('../../../testdata/protocols/redis/', import.meta.url)),
  ext: '.resp',
  what: 'calls',
  minCases: 20,
  incremental: (items) => summarizeCalls(runIncrementally(items)),
  atOnce: (items) => summarizeCalls(runAtOnce(items)),
});
