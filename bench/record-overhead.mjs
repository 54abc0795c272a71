// A load generator against nginx on loopback (keep-alive): without recording, while `tinytap
// record` captures it (in one or more configurations), and while `tcpdump -i lo -w` captures it,
// in one run, rounds interleaved so a slow moment of the machine hits every configuration alike.
// The load generator is wrk unless the caller passes another (h2load for HTTP/2, bench/h2.mjs).
import { execFileSync } from 'node:child_process';
import { statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

import { CLI, cpuSeconds, fmt, median, peakRss, sleep, startNginx, startProc, tempDir, wrk } from './lib.mjs';

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

async function withRecorder(load, url, port, file, extraArgs) {
  const rec = startProc(process.execPath, [CLI, 'record', '-o', file, '--port', String(port), '--quiet', ...extraArgs]);
  // --quiet prints nothing until the end: give the programs time to load and attach
  await sleep(2000);
  const w = await loadBeside(load, rec.proc.pid, url);
  rec.proc.kill('SIGINT');
  await rec.exited;
  const info = JSON.parse(execFileSync(process.execPath, [CLI, 'info', '--json', '--include-secrets', file], { encoding: 'utf8' }));
  return { ...w, file, size: statSync(file).size, events: info.events, capturedBytes: info.capturedBytes, drops: info.drops.records };
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
 * variants: [{ name, args }] tinytap configurations, each measured every round beside the
 * baseline and tcpdump. `listen` adds parameters to nginx's listen directive (`http2`).
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
}) {
  const block = tls ? `ssl_certificate ${tls.certFile};\n    ssl_certificate_key ${tls.keyFile};\n    ${serverBlock}` : serverBlock;
  const nginx = await startNginx(block, { listen: [tls ? 'ssl' : '', listen].filter(Boolean).join(' ') });
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${nginx.port}${path}`;
  const dir = tempDir();
  const runs = { baseline: [], tcpdump: [], ...Object.fromEntries(variants.map((v) => [v.name, []])) };
  const inspected = {};
  try {
    await load.warmUp(url);
    for (let round = 0; round < ROUNDS; round++) {
      runs.baseline.push(await load.run(url));
      for (const [i, v] of variants.entries()) {
        const r = await withRecorder(load, url, nginx.port, join(dir, `r${round}-${i}.tinytap`), v.args);
        if (round === 0 && inspectSession) inspected[v.name] = await inspectSession(r.file, r);
        runs[v.name].push(r);
      }
      runs.tcpdump.push(await withTcpdump(load, url, nginx.port, join(dir, `r${round}.pcap`)));
    }
  } finally {
    await nginx.stop();
  }
  const pick = (name) => {
    const m = median(runs[name].map((r) => r.rps));
    return runs[name].find((r) => r.rps === m);
  };
  const base = pick('baseline');
  const summarize = (r) => ({
    rps: r.rps,
    ratio: r.rps / base.rps,
    eventsPerSec: r.events !== undefined ? r.events / r.seconds : null,
    drops: r.drops,
    cpuPercent: (100 * r.cpu) / r.seconds,
    peakRss: r.rss,
    bytesPerRequest: r.size / r.requests,
  });
  const result = {
    label,
    load: load.describe,
    rounds: ROUNDS,
    baselineRps: base.rps,
    variants: variants.map((v) => ({ name: v.name, ...summarize(pick(v.name)), ...(inspected[v.name] ? { inspected: inspected[v.name] } : {}) })),
    tcpdump: summarize(pick('tcpdump')),
    all: Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, v.map((r) => Math.round(r.rps))])),
  };
  for (const list of Object.values(runs)) for (const r of list) if (r.file) unlinkSync(r.file);
  return result;
}

export function recordOverheadMarkdown(r) {
  const mb = (n) => `${fmt(n / 1048576, 1)} MiB`;
  const row = (name, x) =>
    `| ${name} | ${fmt(x.rps)} | ${fmt(100 * x.ratio, 1)}% | ${x.eventsPerSec === null ? '' : fmt(x.eventsPerSec)} | ${fmt(x.drops)} | ${fmt(x.cpuPercent)}% | ${mb(x.peakRss)} | ${fmt(x.bytesPerRequest, 1)} |`;
  const lines = [
    '| run | requests/s | vs. baseline | events/s recorded | drops | recorder CPU | recorder peak RSS | bytes on disk per request |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| baseline (no capture) | ${fmt(r.baselineRps)} | 100% | | | | | |`,
    ...r.variants.map((v) => row(v.name, v)),
    row('`tcpdump -i lo -w`', r.tcpdump),
  ];
  const all = Object.entries(r.all)
    .map(([k, v]) => `${k.replace(/`/g, '')} ${v.join(', ')}`)
    .join('; ');
  const sizes = r.variants.map((v) => `${v.name}: ${fmt((100 * v.bytesPerRequest) / r.tcpdump.bytesPerRequest)}% of the pcap's`).join('; ');
  return `${lines.join('\n')}

Requests/s are the median of ${r.rounds} rounds, each ${r.load} (all rounds: ${all}). Session size per request: ${sizes}.`;
}
