// HTTP/2: the parser alone over real traffic (h2load against nginx, through a relay) beside the
// HTTP/1.1 parser over the same requests sent by the same client; and h2load's throughput
// against nginx while `tinytap record` or tcpdump captures it, with a check that the session
// holds every request as an HTTP/2 exchange and what building those exchanges takes.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { Http1Connection } from '../dist/protocols/http1/index.js';
import { Http2Connection } from '../dist/protocols/http2/index.js';
import { Session } from '../dist/session/session.js';
import { CLI, fmt, h2load, median, rng, startNginx, tempDir } from './lib.mjs';
import { segmentItems, time, timeParser } from './query.mjs';
import { recordOverhead, recordOverheadMarkdown } from './record-overhead.mjs';
import { captureThroughRelay } from './relay-capture.mjs';

/** Streams h2load keeps open on each connection: HTTP/2's multiplexing, which HTTP/1.1 has not. */
const H2_STREAMS = 32;
/** Each parser's timing is the median of this many passes over the same traffic. */
const PASSES = 3;

const API_BODY = JSON.stringify({ id: 4711, name: 'user4711', email: 'user4711@example.com', roles: ['user'], cart: [{ sku: 'SKU-4711-2', qty: 3 }] });

/** Paths of an API whose answers are small JSON documents, requested round robin. */
const apiPaths = (n) => Array.from({ length: n }, (_, i) => `/api/users/${1000 + i}?page=${i % 7}`);

/**
 * The parser workloads: the requests h2load sends (round robin over `paths`) on one connection.
 * `requests` is how many; BENCH_H2_SMALL and BENCH_H2_MIXED override them.
 */
const WORKLOADS = [
  {
    name: 'small responses',
    traffic: `GET of 20 API paths, ${API_BODY.length}-byte JSON responses`,
    requests: Number(process.env.BENCH_H2_SMALL ?? 50_000),
    paths: apiPaths(20),
  },
  {
    name: 'mixed bodies',
    traffic: 'of every 20 GETs: 16 small JSON, 3 of an 8 kB page, 1 of a 64 kB image',
    requests: Number(process.env.BENCH_H2_MIXED ?? 10_000),
    paths: [...apiPaths(16), '/page.html?a', '/page.html?b', '/page.html?c', '/photo.jpg'],
  },
];

/** nginx's site for the parser workloads: the API's JSON, and static files sent with sendfile. */
function site() {
  const www = tempDir('tinytap-bench-h2-www-');
  writeFileSync(join(www, 'page.html'), '<!doctype html><title>tinytap</title>' + 'a page of static text served over HTTP/2 '.repeat(200).slice(0, 8192 - 40) + '\n');
  const random = rng(2);
  writeFileSync(join(www, 'photo.jpg'), Buffer.from(Array.from({ length: 65536 }, () => Math.floor(random() * 256))));
  chmodSync(www, 0o755);
  return `location /api/ { default_type application/json; return 200 '${API_BODY}'; }\n    root ${www};`;
}

/** h2load's `workload` through a relay to nginx on `port`: h2load's figures and the one connection's writes. */
async function capture(port, workload, h1) {
  let load;
  const connections = await captureThroughRelay(port, async (relayPort) => {
    const urls = workload.paths.map((p) => `http://127.0.0.1:${relayPort}${p}`);
    load = await h2load(urls, { requests: workload.requests, clients: 1, streams: h1 ? 1 : H2_STREAMS, h1 });
  });
  if (connections.length !== 1) throw new Error(`h2load opened ${connections.length} connections, expected 1`);
  return { requests: load.requests, writes: connections[0] };
}

/** A parser over one connection's writes, PASSES times: the median pass, which must hand out every request, answered 200. */
function timeConnection(newConnection, traffic) {
  const items = segmentItems(traffic.writes);
  const passes = Array.from({ length: PASSES }, () => timeParser(newConnection(), (c) => c.takeExchanges(), items, traffic.requests, (x) => x.complete && x.response?.status === 200));
  const m = median(passes.map((p) => p.seconds));
  const r = passes.find((p) => p.seconds === m);
  return { exchanges: traffic.requests, bytes: r.bytes, seconds: r.seconds, mbPerSec: r.mbPerSec, exchangesPerSec: r.perSec };
}

/** Each workload sent by h2load over HTTP/1.1 and over HTTP/2, and each parser alone on what crossed the wire. */
export async function h2ParserThroughput() {
  const block = site();
  const [h1Server, h2Server] = await Promise.all([startNginx(block), startNginx(block, { listen: 'http2' })]);
  try {
    const rows = [];
    for (const w of WORKLOADS) {
      const http1 = timeConnection(() => new Http1Connection(), await capture(h1Server.port, w, true));
      const http2 = timeConnection(() => new Http2Connection(), await capture(h2Server.port, w, false));
      rows.push({ workload: w.name, traffic: w.traffic, http1, http2 });
    }
    return { streams: H2_STREAMS, passes: PASSES, rows };
  } finally {
    await Promise.all([h1Server.stop(), h2Server.stop()]);
  }
}

export function h2ParserMarkdown(p) {
  const pct = (a, b) => `${fmt((100 * a) / b)}%`;
  const row = (w, name, x, base) =>
    `| ${w.workload} | ${name} | ${fmt(x.exchanges)} | ${fmt(x.bytes / 1e6, 1)} | ${fmt(x.mbPerSec, 1)} | ${fmt(x.exchangesPerSec)} | ${base ? pct(x.mbPerSec, base.mbPerSec) : ''} | ${base ? pct(x.exchangesPerSec, base.exchangesPerSec) : ''} |`;
  return `| workload | parser | exchanges | MB on the wire | MB/s | exchanges/s | MB/s vs. HTTP/1.1 | exchanges/s vs. HTTP/1.1 |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |
${p.rows.map((w) => [row(w, 'HTTP/1.1 (`Http1Connection`)', w.http1, null), row(w, 'HTTP/2 (`Http2Connection`)', w.http2, w.http1)].join('\n')).join('\n')}

${p.rows.map((w) => `${w.workload}: ${w.traffic}`).join('; ')}.
The traffic is real: h2load against nginx on one connection, once with \`--h1\` (keep-alive, one request at a time) and once over HTTP/2 with ${p.streams} concurrent streams (\`-m ${p.streams}\`), the same requests round robin over the same paths, taken from a relay on loopback (bench/relay-capture.mjs) as each read() returned them.
Each parser is fed its connection's writes cut in 1,460-byte segments, must hand out every request answered 200, and is timed over ${p.passes} passes (the median). HTTP/2's bytes are fewer for the same requests (HPACK), so its MB/s and its exchanges/s say different things.`;
}

/** The load of the overhead runs: h2load with many streams on a few connections. */
function h2loadRuns({ requests, clients, streams, tls }) {
  const options = { requests, clients, streams };
  return {
    describe: `\`h2load -n ${requests} -c ${clients} -m ${streams}\` (${tls ? 'h2 over TLS, chosen by ALPN' : 'h2c with prior knowledge'})`,
    run: (url) => h2load(url, options),
    warmUp: (url) => h2load(url, { ...options, requests: Math.ceil(requests / 10) }),
  };
}

/** A recorded session: build its exchanges (timed, as `tinytap reparse`), and count what it holds. */
function buildAndCount(file, run) {
  const build = time(process.execPath, [CLI, 'reparse', file]);
  const session = Session.open(file, { build: false });
  try {
    const exchanges = session.countExchanges();
    const http2Ok = session.countExchanges("x.http_version = 'HTTP/2' AND x.status = 200");
    return { requests: run.requests, exchanges, http2Ok, drops: run.drops, capturedBytes: run.capturedBytes, buildMs: build.ms };
  } finally {
    session.close();
  }
}

/** h2load against nginx (`listen ... http2`, with `ssl` when `tls`): baseline, `tinytap record`, tcpdump. */
export function h2Overhead({ tls = null } = {}) {
  const requests = Number(process.env.BENCH_H2_REQUESTS ?? 250_000);
  return recordOverhead({
    label: `h2load, HTTP/2${tls ? ' over TLS' : ' cleartext'}, small responses`,
    serverBlock: 'location / { return 200 "hello from nginx, a small response body\\n"; }',
    listen: 'http2',
    tls,
    load: h2loadRuns({ requests, clients: 4, streams: H2_STREAMS, tls }),
    inspectSession: buildAndCount,
  });
}

export function h2OverheadMarkdown(r) {
  const [rec] = r.variants;
  const s = rec.inspected;
  const seconds = s.buildMs / 1000;
  return `${recordOverheadMarkdown(r)}

Exchanges in the first round's session: ${fmt(s.http2Ok)} HTTP/2 exchanges answered 200 of the ${fmt(s.requests)} requests h2load made (${fmt(s.exchanges)} exchanges in all, ${fmt(s.drops)} records dropped).
Building them (\`tinytap reparse\`): ${fmt(seconds, 1)} s, ${fmt(s.exchanges / seconds)} exchanges/s, ${fmt(s.capturedBytes / 1e6 / seconds, 1)} MB/s of captured bytes.`;
}
