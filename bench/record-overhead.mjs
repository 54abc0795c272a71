// A load generator against nginx on loopback (keep-alive): without recording, while `tinytap
// record` captures it (in one or more configurations), and while `tcpdump -i lo -w` captures it,
// in one run, rounds interleaved so a slow moment of the machine hits every configuration alike.
// The load generator is wrk unless the caller passes another (h2load for HTTP/2, bench/h2.mjs).
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

import { CLI, cpuSeconds, fmt, median, mib, peakRss, sleep, startNginx, startProc, tempDir, wrk } from './lib.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/**
 * What drives the traffic: `run(url)` is one measured run and gives { rps, requests, seconds }
 * (it may return a promise), `warmUp(url)` a short unmeasured one, `describe` says in words what
 * one run is, for the table's footnote.
 */
export const wrkLoad = {
  describe: `${SECONDS} s of wrk (1 thread, 16 connections)`,
  run: (url) => wrk(url, { seconds: SECONDS }),
  warmUp: (url) => wrk(url, { seconds: 2 }),
};

/** One run of the load while process `pid` captures it: the load's figures, and that process's CPU seconds and peak RSS. */
async function loadBeside(load, pid, url) {
  const cpu0 = cpuSeconds(pid);
  const w = await load.run(url);
  return { ...w, cpu: cpuSeconds(pid) - cpu0, rss: peakRss(pid) };
}

/** The recorder's command line, the same for the rounds and the BPF-stats run. */
function recorderCommand(file, port, extraArgs, cli = CLI) {
  return [process.execPath, [cli, 'record', '-o', file, '--port', String(port), '--quiet', ...extraArgs]];
}

async function withRecorder(load, url, port, file, extraArgs, cli) {
  const rec = startProc(...recorderCommand(file, port, extraArgs, cli));
  // --quiet prints nothing until the end: give the programs time to load and attach
  await sleep(2000);
  const w = await loadBeside(load, rec.proc.pid, url);
  rec.proc.kill('SIGINT');
  await rec.exited;
  const info = JSON.parse(execFileSync(process.execPath, [CLI, 'info', '--json', '--include-secrets', file], { encoding: 'utf8' }));
  return { ...w, file, size: statSync(file).size, events: info.events, capturedBytes: info.capturedBytes, drops: info.drops.records };
}

/** The ids of the BPF programs process `pid` holds: its program and link fds say them (fdinfo). */
function heldProgramIds(pid) {
  const ids = new Set();
  for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
    try {
      const m = /^prog_id:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
      if (m) ids.add(Number(m[1]));
    } catch {
      // an fd closed meanwhile
    }
  }
  return ids;
}

/**
 * The cost of each BPF program per run (kernel.bpf_stats_enabled: the kernel times every run),
 * over one load run of a recorder of its own: the programs the recorder `pid` holds, as
 * bpftool lists them, with the time and count since they were loaded. (bpftool's own `pids`
 * field needs a bpftool built with BPF iterators, which Debian's is not.)
 */
function programStats(pid) {
  const ids = heldProgramIds(pid);
  const progs = JSON.parse(execFileSync('bpftool', ['prog', 'show', '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 }));
  return progs
    .filter((p) => ids.has(p.id) && p.run_cnt > 0)
    .map((p) => ({ name: p.name, runs: p.run_cnt, ns: p.run_time_ns }));
}

async function withBpfStats(load, url, port, file, extraArgs) {
  execFileSync('sysctl', ['-q', '-w', 'kernel.bpf_stats_enabled=1']);
  try {
    const rec = startProc(...recorderCommand(file, port, extraArgs));
    await sleep(2000);
    const before = programStats(rec.proc.pid);
    const w = await load.run(url);
    const after = programStats(rec.proc.pid);
    rec.proc.kill('SIGINT');
    await rec.exited;
    unlinkSync(file);
    // the load's runs only: what ran before it (start-up, the machine's own traffic) is taken off
    return after
      .map((p) => {
        const b = before.find((x) => x.name === p.name) ?? { runs: 0, ns: 0 };
        const runs = p.runs - b.runs;
        return { name: p.name, runs, nsPerRun: runs ? (p.ns - b.ns) / runs : 0, runsPerRequest: runs / w.requests };
      })
      .filter((p) => p.runs > 0)
      .sort((a, b) => b.runs * b.nsPerRun - a.runs * a.nsPerRun);
  } finally {
    execFileSync('sysctl', ['-q', '-w', 'kernel.bpf_stats_enabled=0']);
  }
}

async function withTcpdump(load, url, port, file) {
  const td = startProc('tcpdump', ['-i', 'lo', '-w', file, '-B', '16384', '-s', '0', `tcp port ${port}`], (e) => e.includes('listening on'));
  await td.started;
  const w = await loadBeside(load, td.proc.pid, url);
  td.proc.kill('SIGINT');
  await td.exited;
  const dropped = Number(/(\d+) packets? dropped by kernel/.exec(td.stderr)?.[1] ?? 0);
  return { ...w, file, size: statSync(file).size, drops: dropped };
}

/**
 * variants: [{ name, args, cli? }] tinytap configurations, each measured every round beside the
 * baseline and tcpdump (`cli`: another build's bin/tinytap.js, to compare two builds in one run). `listen` adds parameters to nginx's listen directive (`http2`).
 * `inspectSession(file, run)`, if given, is called on each variant's first-round session before
 * it is deleted (it may return a promise); what it returns is reported as that variant's
 * `inspected` (the exchanges the session holds, what building them took).
 */
export async function recordOverhead({
  serverBlock,
  label,
  path = '/',
  tls = null,
  listen = '',
  load = wrkLoad,
  inspectSession = null,
  variants = [{ name: '`tinytap record`', args: [] }],
  /** Index of the variant whose BPF programs are timed in one more run, or null. */
  bpfStats = null,
}) {
  const block = tls ? `ssl_certificate ${tls.certFile};\n    ssl_certificate_key ${tls.keyFile};\n    ${serverBlock}` : serverBlock;
  const nginx = await startNginx(block, { listen: [tls ? 'ssl' : '', listen].filter(Boolean).join(' ') });
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${nginx.port}${path}`;
  const dir = tempDir();
  const runs = { baseline: [], tcpdump: [], ...Object.fromEntries(variants.map((v) => [v.name, []])) };
  const inspected = {};
  let programs = null;
  try {
    await load.warmUp(url);
    for (let round = 0; round < ROUNDS; round++) {
      runs.baseline.push(await load.run(url));
      for (const [i, v] of variants.entries()) {
        const r = await withRecorder(load, url, nginx.port, join(dir, `r${round}-${i}.tinytap`), v.args, v.cli);
        if (round === 0 && inspectSession) inspected[v.name] = await inspectSession(r.file, r);
        runs[v.name].push(r);
      }
      runs.tcpdump.push(await withTcpdump(load, url, nginx.port, join(dir, `r${round}.pcap`)));
    }
    // apart from the rounds: timing every program run costs a little itself
    if (bpfStats !== null) programs = { variant: variants[bpfStats].name, list: await withBpfStats(load, url, nginx.port, join(dir, 'stats.tinytap'), variants[bpfStats].args) };
  } finally {
    await nginx.stop();
  }
  const pick = (name) => {
    const m = median(runs[name].map((r) => r.rps));
    return runs[name].find((r) => r.rps === m);
  };
  const base = pick('baseline');
  // each round against its own baseline: a slow moment of the machine shows as a spread
  const ratios = (name) => runs[name].map((r, i) => r.rps / runs.baseline[i].rps);
  const summarize = (name) => {
    const r = pick(name);
    const rs = ratios(name);
    return {
      rps: r.rps,
      ratio: median(rs),
      ratioMin: Math.min(...rs),
      ratioMax: Math.max(...rs),
      eventsPerSec: r.events !== undefined ? r.events / r.seconds : null,
      // drops in every round, not the median round's: one round that drops is a failure
      drops: Math.max(...runs[name].map((x) => x.drops)),
      dropsPerRound: runs[name].map((x) => x.drops),
      cpuPercent: (100 * r.cpu) / r.seconds,
      cpuMicrosPerEvent: r.events ? (1e6 * r.cpu) / r.events : null,
      peakRss: Math.max(...runs[name].map((x) => x.rss)),
      rssPerRound: runs[name].map((x) => x.rss),
      bytesPerRequest: r.size / r.requests,
    };
  };
  const result = {
    label,
    load: load.describe,
    rounds: ROUNDS,
    baselineRps: base.rps,
    variants: variants.map((v) => ({ name: v.name, ...summarize(v.name), ...(inspected[v.name] ? { inspected: inspected[v.name] } : {}) })),
    tcpdump: summarize('tcpdump'),
    all: Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, v.map((r) => Math.round(r.rps))])),
    ...(programs ? { programs } : {}),
  };
  for (const list of Object.values(runs)) for (const r of list) if (r.file) unlinkSync(r.file);
  return result;
}

export function recordOverheadMarkdown(r) {
  const pct = (x) => fmt(100 * x, 1);
  // older results (before per-round ratios) have no spread
  const spread = (x) => (x.ratioMin === undefined ? '' : ` (${pct(x.ratioMin)}–${pct(x.ratioMax)})`);
  const drops = (x) => (x.dropsPerRound && x.drops > 0 ? `**${x.dropsPerRound.map((d) => fmt(d)).join(' / ')}**` : fmt(x.drops));
  const perEvent = (x) => (x.cpuMicrosPerEvent ? fmt(x.cpuMicrosPerEvent, 2) : '');
  const row = (name, x) =>
    `| ${name} | ${fmt(x.rps)} | ${pct(x.ratio)}%${spread(x)} | ${x.eventsPerSec === null ? '' : fmt(x.eventsPerSec)} | ${drops(x)} | ${fmt(x.cpuPercent)}% | ${perEvent(x)} | ${mib(x.peakRss)} | ${fmt(x.bytesPerRequest, 1)} |`;
  const lines = [
    '| run | requests/s | vs. baseline: median (min–max) | events/s recorded | drops (any round) | recorder CPU | CPU-µs per event | peak RSS | bytes on disk per request |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| baseline (no capture) | ${fmt(r.baselineRps)} | 100% | | | | | | |`,
    ...r.variants.map((v) => row(v.name, v)),
    row('`tcpdump -i lo -w`', r.tcpdump),
  ];
  const all = Object.entries(r.all)
    .map(([k, v]) => `${k.replace(/`/g, '')} ${v.join(', ')}`)
    .join('; ');
  const sizes = r.variants.map((v) => `${v.name}: ${fmt((100 * v.bytesPerRequest) / r.tcpdump.bytesPerRequest)}% of the pcap's`).join('; ');
  return `${lines.join('\n')}

${r.rounds} rounds, each ${r.load}, interleaved (baseline, each tinytap variant, tcpdump, then again); a ratio is a round's requests/s over the same round's baseline, the median round's figures are shown and drops are the worst round's (every round listed when any dropped). CPU is the capturing process's (user + system) per second of load, and per event recorded; peak RSS is the highest VmHWM of any round. All rounds' requests/s: ${all}. Session size per request: ${sizes}.${r.programs ? `\n\n${programsMarkdown(r)}` : ''}`;
}

function programsMarkdown(r) {
  const total = r.programs.list.reduce((a, p) => a + p.runsPerRequest * p.nsPerRun, 0);
  const rows = r.programs.list.map((p) => `| ${p.name} | ${fmt(p.runsPerRequest, 2)} | ${fmt(p.nsPerRun)} | ${fmt(p.runsPerRequest * p.nsPerRun)} |`);
  return `BPF programs during one more run of ${r.programs.variant} with \`kernel.bpf_stats_enabled\` (the kernel's own timing of each run), busiest first:

| program | runs per request | ns per run | ns per request |
| --- | ---: | ---: | ---: |
${rows.join('\n')}
| all | | | **${fmt(total)}** |`;
}
