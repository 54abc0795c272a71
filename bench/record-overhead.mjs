// wrk against nginx on loopback (keep-alive, small responses): without recording, while
// `tinytap record` captures it, and while `tcpdump -i lo -w` captures it, in one run.
import { statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

import { CLI, cpuSeconds, fmt, median, peakRss, sleep, startNginx, startProc, tempDir, wrk } from './lib.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

async function withRecorder(url, port, dir, round) {
  const file = join(dir, `bench-${round}.tinytap`);
  const rec = startProc(process.execPath, [CLI, 'record', '-o', file, '--port', String(port), '--quiet'], () => true);
  // --quiet prints nothing until the end: give the programs time to attach
  await sleep(1500);
  const cpu0 = cpuSeconds(rec.proc.pid);
  const w = wrk(url, { seconds: SECONDS });
  const cpu = cpuSeconds(rec.proc.pid) - cpu0;
  const rss = peakRss(rec.proc.pid);
  rec.proc.kill('SIGINT');
  await rec.exited;
  const info = JSON.parse(startInfo(file));
  return { ...w, cpu, rss, file, size: statSync(file).size, events: info.events, drops: info.drops.records };
}

function startInfo(file) {
  return require_('child_process').execFileSync(process.execPath, [CLI, 'info', '--json', file], { encoding: 'utf8' });
}
const require_ = (m) => (m === 'child_process' ? childProcess : null);
import * as childProcess from 'node:child_process';

async function withTcpdump(url, port, dir, round) {
  const file = join(dir, `bench-${round}.pcap`);
  const td = startProc('tcpdump', ['-i', 'lo', '-w', file, '-B', '16384', '-s', '0', `tcp port ${port}`], (e) => e.includes('listening on'));
  await td.started;
  const cpu0 = cpuSeconds(td.proc.pid);
  const w = wrk(url, { seconds: SECONDS });
  const cpu = cpuSeconds(td.proc.pid) - cpu0;
  const rss = peakRss(td.proc.pid);
  td.proc.kill('SIGINT');
  await td.exited;
  const dropped = Number(/(\d+) packets? dropped by kernel/.exec(td.stderr)?.[1] ?? 0);
  return { ...w, cpu, rss, file, size: statSync(file).size, drops: dropped };
}

export async function recordOverhead({ serverBlock, label }) {
  const nginx = await startNginx(serverBlock);
  const url = `http://127.0.0.1:${nginx.port}/`;
  const dir = tempDir();
  const runs = { baseline: [], tinytap: [], tcpdump: [] };
  try {
    wrk(url, { seconds: 2 }); // warm up
    for (let round = 0; round < ROUNDS; round++) {
      runs.baseline.push(wrk(url, { seconds: SECONDS }));
      runs.tinytap.push(await withRecorder(url, nginx.port, dir, round));
      runs.tcpdump.push(await withTcpdump(url, nginx.port, dir, round));
    }
  } finally {
    await nginx.stop();
  }
  const pick = (name) => {
    const rs = runs[name];
    const m = median(rs.map((r) => r.rps));
    return rs.find((r) => r.rps === m);
  };
  const base = pick('baseline');
  const tt = pick('tinytap');
  const td = pick('tcpdump');
  const result = {
    label,
    seconds: SECONDS,
    rounds: ROUNDS,
    baselineRps: base.rps,
    tinytap: {
      rps: tt.rps,
      ratio: tt.rps / base.rps,
      eventsPerSec: tt.events / SECONDS,
      drops: tt.drops,
      cpuPercent: (100 * tt.cpu) / SECONDS,
      peakRss: tt.rss,
      bytesPerRequest: tt.size / tt.requests,
    },
    tcpdump: {
      rps: td.rps,
      ratio: td.rps / base.rps,
      drops: td.drops,
      cpuPercent: (100 * td.cpu) / SECONDS,
      peakRss: td.rss,
      bytesPerRequest: td.size / td.requests,
    },
    all: Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, v.map((r) => Math.round(r.rps))])),
  };
  for (const r of [...runs.tinytap, ...runs.tcpdump]) unlinkSync(r.file);
  return result;
}

export function recordOverheadMarkdown(r) {
  const mb = (n) => `${fmt(n / 1048576, 1)} MiB`;
  return `| run | requests/s | vs. baseline | events/s recorded | drops | recorder CPU | recorder peak RSS | bytes on disk per request |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| baseline (no capture) | ${fmt(r.baselineRps)} | 100% | | | | | |
| \`tinytap record\` | ${fmt(r.tinytap.rps)} | ${fmt(100 * r.tinytap.ratio, 1)}% | ${fmt(r.tinytap.eventsPerSec)} | ${fmt(r.tinytap.drops)} | ${fmt(r.tinytap.cpuPercent)}% | ${mb(r.tinytap.peakRss)} | ${fmt(r.tinytap.bytesPerRequest, 1)} |
| \`tcpdump -i lo -w\` | ${fmt(r.tcpdump.rps)} | ${fmt(100 * r.tcpdump.ratio, 1)}% | | ${fmt(r.tcpdump.drops)} | ${fmt(r.tcpdump.cpuPercent)}% | ${mb(r.tcpdump.peakRss)} | ${fmt(r.tcpdump.bytesPerRequest, 1)} |

Requests/s are the median of ${r.rounds} rounds of ${r.seconds} s each (all rounds: baseline ${r.all.baseline.join(', ')}; tinytap ${r.all.tinytap.join(', ')}; tcpdump ${r.all.tcpdump.join(', ')}).
Session size per request is ${fmt((100 * r.tinytap.bytesPerRequest) / r.tcpdump.bytesPerRequest)}% of the pcap's.`;
}
