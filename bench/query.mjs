// Query benchmarks on a generated session of many exchanges: building the exchanges, search for
// a rare string, a filtered ls, each beside tshark on a pcap of the same traffic; and the HTTP
// parser's throughput on its own.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { Http1Connection } from '../dist/protocols/http1/index.js';
import { CLI, fmt, median, tempDir } from './lib.mjs';
import { RARE, generateSession } from './generate-session.mjs';

function time(cmd, args, opts = {}) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30, ...opts });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0 && !opts.allowFail) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

function timeRepeated(cmd, args, n = 3) {
  const runs = [];
  let out = '';
  for (let i = 0; i < n; i++) {
    const r = time(cmd, args);
    runs.push(r.ms);
    out = r.stdout;
  }
  return { ms: median(runs), runs, stdout: out };
}

/** The parser alone: keep-alive exchanges of the generator's shape, fed in 1460-byte segments. */
export function parserThroughput(exchanges = 200_000) {
  const items = [];
  const off = { c2s: 0, s2c: 0 };
  let bytes = 0;
  let ts = 0;
  const push = (dir, text) => {
    const buf = Buffer.from(text, 'latin1');
    for (let at = 0; at < buf.length; at += 1460) {
      const piece = buf.subarray(at, at + 1460);
      items.push({ kind: 'data', dir, ts: ts++, offset: off[dir], length: piece.length, bytes: piece, eventId: ts });
      off[dir] += piece.length;
    }
    bytes += buf.length;
  };
  for (let i = 0; i < exchanges; i++) {
    push('c2s', `GET /api/users/${i}?page=${i % 7} HTTP/1.1\r\nHost: api.local:8080\r\nUser-Agent: loadgen/1.0\r\nAccept: application/json\r\nX-Request-Id: ${i.toString(36)}\r\n\r\n`);
    const body = JSON.stringify({ id: i, items: [{ sku: `SKU-${i}`, qty: i % 9 }], note: 'ok' });
    push('s2c', `HTTP/1.1 200 OK\r\nServer: api-server\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  }
  const conn = new Http1Connection();
  const t = process.hrtime.bigint();
  let n = 0;
  for (const item of items) {
    conn.push(item);
    n += conn.takeExchanges().length;
  }
  n += conn.finish().length;
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  if (n !== exchanges) throw new Error(`parser returned ${n} exchanges, expected ${exchanges}`);
  return { exchanges, bytes, seconds: s, mbPerSec: bytes / 1e6 / s, exchangesPerSec: exchanges / s };
}

export async function queryBench({ exchanges = 1_000_000, dir = tempDir() } = {}) {
  const file = join(dir, `gen-${exchanges}.tinytap`);
  const pcap = join(dir, `gen-${exchanges}.pcap`);
  const g0 = Date.now();
  await generateSession({ file, exchanges, pcap });
  const generateMs = Date.now() - g0;
  const captured = statSync(file).size;
  const build = time(process.execPath, [CLI, 'reparse', file]);
  const sessionBytes = statSync(file).size;
  const capturedBytes = JSON.parse(execFileSync(process.execPath, [CLI, 'info', '--json', '--include-secrets', file], { encoding: 'utf8' })).capturedBytes;

  const search = timeRepeated(process.execPath, [CLI, 'search', file, RARE, '--json']);
  const searchHits = search.stdout.trim().split('\n').filter(Boolean).length;
  const lsFilter = ['status:500', 'method:POST', 'host:auth.local'];
  const ls = timeRepeated(process.execPath, [CLI, 'ls', file, ...lsFilter, '--json']);
  const lsRows = ls.stdout.trim().split('\n').filter(Boolean).length;
  const lsStatus = timeRepeated(process.execPath, [CLI, 'ls', file, 'status:500', '--json']);
  const statusRows = lsStatus.stdout.trim().split('\n').filter(Boolean).length;
  // node's own start-up, part of every command above
  const startup = timeRepeated(process.execPath, [CLI, '--version']);

  let tshark = null;
  if (existsSync('/usr/bin/tshark')) {
    const ts = time('tshark', ['-r', pcap, '-Y', `http contains "${RARE}"`]);
    const tsStatus = time('tshark', ['-r', pcap, '-Y', 'http.response.code == 500']);
    tshark = {
      searchMs: ts.ms,
      searchHits: ts.stdout.trim().split('\n').filter(Boolean).length,
      statusMs: tsStatus.ms,
      statusRows: tsStatus.stdout.trim().split('\n').filter(Boolean).length,
      pcapBytes: statSync(pcap).size,
    };
  }
  return {
    exchanges,
    generateMs,
    capturedFileBytes: captured,
    capturedBytes,
    buildMs: build.ms,
    buildMbPerSec: capturedBytes / 1e6 / (build.ms / 1000),
    sessionBytes,
    searchMs: search.ms,
    searchRuns: search.runs,
    searchHits,
    lsFilter: lsFilter.join(' '),
    lsMs: ls.ms,
    lsRows,
    statusMs: lsStatus.ms,
    statusRows,
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
${fmt(q.capturedFileBytes / 1e6)} MB as recorded; ${fmt(q.sessionBytes / 1e6)} MB once its exchanges and search index are built.
The pcap of the same traffic is ${t ? fmt(t.pcapBytes / 1e6) : '—'} MB.

| operation | tinytap | tshark on the pcap | tinytap is faster by |
| --- | ---: | ---: | ---: |
| search for a rare string (1 hit) | ${fmt(q.searchMs)} ms | ${t ? fmt(t.searchMs) + ' ms' : '—'} | ${t ? r(q.searchMs, t.searchMs) : '—'} |
| \`ls status:500\` (${fmt(q.statusRows)} rows) vs \`-Y 'http.response.code == 500'\` | ${fmt(q.statusMs)} ms | ${t ? fmt(t.statusMs) + ' ms' : '—'} | ${t ? r(q.statusMs, t.statusMs) : '—'} |
| \`ls ${q.lsFilter}\` (${fmt(q.lsRows)} rows) | ${fmt(q.lsMs)} ms | | |

tinytap times are whole commands (median of 3 runs), including Node.js start-up (${fmt(q.startupMs)} ms for \`tinytap --version\`).
Building the exchanges once (\`tinytap reparse\`, done on first use): ${fmt(q.buildMs / 1000, 1)} s, ${fmt(q.buildMbPerSec, 1)} MB/s of captured bytes
(decompression, reconstruction, parsing, and writing the tables and the search index).

HTTP/1.x parser alone: ${fmt(p.mbPerSec, 1)} MB/s (${fmt(p.exchangesPerSec)} exchanges/s) on ${fmt(p.exchanges)} small keep-alive exchanges fed in 1,460-byte segments.`;
}
