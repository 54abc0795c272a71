// npm run bench: every benchmark in one run, written to BENCHMARKS.md with the machine and the
// command that produced it. Needs root (it records) and ./setup.sh's packages.
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';

import { CLI, ROOT, fmt, makeCertificate, tempDir } from './lib.mjs';
import { dbParserMarkdown, dbParserThroughput, dbQueryBench, dbQueryMarkdown } from './db.mjs';
import { bigRecordingsMarkdown } from './big-recordings.mjs';
import { benchDiff, diffMarkdown } from './diff.mjs';
import { benchHarExport, benchHarExportMarkdown } from './export-har.mjs';
import { followBench, followMarkdown } from './follow.mjs';
import { historyBench, historyMarkdown } from './history.mjs';
import { generateSession } from './generate-session.mjs';
import { h2Overhead, h2OverheadMarkdown, h2ParserMarkdown, h2ParserThroughput } from './h2.mjs';
import { parserThroughput, queryBench, queryMarkdown } from './query.mjs';
import { recordOverhead, recordOverheadMarkdown } from './record-overhead.mjs';
import { benchReplay, replayMarkdown } from './replay.mjs';
import { atRestMarkdown, recorderAtRest, recorderSteady, startupMarkdown, startupTimes, steadyMarkdown } from './record-startup.mjs';
import { tlsCallCost, tlsCallCostMarkdown } from './tls-call-cost.mjs';
import { benchTui, tuiMarkdown } from './tui.mjs';

if (process.getuid() !== 0) {
  console.error('npm run bench records with eBPF: run it as root');
  process.exit(1);
}

const only = process.argv.slice(2);
/** The generated million-exchange session, shared by the benchmarks that need one. */
let bigSession = null;
const want = (name) => only.length === 0 || only.includes(name);
const sections = [];
/** The query, export and diff sections' results, for the table of all three. */
const measuredBig = {};

if (want('record')) {
  console.error('record overhead: wrk against nginx (small responses) ...');
  const r = await recordOverhead({
    label: 'small responses',
    serverBlock: 'location / { return 200 "hello from nginx, a small response body\\n"; }',
    variants: [
      { name: '`tinytap record`', args: [] },
      // wrk and nginx both map libssl, whose functions carry the TLS uprobes: over plain HTTP they
      // are never called, and this shows whether that costs anything
      { name: '`tinytap record --no-tls`', args: ['--no-tls'] },
      // one end of each connection (wrk's): the records of capturing each loopback byte once,
      // at best (nginx's syscalls still run the programs, which return at their first check)
      { name: '`tinytap record --comm wrk` (one end of each connection)', args: ['--comm', 'wrk'] },
      // what attaching alone costs: every program runs and returns at its first check
      { name: '`tinytap record --comm none` (attached, captures nothing)', args: ['--comm', 'none'] },
    ],
    bpfStats: 0,
  });
  console.error(JSON.stringify(r));
  const [withTls, withoutTls] = r.variants;
  sections.push([
    'Recording overhead: wrk against nginx, keep-alive, small responses',
    `${recordOverheadMarkdown(r)}\n\nThe TLS uprobes in processes that make no TLS calls (wrk and nginx both map libssl, which carries them; plain HTTP never calls it): the median ratio to baseline with them is ${fmt((100 * withTls.ratio) / withoutTls.ratio, 1)}% of the ratio with \`--no-tls\`, in the same run.`,
    r,
  ]);
}

if (want('sendfile')) {
  console.error('record overhead: wrk against nginx serving a static file with sendfile ...');
  const root = tempDir('tinytap-bench-www-');
  writeFileSync(join(root, 'page.html'), '<!doctype html><title>tinytap</title>' + 'static body served with sendfile '.repeat(60) + '\n');
  chmodSync(root, 0o755);
  const r = await recordOverhead({
    label: 'static file with sendfile',
    serverBlock: `root ${root};`,
    path: '/page.html',
    variants: [
      { name: '`tinytap record --no-sendfile-body`', args: ['--no-sendfile-body'] },
      { name: '`tinytap record` (bodies from the TCP send path)', args: [] },
    ],
    bpfStats: 1,
  });
  console.error(JSON.stringify(r));
  const [without, withBodies] = r.variants;
  sections.push([
    'Sendfile bodies: wrk against nginx serving a 2 kB static file with sendfile on',
    `${recordOverheadMarkdown(r)}\n\nCost of the TCP-send-path body source: requests/s with it are ${fmt((100 * withBodies.rps) / without.rps, 1)}% of those without it, in the same run.`,
    r,
  ]);
}

if (want('startup')) {
  console.error('startup: tinytap record and tcpdump, from the command to capturing ...');
  const r = await startupTimes();
  console.error(JSON.stringify(r));
  sections.push(['Start-up: from the command to capturing', startupMarkdown(r), r]);
}

if (want('at-rest')) {
  const r = await recorderAtRest();
  console.error(JSON.stringify(r));
  sections.push(['Left on: the recorder on an idle machine and under a light load', atRestMarkdown(r), r]);
}

if (want('steady')) {
  const r = await recorderSteady();
  console.error(JSON.stringify(r));
  sections.push(['Left on under a steady load: the recorder\'s memory over ten minutes', steadyMarkdown(r), r]);
}

if (want('tls')) {
  console.error('record overhead: wrk over TLS against nginx ...');
  const r = await recordOverhead({
    label: 'small responses over TLS',
    tls: makeCertificate(),
    serverBlock: 'location / { return 200 "hello from nginx, a small response body over TLS\\n"; }',
    variants: [
      { name: '`tinytap record --no-tls`', args: ['--no-tls'] },
      { name: '`tinytap record` (TLS plaintext: wrk and nginx both watched)', args: [] },
    ],
  });
  console.error(JSON.stringify(r));
  console.error('tls: the cost of one TLS call ...');
  const c = await tlsCallCost();
  console.error(JSON.stringify(c));
  const [noTls, withTls] = r.variants;
  sections.push([
    'HTTPS: wrk over TLS against nginx, keep-alive, small responses',
    `${recordOverheadMarkdown(r)}\n\nReading TLS plaintext: requests/s with it are ${fmt((100 * withTls.rps) / noTls.rps, 1)}% of those with \`--no-tls\`, in the same run.\n\n${tlsCallCostMarkdown(c)}`,
    { ...r, callCost: c },
  ]);
}

if (want('h2')) {
  console.error('h2: the HTTP/2 parser beside HTTP/1.1 on h2load traffic ...');
  const p = await h2ParserThroughput();
  console.error(JSON.stringify(p));
  sections.push(['HTTP/2 parser alone: MB/s and streams/s beside HTTP/1.1 carrying the same requests', h2ParserMarkdown(p), p]);
  for (const [title, tls] of [
    ['Recording overhead: h2load against nginx, HTTP/2 cleartext (h2c), small responses', null],
    ['Recording overhead: h2load against nginx, HTTP/2 over TLS, small responses', makeCertificate()],
  ]) {
    console.error(`h2: ${title} ...`);
    const r = await h2Overhead({ tls });
    console.error(JSON.stringify(r));
    sections.push([title, h2OverheadMarkdown(r), r]);
  }
}

if (want('query')) {
  console.error('query: HTTP parser throughput ...');
  const p = parserThroughput();
  console.error(JSON.stringify(p));
  const n = Number(process.env.BENCH_EXCHANGES ?? 1_000_000);
  console.error(`query: generating and querying a session of ${n} exchanges ...`);
  const q = await queryBench({ exchanges: n });
  console.error(JSON.stringify({ ...q, file: undefined, pcap: undefined }));
  sections.push([`Queries on ${fmt(n)} exchanges: search and filter beside tshark`, queryMarkdown(q, p), { ...q, parser: p }]);
  bigSession = q.file;
  measuredBig.query = q;
}

if (want('db')) {
  console.error('db: parser throughput per protocol ...');
  const p = dbParserThroughput();
  console.error(JSON.stringify(p));
  sections.push(['Protocol parsers alone: MB/s and calls/s per protocol', dbParserMarkdown(p), p]);
  const n = Number(process.env.BENCH_EXCHANGES ?? 1_000_000);
  console.error(`db: generating and querying a mixed session of ${n} HTTP exchanges and database calls ...`);
  const q = await dbQueryBench({ exchanges: n });
  console.error(JSON.stringify({ ...q, file: undefined }));
  sections.push([`Database calls among ${fmt(n)} exchanges: filters and search`, dbQueryMarkdown(q), { ...q, file: undefined }]);
}

if (want('export')) {
  const n = Number(process.env.BENCH_EXCHANGES ?? 1_000_000);
  if (!bigSession) {
    bigSession = join(tempDir(), `gen-${n}.tinytap`);
    console.error(`export: generating a session of ${n} exchanges ...`);
    await generateSession({ file: bigSession, exchanges: n });
  }
  console.error('export: HAR of the whole session ...');
  const r = await benchHarExport(bigSession);
  console.error(JSON.stringify(r));
  measuredBig.har = r;
  const per100k = (100_000 / r.exchanges) * r.seconds;
  sections.push([
    `HAR export of ${fmt(r.exchanges)} exchanges`,
    `${benchHarExportMarkdown(r)}\n\nAt this rate 100,000 exchanges take ${fmt(per100k, 2)} s (target: under 5 s); memory stays flat whatever the size (the entries are streamed).`,
    r,
  ]);
}

if (want('history')) {
  // issue 16's scale; BENCH_HISTORY_EXCHANGES=1000000 for a quick run, BENCH_HISTORY_DATA=DIR to
  // keep the generated and built files there and reuse them next time
  const exchanges = Number(process.env.BENCH_HISTORY_EXCHANGES ?? 10_000_000);
  const files = Number(process.env.BENCH_HISTORY_FILES ?? 30);
  const h = await historyBench({ exchanges, files, dir: process.env.BENCH_HISTORY_DATA ?? null });
  console.error(JSON.stringify(h));
  sections.push([`History: search and ls over a chain of ${files} files beside one file, ${fmt(exchanges)} exchanges`, historyMarkdown(h), h]);
}

if (want('tui')) {
  const n = Number(process.env.BENCH_EXCHANGES ?? 1_000_000);
  const small = Number(process.env.BENCH_TUI_SMALL ?? 1_000);
  const built = async (exchanges) => {
    const file = join(tempDir(), `gen-${exchanges}.tinytap`);
    await generateSession({ file, exchanges });
    // the exchanges are built on first use: build them here so only opening is measured
    execFileSync(process.execPath, [CLI, 'reparse', file], { stdio: 'ignore' });
    return file;
  };
  if (!bigSession) {
    console.error(`tui: generating and building a session of ${n} exchanges ...`);
    bigSession = await built(n);
  }
  console.error(`tui: tinytap open on ${small} exchanges (the baseline) ...`);
  const base = await benchTui(await built(small));
  console.error(JSON.stringify(base));
  console.error(`tui: tinytap open on ${n} exchanges ...`);
  const big = await benchTui(bigSession);
  console.error(JSON.stringify(big));
  const ratio = (a, b) => fmt(a / b, 2);
  sections.push([
    `tinytap open on ${fmt(big.exchanges)} exchanges`,
    `${tuiMarkdown(big)}

Baseline in the same run, \`tinytap open\` on a session of ${fmt(base.exchanges)} exchanges: first frame ${fmt(base.firstScreenMs)} ms, peak memory ${fmt(base.peakRssBytes / 2 ** 20)} MiB.
The ${fmt(big.exchanges)}-exchange session takes ${ratio(big.firstScreenMs, base.firstScreenMs)}× as long to its first frame and ${ratio(big.peakRssBytes, base.peakRssBytes)}× the memory (target: first frame under 1 s, memory bounded whatever the size).`,
    { big, base },
  ]);
}

if (want('diff')) {
  const n = Number(process.env.BENCH_DIFF_EXCHANGES ?? 100_000);
  const dir = tempDir();
  const a = join(dir, 'a.tinytap');
  const b = join(dir, 'b.tinytap');
  console.error(`diff: two sessions of ${n} exchanges ...`);
  await generateSession({ file: a, exchanges: n });
  await generateSession({ file: b, exchanges: n, variant: 1 });
  const d = await benchDiff(a, b);
  console.error(JSON.stringify(d));
  sections.push([`Diff of two ${fmt(n)}-exchange sessions`, diffMarkdown(d), d]);
  measuredBig.diff = d;
}

// issue 18's figures side by side, when this run measured all of them
if (measuredBig.query && measuredBig.har && measuredBig.diff) {
  const { query, har, diff } = measuredBig;
  sections.push(['Big recordings: the build, size, search, HAR export and diff in one run', bigRecordingsMarkdown(query, har, diff), { query: { ...query, file: undefined, pcap: undefined }, har, diff }]);
}

if (want('follow')) {
  const n = Number(process.env.BENCH_FOLLOW_EXCHANGES ?? 100_000);
  const file = join(tempDir(), 'follow.tinytap');
  console.error(`follow: a session of ${n} exchanges, followed as its blocks are added ...`);
  await generateSession({ file, exchanges: n, mixed: true });
  const f = await followBench({ file, blocksPerCommit: 1 });
  console.error(JSON.stringify(f));
  if (!f.sameCount) throw new Error('follow: the follower and the full build disagree on the number of exchanges');
  sections.push([
    `Following a recording: the follower's build on ${fmt(f.exchanges)} exchanges`,
    `${followMarkdown(f)}

The follower (\`tinytap open --follow\`, \`record --tui\`) keeps the full build's pass between polls and is handed each block as it is committed; its time is its polls and its end, not the copying of blocks. It does more per exchange than a full build: the secondary indexes and the search index are kept up to date as rows are written (a full build makes them once at the end, and leaves the search index for the first search), and it runs on one thread. It keeps pace with a recording up to about ${fmt(Math.round(f.followPerSecond / 1000) * 1000)} exchanges/s; above that it falls behind and catches up when the traffic slows.`,
    f,
  ]);
}

if (want('replay')) {
  const n = Number(process.env.BENCH_REPLAY_EXCHANGES ?? 100_000);
  console.error(`replay: a session of ${n} exchanges against nginx ...`);
  const r = await benchReplay({ exchanges: n });
  console.error(JSON.stringify(r));
  sections.push([`Replay of a ${fmt(n)}-exchange session`, replayMarkdown(r), r]);
}

const machine = `${cpus().length} × ${cpus()[0].model.trim()}, ${fmt(totalmem() / 2 ** 30)} GiB, Linux ${release()}, Node.js ${process.version}`;
const header = `# tinytap benchmarks

Produced by \`sudo npm run bench\` (bench/run.mjs; \`sudo npm run bench SECTION...\` runs some, and
each section says when and on what it was measured). Every figure is measured in the same run as
its baseline and reported as a ratio to it; the test suite has no timing assertions.
`;
/** Under each section this run measures: when, and on what machine. */
const measured = `_Measured on ${new Date().toISOString().slice(0, 10)}: ${machine}._`;
const path = join(ROOT, 'BENCHMARKS.md');
let existing = '';
try {
  existing = readFileSync(path, 'utf8');
} catch {}
// keep sections this run did not measure
const notesPath = join(ROOT, 'bench/NOTES.md');
let notes = '';
try {
  notes = readFileSync(notesPath, 'utf8');
} catch {}
// the notes' own sections are written from bench/NOTES.md, never kept from the old file
const noteTitles = new Set([...notes.matchAll(/^## (.+)$/gm)].map((m) => m[1].trim()));
const bodies = new Map();
for (const m of existing.matchAll(/^## (.+)\n([\s\S]*?)(?=^## |(?![\s\S]))/gm)) if (!noteTitles.has(m[1].trim())) bodies.set(m[1].trim(), m[2].trim());
for (const [title, body] of sections)
  bodies.set(title, `${measured}\n\n${body.trim()}\n\n<!-- raw: ${JSON.stringify(sections.find((s) => s[0] === title)[2])} -->`);
writeFileSync(path, [header, ...[...bodies].map(([t, b]) => `## ${t}\n\n${b}\n`), notes].join('\n'));
console.error(`wrote ${path}`);
