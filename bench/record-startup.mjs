// What a developer pays to have tinytap recording: how long `tinytap record` takes from the
// command to "recording to ..." beside tcpdump's "listening on", and the recorder's CPU and
// memory while left on, on an idle machine and under a light load.
import { join } from 'node:path';

import { CLI, cpuSeconds, fmt, h2load, median, mib, peakRss, rssNow, sleep, startNginx, startProc, tempDir } from './lib.mjs';

const STARTS = Number(process.env.BENCH_STARTS ?? 5);
const AT_REST_SECONDS = Number(process.env.BENCH_AT_REST_SECONDS ?? 60);
const LIGHT_RATE = 200;

/** Milliseconds from spawning `cmd` to `ready(stderr)`, then the process is stopped with SIGINT. */
async function timeToReady(cmd, args, ready) {
  const t0 = performance.now();
  const p = startProc(cmd, args, ready);
  await p.started;
  const ms = performance.now() - t0;
  p.proc.kill('SIGINT');
  await p.exited;
  return ms;
}

export async function startupTimes() {
  const dir = tempDir('tinytap-bench-start-');
  const variants = [
    { name: '`tinytap record`', args: [] },
    { name: '`tinytap record --no-tls`', args: ['--no-tls'] },
  ];
  const times = { tcpdump: [], ...Object.fromEntries(variants.map((v) => [v.name, []])) };
  // interleaved, as the throughput rounds are
  for (let i = 0; i < STARTS; i++) {
    for (const v of variants) {
      const file = join(dir, `s${i}-${v.args.length}.tinytap`);
      times[v.name].push(await timeToReady(process.execPath, [CLI, 'record', '-o', file, ...v.args], (e) => e.includes('recording to')));
    }
    times.tcpdump.push(await timeToReady('tcpdump', ['-i', 'lo', '-w', join(dir, `s${i}.pcap`), 'tcp port 9'], (e) => e.includes('listening on')));
  }
  return { starts: STARTS, variants: Object.entries(times).map(([name, ms]) => ({ name, medianMs: median(ms), ms })) };
}

export function startupMarkdown(r) {
  const rows = r.variants.map((v) => `| ${v.name === 'tcpdump' ? '`tcpdump -i lo -w`' : v.name} | **${fmt(v.medianMs)}** | ${v.ms.map((x) => fmt(x)).join(', ')} |`);
  return `From starting the command to its "capture has started" line ("recording to FILE" on stderr; tcpdump's "listening on"), ${r.starts} starts each, interleaved; Node.js start-up included (target: 0.5 s).

| command | median ms | every start (ms) |
| --- | ---: | --- |
${rows.join('\n')}`;
}

/**
 * The recorder's CPU and peak memory over `seconds` of what `during` does; with `sampleEvery`
 * (seconds), its RSS every so often too, to show whether it stays flat.
 */
async function recorderOver(seconds, during, sampleEvery = 0) {
  const dir = tempDir('tinytap-bench-rest-');
  const rec = startProc(process.execPath, [CLI, 'record', '-o', join(dir, 'rest.tinytap')], (e) => e.includes('recording to'));
  await rec.started;
  // what start-up used is not what being left on costs
  await sleep(2000);
  const cpu0 = cpuSeconds(rec.proc.pid);
  const rss0 = rssNow(rec.proc.pid);
  const samples = [];
  const sampler = sampleEvery ? setInterval(() => samples.push(rssNow(rec.proc.pid)), sampleEvery * 1000) : null;
  const result = await Promise.all([sleep(seconds * 1000), during()]);
  if (sampler) clearInterval(sampler);
  const cpu = cpuSeconds(rec.proc.pid) - cpu0;
  const rss = rssNow(rec.proc.pid);
  const peak = peakRss(rec.proc.pid);
  rec.proc.kill('SIGINT');
  await rec.exited;
  return {
    seconds,
    cpuPercent: (100 * cpu) / seconds,
    rssStartBytes: rss0,
    rssEndBytes: rss,
    peakRssBytes: peak,
    load: result[1] ?? null,
    ...(sampleEvery ? { sampleEvery, rssSamples: samples } : {}),
  };
}

const STEADY_SECONDS = Number(process.env.BENCH_STEADY_SECONDS ?? 600);
const STEADY_RATE = 5000;

/** The recorder's memory over ten minutes of a steady load: is it flat, or does it creep? */
export async function recorderSteady() {
  const nginx = await startNginx('location / { return 200 "hello from nginx, a small response body\\n"; }');
  try {
    console.error(`steady: ${STEADY_SECONDS} s at ${STEADY_RATE} requests/s ...`);
    const r = await recorderOver(
      STEADY_SECONDS,
      async () => {
        const { rps, requests, seconds } = await h2load([`http://127.0.0.1:${nginx.port}/`], { requests: STEADY_RATE * STEADY_SECONDS, clients: 4, streams: 1, h1: true, rps: STEADY_RATE / 4 });
        return { rps, requests, seconds };
      },
      STEADY_SECONDS / 20,
    );
    return { ...r, rate: STEADY_RATE };
  } finally {
    await nginx.stop();
  }
}

export function steadyMarkdown(r) {
  // the sample taken a tenth of the way in (the first is taken one interval after the start)
  const tenth = r.rssSamples[Math.round(r.seconds / 10 / r.sampleEvery) - 1] ?? r.rssStartBytes;
  return `\`tinytap record\` capturing everything for ${r.seconds >= 120 ? `${fmt(r.seconds / 60)} minutes` : `${fmt(r.seconds)} s`} of a steady ${fmt(r.rate)} requests/s (h2load --h1 --rps, 4 keep-alive clients) against nginx: ${fmt(r.load.requests)} requests at ${fmt(r.load.rps)}/s, recorder CPU ${fmt(r.cpuPercent, 1)}% of a core.

| RSS at the start | after ${fmt(r.seconds / 10)} s | at the end | peak |
| ---: | ---: | ---: | ---: |
| ${mib(r.rssStartBytes)} | ${mib(tenth)} | ${mib(r.rssEndBytes)} | ${mib(r.peakRssBytes)} |

Every ${fmt(r.sampleEvery)} s: ${r.rssSamples.map((b) => fmt(b / 2 ** 20)).join(', ')} MiB.`;
}

export async function recorderAtRest() {
  console.error(`at rest: ${AT_REST_SECONDS} s idle ...`);
  const idle = await recorderOver(AT_REST_SECONDS, async () => null);
  const nginx = await startNginx('location / { return 200 "hello from nginx, a small response body\\n"; }');
  try {
    console.error(`at rest: ${AT_REST_SECONDS} s at ${LIGHT_RATE} requests/s ...`);
    const light = await recorderOver(AT_REST_SECONDS, async () => {
      const { rps, requests, seconds } = await h2load([`http://127.0.0.1:${nginx.port}/`], { requests: LIGHT_RATE * AT_REST_SECONDS, clients: 1, streams: 1, h1: true, rps: LIGHT_RATE });
      return { rps, requests, seconds }; // not h2load's whole report
    });
    return { seconds: AT_REST_SECONDS, rate: LIGHT_RATE, idle, light };
  } finally {
    await nginx.stop();
  }
}

export function atRestMarkdown(r) {
  const row = (name, x) => `| ${name} | ${fmt(x.cpuPercent, 2)}% | ${mib(x.rssStartBytes)} | ${mib(x.rssEndBytes)} | ${mib(x.peakRssBytes)} |`;
  return `\`tinytap record\` capturing everything, left on for ${fmt(r.seconds)} s after its start: the recorder process's CPU (user + system, as a share of one core) and resident memory.

| machine | recorder CPU | RSS at the start | RSS at the end | peak RSS |
| --- | ---: | ---: | ---: | ---: |
${row('idle', r.idle)}
${row(`light load: ${fmt(r.rate)} requests/s (h2load --h1 --rps, keep-alive) against nginx`, r.light)}`;
}
