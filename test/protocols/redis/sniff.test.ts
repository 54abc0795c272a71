import { describe, expect, it } from 'vitest';
import { looksLikeRedis } from '../../../src/protocols/redis/index.js';
import { command } from './helpers.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const none = Buffer.alloc(0);

describe('looksLikeRedis', () => {
  it('claims RESP requests and inline commands, with or without a reply', () => {
    expect(looksLikeRedis(command('GET', 'a'), none)).toBe(true);
    expect(looksLikeRedis(command('HELLO', '3'), b('%7\r\n$6\r\nserver'))).toBe(true);
    expect(looksLikeRedis(b('*1\r\n$4'), b('+PONG\r\n'))).toBe(true);
    expect(looksLikeRedis(b('PING\r\n'), b('+PONG\r\n'))).toBe(true);
    expect(looksLikeRedis(b('get a\r\n'), b('$-1\r\n'))).toBe(true);
    expect(looksLikeRedis(none, b('-NOAUTH Authentication required.\r\n'))).toBe(true);
  });

  it('does not claim HTTP, TLS or other text protocols', () => {
    expect(looksLikeRedis(b('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), none)).toBe(false);
    expect(looksLikeRedis(b('GET /index.html'), none)).toBe(false);
    expect(looksLikeRedis(command('GET', 'a'), b('HTTP/1.1 400 Bad Request\r\n'))).toBe(false);
    expect(looksLikeRedis(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]), none)).toBe(false);
    expect(looksLikeRedis(b('EHLO mail\r\n'), b('220 ready\r\n'))).toBe(false);
    expect(looksLikeRedis(b('*x\r\n'), none)).toBe(false);
    expect(looksLikeRedis(command('GET', 'a'), b('250 OK\r\n'))).toBe(false);
    expect(looksLikeRedis(none, b('+OK'))).toBe(false); // one unfinished line is too little
  });
});
