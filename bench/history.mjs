// Reading a `record --dir` chain as one history (issue 16: `search DIR "rare string"` over 30 files
// and 10,000,000 exchanges in under 2 s): `search DIR`, a filtered `ls DIR` and `ls DIR --since
// --until` over a narrow range, each beside the same command on one file holding the same
// traffic, in the same run. The chain is written through Capture's own rotation
// (generate-session.mjs), every file built and searched once first, untimed.
// Standalone: node bench/history.mjs [--exchanges N] [--files N] [--data DIR]
//   --data keeps the generated and built files in DIR and reuses them on the next run (the
//   default is a temporary directory, deleted at the end).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, statfsSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

import { RARE, generateChain, generateSession } from './generate-session.mjs';
import { CLI, fmt, median, runCliMeasured, tempDir } from './lib.mjs';
import { lines, time, timeTinytap } from './query.mjs';

/** What the built files take per million exchanges, with room: about 1.4 GB measured (query section). */
const BYTES_PER_MILLION = 1.6e9;

/** The rare string's exchanges: four, in three of the files (two share one). */
const RARE_AT = [0.1, 0.61803, 0.62, 0.9];

/** The directory's catalog of its files' ranges, a cache the first command on DIR writes. */
const CATALOG = '.tinytap-catalog.json';

/** `search` exits 1 when it finds nothing, as grep does: most files of the chain hold no hit. */
const SEARCHED = { exitCodes: [0, 1] };

/** The session files' own bytes: the file and, if a build left them, its WAL and shared memory. */
function sessionFilesBytes(file) {
  return ['', '-wal', '-shm'].reduce((sum, s) => sum + (statSync(file + s, { throwIfNoEntry: false })?.size ?? 0), 0);
}

/** `tinytap info --json FILE`. */
function info(file) {
  return JSON.parse(execFileSync(process.execPath, [CLI, 'info', '--json', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
}

/** A command's wall time and peak resident memory, and how it failed if it did. */
async function timeWithPeak(args, exitCodes = [0]) {
  const r = await runCliMeasured(args);
  const error = exitCodes.includes(r.status) ? null : (/tinytap: (.*)/.exec(r.stderr)?.[1] ?? (r.stderr.trim().split('\n')[0] || `exit ${r.status}`));
  return { ms: r.seconds * 1000, peakRssBytes: r.peakRssBytes, error };
}

/**
 * Build a file's exchanges (`reparse`, what the first command does) and then its search index
 * (the first search makes it): the milliseconds and peak memory of each, or where it failed.
 */
async function build(file) {
  const b = await timeWithPeak(['reparse', file]);
  if (b.error) return { buildMs: b.ms, buildPeakRssBytes: b.peakRssBytes, error: `reparse: ${b.error}` };
  const s = await timeWithPeak(['search', file, RARE, '--json'], SEARCHED.exitCodes);
  return { buildMs: b.ms, buildPeakRssBytes: b.peakRssBytes, indexMs: s.ms, indexPeakRssBytes: s.peakRssBytes, error: s.error && `search: ${s.error}` };
}

const builtLine = (b) =>
  b.error
    ? `failed after ${fmt(b.buildMs / 1000, 1)} s (peak ${fmt(b.buildPeakRssBytes / 2 ** 30, 1)} GiB): ${b.error}`
    : `build ${fmt(b.buildMs / 1000, 1)} s (peak ${fmt(b.buildPeakRssBytes / 2 ** 20)} MiB), index ${fmt(b.indexMs / 1000, 1)} s`;

/**
 * Generate the chain and the single file and build them, or reuse what `dir` holds from an
 * earlier run of the same scale: each half is recorded in DIR/prepared.json once done, with its
 * times, so a failure in one does not cost the other.
 */
async function prepare({ exchanges, files, dir, log }) {
  const stateFile = join(dir, 'prepared.json');
  mkdirSync(dir, { recursive: true });
  let state = existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, 'utf8')) : null;
  if (state?.exchanges !== exchanges || state?.files !== files) {
    const needed = 2 * (exchanges / 1e6) * BYTES_PER_MILLION;
    const fs = statfsSync(dir);
    const free = fs.bavail * fs.bsize;
    if (free < needed) throw new Error(`history: ${fmt(exchanges)} exchanges twice need about ${fmt(needed / 1e9)} GB, ${dir} has ${fmt(free / 1e9)} GB free: set BENCH_HISTORY_EXCHANGES lower`);
    state = { exchanges, files };
  } else log(`history: reusing what ${dir} holds (${['chain', 'one'].filter((k) => state[k]).join(' and ')})`);
  const save = () => writeFileSync(stateFile, JSON.stringify(state, null, 2));
  const traffic = { exchanges, rareAt: RARE_AT };

  if (!state.chain) {
    const chainDir = join(dir, 'chain');
    rmSync(chainDir, { recursive: true, force: true });
    mkdirSync(chainDir);
    log(`history: generating a chain of ${files} files, ${fmt(exchanges)} exchanges ...`);
    const t = Date.now();
    const chain = await generateChain({ dir: chainDir, files, ...traffic });
    const generateMs = Date.now() - t;
    log(`  ${fmt(generateMs / 1000, 1)} s; building the ${files} files (reparse, then the first search) ...`);
    const capturedBytes = chain.files.reduce((sum, f) => sum + sessionFilesBytes(f), 0);
    const perFile = [];
    for (const [i, f] of chain.files.entries()) {
      const b = await build(f);
      log(`  ${i + 1}/${files} ${basename(f)}: ${builtLine(b)}`);
      if (b.error) throw new Error(`history: building ${f} failed: ${b.error}`);
      perFile.push({ file: basename(f), ...b, bytes: sessionFilesBytes(f) });
    }
    state.chain = { dir: chainDir, files: chain.files, generatedExchanges: chain.exchanges, rareHits: chain.rareHits, generateMs, capturedBytes, perFile };
    save();
  }

  if (!state.one) {
    const file = join(dir, 'one.tinytap');
    log(`history: generating the same traffic as one file ...`);
    const t = Date.now();
    const one = await generateSession({ file, ...traffic });
    const generateMs = Date.now() - t;
    log(`  ${fmt(generateMs / 1000, 1)} s; building it ...`);
    const capturedBytes = sessionFilesBytes(file);
    const b = await build(file);
    log(`  ${builtLine(b)}`);
    state.one = { file, generatedExchanges: one.exchanges, rareHits: one.rareHits, generateMs, capturedBytes, ...b, bytes: sessionFilesBytes(file) };
    save();
  }
  return state;
}

/** `YYYY-MM-DDTHH:MM` in local time, as --since and --until read it. */
function localMinute(ms) {
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/**
 * A ten-minute range inside the middle file of the chain, a quarter of the way into it:
 * `--until` is read at its precision, so `--until 10:39` ends at 10:39:59.
 */
function narrowRange(chainFiles) {
  const middle = chainFiles[Math.floor(chainFiles.length / 2)];
  const { startedAt, stoppedAt } = info(middle);
  const [started, stopped] = [Date.parse(startedAt), Date.parse(stoppedAt)];
  const from = Math.ceil((started + (stopped - started) / 4) / 60_000) * 60_000;
  return { since: localMinute(from), until: localMinute(from + 9 * 60_000), file: basename(middle) };
}

/** The chain files a command opened, as strace saw them (null without strace). */
function filesOpened(args, chainDir) {
  if (!existsSync('/usr/bin/strace')) return null;
  const dir = tempDir('tinytap-bench-strace-');
  const log = join(dir, 'openat');
  spawnSync('strace', ['-f', '-qq', '-e', 'trace=openat', '-o', log, process.execPath, CLI, ...args], { stdio: 'ignore' });
  const opened = new Set();
  for (const m of readFileSync(log, 'utf8').matchAll(/openat\([^"]*"([^"]+\.tinytap)"/g)) if (m[1].startsWith(chainDir)) opened.add(m[1]);
  rmSync(dir, { recursive: true, force: true });
  return opened.size;
}

/** What a failed tinytap command said: its `tinytap: ...` line. */
const failure = (err) => /tinytap: (.*)/.exec(String(err.message))?.[1] ?? String(err.message).split('\n')[0];

/**
 * One command on the chain and on the single file, each run once untimed (it finds the files
 * built, or builds them), then `runs` times in turn, so that the machine's moods fall on both
 * alike: the medians, and the rows printed. `one` is null when the single file could not be built.
 */
function beside(name, args, { chainDir, one, runs }) {
  const targets = { one, chain: chainDir };
  const out = { one: { error: 'not built' }, chain: null };
  const ms = { one: [], chain: [] };
  for (const [k, target] of Object.entries(targets)) {
    if (!target) continue;
    try {
      out[k] = { rows: lines(time(process.execPath, [CLI, ...args(target)], SEARCHED).stdout) };
    } catch (err) {
      out[k] = { error: failure(err) };
    }
  }
  const live = Object.keys(targets).filter((k) => out[k] && !out[k].error);
  for (let i = 0; i < runs; i++) for (const k of live) ms[k].push(time(process.execPath, [CLI, ...args(targets[k])], SEARCHED).ms);
  for (const k of live) Object.assign(out[k], { ms: median(ms[k]), runs: ms[k] });
  if (!out.chain.error) out.chain.opened = filesOpened(args(chainDir), chainDir);
  return { name, ...out };
}

/**
 * The first command on the directory, which opens every file to learn what it holds and writes the catalog
 * (DIR/.tinytap-catalog.json), and the next, which finds it: `ls DIR -n 1`.
 */
function firstDirCommand(chainDir) {
  rmSync(join(chainDir, CATALOG), { force: true });
  try {
    const first = time(process.execPath, [CLI, 'ls', chainDir, '-n', '1', '--json']);
    const next = time(process.execPath, [CLI, 'ls', chainDir, '-n', '1', '--json']);
    return { firstMs: first.ms, nextMs: next.ms, catalog: existsSync(join(chainDir, CATALOG)) };
  } catch (err) {
    return { error: failure(err) };
  }
}

const sum = (xs) => xs.reduce((a, b) => a + b, 0);

export async function historyBench({ exchanges = 10_000_000, files = 30, dir = null, runs = 7, log = console.error } = {}) {
  const keep = dir !== null;
  dir ??= tempDir('tinytap-bench-history-');
  try {
    const { chain, one } = await prepare({ exchanges, files, dir, log });
    const ctx = { chainDir: chain.dir, one: one.error ? null : one.file, runs };
    const range = narrowRange(chain.files);
    const filter = ['status:500', 'method:POST', 'host:auth.local'];
    log(`history: timing, ${runs} runs each ...`);
    const firstDir = firstDirCommand(chain.dir);
    log(JSON.stringify(firstDir));
    const rows = [
      beside(`\`search "${RARE}"\``, (s) => ['search', s, RARE, '--json'], ctx),
      beside('`ls status:500 -n 50`', (s) => ['ls', s, 'status:500', '-n', '50', '--json'], ctx),
      beside(`\`ls ${filter.join(' ')}\` (every row)`, (s) => ['ls', s, ...filter, '--json'], ctx),
      beside(`\`ls --since ${range.since} --until ${range.until}\``, (s) => ['ls', s, '--since', range.since, '--until', range.until, '--json'], ctx),
    ];
    for (const r of rows) log(JSON.stringify(r));
    // the floor a chain adds to: one of its files alone, and Node.js starting
    const oneOfChain = timeTinytap(['search', chain.files[Math.floor(files / 2)], RARE, '--json'], runs, SEARCHED);
    const startup = timeTinytap(['--version'], runs);
    const per = chain.perFile;
    return {
      exchanges,
      files,
      runs,
      chain: {
        generatedExchanges: chain.generatedExchanges,
        rareHits: chain.rareHits,
        generateMs: chain.generateMs,
        capturedBytes: chain.capturedBytes,
        builtBytes: sum(per.map((f) => f.bytes)),
        buildMs: sum(per.map((f) => f.buildMs)),
        indexMs: sum(per.map((f) => f.indexMs)),
        buildPeakRssBytes: Math.max(...per.map((f) => f.buildPeakRssBytes)),
        indexPeakRssBytes: Math.max(...per.map((f) => f.indexPeakRssBytes)),
        perFileBuildMs: per.map((f) => Math.round(f.buildMs)),
        perFileIndexMs: per.map((f) => Math.round(f.indexMs)),
        files: chain.files.map((f) => basename(f)),
      },
      one: { ...one, file: basename(one.file) },
      range,
      firstDir,
      rows,
      oneOfChainSearchMs: oneOfChain.ms,
      startupMs: startup.ms,
    };
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

export function historyMarkdown(h) {
  const { chain, one } = h;
  const ms = (x) => `${fmt(x)} ms`;
  const s = (x) => `${fmt(x / 1000, 1)} s`;
  const gib = (x) => `${fmt(x / 2 ** 30, 1)} GiB`;
  const cell = (c) => (c.error ? `— (${c.error})` : `${ms(c.ms)}, ${fmt(c.rows)} rows`);
  const ratio = (r) => (r.chain.error || r.one.error ? '—' : `${fmt(r.chain.ms / r.one.ms, 2)}×`);
  const opened = (r) => (typeof r.chain.opened === 'number' ? `${r.chain.opened} of ${h.files}` : '—');
  const table = h.rows.map((r) => `| ${r.name} | ${cell(r.one)} | ${cell(r.chain)} | ${ratio(r)} | ${opened(r)} |`).join('\n');
  const rareFiles = new Set(RARE_AT.map((f) => Math.floor(f * h.files))).size;
  const chainBuilt = `${s(chain.buildMs)} for the ${h.files} files one after another (peak ${gib(chain.buildPeakRssBytes)} resident, the largest of them)`;
  const oneBuilt = one.error
    ? `Building the exchanges (\`tinytap reparse\`): ${chainBuilt}, and the search index (the first search) ${s(chain.indexMs)}. The one file could not be built: \`tinytap reparse\` stopped after ${s(one.buildMs)} (peak ${gib(one.buildPeakRssBytes)} resident) with "${one.error}", so its column is empty.`
    : `Building the exchanges (\`tinytap reparse\`): ${chainBuilt}, ${s(one.buildMs)} for the one file (peak ${gib(one.buildPeakRssBytes)}); the first search, which makes the search index, ${s(chain.indexMs)} and ${s(one.indexMs)}.`;
  return `The same ${fmt(chain.generatedExchanges)} generated exchanges (keep-alive loopback traffic, both ends captured; the rare string in ${chain.rareHits} response bodies, in ${rareFiles} of the files)
written twice through the recorder's own code: as the chain \`record --dir\` writes, ${h.files} files switched by its rotation (keep-alive
connections go on in the next file), and as one file. As recorded: ${fmt(chain.capturedBytes / 1e6)} MB as the chain, ${fmt(one.capturedBytes / 1e6)} MB as one file;
the chain's files built and searched: ${fmt(chain.builtBytes / 1e9, 1)} GB${one.error ? '' : `, the one file ${fmt(one.bytes / 1e9, 1)} GB`}.

| command | one file | the chain (DIR) | DIR ÷ one file | chain files opened |
| --- | ---: | ---: | ---: | ---: |
${table}

Whole commands, median of ${h.runs} runs after one untimed run (the two columns' runs taken in turn), the files in the page cache, including Node.js start-up (${ms(h.startupMs)}
for \`tinytap --version\`); rows are the JSON lines printed, and the files a command opened were counted with strace.
\`search\` on one file of the chain alone (1/${h.files} of the data): ${ms(h.oneOfChainSearchMs)}. The time range is ten minutes a quarter of
the way into ${h.range.file}, the chain's middle file.
${h.firstDir.error ? '' : `The first command on the directory (\`ls DIR -n 1\`, no catalog yet), which opens every file to learn what it holds (time span, count, hosts, processes) and writes the directory's catalog${h.firstDir.catalog ? '' : ' (it could not)'}: ${ms(h.firstDir.firstMs)}; the next, which reads the catalog: ${ms(h.firstDir.nextMs)}.`}

Untimed, before: generating took ${s(chain.generateMs)} as the chain and ${s(one.generateMs)} as one file. ${oneBuilt}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const flag = (name, dflt) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : dflt;
  };
  const h = await historyBench({
    exchanges: Number(flag('--exchanges', process.env.BENCH_HISTORY_EXCHANGES ?? 10_000_000)),
    files: Number(flag('--files', process.env.BENCH_HISTORY_FILES ?? 30)),
    dir: flag('--data', process.env.BENCH_HISTORY_DATA ?? null),
  });
  console.log(JSON.stringify(h, null, 2));
  console.log(historyMarkdown(h));
}
