// `tinytap replay` against nginx on loopback: requests/s of the replay (which also records every
// byte it sends and receives into its own session), beside h2load --h1 and wrk sending the same
// URLs with the same number of connections, one request at a time on each; then `tinytap diff` of
// the recording and its replay, the comparison a replay prints.
// Standalone: node bench/replay.mjs [EXCHANGES]   (generates the session with generate-session.mjs)
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';

import { benchDiff } from './diff.mjs';
import { generateSession } from './generate-session.mjs';
import { CLI, fmt, h2load, startNginx, tempDir, wrk } from './lib.mjs';

/** The distinct paths of the session's first HTTP exchanges: the URLs h2load and wrk go round. */
function sessionPaths(file, n = 200) {
  const out = execFileSync(process.execPath, [CLI, 'ls', file, 'proto:http', '-n', String(n), '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const rows = out.trim().split('\n').map((line) => JSON.parse(line));
  return [...new Set(rows.map((r) => (r.query ? `${r.path}?${r.query}` : r.path)))];
}

function runReplay(file, port, out, concurrency) {
  return new Promise((resolve, reject) => {
    const args = [CLI, 'replay', file, '--target', `http://127.0.0.1:${port}`, '--unsafe', '--concurrency', String(concurrency), '-o', out, '--json'];
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    proc.on('error', reject);
    proc.on('exit', (code) => {
      if (code !== 0 && code !== 1) return reject(new Error(`tinytap replay failed (exit ${code}): ${stderr}`));
      resolve(JSON.parse(stdout).replay);
    });
  });
}

export async function benchReplay({ exchanges = 100_000, concurrencies = [1, 8] } = {}) {
  const dir = tempDir('tinytap-bench-replay-');
  const file = join(dir, 'recorded.tinytap');
  await generateSession({ file, exchanges });
  const paths = sessionPaths(file);
  // answers every method and path alike: the figure is the replay's own cost
  const nginx = await startNginx('location / { return 200 "hello from nginx, a small response body\\n"; }');
  const rows = [];
  let diff = null;
  try {
    for (const c of concurrencies) {
      const out = join(dir, `replay-c${c}.tinytap`);
      const replay = await runReplay(file, nginx.port, out, c);
      const baseline = await h2load(
        paths.map((p) => `http://127.0.0.1:${nginx.port}${p}`),
        { requests: replay.sent, clients: c, streams: 1, h1: true },
      );
      // wrk runs for a time, not a count: 5 s is tens of thousands of requests here
      const byWrk = wrk(`http://127.0.0.1:${nginx.port}/`, { threads: 1, connections: c, seconds: 5, paths });
      rows.push({
        concurrency: c,
        sent: replay.sent,
        replayRps: replay.requestsPerSecond,
        h2loadRps: baseline.rps,
        ratio: replay.requestsPerSecond / baseline.rps,
        wrkRps: byWrk.rps,
        wrkRatio: replay.requestsPerSecond / byWrk.rps,
      });
      if (c === concurrencies[0]) diff = await benchDiff(file, out);
    }
  } finally {
    await nginx.stop();
  }
  return { exchanges, urls: paths.length, rows, diff };
}

export function replayMarkdown(r) {
  const table = r.rows
    .map((x) => `| ${x.concurrency} | ${fmt(x.sent)} | ${fmt(x.replayRps)} | ${fmt(x.h2loadRps)} | ${fmt(x.ratio, 2)} | ${fmt(x.wrkRps)} | ${fmt(x.wrkRatio, 2)} |`)
    .join('\n');
  const d = r.diff;
  return `A generated session of ${fmt(r.exchanges)} exchanges (HTTP ones sent, every method: \`--unsafe\`) replayed against nginx answering every request with a small body; the baselines are h2load --h1 requesting the session's first ${fmt(r.urls)} distinct URLs round robin, the same number of requests on the same number of connections, one request at a time on each, and wrk (one thread, the same connections, 5 s) going round the same URLs with a script. The replay also records every byte it sends and receives into its session, and reads each request from the recording.

| connections | requests | \`tinytap replay\` req/s | h2load --h1 req/s | ratio | wrk req/s | ratio |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${table}

Then the comparison a replay prints, timed alone: \`tinytap diff\` of the recording and its replay (connections ${fmt(r.rows[0].concurrency)}), ${fmt(d.pairs)} pairs across ${fmt(d.endpoints)} endpoints, ${fmt(d.differences)} differences (nginx's answers are not the recorded ones): **${fmt(d.ms / 1000, 1)} s**, ${fmt(d.pairsPerSec)} pairs/s, peak RSS ${fmt(d.peakRssBytes / 2 ** 20)} MiB.`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchReplay({ exchanges: Number(process.argv[2] ?? 100_000) });
  console.log(JSON.stringify(r, null, 2));
  console.log(replayMarkdown(r));
}
