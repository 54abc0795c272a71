// Database traffic for the benchmarks, as real clients and servers write it: PostgreSQL as
// node-postgres speaks it (simple Query, and Parse/Bind/Describe/Execute/Sync for a query with
// parameters), MySQL/MariaDB as mysql2 speaks it (COM_QUERY with text result sets, COM_STMT_PREPARE
// then COM_STMT_EXECUTE with binary rows), Redis as node clients pipeline RESP2 commands.
// Message shapes are those of the real cases in testdata/protocols/; the connection openings (the
// PostgreSQL startup, the MariaDB handshake) are taken from them byte for byte.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ROOT, rng } from './lib.mjs';

// ---------------------------------------------------------------------------------------------
// the corpus text format (testdata/http/README.md, "Input"): segments of one connection

const ESCAPES = { r: '\r', n: '\n', t: '\t', '\\': '\\' };

function unescape(line) {
  return line.replace(/\\(x[0-9a-fA-F]{2}|[rnt\\])/g, (_, e) => (e[0] === 'x' ? String.fromCharCode(parseInt(e.slice(1), 16)) : ESCAPES[e]));
}

const segmentsOf = new Map();

/** The captured segments of a corpus case, in order: [{ dir, bytes }]. */
export function corpusSegments(relPath) {
  if (!segmentsOf.has(relPath)) segmentsOf.set(relPath, readSegments(relPath));
  return segmentsOf.get(relPath);
}

function readSegments(relPath) {
  const text = readFileSync(join(ROOT, relPath), 'utf8');
  const segments = [];
  let current = null;
  for (const line of text.slice(0, text.indexOf('\n=== expect')).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const d = /^> (c2s|s2c) /.exec(line);
    if (d) segments.push((current = { dir: d[1], text: '' }));
    else if (line.startsWith('> repeat ')) {
      const [, n, t] = /^> repeat (\d+) (.*)$/.exec(line);
      current.text += unescape(t).repeat(Number(n));
    } else if (line.startsWith('> ')) current = null;
    else current.text += unescape(line);
  }
  return segments.map((s) => ({ dir: s.dir, bytes: Buffer.from(s.text, 'latin1') }));
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL (https://www.postgresql.org/docs/current/protocol-message-formats.html)

const cstr = (s) => Buffer.from(`${s}\0`, 'utf8');
const i16 = (n) => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
const i32 = (n) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

function pgMessage(type, ...parts) {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from(type, 'latin1'), i32(body.length + 4), body]);
}

/** A value in text format, or SQL NULL. */
const pgValue = (v) => (v === null ? i32(-1) : Buffer.concat([i32(Buffer.byteLength(String(v))), Buffer.from(String(v))]));

function pgRowDescription(columns) {
  // name, table oid, column number, type oid (int4 23, text 25, numeric 1700), size, modifier, format
  const TYPES = { int: [23, 4], text: [25, -1], numeric: [1700, -1] };
  return pgMessage(
    'T',
    i16(columns.length),
    ...columns.map(([name, type], i) => Buffer.concat([cstr(name), i32(16384), i16(i + 1), i32(TYPES[type][0]), i16(TYPES[type][1]), i32(-1), i16(0)])),
  );
}

function pgRows(columns, rows, tag) {
  return [pgRowDescription(columns), ...rows.map((r) => pgMessage('D', i16(r.length), ...r.map(pgValue))), pgMessage('C', cstr(tag))];
}

const PG_READY = pgMessage('Z', Buffer.from('I'));

/** node-postgres, a query without parameters: one Query message; the rows, CommandComplete, ReadyForQuery. */
export function pgSimpleQuery(sql, columns, rows, tag = `SELECT ${rows.length}`) {
  return { request: pgMessage('Q', cstr(sql)), response: Buffer.concat([...(columns ? pgRows(columns, rows, tag) : [pgMessage('C', cstr(tag))]), PG_READY]) };
}

/**
 * node-postgres, a query with parameters (unnamed statement): Parse, Bind, Describe portal,
 * Execute, Sync in one write; ParseComplete, BindComplete, RowDescription (or NoData), the rows,
 * CommandComplete, ReadyForQuery in one reply. As in testdata/protocols/postgres/real-node-params.pg.
 */
export function pgExtendedQuery(sql, params, columns, rows, tag = `SELECT ${rows.length}`) {
  const request = Buffer.concat([
    pgMessage('P', cstr(''), cstr(sql), i16(0)),
    pgMessage('B', cstr(''), cstr(''), i16(params.length), ...params.map(() => i16(0)), i16(params.length), ...params.map(pgValue), i16(1), i16(0)),
    pgMessage('D', Buffer.from('P'), cstr('')),
    pgMessage('E', cstr(''), i32(0)),
    pgMessage('S'),
  ]);
  const reply = columns ? pgRows(columns, rows, tag) : [pgMessage('n'), pgMessage('C', cstr(tag))];
  return { request, response: Buffer.concat([pgMessage('1'), pgMessage('2'), ...reply, PG_READY]) };
}

/** node-postgres' startup and the server's reply (trust authentication), from a real capture: one call. */
export function pgStartup() {
  const [c2s, s2c] = corpusSegments('testdata/protocols/postgres/real-node-params.pg');
  return { request: c2s.bytes, response: s2c.bytes };
}

// ---------------------------------------------------------------------------------------------
// MySQL / MariaDB (https://dev.mysql.com/doc/dev/mysql-server/latest/PAGE_PROTOCOL.html)

function myPacket(seq, payload) {
  const head = Buffer.alloc(4);
  head.writeUIntLE(payload.length, 0, 3);
  head[3] = seq & 0xff;
  return Buffer.concat([head, payload]);
}

function lenenc(s) {
  const b = Buffer.isBuffer(s) ? s : Buffer.from(String(s), 'utf8');
  if (b.length >= 251) throw new Error('bench values stay under 251 bytes');
  return Buffer.concat([Buffer.from([b.length]), b]);
}

const MY = { LONG: 0x03, DOUBLE: 0x05, NEWDECIMAL: 0xf6, VAR_STRING: 0xfd };

/**
 * A column definition as MariaDB sends it to mysql2 (testdata/protocols/mysql/node-execute.mysql):
 * with MARIADB_CLIENT_EXTENDED_TYPE_INFO negotiated, an empty extended-metadata string follows
 * the names.
 */
function myColumn(table, name, type) {
  const fixed = Buffer.alloc(13);
  fixed[0] = 0x0c;
  fixed.writeUInt16LE(type === MY.VAR_STRING ? 224 : 63, 1); // utf8mb4 / binary
  fixed.writeUInt32LE(type === MY.VAR_STRING ? 200 : 11, 3);
  fixed[7] = type;
  fixed.writeUInt16LE(type === MY.LONG ? 0x4203 : 0, 8);
  return Buffer.concat([lenenc('def'), lenenc('shop'), lenenc(table), lenenc(table), lenenc(name), lenenc(name), Buffer.from([0]), fixed]);
}

/** EOF packet: no warnings, SERVER_STATUS_AUTOCOMMIT (the client did not ask for DEPRECATE_EOF). */
const MY_EOF = Buffer.from([0xfe, 0, 0, 2, 0]);

/** Column count, definitions, EOF: the head of a result set; returns [packets, next seq]. */
function myResultHead(seq, table, columns) {
  const packets = [myPacket(seq++, Buffer.from([columns.length]))];
  for (const [name, type] of columns) packets.push(myPacket(seq++, myColumn(table, name, type)));
  packets.push(myPacket(seq++, MY_EOF));
  return [packets, seq];
}

/** COM_QUERY and its text result set (rows of lenenc strings, NULL as 0xfb). */
export function myQuery(sql, table, columns, rows) {
  const request = myPacket(0, Buffer.concat([Buffer.from([0x03]), Buffer.from(sql)]));
  let [packets, seq] = myResultHead(1, table, columns);
  for (const r of rows) packets.push(myPacket(seq++, Buffer.concat(r.map((v) => (v === null ? Buffer.from([0xfb]) : lenenc(v))))));
  packets.push(myPacket(seq, MY_EOF));
  return { request, response: Buffer.concat(packets) };
}

/** COM_STMT_PREPARE and its reply: the statement OK, the parameters' and the columns' definitions. */
export function myPrepare(statementId, sql, table, paramCount, columns) {
  const request = myPacket(0, Buffer.concat([Buffer.from([0x16]), Buffer.from(sql)]));
  const ok = Buffer.alloc(12);
  ok.writeUInt32LE(statementId, 1);
  ok.writeUInt16LE(columns.length, 5);
  ok.writeUInt16LE(paramCount, 7);
  const packets = [myPacket(1, ok)];
  let seq = 2;
  for (let i = 0; i < paramCount; i++) packets.push(myPacket(seq++, myColumn('', '?', MY.VAR_STRING)));
  if (paramCount) packets.push(myPacket(seq++, MY_EOF));
  for (const [name, type] of columns) packets.push(myPacket(seq++, myColumn(table, name, type)));
  if (columns.length) packets.push(myPacket(seq, MY_EOF));
  return { request, response: Buffer.concat(packets) };
}

function myBinaryValue(type, v) {
  if (type === MY.LONG) {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    return b;
  }
  if (type === MY.DOUBLE) {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    return b;
  }
  return lenenc(v);
}

/**
 * COM_STMT_EXECUTE as mysql2 sends it (numbers as DOUBLE, strings as VAR_STRING, types sent each
 * time) and the binary result set: header 0x00, a NULL bitmap offset by 2 bits, the values.
 */
export function myExecute(statementId, params, table, columns, rows) {
  const head = Buffer.alloc(10);
  head[0] = 0x17;
  head.writeUInt32LE(statementId, 1);
  head.writeUInt32LE(1, 6); // iteration count
  const types = params.map((p) => (typeof p === 'number' ? MY.DOUBLE : MY.VAR_STRING));
  const request = myPacket(
    0,
    Buffer.concat([
      head,
      Buffer.alloc((params.length + 7) >> 3),
      Buffer.from([1]),
      ...types.map((t) => Buffer.from([t, 0])),
      ...params.map((p, i) => myBinaryValue(types[i], p)),
    ]),
  );
  let [packets, seq] = myResultHead(1, table, columns);
  for (const r of rows) {
    const nulls = Buffer.alloc((columns.length + 9) >> 3);
    r.forEach((v, i) => v === null && (nulls[(i + 2) >> 3] |= 1 << ((i + 2) & 7)));
    const values = r.flatMap((v, i) => (v === null ? [] : [myBinaryValue(columns[i][1], v)]));
    packets.push(myPacket(seq++, Buffer.concat([Buffer.from([0]), nulls, ...values])));
  }
  packets.push(myPacket(seq, MY_EOF));
  return { request, response: Buffer.concat(packets) };
}

/** mysql2 logging in to MariaDB (greeting, handshake response, OK), from a real capture: one call. */
export function myHandshake() {
  const [greeting, login, ok] = corpusSegments('testdata/protocols/mysql/node-execute.mysql');
  return { request: login.bytes, response: Buffer.concat([greeting.bytes, ok.bytes]), greeting: greeting.bytes, ok: ok.bytes };
}

export { MY as MYSQL_TYPES };

// ---------------------------------------------------------------------------------------------
// Redis, RESP2 (https://redis.io/docs/latest/develop/reference/protocol-spec/)

const bulk = (s) => (s === null ? '$-1\r\n' : `$${Buffer.byteLength(s)}\r\n${s}\r\n`);

/** A command as clients send it: an array of bulk strings. */
export const redisCommand = (...args) => Buffer.from(`*${args.length}\r\n${args.map(bulk).join('')}`);

export const redisReply = {
  bulk: (s) => Buffer.from(bulk(s)),
  ok: () => Buffer.from('+OK\r\n'),
  integer: (n) => Buffer.from(`:${n}\r\n`),
  array: (items) => Buffer.from(`*${items.length}\r\n${items.map(bulk).join('')}`),
};

// ---------------------------------------------------------------------------------------------
// workloads for the parser benchmark: turns of one connection (what one side wrote before the
// other answered), and how many calls they hold

export const USER_COLUMNS = [
  ['id', 'int'],
  ['name', 'text'],
  ['email', 'text'],
];
export const ORDER_COLUMNS = [
  ['id', 'int'],
  ['status', 'text'],
  ['total', 'numeric'],
];

/** A user row, an order's rows: the values the bench queries return. */
export const userRow = (id) => [id, `user${id}`, `user${id}@example.com`];
export const orderRows = (id, n) => Array.from({ length: n }, (_, i) => [id * 10 + i, i % 3 ? 'shipped' : 'open', `${(id % 997) + i}.${String(id % 100).padStart(2, '0')}`]);

/** node-postgres on one connection: half simple queries, half with parameters; 1 to 20 rows. */
export function* pgWorkload(calls) {
  const random = rng(7);
  yield { ...pgStartup(), calls: 1 };
  for (let i = 1; i < calls; i++) {
    const id = Math.floor(random() * 100000);
    if (i % 2) yield { ...pgExtendedQuery('SELECT id, name, email FROM users WHERE id = $1', [id], USER_COLUMNS, [userRow(id)]), calls: 1 };
    else yield { ...pgSimpleQuery(`SELECT id, status, total FROM orders WHERE customer_id = ${id} ORDER BY id LIMIT 20`, ORDER_COLUMNS, orderRows(id, 1 + (id % 20))), calls: 1 };
  }
}

const MY_USER = [
  ['id', MY.LONG],
  ['name', MY.VAR_STRING],
  ['email', MY.VAR_STRING],
];
const MY_ORDER = [
  ['id', MY.LONG],
  ['status', MY.VAR_STRING],
  ['total', MY.NEWDECIMAL],
];

/** mysql2 on one connection: half COM_QUERY with text rows, half COM_STMT_EXECUTE with binary rows. */
export function* mysqlWorkload(calls) {
  const random = rng(8);
  const h = myHandshake();
  yield { request: Buffer.alloc(0), response: h.greeting, calls: 0 };
  yield { request: h.request, response: h.ok, calls: 1 };
  yield { ...myPrepare(1, 'SELECT id, name, email FROM users WHERE id = ?', 'users', 1, MY_USER), calls: 1 };
  for (let i = 2; i < calls; i++) {
    const id = Math.floor(random() * 100000);
    if (i % 2) yield { ...myExecute(1, [id], 'users', MY_USER, [userRow(id)]), calls: 1 };
    else yield { ...myQuery(`SELECT id, status, total FROM orders WHERE customer_id = ${id} ORDER BY id LIMIT 20`, 'orders', MY_ORDER, orderRows(id, 1 + (id % 20))), calls: 1 };
  }
}

/** A Redis client pipelining GET, SET and HGETALL, 10 commands per write, replies in one write. */
export function* redisWorkload(calls, pipeline = 10) {
  const random = rng(9);
  for (let i = 0; i < calls; i += pipeline) {
    const requests = [];
    const replies = [];
    for (let k = 0; k < pipeline && i + k < calls; k++) {
      const id = Math.floor(random() * 100000);
      const which = (i + k) % 3;
      if (which === 0) {
        requests.push(redisCommand('GET', `session:${id.toString(16)}`));
        replies.push(redisReply.bulk(JSON.stringify({ user: id, roles: ['user'], exp: 1795000000 + id })));
      } else if (which === 1) {
        requests.push(redisCommand('SET', `user:${id}:seen`, String(1795000000 + id), 'EX', '3600'));
        replies.push(redisReply.ok());
      } else {
        requests.push(redisCommand('HGETALL', `cart:${id}`));
        replies.push(redisReply.array(Array.from({ length: 2 * (1 + (id % 5)) }, (_, j) => (j % 2 ? String(1 + (j % 4)) : `SKU-${id}-${j}`))));
      }
    }
    yield { request: Buffer.concat(requests), response: Buffer.concat(replies), calls: requests.length };
  }
}
