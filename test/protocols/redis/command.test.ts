import { describe, expect, it } from 'vitest';
import { describeCommand } from '../../../src/protocols/redis/command.js';
import { keyPositions } from '../../../src/protocols/redis/key-specs.js';
import { argText, quoted, valueText } from '../../../src/protocols/redis/text.js';
import type { RespMessage, RespValue } from '../../../src/protocols/redis/types.js';

function request(...args: (string | Buffer)[]): RespMessage {
  const items: RespValue[] = args.map((a) => {
    const bytes = Buffer.isBuffer(a) ? a : Buffer.from(a);
    return { kind: 'scalar', type: 'bulk-string', bytes, length: bytes.length, gap: false };
  });
  return { value: { kind: 'aggregate', type: 'array', count: items.length, items }, start: 0, end: 1, startTs: 0, endTs: 0, complete: true, gap: false };
}

describe('keyPositions', () => {
  const keys = (...argv: string[]): string[] | undefined => {
    const upper = argv.map((a) => a.toUpperCase());
    const op = ['OBJECT', 'MEMORY', 'XINFO', 'XGROUP'].includes(upper[0]) ? `${upper[0]} ${upper[1]}` : upper[0];
    return keyPositions(op, upper)?.map((k) => argv[k]);
  };

  it('follows first/last/step specs', () => {
    expect(keys('GET', 'a')).toEqual(['a']);
    expect(keys('MSET', 'a', '1', 'b', '2')).toEqual(['a', 'b']);
    expect(keys('DEL', 'a', 'b', 'c')).toEqual(['a', 'b', 'c']);
    expect(keys('BLPOP', 'a', 'b', '0')).toEqual(['a', 'b']);
    expect(keys('LMOVE', 'a', 'b', 'LEFT', 'RIGHT')).toEqual(['a', 'b']);
    expect(keys('BITOP', 'AND', 'dest', 'a', 'b')).toEqual(['dest', 'a', 'b']);
  });

  it('reads numkeys', () => {
    expect(keys('EVAL', 'return 1', '2', 'k1', 'k2', 'arg')).toEqual(['k1', 'k2']);
    expect(keys('ZUNIONSTORE', 'd', '2', 'a', 'b', 'WEIGHTS', '1', '2')).toEqual(['d', 'a', 'b']);
    expect(keys('ZINTER', '2', 'a', 'b')).toEqual(['a', 'b']);
    expect(keys('BLMPOP', '0', '2', 'a', 'b', 'LEFT')).toEqual(['a', 'b']);
    expect(keys('EVAL', 'x', 'nope', 'a')).toEqual([]);
    expect(keys('EVAL', 'x', '5', 'a')).toEqual(['a']); // fewer sent than declared
  });

  it('finds XREAD keys after STREAMS, and keys after a subcommand', () => {
    expect(keys('XREAD', 'COUNT', '2', 'STREAMS', 's1', 's2', '0', '0')).toEqual(['s1', 's2']);
    expect(keys('XREADGROUP', 'GROUP', 'g', 'c', 'streams', 's1', '>')).toEqual(['s1']);
    expect(keys('OBJECT', 'ENCODING', 'k')).toEqual(['k']);
    expect(keys('MEMORY', 'USAGE', 'k')).toEqual(['k']);
  });

  it('knows no keys of unknown commands', () => {
    expect(keys('FOO', 'a')).toBeUndefined();
    expect(keys('MEMORY', 'STATS')).toBeUndefined();
  });
});

describe('describeCommand', () => {
  it('names container commands with their subcommand, upper-cased', () => {
    const c = describeCommand(request('client', 'setname', 'x'));
    expect(c.operation).toBe('CLIENT SETNAME');
    expect(c.text).toBe('client setname x');
    expect(c.params).toEqual(['setname', 'x']);
  });

  it('quotes arguments as redis-cli does, and shows binary params as hex', () => {
    const c = describeCommand(request('SET', 'a b', Buffer.from([0xff, 0x00]), ''));
    expect(c.text).toBe('SET "a b" "\\xff\\x00" ""');
    expect(c.params).toEqual(['a b', '\\xff00', '']);
    expect(c.keys).toEqual(['a b']);
  });

  it('replaces passwords before building anything', () => {
    for (const args of [
      ['AUTH', 'pw1'],
      ['AUTH', 'user', 'pw1'],
      ['HELLO', '3', 'AUTH', 'user', 'pw1', 'SETNAME', 'n'],
      ['CONFIG', 'SET', 'masterauth', 'pw1'],
      ['ACL', 'SETUSER', 'u', 'on', '>pw1'],
      ['MIGRATE', 'h', '1', '', '0', '10', 'AUTH2', 'u', 'pw1', 'KEYS', 'a'],
    ]) {
      const c = describeCommand(request(...args));
      expect(JSON.stringify(c)).not.toContain('pw1');
      expect(c.passwordSent).toBe(true);
      expect(c.text).toContain('(password)');
    }
    expect(describeCommand(request('AUTH', 'user', 'pw1')).text).toBe('AUTH user (password)');
  });
});

describe('text', () => {
  it('escapes like sdscatrepr, keeping UTF-8 text', () => {
    expect(quoted(Buffer.from('a"b\\\n\t\x07'))).toBe('"a\\"b\\\\\\n\\t\\a"');
    expect(quoted(Buffer.from('clé €'))).toBe('"clé €"');
    expect(quoted(Buffer.from([0xc3]))).toBe('"\\xc3"');
    expect(argText(Buffer.from('plain'))).toBe('plain');
    expect(argText(Buffer.from("it's"))).toBe('"it\'s"');
  });

  it('marks cut values', () => {
    expect(valueText(Buffer.from('abc'), 10)).toBe('abc…');
    expect(valueText(Buffer.from('abcdef'), 6, 4)).toBe('abc…');
    expect(valueText(Buffer.from([0xe2, 0x82]), 3)).toBe('…'); // a UTF-8 character cut in the middle
    expect(quoted(Buffer.from([0x61, 0xe2, 0x82]), 4)).toBe('"a\\xe2\\x82…"');
  });
});
