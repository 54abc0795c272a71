// Query benchmarks on a generated session of many exchanges: building the exchanges, search for
// a rare string, a filtered ls, each beside tshark on a pcap of the same traffic; and the HTTP
// parser's throughput on its own.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { Http1Connection } from '../dist/protocols/http1/index.js';
import { CLI, fmt, median, runCliMeasured, tempDir } from './lib.mjs';
import { RARE, generateSession } from './generate-session.mjs';

/** Run a command and time it; it must exit with one of `exitCodes` (0), unless `allowFail`. */
export function time(cmd, args, { exitCodes = [0], allowFail = false, ...opts } = {}) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30, ...opts });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (!exitCodes.includes(r.status) && !allowFail) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

function timeRepeated(cmd, args, n = 3, opts = {}) {
  const runs = [];
  let out = '';
  for (let i = 0; i < n; i++) {
    const r = time(cmd, args, opts);
    runs.push(r.ms);
    out = r.stdout;
  }
  return { ms: median(runs), runs, stdout: out };
}

/** The lines a command printed: rows of `ls --json`, hits of `search --json`. */
export const lines = (stdout) => stdout.trim().split('\n').filter(Boolean).length;

/** A tinytap command run `n` times: median ms, and the lines (rows) it printed. */
export function timeTinytap(args, n = 3, opts = {}) {
  const r = timeRepeated(process.execPath, [CLI, ...args], n, opts);
  return { ms: r.ms, runs: r.runs, rows: lines(r.stdout) };
}

/**
 * One connection's stream items, as the reconstruction hands them to a parser: `writes` are what
 * either side wrote, in order ([{ dir, bytes }]), each cut in 1460-byte segments (one loopback
 * TCP segment of a 1500-byte MTU).
 */
export function segmentItems(writes) {
  const items = [];
  const off = { c2s: 0, s2c: 0 };
  let bytes = 0;
  let ts = 0;
  for (const { dir, bytes: buf } of writes) {
    for (let at = 0; at < buf.length; at += 1460) {
      const piece = buf.subarray(at, at + 1460);
      items.push({ kind: 'data', dir, ts: ts++, offset: off[dir], length: piece.length, bytes: piece, eventId: ts });
      off[dir] += piece.length;
    }
    bytes += buf.length;
  }
  return { items, bytes };
}

/** segmentItems of `turns`: what the client wrote and then what the server answered ({ request, response } Buffers). */
export function streamItems(turns) {
  return segmentItems(
    turns.flatMap(({ request, response }) => [
      { dir: 'c2s', bytes: request },
      { dir: 's2c', bytes: response },
    ]),
  );
}

/**
 * Feed a parser the items and time it; `take` hands out what it finished (exchanges, calls).
 * Throws unless it handed out `expected` of them, all complete: a parser that loses or
 * misreads messages must not look fast.
 */
export function timeParser(conn, take, { items, bytes }, expected, isWhole = (x) => x.complete) {
  let n = 0;
  let broken = 0;
  const count = (done) => {
    n += done.length;
    for (const x of done) if (!isWhole(x)) broken++;
  };
  const t = process.hrtime.bigint();
  for (const item of items) {
    conn.push(item);
    count(take(conn));
  }
  count(conn.finish());
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  if (n !== expected || broken) throw new Error(`${conn.constructor.name} returned ${n} (${broken} incomplete), expected ${expected} complete`);
  return { bytes, seconds, mbPerSec: bytes / 1e6 / seconds, perSec: expected / seconds };
}

/** The parser alone: keep-alive exchanges of the generator's shape, fed in 1460-byte segments. */
export function parserThroughput(exchanges = 200_000) {
  const turns = [];
  for (let i = 0; i < exchanges; i++) {
    const request = `GET /api/users/${i}?page=${i % 7} HTTP/1.1\r\nHost: api.local:8080\r\nUser-Agent: loadgen/1.0\r\nAccept: application/json\r\nX-Request-Id: ${i.toString(36)}\r\n\r\n`;
    const body = JSON.stringify({ id: i, items: [{ sku: `SKU-${i}`, qty: i % 9 }], note: 'ok' });
    const response = `HTTP/1.1 200 OK\r\nServer: api-server\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    turns.push({ request: Buffer.from(request, 'latin1'), response: Buffer.from(response, 'latin1') });
  }
  const r = timeParser(new Http1Connection(), (c) => c.takeExchanges(), streamItems(turns), exchanges);
  return { exchanges, bytes: r.bytes, seconds: r.seconds, mbPerSec: r.mbPerSec, exchangesPerSec: r.perSec };
}

/**
 * Generate a session, then build its exchanges once (`tinytap reparse`, what the first command
 * does): the time, and the file's size before and after.
 */
export async function generateAndBuild({ file, ...generate }) {
  const g0 = Date.now();
  const generated = await generateSession({ file, ...generate });
  const generateMs = Date.now() - g0;
  const captured = statSync(file).size;
  const build = await runCliMeasured(['reparse', file]);
  if (build.status !== 0) throw new Error(`reparse failed: ${build.stderr}`);
  const capturedBytes = JSON.parse(execFileSync(process.execPath, [CLI, 'info', '--json', '--include-secrets', file], { encoding: 'utf8' })).capturedBytes;
  return {
    generated,
    generateMs,
    capturedFileBytes: captured,
    capturedBytes,
    buildMs: build.seconds * 1000,
    buildCpuSeconds: build.cpuSeconds,
    buildPeakRssBytes: build.peakRssBytes,
    buildMbPerSec: capturedBytes / 1e6 / build.seconds,
    sessionBytes: statSync(file).size,
  };
}

export async function queryBench({ exchanges = 1_000_000, dir = tempDir() } = {}) {
  const file = join(dir, `gen-${exchanges}.tinytap`);
  const pcap = join(dir, `gen-${exchanges}.pcap`);
  const { generated, ...built } = await generateAndBuild({ file, exchanges, pcap });
  // the build leaves the search index for the first search: that one is timed on its own
  const firstSearch = time(process.execPath, [CLI, 'search', file, RARE, '--json']);
  const indexedBytes = statSync(file).size;
  const search = timeTinytap(['search', file, RARE, '--json']);
  const lsFilter = ['status:500', 'method:POST', 'host:auth.local'];
  const ls = timeTinytap(['ls', file, ...lsFilter, '--json']);
  const lsStatus = timeTinytap(['ls', file, 'status:500', '--json']);
  // node's own start-up, part of every command above
  const startup = timeTinytap(['--version']);

  let tshark = null;
  if (existsSync('/usr/bin/tshark')) {
    const ts = time('tshark', ['-r', pcap, '-Y', `http contains "${RARE}"`]);
    const tsStatus = time('tshark', ['-r', pcap, '-Y', 'http.response.code == 500']);
    tshark = {
      searchMs: ts.ms,
      searchHits: lines(ts.stdout),
      statusMs: tsStatus.ms,
      statusRows: lines(tsStatus.stdout),
      pcapBytes: statSync(pcap).size,
    };
  }
  return {
    exchanges: generated.exchanges,
    ...built,
    firstSearchMs: firstSearch.ms,
    indexedBytes,
    searchMs: search.ms,
    searchRuns: search.runs,
    searchHits: search.rows,
    lsFilter: lsFilter.join(' '),
    lsMs: ls.ms,
    lsRows: ls.rows,
    statusMs: lsStatus.ms,
    statusRows: lsStatus.rows,
    startupMs: startup.ms,
    tshark,
    file,
    pcap,
  };
}

export function queryMarkdown(q, p) {
  const r = (a, b) => (b ? `${fmt(b / a, 1)}×` : '—');
  const t = q.tshark;
  return `Session: ${fmt(q.exchanges)} generated exchanges (keep-alive loopback traffic, both ends captured, as the recorder writes it),
${fmt(q.capturedFileBytes / 1e6)} MB as recorded; ${fmt(q.sessionBytes / 1e6)} MB once its exchanges are built${q.indexedBytes ? `, ${fmt(q.indexedBytes / 1e6)} MB once the first search has made its index` : ''}.
The pcap of the same traffic is ${t ? fmt(t.pcapBytes / 1e6) : '—'} MB.

| operation | tinytap | tshark on the pcap | tinytap is faster by |
| --- | ---: | ---: | ---: |
| search for a rare string (1 hit) | ${fmt(q.searchMs)} ms | ${t ? fmt(t.searchMs) + ' ms' : '—'} | ${t ? r(q.searchMs, t.searchMs) : '—'} |
| \`ls status:500\` (${fmt(q.statusRows)} rows) vs \`-Y 'http.response.code == 500'\` | ${fmt(q.statusMs)} ms | ${t ? fmt(t.statusMs) + ' ms' : '—'} | ${t ? r(q.statusMs, t.statusMs) : '—'} |
| \`ls ${q.lsFilter}\` (${fmt(q.lsRows)} rows) | ${fmt(q.lsMs)} ms | | |

tinytap times are whole commands (median of 3 runs), including Node.js start-up (${fmt(q.startupMs)} ms for \`tinytap --version\`).
Building the exchanges once (\`tinytap reparse\`, done on first use): ${fmt(q.buildMs / 1000, 1)} s, ${fmt(q.buildMbPerSec, 1)} MB/s of captured bytes
(decompression, reconstruction, parsing, and writing the tables)${q.buildPeakRssBytes ? `, ${fmt(q.buildCpuSeconds, 1)} s of CPU, peak memory ${fmt(q.buildPeakRssBytes / 2 ** 20)} MiB` : ''}${q.firstSearchMs ? `; the first search, which makes the search index: ${fmt(q.firstSearchMs / 1000, 1)} s` : ''}.

HTTP/1.x parser alone: ${fmt(p.mbPerSec, 1)} MB/s (${fmt(p.exchangesPerSec)} exchanges/s) on ${fmt(p.exchanges)} small keep-alive exchanges fed in 1,460-byte segments.`;
}
