// Issue 18's figures, from one run of the query, export and diff sections (`sudo node
// bench/run.mjs query export diff`): each beside the figure the issue was filed with and its
// target, and what limits it where the target is not met. The why is measured and written up
// in bench/NOTES.md ("Big recordings"); this table only says which part of it applies.
import { fmt } from './lib.mjs';

/** The figures issue 18 was filed with (1,000,000 generated exchanges; diff: 2 × 100,000). */
const FILED = {
  buildS: 116.7,
  buildMbPerSec: 6.5,
  recordedMb: 134,
  builtMb: 1295,
  searchMs: 182,
  lsStatusMs: 627,
  harPerSec: 21_301,
  diffS: 23.9,
};

/** A row of the table: the figure, when filed, this run, the target, met or what limits it. */
const row = (figure, filed, now, target, met, limit) => `| ${figure} | ${filed} | ${now} | ${target} | ${met ? 'yes' : `no: ${limit}`} |`;

/**
 * `q`: queryBench's result (build, sizes, search, ls), `har`: benchHarExport's, `diff`:
 * benchDiff's; all from the same run.
 */
export function bigRecordingsMarkdown(q, har, diff) {
  const buildS = q.buildMs / 1000;
  const builtMb = q.sessionBytes / 1e6;
  const recordedMb = q.capturedFileBytes / 1e6;
  const diffS = diff.ms / 1000;
  const rows = [
    row(
      `first build of ${fmt(q.exchanges)} exchanges (\`reparse\`, or a first \`ls\`)`,
      `${FILED.buildS} s, ${FILED.buildMbPerSec} MB/s`,
      `${fmt(buildS, 1)} s, ${fmt(q.buildMbPerSec, 1)} MB/s${q.buildPeakRssBytes ? `, peak ${fmt(q.buildPeakRssBytes / 2 ** 20)} MiB` : ''}`,
      'under 15 s (≥ 50 MB/s)',
      buildS < 15,
      'the one parsing worker (decode, assemble, parse, lay out rows, hand them over) is the longer of the two threads',
    ),
    row(
      'file size as recorded → after the first build',
      `${fmt(FILED.recordedMb)} → ${fmt(FILED.builtMb)} MB`,
      `${fmt(recordedMb)} → ${fmt(builtMb)} MB${q.indexedBytes ? ` (${fmt(q.indexedBytes / 1e6)} MB once searched)` : ''}`,
      'derived ≤ recorded',
      builtMb - recordedMb <= recordedMb,
      'a row of fifty columns per exchange and the ten indexes a build makes, which SQLite stores uncompressed (the searchable text is compressed; the search index and the other indexes are made by the first query that needs them)',
    ),
    row('search for a rare string', `${FILED.searchMs} ms`, `${fmt(q.searchMs)} ms`, 'under 0.3 s', q.searchMs < 300, 'Node.js start-up and opening the file'),
    row('`ls status:500`', `${FILED.lsStatusMs} ms`, `${fmt(q.statusMs)} ms`, 'under 1 s', q.statusMs < 1000, 'writing the rows out'),
    row(
      'HAR export',
      `${fmt(FILED.harPerSec)} exchanges/s`,
      `${fmt(har.exchangesPerSecond)} exchanges/s`,
      '≥ 100,000/s',
      har.exchangesPerSecond >= 100_000,
      'one thread re-reading each body from the raw records, `JSON.stringify`, and the rows from SQLite',
    ),
    row(`\`diff\` of two ${fmt(diff.exchangesA)}-exchange sessions`, `${FILED.diffS} s`, `${fmt(diffS, 1)} s`, 'under 5 s', diffS < 5, 'each exchange loaded whole, its bodies from the raw records'),
  ];
  return [
    'The query, export and diff sections above, from this one run, beside the figures issue 18 was filed with and its targets.',
    'Where a target is not met, the last column says what limits it; bench/NOTES.md ("Big recordings") has the measurements behind that.',
    '',
    '| figure | when filed | this run | target | met? |',
    '| --- | ---: | ---: | ---: | --- |',
    ...rows,
  ].join('\n');
}
