/** The corpus of testdata/http/ (corpus-suite.ts says how every case is run). */
import { fileURLToPath } from 'node:url';

import { corpusSuite } from '../corpus/corpus-suite.js';
import { runAtOnce, runIncrementally } from './run-connection.js';
import { summarizeExchanges } from './summarize.js';

corpusSuite({
  name: 'http1 corpus',
  dir: fileURLToPath(new URL('../../../testdata/http/', import.meta.url)),
  ext: '.http',
  what: 'exchanges',
  minCases: 30,
  incremental: (items) => summarizeExchanges(runIncrementally(items), items),
  atOnce: (items) => summarizeExchanges(runAtOnce(items), items),
});
