/** The reader's limits and the pairing's rarer paths, fed directly. */
import { describe, expect, it } from 'vitest';
import { RedisConnection, REDIS_LIMITS } from '../../../src/protocols/redis/index.js';
import { command, items } from './helpers.js';
import { runIncrementally } from './run-connection.js';

describe('redis reader limits', () => {
  it('skips through a huge bulk string without holding it', () => {
    const size = 8 * 1024 * 1024;
    const connection = new RedisConnection();
    const head = Buffer.from(`$${size}\r\n`);
    connection.push({ kind: 'data', dir: 'c2s', ts: 1, offset: 0, length: 22, bytes: command('GET', 'big'), eventId: 1 });
    connection.push({ kind: 'data', dir: 's2c', ts: 2, offset: 0, length: head.length, bytes: head, eventId: 2 });
    let offset = head.length;
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    for (let k = 0; k < 8; k++) {
      connection.push({ kind: 'data', dir: 's2c', ts: 3 + k, offset, length: chunk.length, bytes: chunk, eventId: 3 + k });
      offset += chunk.length;
      expect(connection.bufferedBytes).toBeLessThan(REDIS_LIMITS.keepMessageBytes + 64 * 1024);
    }
    connection.push({ kind: 'data', dir: 's2c', ts: 20, offset, length: 2, bytes: Buffer.from('\r\n'), eventId: 20 });
    const [call] = connection.finish();
    expect(call.complete).toBe(true);
    expect(call.response).toEqual([0, offset + 2]);
    expect(call.result!.length).toBeLessThanOrEqual(REDIS_LIMITS.resultChars);
    expect(call.replyText!.endsWith('…')).toBe(true);
    expect(call.detail.reply).toMatchObject({ type: 'bulk-string', length: size });
  });

  it('refuses a bulk string over proto-max-bulk-len and a number line that is too long', () => {
    const [big] = runIncrementally(items(['c2s', command('GET', 'a')], ['s2c', `$${REDIS_LIMITS.maxBulkLength + 1}\r\n`]));
    expect(big.errors[0]).toMatchObject({ dir: 's2c', code: 'too-large' });
    const [long] = runIncrementally(items(['c2s', command('GET', 'a')], ['s2c', `:${'1'.repeat(100)}`]));
    expect(long.errors[0]).toMatchObject({ dir: 's2c', code: 'invalid-message' });
  });

  it('refuses an inline line longer than Redis accepts', () => {
    const calls = runIncrementally(items(['c2s', `PING ${'x'.repeat(REDIS_LIMITS.maxInlineLine)}`]));
    expect(calls[0].errors[0]).toMatchObject({ dir: 'c2s', code: 'too-large' });
  });

  it('keeps only a sample of a reply with a million elements', () => {
    const n = 1_000_000;
    const calls = runIncrementally(items(['c2s', command('LRANGE', 'l', '0', '-1')], ['s2c', `*${n}\r\n${':1\r\n'.repeat(n)}`]));
    expect(calls[0].rows).toBe(n);
    expect(calls[0].complete).toBe(true);
    expect(JSON.stringify(calls[0].detail).length).toBeLessThan(4096);
  });

  it('ignores "*0" requests and empty inline lines, as Redis does', () => {
    const calls = runIncrementally(items(['c2s', '*0\r\n*-1\r\n\r\n\n'], ['c2s', command('PING')], ['s2c', '+PONG\r\n']));
    expect(calls.map((c) => [c.operation, c.request])).toEqual([['PING', [12, 26]]]);
  });
});

describe('redis pairing', () => {
  it('gives up the oldest call when more are in flight than it holds, and skips its reply', () => {
    const requests = Buffer.concat(Array.from({ length: REDIS_LIMITS.maxInFlight + 1 }, (_, k) => command('GET', `k${k}`)));
    const replies = Buffer.concat(Array.from({ length: REDIS_LIMITS.maxInFlight + 1 }, (_, k) => Buffer.from(`:${k}\r\n`)));
    const calls = runIncrementally(items(['c2s', requests], ['s2c', replies]));
    expect(calls[0].status).toBe('none');
    expect(calls[1].result).toBe('(integer) 1');
    expect(calls[REDIS_LIMITS.maxInFlight].result).toBe(`(integer) ${REDIS_LIMITS.maxInFlight}`);
  });

  it('pairs a pipelined SELECT: later calls run in the new database, unless it fails', () => {
    const ok = runIncrementally(items(['c2s', Buffer.concat([command('SELECT', '2'), command('GET', 'a')])], ['s2c', '+OK\r\n$-1\r\n']));
    expect(ok.map((c) => c.database)).toEqual(['0', '2']);
    const failed = runIncrementally(
      items(['c2s', command('SELECT', '99')], ['s2c', '-ERR DB index is out of range\r\n'], ['c2s', command('GET', 'a')], ['s2c', '$-1\r\n']),
    );
    expect(failed.map((c) => c.database)).toEqual(['0', '0']);
  });

  it('hands out a one-way message only after the calls before it', () => {
    const connection = new RedisConnection();
    for (const item of items(['c2s', command('SUBSCRIBE', 'a', 'b')], ['s2c', '*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n'])) connection.push(item);
    expect(connection.takeCalls()).toEqual([]); // SUBSCRIBE waits for its second confirmation
    const more = items(['c2s', command('SUBSCRIBE', 'a', 'b')], ['s2c', '*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$2\r\nhi\r\n']);
    const c2 = new RedisConnection();
    for (const item of more) c2.push(item);
    const calls = c2.takeCalls();
    expect(calls.map((c) => [c.operation, c.oneWay ?? false, c.keys])).toEqual([
      ['SUBSCRIBE', false, undefined],
      ['MESSAGE', true, ['a']],
    ]);
    expect(calls[1].text).toBe('a hi');
  });
});
