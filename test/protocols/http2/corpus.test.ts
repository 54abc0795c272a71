/** The corpus of testdata/protocols/http2/ (corpus-suite.ts says how every case is run). */
import { fileURLToPath } from 'node:url';

import { corpusSuite } from '../corpus/corpus-suite.js';
import { runAtOnce, runIncrementally } from './run-connection.js';
import { summarize } from './summarize.js';

corpusSuite({
  name: 'http2 corpus',
  dir: fileURLToPath(new URL('../../../testdata/protocols/http2/', import.meta.url)),
  ext: '.h2',
  what: 'exchanges',
  minCases: 10,
  incremental: (items) => summarize(runIncrementally(items)),
  atOnce: (items) => summarize(runAtOnce(items)),
  splitTimeoutMs: 60_000,
});
