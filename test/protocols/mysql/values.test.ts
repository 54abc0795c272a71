/** The binary protocol's values, the SQL keyword, and the sniffing guess. */
import { describe, expect, it } from 'vitest';
import { DB_TEXT_LIMIT } from '../../../src/protocols/db-call.js';
import { TYPE } from '../../../src/protocols/mysql/constants.js';
import { PayloadReader } from '../../../src/protocols/mysql/payload-reader.js';
import { firstKeyword, useTarget } from '../../../src/protocols/mysql/sql-keyword.js';
import { looksLikeMysql } from '../../../src/protocols/mysql/index.js';
import { redactPasswords } from '../../../src/protocols/sql-secrets.js';
import { bytesAsText, decodeBinaryRow, decodeBinaryValue, decodeTextRow, type ValueType } from '../../../src/protocols/mysql/values.js';

const t = (type: number, unsigned = false, binary = false): ValueType => ({ type, unsigned, binary });
const value = (type: ValueType, ...bytes: number[]) => decodeBinaryValue(new PayloadReader(Buffer.from(bytes)), type);

describe('binary values', () => {
  it('reads integers signed or unsigned by their flag', () => {
    expect(value(t(TYPE.TINY), 0xff)).toBe('-1');
    expect(value(t(TYPE.TINY, true), 0xff)).toBe('255');
    expect(value(t(TYPE.SHORT), 0x00, 0x80)).toBe('-32768');
    expect(value(t(TYPE.LONG), 0xfe, 0xff, 0xff, 0xff)).toBe('-2');
    expect(value(t(TYPE.LONGLONG), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)).toBe('-1');
    expect(value(t(TYPE.LONGLONG, true), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)).toBe('18446744073709551615');
  });

  it('reads floats, dates, datetimes and times of every length', () => {
    expect(value(t(TYPE.FLOAT), 0x00, 0x00, 0xc0, 0x3f)).toBe('1.5');
    expect(value(t(TYPE.DATE), 4, 0xea, 0x07, 12, 3)).toBe('2026-12-03');
    expect(value(t(TYPE.DATETIME), 0)).toBe('0000-00-00 00:00:00');
    expect(value(t(TYPE.DATETIME), 7, 0xea, 0x07, 12, 3, 10, 20, 30)).toBe('2026-12-03 10:20:30');
    expect(value(t(TYPE.DATETIME), 11, 0xea, 0x07, 12, 3, 10, 20, 30, 0x40, 0xe2, 0x01, 0x00)).toBe('2026-12-03 10:20:30.123456');
    expect(value(t(TYPE.TIME), 8, 1, 1, 0, 0, 0, 2, 3, 4)).toBe('-26:03:04');
    expect(value(t(TYPE.TIME), 0)).toBe('00:00:00');
  });

  it('shows binary strings as hex and cuts long text', () => {
    expect(value(t(TYPE.BLOB, false, true), 2, 0x00, 0xff)).toBe('\\x00ff');
    expect(bytesAsText(Buffer.alloc(DB_TEXT_LIMIT * 2, 0x61), false)).toHaveLength(DB_TEXT_LIMIT);
    expect(bytesAsText(Buffer.alloc(DB_TEXT_LIMIT, 1), true).endsWith('…')).toBe(true);
  });

  it('gives undefined, not an exception, when a value runs past the payload', () => {
    expect(value(t(TYPE.LONGLONG), 1, 2, 3)).toBeUndefined();
    expect(value(t(TYPE.DATETIME), 7, 0xea)).toBeUndefined();
    expect(decodeBinaryRow(Buffer.from([0, 0, 5]), [t(TYPE.LONG), t(TYPE.LONG)])).toEqual([]);
  });

  it('reads NULLs from the row bitmap (offset 2) and text rows from 0xfb', () => {
    // two columns, the second NULL: bit 3 of the bitmap
    expect(decodeBinaryRow(Buffer.from([0, 0x08, 7]), [t(TYPE.TINY), t(TYPE.TINY)])).toEqual(['7', null]);
    expect(decodeTextRow(Buffer.from([1, 0x31, 0xfb]), [t(TYPE.VAR_STRING), t(TYPE.VAR_STRING)])).toEqual(['1', null]);
  });
});

describe('first keyword', () => {
  it('skips comments and parentheses, reads executable comments', () => {
    expect(firstKeyword('  select 1')).toBe('SELECT');
    expect(firstKeyword('/* trace */ -- x\n# y\n(SELECT 1)')).toBe('SELECT');
    expect(firstKeyword('/*!40101 SET NAMES utf8 */')).toBe('SET');
    expect(firstKeyword('')).toBe('');
  });

  it('reads the target of USE', () => {
    expect(useTarget('USE shop')).toBe('shop');
    expect(useTarget('use `my``db`;')).toBe('my`db');
    expect(useTarget('USE a b')).toBeUndefined();
  });
});

describe('looksLikeMysql', () => {
  const greeting = Buffer.from('\x4a\x00\x00\x00\x0a8.0.36\x00', 'latin1');
  it('knows a protocol-10 greeting, even one still arriving', () => {
    expect(looksLikeMysql(new Uint8Array(), greeting)).toBe(true);
    expect(looksLikeMysql(new Uint8Array(), greeting.subarray(0, 8))).toBe(true);
    expect(looksLikeMysql(Buffer.from([0x20, 0, 0, 1]), greeting)).toBe(true);
  });

  it('refuses other streams', () => {
    expect(looksLikeMysql(new Uint8Array(), Buffer.from('HTTP/1.1 200 OK\r\n'))).toBe(false);
    expect(looksLikeMysql(Buffer.from([0x20, 0, 0, 0]), greeting)).toBe(false);
    expect(looksLikeMysql(new Uint8Array(), Buffer.from([0x05, 0, 0, 0, 0x0a, 0x41, 0x42, 0x43, 0x44]))).toBe(false);
  });
});

describe('passwords in SQL', () => {
  it('are replaced by *** and the rest of the statement kept', () => {
    expect(redactPasswords("CREATE USER 'u'@'%' IDENTIFIED BY 's3cret'")).toBe("CREATE USER 'u'@'%' IDENTIFIED BY '***'");
    expect(redactPasswords("ALTER USER u IDENTIFIED WITH caching_sha2_password BY 'it''s'")).toBe(
      "ALTER USER u IDENTIFIED WITH caching_sha2_password BY '***'",
    );
    expect(redactPasswords("CREATE USER u IDENTIFIED VIA ed25519 USING PASSWORD('pw')")).toBe(
      "CREATE USER u IDENTIFIED VIA ed25519 USING PASSWORD('***')",
    );
    expect(redactPasswords("SET PASSWORD FOR u = 'x\\'y'")).toBe("SET PASSWORD FOR u = '***'");
    expect(redactPasswords("CHANGE MASTER TO MASTER_HOST='h', MASTER_PASSWORD = \"p\"")).toBe(
      "CHANGE MASTER TO MASTER_HOST='h', MASTER_PASSWORD = '***'",
    );
    expect(redactPasswords("SELECT 'IDENTIFIED' AS x")).toBe("SELECT 'IDENTIFIED' AS x");
  });
});
