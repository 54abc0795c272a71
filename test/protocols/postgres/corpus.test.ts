/** The corpus of testdata/protocols/postgres/ (corpus-suite.ts says how every case is run). */
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

import { corpusSuite } from '../corpus/corpus-suite.js';
import { runAtOnce, runIncrementally } from './run-connection.js';
import { summarizeCalls } from './summarize.js';

/** What the corpus's auth cases send and what must never come out: passwords, SASL messages, md5 hashes. */
const SECRETS = /md5secret|scramsecret|pwsecret|wrong|n,,n=|c=biws|md5[0-9a-f]{32}/;

corpusSuite({
  name: 'postgres corpus',
  dir: fileURLToPath(new URL('../../../testdata/protocols/postgres/', import.meta.url)),
  ext: '.pg',
  what: 'calls',
  minCases: 20,
  incremental: (items) => summarizeCalls(runIncrementally(items)),
  atOnce: (items) => summarizeCalls(runAtOnce(items)),
  // most cases are real traffic
  checkFiles: (files) => expect(files.filter((f) => f.startsWith('real-')).length * 2).toBeGreaterThan(files.length),
  checkOutput: (summary) => expect(summary).not.toMatch(SECRETS),
});
