// Database calls: each protocol parser's throughput beside the HTTP/1.x parser's, and `ls` with
// the database filter keys and `search` on a generated session where an HTTP service also talks
// to PostgreSQL and Redis (bench/generate-session.mjs, `mixed`).
import { join } from 'node:path';

import { MysqlConnection } from '../dist/protocols/mysql/index.js';
import { PostgresConnection } from '../dist/protocols/postgres/index.js';
import { RedisConnection } from '../dist/protocols/redis/index.js';
import { mysqlWorkload, pgWorkload, redisWorkload } from './db-traffic.mjs';
import { RARE_SQL } from './generate-session.mjs';
import { CLI, fmt, tempDir } from './lib.mjs';
import { generateAndBuild, lines, parserThroughput, streamItems, time, timeParser, timeTinytap } from './query.mjs';

const PARSERS = [
  {
    name: 'PostgreSQL',
    traffic: 'node-postgres: simple queries and Parse/Bind/Describe/Execute/Sync, 1–20 DataRows',
    workload: pgWorkload,
    parser: () => new PostgresConnection(),
  },
  {
    name: 'MySQL',
    traffic: 'mysql2 against MariaDB: COM_QUERY with text rows, COM_STMT_EXECUTE with binary rows',
    workload: mysqlWorkload,
    parser: () => new MysqlConnection(),
  },
  {
    name: 'Redis',
    traffic: 'GET, SET, HGETALL pipelined 10 per write, RESP2 bulk replies',
    workload: redisWorkload,
    parser: () => new RedisConnection(),
  },
];

/** Each parser alone on one connection's traffic, fed in 1460-byte segments, beside HTTP/1.x's. */
export function dbParserThroughput(calls = 200_000) {
  const http = parserThroughput(calls);
  const rows = [{ name: 'HTTP/1.x', traffic: 'keep-alive GET, small JSON responses', calls, bytes: http.bytes, seconds: http.seconds, mbPerSec: http.mbPerSec, callsPerSec: http.exchangesPerSec }];
  for (const p of PARSERS) {
    const turns = [...p.workload(calls)];
    const expected = turns.reduce((n, t) => n + t.calls, 0);
    const r = timeParser(p.parser(), (c) => c.takeCalls(), streamItems(turns), expected, (call) => call.complete && call.status === 'ok');
    rows.push({ name: p.name, traffic: p.traffic, calls: expected, bytes: r.bytes, seconds: r.seconds, mbPerSec: r.mbPerSec, callsPerSec: r.perSec });
  }
  return rows;
}

/**
 * The filters timed on the mixed session, each a whole `tinytap ls` command; the last lists HTTP
 * rows only, about as many as the large database listings, for the per-row cost beside them.
 */
const FILTERS = [['proto:pg'], ['proto:redis', 'cmd:GET'], ['sql:"from users"'], ['table:orders'], ['key:session:*'], ['queries:>1'], ['is:n+1'], ['method:POST']];
const NOTES = { 'method:POST': ' (HTTP rows, to compare)' };

export async function dbQueryBench({ exchanges = 1_000_000, dir = tempDir() } = {}) {
  const file = join(dir, `mixed-${exchanges}.tinytap`);
  const { generated, ...built } = await generateAndBuild({ file, exchanges, mixed: true });
  const protocols = {};
  for (const proto of ['http', 'postgresql', 'redis']) protocols[proto] = lines(time(process.execPath, [CLI, 'ls', file, `proto:${proto}`, '--json']).stdout);
  const search = timeTinytap(['search', file, RARE_SQL, '--json']);
  const ls = FILTERS.map((filter) => {
    const all = timeTinytap(['ls', file, ...filter, '--json']);
    // what a person sees first: the filter's cost without printing every row
    const first = timeTinytap(['ls', file, ...filter, '-n', '50', '--json']);
    return { filter: filter.join(' '), rows: all.rows, ms: all.ms, runs: all.runs, firstMs: first.ms };
  });
  const startup = timeTinytap(['--version']);
  return { exchanges: generated.exchanges, protocols, ...built, searchMs: search.ms, searchRuns: search.runs, searchHits: search.rows, ls, startupMs: startup.ms, file };
}

export function dbParserMarkdown(rows) {
  return `| parser | traffic | calls | MB/s | calls/s |
| --- | --- | ---: | ---: | ---: |
${rows.map((r) => `| ${r.name} | ${r.traffic} | ${fmt(r.calls)} | ${fmt(r.mbPerSec, 1)} | ${fmt(r.callsPerSec)} |`).join('\n')}

Each parser is fed one connection's streams (${rows.map((r) => `${r.name} ${fmt(r.bytes / 1e6)} MB`).join(', ')}) cut in 1,460-byte segments, and must hand out exactly the calls generated.
The openings (PostgreSQL startup, MariaDB handshake) are bytes of real captures in testdata/protocols/; the rest is built message by message in their shapes (bench/db-traffic.mjs).`;
}

export function dbQueryMarkdown(q) {
  const ok = (ms) => (ms < 1000 ? 'yes' : `no (${fmt(ms / 1000, 1)}×)`);
  return `Session: ${fmt(q.exchanges)} generated exchanges: ${fmt(q.protocols.http)} HTTP exchanges, ${fmt(q.protocols.postgresql)} PostgreSQL calls, ${fmt(q.protocols.redis)} Redis calls
(an HTTP service on loopback that calls PostgreSQL and Redis while it serves, every connection's both ends captured),
${fmt(q.capturedFileBytes / 1e6)} MB as recorded; ${fmt(q.sessionBytes / 1e6)} MB once its exchanges and search index are built.

| operation | rows | every row printed | under 1 s | first 50 rows (\`-n 50\`) | under 1 s |
| --- | ---: | ---: | :---: | ---: | :---: |
| \`search ${RARE_SQL}\` (a string in one SQL query) | ${fmt(q.searchHits)} | ${fmt(q.searchMs)} ms | ${ok(q.searchMs)} | | |
${q.ls.map((l) => `| \`ls ${l.filter}\`${NOTES[l.filter] ?? ''} | ${fmt(l.rows)} | ${fmt(l.ms)} ms | ${ok(l.ms)} | ${fmt(l.firstMs)} ms | ${ok(l.firstMs)} |`).join('\n')}

tinytap times are whole commands (median of 3 runs, \`--json\`), including Node.js start-up (${fmt(q.startupMs)} ms for \`tinytap --version\`); "no (2.7×)" is 2.7 times the target.
Building the exchanges once (\`tinytap reparse\`, done on first use): ${fmt(q.buildMs / 1000, 1)} s, ${fmt(q.buildMbPerSec, 1)} MB/s of captured bytes.`;
}
