#!/usr/bin/env node
/**
 * Writes the hand-made corpus cases (hw-*.mysql): what loopback captures of MariaDB do not show
 * (MySQL 8's caching_sha2 fast path and CLIENT_DEPRECATE_EOF, cursors, long data, field lists,
 * progress reports) and what a capture can do to a stream (gaps, lost records, a start
 * mid-connection, the end mid-reply, pipelining). Packets are built here from the protocol's
 * encodings; the expected output is filled by UPDATE_CORPUS=1 (review it!).
 *   node make-cases.mjs
 */
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const b = (...parts) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.isBuffer(p) ? p : Buffer.from(p))));
const u16 = (n) => { const x = Buffer.alloc(2); x.writeUInt16LE(n); return x; };
const u32 = (n) => { const x = Buffer.alloc(4); x.writeUInt32LE(n); return x; };
const lenenc = (n) => (n < 0xfb ? Buffer.from([n]) : n < 0x10000 ? b([0xfc], u16(n)) : b([0xfd], u32(n).subarray(0, 3)));
const str = (s) => { const x = Buffer.isBuffer(s) ? s : Buffer.from(s); return b(lenenc(x.length), x); };
const nul = (s) => b(s, [0]);
const packet = (seq, payload) => b(u32(payload.length).subarray(0, 3), [seq], payload);
/** A packet whose header says `length` but only the first bytes of the payload are given. */
const packetHead = (seq, length, payloadStart) => b(u32(length).subarray(0, 3), [seq], payloadStart);

const CAP = { LONG_PASSWORD: 1, CONNECT_WITH_DB: 8, PROTOCOL_41: 512, SSL: 2048, SECURE: 32768, MULTI_STATEMENTS: 1 << 16, MULTI_RESULTS: 1 << 17, PLUGIN_AUTH: 1 << 19, CONNECT_ATTRS: 1 << 20, LENENC_AUTH: 1 << 21, SESSION_TRACK: 1 << 23, DEPRECATE_EOF: 1 << 24, QUERY_ATTRIBUTES: 1 << 27 };

function greeting(version, plugin, caps, mariaCaps = 0) {
  return b([10], nul(version), u32(7), 'abcdefgh', [0], u16(caps & 0xffff), [0x2d], u16(2), u16((caps >>> 16) & 0xffff), [21], Buffer.alloc(6), u32(mariaCaps), 'ijklmnopqrst', [0], nul(plugin));
}
function handshakeResponse(caps, user, db, plugin, attrs = {}) {
  const attr = b(...Object.entries(attrs).flatMap(([k, v]) => [str(k), str(v)]));
  return b(u32(caps >>> 0), u32(16777216), [0x2d], Buffer.alloc(23), nul(user), str(Buffer.alloc(20, 0xaa)), db ? nul(db) : [], nul(plugin), caps & CAP.CONNECT_ATTRS ? str(attr) : []);
}
const ok = (affected = 0, insertId = 0, status = 2, warnings = 0, info = '', header = 0) => b([header], lenenc(affected), lenenc(insertId), u16(status), u16(warnings), info);
const err = (code, state, message) => b([0xff], u16(code), state ? `#${state}` : '', message);
const eof = (status = 2, warnings = 0) => b([0xfe], u16(warnings), u16(status));
const colDef = (name, type, charset = 33, flags = 0) => b(str('def'), str('shop'), str('t'), str('t'), str(name), str(name), [0x0c], u16(charset), u32(255), [type], u16(flags), [0], [0, 0]);
const textRow = (...values) => b(...values.map((v) => (v === null ? Buffer.from([0xfb]) : str(String(v)))));
const query = (sql) => packet(0, b([3], sql));

function writeCase(name, title, items) {
  const lines = [`# ${title} (hand-made by make-cases.mjs)`, ''];
  for (const item of items) {
    if (item.end) { lines.push(`> end ${item.end} ${item.ts}`); continue; }
    if (item.split) { lines.push(`> split ${item.split}`); continue; }
    lines.push(`> ${item.dir} ${item.ts}${item.opts ? ` ${item.opts}` : ''}`);
    lines.push(...dataLines(item.bytes));
  }
  lines.push('', '=== expect', '');
  writeFileSync(new URL(`./${name}.mysql`, import.meta.url), lines.join('\n'));
}
function dataLines(bytes) {
  const out = [];
  let line = '';
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    let e;
    if (c === 0x5c) e = '\\\\';
    else if (c >= 0x20 && c < 0x7f && !(line === '' && (c === 0x23 || c === 0x3e))) e = String.fromCharCode(c);
    else e = `\\x${c.toString(16).padStart(2, '0')}`;
    line += e;
    if (line.length >= 72) { out.push(line.endsWith(' ') ? `${line.slice(0, -1)}\\x20` : line); line = ''; }
  }
  if (line) out.push(line.endsWith(' ') ? `${line.slice(0, -1)}\\x20` : line);
  return out;
}
const c2s = (ts, ...packets) => ({ dir: 'c2s', ts, bytes: b(...packets) });
const s2c = (ts, ...packets) => ({ dir: 's2c', ts, bytes: b(...packets) });

const mysql8Caps = CAP.LONG_PASSWORD | CAP.CONNECT_WITH_DB | CAP.PROTOCOL_41 | CAP.SECURE | CAP.MULTI_STATEMENTS | CAP.MULTI_RESULTS | CAP.PLUGIN_AUTH | CAP.CONNECT_ATTRS | CAP.LENENC_AUTH | CAP.SESSION_TRACK | CAP.DEPRECATE_EOF | CAP.QUERY_ATTRIBUTES;
const plainCaps = CAP.LONG_PASSWORD | CAP.CONNECT_WITH_DB | CAP.PROTOCOL_41 | CAP.SECURE | CAP.MULTI_STATEMENTS | CAP.MULTI_RESULTS | CAP.PLUGIN_AUTH | CAP.LENENC_AUTH;
const login = (caps, ts = 1000) => [
  s2c(ts, packet(0, greeting('8.0.36', 'mysql_native_password', caps))),
  c2s(ts + 1000, packet(1, handshakeResponse(caps, 'app', 'shop', 'mysql_native_password'))),
  s2c(ts + 2000, packet(2, ok())),
];

// MySQL 8: caching_sha2_password's fast path, query attributes, CLIENT_DEPRECATE_EOF, USE tracked by SESSION_TRACK
writeCase('hw-mysql8-caching-sha2', 'MySQL 8: caching_sha2 fast auth (0x01 0x03), query attributes, result sets ended by an OK (DEPRECATE_EOF), USE seen in session tracking', [
  s2c(1000, packet(0, greeting('8.0.36', 'caching_sha2_password', mysql8Caps))),
  c2s(2000, packet(1, handshakeResponse(mysql8Caps, 'app', 'shop', 'caching_sha2_password', { _client_name: 'libmysql', program_name: 'mysql' }))),
  s2c(3000, packet(2, b([0x01, 0x03]))),
  s2c(3500, packet(3, ok())),
  c2s(4000, packet(0, b([3, 0, 1], 'SELECT 1 AS one, NULL AS n'))),
  s2c(5000, packet(1, b([2])), packet(2, colDef('one', 8, 63)), packet(3, colDef('n', 6, 63)), packet(4, textRow(1, null)), packet(5, ok(0, 0, 2, 0, '', 0xfe))),
  c2s(6000, packet(0, b([3, 0, 1], 'use `other`'))),
  s2c(7000, packet(1, b(ok(0, 0, 0x4002), str(''), str(b([1], str(str('other'))))))),
  c2s(8000, packet(0, b([3, 0, 1], '/* app:42 */ SELECT DATABASE()'))),
  s2c(9000, packet(1, b([1])), packet(2, colDef('DATABASE()', 253)), packet(3, textRow('other')), packet(4, ok(0, 0, 2, 0, '', 0xfe))),
  c2s(10000, packet(0, b([1]))),
  { end: 'c2s', ts: 11000 },
  { end: 's2c', ts: 11000 },
]);

// caching_sha2 full authentication over plaintext: the server wants the password; nothing of it is kept
writeCase('hw-caching-sha2-full-auth', 'caching_sha2_password full authentication: 0x01 0x04, the client sends data, then access denied without the # SQLSTATE marker', [
  s2c(1000, packet(0, greeting('8.0.36', 'caching_sha2_password', mysql8Caps))),
  c2s(2000, packet(1, handshakeResponse(mysql8Caps & ~CAP.CONNECT_WITH_DB, 'app', null, 'caching_sha2_password'))),
  s2c(3000, packet(2, b([0x01, 0x04]))),
  c2s(4000, packet(3, b('secret-password', [0]))),
  s2c(5000, packet(4, err(1045, null, "Access denied for user 'app'"))),
  { end: 's2c', ts: 6000 },
]);

// two commands written before any reply: paired in order; the capture starts after the handshake
writeCase('hw-pipelined-midstream', 'capture begins after the handshake; two queries pipelined in one segment, their replies in one segment', [
  c2s(1000, query('SELECT 1'), query("INSERT INTO t VALUES (1), (2)")),
  s2c(2000, packet(1, b([1])), packet(2, colDef('1', 8)), packet(3, eof()), packet(4, textRow(1)), packet(5, eof()), packet(1, ok(2, 7, 2, 0, 'Records: 2  Duplicates: 0  Warnings: 0'))),
  c2s(3000, packet(0, b([0x0e]))),
  s2c(4000, packet(1, ok())),
]);

// replies before any request (the capture began mid-reply, at a packet boundary)
writeCase('hw-orphan-reply', 'the first bytes seen are a reply whose command was not captured', [
  s2c(1000, packet(1, ok(3, 0, 2))),
  c2s(2000, query('SELECT 2')),
  s2c(3000, packet(1, b([1])), packet(2, colDef('2', 8)), packet(3, eof()), packet(4, textRow(2)), packet(5, eof())),
]);

// a value cut at --max-payload: the row's bytes are skipped, the next query parses
const bigRow = textRow('x'.repeat(100000), 'after');
writeCase('hw-gap-in-row', 'a 100 kB row truncated by the capture (gap inside a packet whose length is known): skipped, the call is marked gap, the next query parses', [
  ...login(plainCaps),
  c2s(4000, query('SELECT big, tail FROM blobs')),
  s2c(5000, packet(1, b([2])), packet(2, colDef('big', 252, 63)), packet(3, colDef('tail', 253)), packet(4, eof())),
  { dir: 's2c', ts: 6000, bytes: packetHead(5, bigRow.length, bigRow.subarray(0, 40)), opts: `gap=truncated:${bigRow.length - 40}` },
  s2c(7000, packet(6, eof())),
  c2s(8000, query('SELECT 3')),
  s2c(9000, packet(1, b([1])), packet(2, colDef('3', 8)), packet(3, eof()), packet(4, textRow(3)), packet(5, eof())),
]);

// a gap where a header should be: framing is lost, the direction stops
writeCase('hw-gap-in-header', 'bytes lost where a request header lies: c2s stops with a gap error, the reply to the earlier command still pairs', [
  ...login(plainCaps),
  c2s(4000, query('SELECT 4')),
  { dir: 'c2s', ts: 4500, bytes: Buffer.from([0x09, 0x00]), opts: 'gap=zerocopy:20' },
  s2c(5000, packet(1, b([1])), packet(2, colDef('4', 8)), packet(3, eof()), packet(4, textRow(4)), packet(5, eof())),
  c2s(6000, query('SELECT 5')),
]);

// ring-buffer loss: lost=N skips bytes inside a row
const row = textRow('y'.repeat(300));
writeCase('hw-lost-records', 'records lost inside a row (offset jump): the row is skipped as a gap and parsing goes on', [
  ...login(plainCaps),
  c2s(4000, query('SELECT y FROM t')),
  s2c(5000, packet(1, b([1])), packet(2, colDef('y', 253)), packet(3, eof()), packetHead(4, row.length, row.subarray(0, 10))),
  { dir: 's2c', ts: 6000, bytes: b(row.subarray(110), packet(5, eof())), opts: 'lost=100' },
]);

// the server refuses the connection before any handshake
writeCase('hw-refused', 'the server answers the connection with an ERR instead of a greeting (too many connections)', [
  s2c(1000, packet(0, err(1040, null, 'Too many connections'))),
  { end: 's2c', ts: 2000 },
]);

// the capture ends in the middle of a result set
writeCase('hw-end-mid-reply', 'the streams end in the middle of a result set: the call is handed out incomplete with what was read', [
  ...login(plainCaps),
  c2s(4000, query('SELECT n FROM numbers')),
  s2c(5000, packet(1, b([1])), packet(2, colDef('n', 3)), packet(3, eof()), packet(4, textRow(1)), packet(5, textRow(2)), packetHead(6, 10, b([3]))),
  { end: 's2c', ts: 6000 },
  { end: 'c2s', ts: 6000 },
]);

// prepared statement life: long data, remembered types, cursor + fetch, reset, close, unknown id
const stmtCols = [colDef('id', 3), colDef('name', 253)];
const binRow = (id, name) => b([0], [0], u32(id), str(name));
writeCase('hw-prepared-lifecycle', 'prepare, execute with types, send long data, execute with remembered types, reset, cursor and fetch, close, execute of an unknown statement', [
  ...login(plainCaps),
  c2s(4000, packet(0, b([0x16], 'SELECT id, name FROM t WHERE id > ? AND note = ?'))),
  s2c(5000, packet(1, b([0], u32(5), u16(2), u16(2), [0], u16(0))), packet(2, colDef('?', 253)), packet(3, colDef('?', 253)), packet(4, eof()), packet(5, stmtCols[0]), packet(6, stmtCols[1]), packet(7, eof())),
  // execute: id 5, no cursor, new params bound: LONGLONG 10, VAR_STRING 'a'
  c2s(6000, packet(0, b([0x17], u32(5), [0], u32(1), [0], [1], [8, 0, 253, 0], Buffer.from([10, 0, 0, 0, 0, 0, 0, 0]), str('a')))),
  s2c(7000, packet(1, b([2])), packet(2, stmtCols[0]), packet(3, stmtCols[1]), packet(4, eof()), packet(5, binRow(11, 'eleven')), packet(6, eof())),
  // long data for parameter 1, then execute without types (remembered), parameter 0 NULL
  c2s(8000, packet(0, b([0x18], u32(5), u16(1), 'long '))),
  c2s(8100, packet(0, b([0x18], u32(5), u16(1), 'text'))),
  c2s(8200, packet(0, b([0x17], u32(5), [0], u32(1), [1], [0]))),
  s2c(9000, packet(1, b([2])), packet(2, stmtCols[0]), packet(3, stmtCols[1]), packet(4, eof()), packet(5, eof(0x22))),
  c2s(10000, packet(0, b([0x1a], u32(5)))),
  s2c(11000, packet(1, ok())),
  // execute with a read-only cursor: columns and an EOF with CURSOR_EXISTS, rows come with fetch
  c2s(12000, packet(0, b([0x17], u32(5), [1], u32(1), [0], [0], Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]), str('b')))),
  s2c(13000, packet(1, b([2])), packet(2, stmtCols[0]), packet(3, stmtCols[1]), packet(4, eof(0x42))),
  c2s(14000, packet(0, b([0x1c], u32(5), u32(2)))),
  s2c(15000, packet(1, binRow(2, 'two')), packet(2, binRow(3, 'three')), packet(3, eof(0xc2))),
  c2s(16000, packet(0, b([0x19], u32(5)))),
  c2s(17000, packet(0, b([0x17], u32(99), [0], u32(1), [0], [1], [3, 0], u32(1)))),
  s2c(18000, packet(1, err(1243, 'HY000', 'Unknown prepared statement handler (99) given to mysqld_stmt_execute'))),
]);

// the other commands
writeCase('hw-other-commands', 'COM_FIELD_LIST, COM_SET_OPTION (answered by EOF), COM_RESET_CONNECTION, a failing COM_INIT_DB, COM_STATISTICS, COM_CHANGE_USER with an auth switch', [
  ...login(plainCaps),
  c2s(4000, packet(0, b([0x04], nul('items'), '%'))),
  s2c(5000, packet(1, colDef('id', 3)), packet(2, colDef('name', 253)), packet(3, eof())),
  c2s(6000, packet(0, b([0x1b], u16(0)))),
  s2c(7000, packet(1, eof())),
  c2s(8000, packet(0, b([0x1f]))),
  s2c(9000, packet(1, ok())),
  c2s(10000, packet(0, b([0x02], 'nosuchdb'))),
  s2c(11000, packet(1, err(1049, '42000', "Unknown database 'nosuchdb'"))),
  c2s(12000, packet(0, b([0x11], nul('other_user'), [20], Buffer.alloc(20, 0xbb), nul('reports'), u16(33), nul('mysql_native_password')))),
  s2c(13000, packet(1, b([0xfe], nul('client_ed25519'), 'scramble-secret-xx'))),
  c2s(14000, packet(2, Buffer.alloc(64, 0xcc))),
  s2c(15000, packet(3, ok())),
  c2s(16000, query('SELECT USER()')),
  s2c(17000, packet(1, b([1])), packet(2, colDef('USER()', 253)), packet(3, eof()), packet(4, textRow('other_user@localhost')), packet(5, eof())),
]);

// MariaDB progress reports during a long ALTER TABLE
const mariaCaps = 1; // MARIADB_CLIENT_PROGRESS
const mariaBase = CAP.CONNECT_WITH_DB | CAP.PROTOCOL_41 | CAP.SECURE | CAP.PLUGIN_AUTH | CAP.LENENC_AUTH | CAP.MULTI_RESULTS;
const progress = (stage, max, percent) => b([0xff], u16(0xffff), [1], [stage], [max], u32(percent * 1000).subarray(0, 3), str('copy to tmp table'));
writeCase('hw-mariadb-progress', 'MariaDB progress reports (ERR 0xffff) during an ALTER TABLE are not the reply', [
  s2c(1000, packet(0, greeting('5.5.5-10.11.19-MariaDB', 'mysql_native_password', mariaBase, mariaCaps))),
  c2s(2000, packet(1, b(u32(mariaBase), u32(16777216), [0x2d], Buffer.alloc(19), u32(mariaCaps), nul('root'), str(Buffer.alloc(20, 1)), nul('shop'), nul('mysql_native_password')))),
  s2c(3000, packet(2, ok())),
  c2s(4000, query('ALTER TABLE items ADD COLUMN extra INT')),
  s2c(5000, packet(1, progress(1, 2, 50))),
  s2c(6000, packet(2, progress(2, 2, 90))),
  s2c(7000, packet(3, ok(0, 0, 2, 0, 'Records: 3  Duplicates: 0  Warnings: 0'))),
]);

// a 20 MB value captured only in part: the first physical packet is skipped through, its
// continuation's header is among the lost bytes, so framing stops with a gap error
writeCase('hw-huge-value-gap', 'a 20 MB value cut at --max-payload: the gap runs past the 0xffffff packet into the next header, s2c stops with a gap error', [
  ...login(plainCaps),
  c2s(4000, query('SELECT huge FROM blobs')),
  s2c(5000, packet(1, b([1])), packet(2, colDef('huge', 251, 63)), packet(3, eof())),
  { dir: 's2c', ts: 6000, bytes: packetHead(4, 0xffffff, b([0xfd], u32(20000000).subarray(0, 3), 'xxxx')), opts: `gap=truncated:${20000000 + 4 + 4 - 8}` },
  c2s(7000, query('SELECT 1')),
]);

// garbage: a client speaking something else after a good login
writeCase('hw-garbage', 'after login the client sends a packet with an unknown command byte and then bytes that are not MySQL', [
  ...login(plainCaps),
  c2s(4000, packet(0, b([0x99], 'junk'))),
  s2c(5000, packet(1, err(1047, '08S01', 'Unknown command'))),
  c2s(6000, b('GET / HTTP/1.1\r\nHost: x\r\n\r\n')),
  { end: 'c2s', ts: 7000 },
  { end: 's2c', ts: 7000 },
]);

// zlib compression: packets inflated across compressed-packet boundaries; then a gap inside a compressed packet
const COMPRESS = 32;
const compressed = (seq, inner, deflate = true) => {
  const body = deflate ? deflateSync(inner) : inner;
  return b(u32(body.length).subarray(0, 3), [seq], u32(deflate ? inner.length : 0).subarray(0, 3), body);
};
const zCaps = plainCaps | COMPRESS;
const zResult = b(packet(1, b([1])), packet(2, colDef('v', 253)), packet(3, eof()), packet(4, textRow('w'.repeat(500))), packet(5, eof()));
writeCase('hw-compressed', 'zlib compression: a reply split over two compressed packets (one deflated, one raw), then a compressed packet with a gap stops s2c', [
  s2c(1000, packet(0, greeting('8.0.36', 'mysql_native_password', zCaps))),
  c2s(2000, packet(1, handshakeResponse(zCaps, 'app', 'shop', 'mysql_native_password'))),
  s2c(3000, packet(2, ok())),
  c2s(3200, compressed(0, query(`SELECT v FROM t WHERE note = '${'q'.repeat(80)}'`))),
  s2c(3300, compressed(0, zResult.subarray(0, 100))),
  s2c(3500, compressed(1, zResult.subarray(100), false)),
  c2s(4000, compressed(0, query('SELECT 2'))),
  { dir: 's2c', ts: 5000, bytes: compressed(0, zResult).subarray(0, 12), opts: 'gap=truncated:30' },
]);
writeCase('hw-compressed-corrupt', 'zlib compression: a compressed packet that does not inflate stops the direction', [
  s2c(1000, packet(0, greeting('8.0.36', 'mysql_native_password', zCaps))),
  c2s(2000, packet(1, handshakeResponse(zCaps, 'app', 'shop', 'mysql_native_password'))),
  s2c(3000, packet(2, ok())),
  c2s(4000, b(u32(5).subarray(0, 3), [0], u32(20).subarray(0, 3), 'bogus')),
]);

// a pipelining connector sends its first query right behind the handshake response
writeCase('hw-pipelined-login', 'the client sends its first query before the authentication OK arrives', [
  s2c(1000, packet(0, greeting('8.0.36', 'mysql_native_password', plainCaps))),
  c2s(2000, packet(1, handshakeResponse(plainCaps, 'app', 'shop', 'mysql_native_password')), query('SELECT 7')),
  s2c(3000, packet(2, ok()), packet(1, b([1])), packet(2, colDef('7', 8)), packet(3, eof()), packet(4, textRow(7)), packet(5, eof())),
]);
