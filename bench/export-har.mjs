// How fast `tinytap export FILE --har -o OUT` writes a large session, and in how much memory.
// The export runs in a process of its own (the real CLI, from dist/) whose peak resident
// memory is read from its own rusage when it exits. Exchanges are built first, separately:
// building is `tinytap ls`'s cost too, and is not the export's.
// Usage: node bench/export-har.mjs FILE   (after npm run build:ts)
// From run.mjs: const r = await benchHarExport(file); benchHarExportMarkdown(r)
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { fmt, runCliMeasured, tempDir } from './lib.mjs';

export async function benchHarExport(file) {
  const build = await runCliMeasured(['ls', file, '--json', '--limit', '1']);
  if (build.status !== 0) throw new Error(`tinytap ls ${file} failed: ${build.stderr}`);
  const dir = tempDir('tinytap-bench-export-');
  const out = join(dir, 'session.har');
  try {
    const r = await runCliMeasured(['export', file, '--har', '-o', out]);
    if (r.status !== 0) throw new Error(`tinytap export failed: ${r.stderr}`);
    const m = /wrote (\d+) exchanges? to/.exec(r.stderr);
    const exchanges = m ? Number(m[1]) : 0;
    return {
      exchanges,
      seconds: r.seconds,
      // CPU time too: on a busy machine the wall time says more about the neighbours
      cpuSeconds: r.cpuSeconds,
      exchangesPerSecond: exchanges / r.seconds,
      peakRssBytes: r.peakRssBytes,
      harBytes: statSync(out).size,
      buildSeconds: build.seconds,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function benchHarExportMarkdown(r) {
  return [
    '| exchanges | time | CPU time | exchanges/s | peak RSS | HAR size |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${fmt(r.exchanges)} | ${fmt(r.seconds, 2)} s | ${fmt(r.cpuSeconds, 2)} s | ${fmt(r.exchangesPerSecond)} | ${fmt(r.peakRssBytes / 2 ** 20)} MiB | ${fmt(r.harBytes / 2 ** 20)} MiB |`,
    '',
    `The session's exchanges were built beforehand (${fmt(r.buildSeconds, 2)} s, \`tinytap ls\`), and are not counted.`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node bench/export-har.mjs FILE.tinytap');
    process.exit(2);
  }
  console.log(JSON.stringify(await benchHarExport(file)));
}
