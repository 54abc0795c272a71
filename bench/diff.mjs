// `tinytap diff` on two large sessions: wall time and peak memory of the whole command. The
// sessions' exchanges are built first (as any earlier command would have), so the time is the
// diff's own: matching the summaries, then loading and comparing every matched pair.
// Standalone: node bench/diff.mjs [EXCHANGES]   (generates the two sessions with generate-session.mjs)
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';

import { generateSession } from './generate-session.mjs';
import { CLI, fmt, peakRss, tempDir } from './lib.mjs';

/** Run a command to its end, sampling its peak resident memory (VmHWM only grows) while it runs. */
function runMeasured(cmd, args) {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    const sample = () => {
      try {
        peak = Math.max(peak, peakRss(proc.pid));
      } catch {
        // exited between two samples
      }
    };
    const timer = setInterval(sample, 20);
    proc.on('error', reject);
    proc.on('exit', (code) => {
      clearInterval(timer);
      resolve({ code, ms: Number(process.hrtime.bigint() - t) / 1e6, peakRssBytes: peak, stdout, stderr });
    });
  });
}

/** Time `tinytap diff fileA fileB --json`. Exit code 2 (could not compare) is an error. */
export async function benchDiff(fileA, fileB) {
  for (const f of [fileA, fileB]) {
    try {
      execFileSync(process.execPath, [CLI, 'ls', f, '-n', '1', '--json'], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      throw new Error(`building the exchanges of ${f} failed: ${err.stderr}`);
    }
  }
  const r = await runMeasured(process.execPath, [CLI, 'diff', fileA, fileB, '--json']);
  if (r.code !== 0 && r.code !== 1) throw new Error(`tinytap diff failed (exit ${r.code}): ${r.stderr}`);
  const report = JSON.parse(r.stdout);
  const pairs = report.endpoints.reduce((n, e) => n + e.pairs, 0);
  return {
    exchangesA: report.a.exchanges,
    exchangesB: report.b.exchanges,
    endpoints: report.endpoints.length,
    pairs,
    differences: report.differences.length,
    exitCode: r.code,
    ms: r.ms,
    pairsPerSec: pairs / (r.ms / 1000),
    peakRssBytes: r.peakRssBytes,
  };
}

export function diffMarkdown(d) {
  return `Two generated sessions of ${fmt(d.exchangesA)} exchanges each, the second from a changed server (\`generate-session.mjs --variant 1\`):
${fmt(d.pairs)} pairs compared across ${fmt(d.endpoints)} endpoints, ${fmt(d.differences)} differences found (exit ${d.exitCode}).

| | |
| --- | ---: |
| \`tinytap diff A B --json\`, whole command | ${fmt(d.ms / 1000, 1)} s |
| pairs compared per second | ${fmt(d.pairsPerSec)} |
| peak memory (RSS) | ${fmt(d.peakRssBytes / 2 ** 20)} MiB |`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 100_000);
  const dir = tempDir();
  const a = join(dir, 'a.tinytap');
  const b = join(dir, 'b.tinytap');
  await generateSession({ file: a, exchanges: n });
  await generateSession({ file: b, exchanges: n, variant: 1 });
  const d = await benchDiff(a, b);
  console.error(JSON.stringify(d));
  console.log(diffMarkdown(d));
}
