/** The tricky pieces on their own: SQL operations, value decoding, text bounds, sniffing, framing limits. */
import { describe, expect, it } from 'vitest';
import { DB_TEXT_LIMIT } from '../../../src/protocols/db-call.js';
import type { StreamSegment } from '../../../src/protocols/stream.js';
import { PostgresConnection, looksLikePostgres, sqlOperation } from '../../../src/protocols/postgres/index.js';
import { boundedText, hexText } from '../../../src/protocols/db-text.js';
import { valueText } from '../../../src/protocols/postgres/values.js';
import * as w from './wire.js';

function seg(dir: 'c2s' | 's2c', offset: number, bytes: Uint8Array, gap = 0): StreamSegment {
  const s: StreamSegment = { kind: 'data', dir, ts: 1, offset, length: bytes.length + gap, bytes, eventId: 0 };
  if (gap > 0) s.gap = 'truncated';
  return s;
}

describe('sqlOperation', () => {
  it.each([
    ['select 1', 'SELECT'],
    ['  \n\t insert into t values (1)', 'INSERT'],
    ['-- comment\nupdate t set a = 1', 'UPDATE'],
    ['/* outer /* inner */ still */ delete from t', 'DELETE'],
    ['((select 1))', 'SELECT'],
    ['with a as (select 1) select * from a', 'SELECT'],
    ["with a as (select ')' ) update t set x = 1", 'UPDATE'],
    ['with a as (select $$ ) insert $$) delete from t', 'DELETE'],
    ['WITH a AS (SELECT 1) SEARCH DEPTH FIRST BY x SET y SELECT 1', 'SELECT'],
    ['with a(x) as (select 1) update t set y = 2', 'UPDATE'],
    ['with recursive', 'WITH'],
    ['', 'EMPTY'],
    ['  ;', ';'],
    ['begin; select 1', 'BEGIN'],
  ])('%j is %s', (sql, op) => {
    expect(sqlOperation(sql)).toBe(op);
  });
});

describe('values', () => {
  const be = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));
  it('decodes binary values of common types', () => {
    expect(valueText(be('ffff'), 1, 21, false)).toBe('-1');
    expect(valueText(be('0000002a'), 1, 23, false)).toBe('42');
    expect(valueText(be('ffffffffffffffff'), 1, 20, false)).toBe('-1');
    expect(valueText(be('3fc00000'), 1, 700, false)).toBe('1.5');
    expect(valueText(be('00'), 1, 16, false)).toBe('f');
    expect(valueText(be('0102'), 1, 17, false)).toBe('\\x0102');
    expect(valueText(Buffer.from('hé'), 1, 1043, false)).toBe('hé');
    expect(valueText(be('017b7d'), 1, 3802, false)).toBe('{}');
  });
  it('shows unknown or malformed binary values as hex, and NULL as null', () => {
    expect(valueText(be('0102'), 1, 0, false)).toBe('\\x0102');
    expect(valueText(be('01'), 1, 23, false)).toBe('\\x01');
    expect(valueText(null, 1, 23, false)).toBeNull();
  });
  it('marks values cut short', () => {
    expect(valueText(Buffer.from('abc'), 0, 25, true)).toBe('abc…');
    expect(valueText(be('0000'), 1, 23, true)).toBe('\\x0000…');
  });
});

describe('text bounds', () => {
  it('cuts at DB_TEXT_LIMIT characters, ending with …', () => {
    const long = boundedText(Buffer.alloc(DB_TEXT_LIMIT * 5, 0x61));
    expect(long.length).toBe(DB_TEXT_LIMIT);
    expect(long.endsWith('…')).toBe(true);
    expect(hexText(Buffer.alloc(DB_TEXT_LIMIT)).length).toBeLessThanOrEqual(DB_TEXT_LIMIT);
  });
});

describe('looksLikePostgres', () => {
  it('knows a startup, an SSLRequest, a CancelRequest and a mid-stream query', () => {
    expect(looksLikePostgres(w.startup({ user: 'u' }), new Uint8Array())).toBe(true);
    expect(looksLikePostgres(Buffer.concat([w.int32(8), w.int32(80877103)]), Buffer.from('N'))).toBe(true);
    expect(looksLikePostgres(Buffer.concat([w.int32(16), w.int32(80877102), w.int32(1), w.int32(2)]), new Uint8Array())).toBe(true);
    expect(looksLikePostgres(w.query('select 1'), w.complete('SELECT 1'))).toBe(true);
  });
  it('refuses HTTP, TLS and random text', () => {
    expect(looksLikePostgres(Buffer.from('GET / HTTP/1.1\r\n'), new Uint8Array())).toBe(false);
    expect(looksLikePostgres(Buffer.from([0x16, 3, 1, 0, 5]), new Uint8Array())).toBe(false);
    expect(looksLikePostgres(Buffer.from('PING\r\n'), Buffer.from('+PONG\r\n'))).toBe(false);
  });
});

describe('framing limits', () => {
  it('skips through a message longer than it holds, reporting its value cut', () => {
    const big = 'x'.repeat(10_000);
    const c = new PostgresConnection({ maxHeldBytes: 1024 });
    const req = w.query('SELECT big');
    const reply = Buffer.concat([w.rowDescription(['big']), w.dataRow([big]), w.complete('SELECT 1'), w.ready()]);
    c.push(seg('c2s', 0, req));
    for (let at = 0; at < reply.length; at += 700) {
      c.push(seg('s2c', at, reply.subarray(at, at + 700)));
      expect(c.heldBytes).toBeLessThanOrEqual(1024);
    }
    const [call] = c.finish();
    expect(call.result).toBe('SELECT 1');
    expect(call.complete).toBe(true);
    const value = (call.detail.sampleRows as string[][])[0][0];
    expect(value.endsWith('…')).toBe(true);
    expect(value.length).toBeLessThan(1024);
  });

  it('refuses a length over the limit as too large', () => {
    const c = new PostgresConnection({ maxMessageBytes: 1000 });
    c.push(seg('c2s', 0, Buffer.concat([Buffer.from('Q'), w.int32(5000)])));
    const calls = c.finish();
    expect(calls[0].errors.map((e) => e.code)).toEqual(['too-large']);
  });

  it('never keeps a password, an md5 hash or a SASL message', () => {
    const c = new PostgresConnection();
    c.push(seg('c2s', 0, w.startup({ user: 'u' })));
    c.push(seg('s2c', 0, w.msg('R', w.int32(3))));
    const pw = w.msg('p', w.cstr('hunter2'));
    c.push(seg('c2s', w.startup({ user: 'u' }).length, pw));
    c.push(seg('s2c', 9, Buffer.concat([w.authOk(), w.ready()])));
    const text = JSON.stringify(c.finish());
    expect(text).not.toContain('hunter2');
    expect(text).toContain('"authMethod":"cleartext"');
  });

  it('keeps going after uncaptured bytes inside a message', () => {
    const c = new PostgresConnection();
    const q = w.query('SELECT 123456789');
    c.push(seg('c2s', 0, q.subarray(0, 8), q.length - 8));
    c.push(seg('c2s', q.length, w.query('SELECT 2')));
    const calls = c.finish();
    expect(calls.map((x) => [x.text, x.gap ?? false])).toEqual([
      ['SEL…', true],
      ['SELECT 2', false],
    ]);
  });

  it('hands out the oldest calls unanswered when too many wait, and still pairs the later replies', () => {
    const c = new PostgresConnection({ maxCallsInFlight: 200 });
    const taken: ReturnType<typeof c.takeCalls> = [];
    let offset = 0;
    for (let k = 0; k < 600; k++) {
      const q = w.query(`SELECT ${k}`);
      c.push(seg('c2s', offset, q));
      offset += q.length;
      taken.push(...c.takeCalls());
    }
    expect(taken.length).toBeGreaterThan(300);
    const replies = Buffer.concat(Array.from({ length: 600 }, (_, k) => Buffer.concat([w.complete(`SELECT ${k}`), w.ready()])));
    c.push(seg('s2c', 0, replies));
    const calls = [...taken, ...c.takeCalls(), ...c.finish()];
    expect(calls.map((x) => x.index)).toEqual(Array.from({ length: 600 }, (_, k) => k));
    expect(calls[0]).toMatchObject({ status: 'none', complete: false, text: 'SELECT 0', detail: { givenUp: true } });
    expect(calls[599]).toMatchObject({ status: 'ok', complete: true, text: 'SELECT 599', result: 'SELECT 599' });
  });
});
