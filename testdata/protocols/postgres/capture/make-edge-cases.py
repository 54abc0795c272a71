#!/usr/bin/env python3
"""Writes the hand-made edge cases (../edge-*.pg): shapes real clients and servers rarely or never
produce (gaps, garbage, streams cut short, a capture started mid-connection), built message by
message so that every length is right. Run it, then UPDATE_CORPUS=1 to fill in the expectations."""
import os
import struct

from casefile import escape_line_bytes

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')


def i16(n): return struct.pack('>h', n)
def i32(n): return struct.pack('>i', n)
def cstr(s): return (s.encode() if isinstance(s, str) else s) + b'\0'
def msg(t, body=b''): return t.encode() + i32(len(body) + 4) + body


def startup(user='app', database='shop'):
    body = i32(196608) + cstr('user') + cstr(user) + cstr('database') + cstr(database) + b'\0'
    return i32(len(body) + 4) + body


def ready(status='I'): return msg('Z', status.encode())
def auth_ok(): return msg('R', i32(0))
def query(sql): return msg('Q', cstr(sql))
def row_desc(*cols):
    body = i16(len(cols))
    for name, oid in cols:
        body += cstr(name) + i32(0) + i16(0) + i32(oid) + i16(-1) + i32(-1) + i16(0)
    return msg('T', body)
def data_row(*values):
    body = i16(len(values))
    for v in values:
        body += i32(-1) if v is None else i32(len(v)) + v
    return msg('D', body)
def complete(tag): return msg('C', cstr(tag))
def error(code, text, severity='ERROR'):
    return msg('E', b'S' + cstr(severity) + b'V' + cstr(severity) + b'C' + cstr(code) + b'M' + cstr(text) + b'\0')
def notice(text): return msg('N', b'S' + cstr('NOTICE') + b'C' + cstr('00000') + b'M' + cstr(text) + b'\0')
def parse(sql, name='', types=()): return msg('P', cstr(name) + cstr(sql) + i16(len(types)) + b''.join(i32(t) for t in types))
def bind(values, statement='', portal='', formats=(), result_formats=()):
    body = cstr(portal) + cstr(statement) + i16(len(formats)) + b''.join(i16(f) for f in formats) + i16(len(values))
    for v in values:
        body += i32(-1) if v is None else i32(len(v)) + v
    return msg('B', body + i16(len(result_formats)) + b''.join(i16(f) for f in result_formats))
def execute(portal='', rows=0): return msg('E', cstr(portal) + i32(rows))
def sync(): return msg('S')


HELLO = [('c2s', 100, startup()), ('s2c', 200, auth_ok() + ready())]


def write(name, title, segments, split=None):
    lines = [f'# {title}', '# hand-made by capture/make-edge-cases.py', '']
    if split is not None:
        lines.append(f'> split {split}')
    for seg in segments:
        if seg[0] == 'end':
            lines.append(f'> end {seg[1]} {seg[2]}')
            continue
        direction, ts, data = seg[0], seg[1], seg[2]
        opts = seg[3] if len(seg) > 3 else ''
        lines.append(f'> {direction} {ts}{" " + opts if opts else ""}')
        lines.extend(escape_line_bytes(data))
    path = os.path.join(OUT, f'edge-{name}.pg')
    old = open(path).read() if os.path.exists(path) else ''
    expect = old[old.index('\n=== expect\n'):] if '\n=== expect\n' in old else '\n=== expect\n'
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n' + expect)


big = bytes(range(256)) * 8  # 2048 bytes
d = data_row(b'1', big)
write('gap-in-datarow', 'a DataRow value partly not captured: the call has a gap, the value is cut, the rest parses', HELLO + [
    ('c2s', 300, query('SELECT id, data FROM blobs')),
    ('s2c', 400, row_desc(('id', 23), ('data', 17)) + d[:600], f'gap=truncated:{len(d) - 600}'),
    ('s2c', 401, complete('SELECT 1') + ready()),
    ('c2s', 500, query('SELECT 2')),
    ('s2c', 600, row_desc(('?column?', 23)) + data_row(b'2') + complete('SELECT 1') + ready()),
])
write('lost-at-boundary', 'bytes lost between two client messages: c2s stops with a gap error, replies still pair', HELLO + [
    ('c2s', 300, query('SELECT 1')),
    ('c2s', 310, query('SELECT 3'), 'lost=20'),
    ('s2c', 400, row_desc(('?column?', 23)) + data_row(b'1') + complete('SELECT 1') + ready()),
])
b = bind([b'short', b'x' * 3000, b'42'], formats=(0,))
write('gap-in-bind', 'a Bind whose long parameter was cut at --max-payload: params after it are marked cut', HELLO + [
    ('c2s', 300, parse('INSERT INTO notes VALUES ($1, $2, $3)') + b[:200], f'gap=truncated:{len(b) - 200}'),
    ('c2s', 301, execute() + sync()),
    ('s2c', 400, msg('1') + msg('2') + complete('INSERT 0 1') + ready()),
])
write('garbage-request', 'HTTP bytes after the startup: not a frontend message type', HELLO + [
    ('c2s', 300, b'GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
])
write('garbage-reply', 'the server answers with bytes that are no backend message', [
    ('c2s', 100, startup()),
    ('s2c', 200, b'\xff\xfe\x00\x01garbage'),
])
write('invalid-length', 'a message whose length is below 4', HELLO + [
    ('c2s', 300, b'Q\x00\x00\x00\x02'),
])
write('huge-query', 'a 200 kB query: the text is cut at DB_TEXT_LIMIT characters', HELLO + [
    ('c2s', 300, query('SELECT ' + '1 + ' * 50000 + '1')),
    ('s2c', 400, row_desc(('?column?', 23)) + data_row(b'50001') + complete('SELECT 1') + ready()),
], split=8192)
write('mid-stream', 'a capture that starts mid-connection: replies without a request, then a query and its reply', [
    ('s2c', 100, data_row(b'7') + complete('SELECT 1') + ready()),
    ('c2s', 200, query('SELECT 8')),
    ('s2c', 300, row_desc(('?column?', 23)) + data_row(b'8') + complete('SELECT 1') + ready()),
])
write('pipeline-discard', 'an error in a pipeline before the client sent the rest of the batch: later Executes are skipped until Sync', HELLO + [
    ('c2s', 300, parse('SELECT 1/0') + bind([]) + execute()),
    ('s2c', 400, msg('1') + msg('2') + error('22012', 'division by zero')),
    ('c2s', 500, bind([]) + execute() + sync() + query('SELECT 1')),
    ('s2c', 600, ready() + row_desc(('?column?', 23)) + data_row(b'1') + complete('SELECT 1') + ready()),
])
q = query('SELECT * FROM t WHERE a = 1')
write('ends-mid-message', 'both directions end inside a message: the call is incomplete, nothing is invented', HELLO + [
    ('c2s', 300, q),
    ('s2c', 400, row_desc(('a', 23)) + data_row(b'1')[:5]),
    ('end', 's2c', 500),
    ('c2s', 510, q[:9]),
    ('end', 'c2s', 520),
])
write('direct-tls', 'sslnegotiation=direct: the client starts with a TLS ClientHello', [
    ('c2s', 100, b'\x16\x03\x01\x00\x05\x01\x00\x00\x01\x03'),
    ('s2c', 200, b'\x16\x03\x03\x00\x02\x02\x00'),
])
write('gssenc-refused', "GSSENCRequest and SSLRequest both answered 'N', then a startup in the clear", [
    ('c2s', 100, i32(8) + i32(80877104)),
    ('s2c', 110, b'N'),
    ('c2s', 120, i32(8) + i32(80877103)),
    ('s2c', 130, b'N'),
    ('c2s', 140, startup()),
    ('s2c', 150, auth_ok() + msg('S', cstr('server_version') + cstr('17.2')) + msg('K', i32(4242) + i32(123456)) + ready()),
])
write('copy-fail', 'COPY FROM STDIN aborted by the client with CopyFail', HELLO + [
    ('c2s', 300, query('COPY items FROM STDIN')),
    ('s2c', 400, msg('G', b'\0' + i16(2) + i16(0) + i16(0))),
    ('c2s', 500, msg('d', b'1\tone\n2\ttwo\n') + msg('f', cstr('client gave up'))),
    ('s2c', 600, error('57014', 'COPY from stdin failed: client gave up') + ready()),
])
write('startup-error', 'the database does not exist: FATAL at startup, the server closes', [
    ('c2s', 100, startup(database='nope')),
    ('s2c', 200, error('3D000', 'database "nope" does not exist', 'FATAL')),
    ('end', 's2c', 210),
    ('end', 'c2s', 220),
])
write('unsolicited', 'messages nobody asked for while idle: a notice, a notification, a FATAL shutdown', HELLO + [
    ('s2c', 300, notice('idle notice')),
    ('s2c', 310, msg('A', i32(99) + cstr('news') + cstr('hello'))),
    ('s2c', 320, error('57P01', 'terminating connection due to administrator command', 'FATAL')),
    ('end', 's2c', 330),
])
write('binary-params', 'Bind with binary parameters of common types, decoded by the OIDs Parse named', HELLO + [
    ('c2s', 300, parse('SELECT $1, $2, $3, $4, $5, $6, $7', 'typed', (23, 20, 16, 2950, 17, 701, 1043))
        + bind([i32(-7), struct.pack('>q', 1 << 40), b'\1', bytes(range(16)), b'\xde\xad', struct.pack('>d', 0.5), 'héllo'.encode()], 'typed', formats=(1,))
        + execute() + sync()),
    ('s2c', 400, msg('1') + msg('2') + data_row(b'-7', b'1099511627776', b't', b'00010203-0405-0607-0809-0a0b0c0d0e0f', b'\\xdead', b'0.5', 'héllo'.encode()) + complete('SELECT 1') + ready()),
])
write('with-statement', 'operations of WITH queries, comments and parentheses', HELLO + [
    ('c2s', 300, query('/* a /* nested */ comment */ -- line\n WITH x AS (SELECT 1), y AS (SELECT (2)) INSERT INTO t SELECT * FROM x')),
    ('s2c', 310, complete('INSERT 0 1') + ready()),
    ('c2s', 320, query('((SELECT 1)) UNION SELECT 2')),
    ('s2c', 330, complete('SELECT 2') + ready()),
    ('c2s', 340, query('WITH RECURSIVE r(n) AS (VALUES (1) UNION ALL SELECT n + 1 FROM r WHERE n < 3) SEARCH DEPTH FIRST BY n SET o SELECT n FROM r')),
    ('s2c', 350, complete('SELECT 3') + ready()),
    ('c2s', 360, query('')),
    ('s2c', 370, msg('I') + ready()),
])
