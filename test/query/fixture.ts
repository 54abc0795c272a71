/**
 * A handful of exchanges in a real in-memory database built from formats/exchanges.sql, and
 * the same exchanges as FilterSubjects: the filter tests run compiled SQL against the one and
 * matchesExchange against the other, and expect the same ids from both.
 */
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { expect } from 'vitest';

import { type FilterAst, type FilterSubject, compileFilter, describeFilter, matchesExchange, parseFilter, registerFilterFunctions } from '../../src/query/index.js';
import { ExchangeFlag as F } from '../../src/model/exchange-flags.js';
import { sqlShape } from '../../src/model/query-shape.js';
import { packText, textCodec } from '../../src/session/exchange-text.js';

const SCHEMA = fileURLToPath(new URL('../../formats/exchanges.sql', import.meta.url));

/** Local wall-clock time as ns (the tests' times are local, as since:/until: read them). */
export function localNs(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): bigint {
  return BigInt(new Date(y, mo - 1, d, h, mi, s, ms).getTime()) * 1_000_000n;
}

/** "Now" for since:/until: in these tests: 2026-11-20 12:00 local. */
export const NOW = new Date(2026, 10, 20, 12, 0, 0);

/** An exchange of the fixture: a FilterSubject whose URL is made from its host, port and path. */
export type Row = Omit<FilterSubject, 'url' | 'scheme'> & { id: number };

/** https when it was read from TLS plaintext, as the reconstructor writes it. */
function scheme(r: Pick<Row, 'flags' | 'protocol'>): string {
  if (r.protocol !== 'http') return r.protocol;
  return r.flags & F.DECRYPTED ? 'https' : 'http';
}

function url(r: Pick<Row, 'host' | 'path' | 'query' | 'serverPort' | 'flags' | 'protocol' | 'db'>): string {
  if (r.protocol !== 'http') return `${r.protocol}://${r.host}:${r.serverPort}/${r.db ?? ''}`;
  const port = r.serverPort === 80 || r.serverPort === null ? '' : `:${r.serverPort}`;
  return `${scheme(r)}://${r.host}${port}${r.path}${r.query === null ? '' : `?${r.query}`}`;
}

const CURL = { clientPid: 4121, clientComm: 'curl' };
const PY = { serverPid: 5001, serverComm: 'python3' };
const NODE = { serverPid: 5002, serverComm: 'node' };

/** What an HTTP row has of the protocol-neutral fields. */
const HTTP = { protocol: 'http', shape: null, names: null, db: null, rows: null, queries: null } as const;

export const ROWS: Row[] = ([
  {
    id: 1, method: 'GET', status: 200, host: 'www.local', path: '/index.html', query: null, ...CURL, ...PY,
    serverPort: 8080, clientPort: 40001, respBodySize: 20, durationNs: 2_000_000, reqStartedNs: localNs(2026, 11, 20, 10, 0),
    respType: 'text/html', flags: 0,
    reqHeaders: 'Host: www.local:8080\nUser-Agent: curl/8.5.0\nAccept: */*',
    respHeaders: 'Content-Type: text/html\nContent-Length: 20', reqBody: '', respBody: '<h1>Hello World</h1>',
  },
  {
    id: 2, method: 'POST', status: 201, host: 'api.local', path: '/users', query: null, ...CURL, ...NODE,
    serverPort: 3000, clientPort: 40002, respBodySize: 9, durationNs: 150_000_000, reqStartedNs: localNs(2026, 11, 20, 10, 15),
    respType: 'application/json', flags: 0,
    reqHeaders: 'Host: api.local\nContent-Type: application/json\nX-Request-Id: abc-123\nContent-Length: 14',
    respHeaders: 'Content-Type: application/json; charset=utf-8\nContent-Length: 9', reqBody: '{"name":"zoe"}', respBody: '{"id":42}',
  },
  {
    id: 3, method: 'GET', status: 404, host: 'api.local', path: '/users/42/posts', query: 'page=2', ...CURL, ...NODE,
    serverPort: 3000, clientPort: 40002, respBodySize: 9, durationNs: 1_000_000, reqStartedNs: localNs(2026, 11, 20, 10, 30, 20),
    respType: 'text/plain', flags: 0,
    reqHeaders: 'Host: api.local\nX-Request-Id: def-456', respHeaders: 'Content-Type: text/plain\nContent-Length: 9', reqBody: '', respBody: 'not found',
  },
  {
    id: 4, method: 'GET', status: 500, host: 'API.local', path: '/slow', query: null, ...CURL, ...NODE,
    serverPort: 3000, clientPort: 40002, respBodySize: 30, durationNs: 1_200_000_000, reqStartedNs: localNs(2026, 11, 20, 10, 45),
    respType: 'text/plain', flags: 0,
    reqHeaders: 'Host: API.local', respHeaders: 'Content-Type: text/plain\nContent-Encoding: gzip\nRetry-After: 30',
    reqBody: '', respBody: 'upstream TIMEOUT while waiting',
  },
  {
    id: 5, method: 'DELETE', status: null, host: 'api.local', path: '/users/7', query: null, ...CURL, ...NODE,
    serverPort: 3000, clientPort: 40002, respBodySize: null, durationNs: null, reqStartedNs: localNs(2026, 11, 20, 11, 0),
    respType: null, flags: F.NO_RESPONSE | F.INCOMPLETE,
    reqHeaders: 'Host: api.local', respHeaders: '', reqBody: '', respBody: '',
  },
  {
    id: 6, method: 'GET', status: 200, host: 'cdn.example.com', path: '/img/logo.png', query: null,
    clientPid: 6000, clientComm: 'wget', serverPid: 6001, serverComm: 'nginx',
    serverPort: 80, clientPort: 40006, respBodySize: 20_000, durationNs: 30_000_000, reqStartedNs: localNs(2026, 11, 20, 11, 30),
    respType: 'image/png', flags: F.RESP_BODY_PARTIAL | F.TRUNCATED,
    reqHeaders: 'Host: cdn.example.com', respHeaders: 'Content-Type: image/png\nContent-Length: 20000', reqBody: '', respBody: '',
  },
  {
    id: 7, method: 'GET', status: 200, host: 'api.local', path: '/broken', query: null,
    clientPid: 7000, clientComm: 'python3', ...NODE,
    serverPort: 3000, clientPort: 40007, respBodySize: 28, durationNs: 5_000_000, reqStartedNs: localNs(2026, 11, 20, 11, 45),
    respType: 'application/problem+json', flags: F.PARSE_ERROR | F.DECRYPTED,
    reqHeaders: 'Host: api.local\nAccept: */*', respHeaders: 'Content-Type: application/problem+json\nX-Note: 50%_off',
    reqBody: '', respBody: '{"error":"50%_off café"}',
  },
  {
    id: 8, method: 'GET', status: 101, host: 'localhost', path: '/ws', query: null,
    clientPid: 5002, clientComm: 'node', ...PY,
    serverPort: 9000, clientPort: 40008, respBodySize: 0, durationNs: 3_000_000, reqStartedNs: localNs(2026, 11, 19, 23, 59, 30),
    respType: null, flags: F.UPGRADE,
    reqHeaders: 'Host: localhost:9000\nUpgrade: websocket\nConnection: Upgrade\nX-Trace: a=b:c',
    respHeaders: 'Upgrade: websocket\nConnection: Upgrade', reqBody: '', respBody: '',
  },
  {
    id: 9, method: 'GET', status: 200, host: 'my_host.internal', path: '/big.bin', query: null,
    clientPid: 8000, clientComm: 'my_app', serverPid: 8001, serverComm: 'my_srv',
    serverPort: 8443, clientPort: 40009, respBodySize: 5 * 1024 * 1024 + 1, durationNs: 900_000_000, reqStartedNs: localNs(2026, 11, 20, 11, 59, 59, 500),
    respType: 'application/octet-stream', flags: F.ZEROCOPY | F.RESP_BODY_PARTIAL,
    reqHeaders: 'Host: my_host.internal:8443\nA: 1', respHeaders: 'Content-Type: application/octet-stream', reqBody: '', respBody: '',
  },
  {
    id: 10, method: 'PATCH', status: 302, host: 'a.b', path: '/a%b_c', query: 'x=[1]',
    clientPid: 8000, clientComm: 'my_app', serverPid: 8002, serverComm: 'CURL',
    serverPort: 8080, clientPort: 40010, respBodySize: 2, durationNs: 100_000_000, reqStartedNs: localNs(2026, 11, 20, 12, 0),
    respType: 'text/plain', flags: 0,
    reqHeaders: 'Host: a.b:8080\nCookie: SESSION=ok', respHeaders: 'Location: /login\nContent-Type: text/plain', reqBody: 'Ünïcode ÉTÉ', respBody: 'ok',
  },
] as Omit<Row, keyof typeof HTTP | 'operation'>[]).map((r) => ({ ...HTTP, operation: r.method, ...r }));

export const IDS = ROWS.map((r) => r.id);

const PG = { protocol: 'postgresql', method: null, status: null, host: '127.0.0.1', path: null, query: null, serverPort: 5432, serverComm: 'postgres', respType: null, respBodySize: null, reqHeaders: '', respHeaders: '' } as const;
const REDIS = { ...PG, protocol: 'redis', serverPort: 6379, serverComm: 'redis-server' } as const;

/**
 * Database calls beside some of the HTTP rows: the keys only they have (proto:, sql:, table:,
 * cmd:, key:, db:, queries:, rows:, error:) are tested over ROWS and these together.
 */
export const DB_ROWS: Row[] = [
  {
    ...PG, id: 11, operation: 'SELECT', shape: sqlShape('SELECT id, name FROM users WHERE id = $1'), names: 'users', db: 'app', rows: 1, queries: null,
    clientPid: 5002, clientComm: 'node', serverPid: 7001, clientPort: 41011, durationNs: 1_200_000, reqStartedNs: localNs(2026, 11, 20, 10, 30, 0, 1),
    flags: F.N_PLUS_ONE, reqBody: 'SELECT id, name FROM users WHERE id = $1\n42', respBody: '42\tAda',
  },
  {
    ...PG, id: 12, operation: 'INSERT', shape: sqlShape("INSERT INTO public.orders (user_id, total) VALUES (7, 12.5)"), names: 'public.orders\norders', db: 'shop', rows: 1, queries: null,
    clientPid: 5002, clientComm: 'node', serverPid: 7001, clientPort: 41011, durationNs: 150_000_000, reqStartedNs: localNs(2026, 11, 20, 10, 30, 1),
    flags: F.DB_ERROR, reqBody: "INSERT INTO public.orders (user_id, total) VALUES (7, 12.5)", respBody: 'duplicate key',
  },
  {
    ...REDIS, id: 13, operation: 'HGETALL', shape: 'HGETALL session:*', names: 'session:3f2a9c', db: '0', rows: 4, queries: null,
    clientPid: 5002, clientComm: 'node', serverPid: 7002, clientPort: 41013, durationNs: 300_000, reqStartedNs: localNs(2026, 11, 20, 10, 30, 2),
    flags: 0, reqBody: 'HGETALL session:3f2a9c', respBody: 'user\n42',
  },
  {
    ...REDIS, id: 14, operation: 'MGET', shape: 'MGET users:* cache', names: 'users:1\ncache', db: '1', rows: 2, queries: null,
    clientPid: 4121, clientComm: 'curl', serverPid: 7002, clientPort: 41014, durationNs: 200_000, reqStartedNs: localNs(2026, 11, 20, 10, 30, 3),
    flags: 0, reqBody: 'MGET users:1 cache', respBody: '',
  },
  {
    ...HTTP, id: 15, operation: 'GET', method: 'GET', status: 200, host: 'api.local', path: '/orders', query: null, clientPid: 4121, clientComm: 'curl', ...NODE,
    serverPort: 3000, clientPort: 40015, respBodySize: 10, durationNs: 40_000_000, reqStartedNs: localNs(2026, 11, 20, 10, 30),
    respType: 'application/json', flags: F.N_PLUS_ONE, queries: 12,
    reqHeaders: 'Host: api.local:3000', respHeaders: 'Content-Type: application/json', reqBody: '', respBody: '[]',
  },
];

export function subjectOf(r: Row): FilterSubject {
  const { id: _, ...subject } = r;
  return { ...subject, url: url(r), scheme: scheme(r) };
}

export function makeDb(rows: Row[] = ROWS): Database.Database {
  const db = new Database(':memory:');
  db.exec(readFileSync(SCHEMA, 'utf8'));
  const insert = db.prepare(`INSERT INTO exchanges (id, flow_id, seq, protocol, operation, client_pid, client_comm, server_pid, server_comm, server_port,
      client_port, method, scheme, host, path, query, url, status, req_started, duration_ns, resp_body_size, resp_type, flags,
      db, rows, shape, names, queries, grpc_service, grpc_method, grpc_status, digest, detail)
    VALUES (?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, x'')`);
  const text = db.prepare('INSERT INTO exchange_text (id, codec, data) VALUES (?, 0, ?)');
  const fts = db.prepare('INSERT INTO exchange_fts (rowid, url, req_headers, resp_headers, req_body, resp_body) VALUES (?, ?, ?, ?, ?, ?)');
  for (const r of rows) {
    insert.run(r.id, r.id, r.protocol, r.operation, r.clientPid, r.clientComm, r.serverPid, r.serverComm, r.serverPort, r.clientPort, r.method, scheme(r), r.host, r.path,
      r.query, url(r), r.status, r.reqStartedNs, r.durationNs, r.respBodySize, r.respType, r.flags, r.db, r.rows, r.shape, r.names, r.queries,
      r.grpcService ?? null, r.grpcMethod ?? null, r.grpcStatus ?? null);
    const fields = [url(r), r.reqHeaders, r.respHeaders, r.reqBody, r.respBody];
    text.run(r.id, packText(fields));
    fts.run(r.id, ...fields);
  }
  registerFilterFunctions(db);
  textCodec(db);
  return db;
}

/** Ids the compiled SQL selects. */
export function sqlIds(db: Database.Database, ast: FilterAst, now = NOW): number[] {
  const { where, params } = compileFilter(ast, { now });
  return (db.prepare(`SELECT x.id FROM exchanges x WHERE ${where} ORDER BY x.id`).pluck().all(...params) as number[]).map(Number);
}

/** Ids matchesExchange accepts. */
export function memoryIds(ast: FilterAst, now = NOW, rows: Row[] = ROWS): number[] {
  return rows.filter((r) => matchesExchange(ast, subjectOf(r), { now })).map((r) => r.id);
}

/** The filter selects exactly `expected` both in SQL and in memory, and what describeFilter prints parses back to it. */
export function expectSelects(db: Database.Database, rows: Row[], filter: string, expected: number[]): void {
  const ast = parseFilter(filter);
  expect(sqlIds(db, ast)).toEqual(expected);
  expect(memoryIds(ast, NOW, rows)).toEqual(expected);
  expect(parseFilter(describeFilter(ast))).toEqual(ast);
}

/** EXPLAIN QUERY PLAN of the filter, its lines joined with " | "; `inTimeOrder` as `ls` lists. */
export function queryPlan(db: Database.Database, ast: FilterAst, now = NOW, inTimeOrder = false): string {
  const { where, params } = compileFilter(ast, { now });
  const order = inTimeOrder ? ' ORDER BY x.req_started, x.id' : '';
  return (db.prepare(`EXPLAIN QUERY PLAN SELECT x.id FROM exchanges x WHERE ${where}${order}`).all(...params) as { detail: string }[])
    .map((r) => r.detail)
    .join(' | ');
}
