import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { looksLikeHttp1Request, looksLikeHttp1Response } from '../../../src/protocols/http1/index.js';
import { text } from './helpers.js';

describe('looksLikeHttp1Request', () => {
  it.each([
    'GET / HTTP/1.1\r\nHost: x\r\n\r\n',
    'POST /api/v1/items?x=1 HTTP/1.0\n',
    'CONNECT example.com:443 HTTP/1.1\r\n',
    'OPTIONS * HTTP/1.1\r\n',
    'GET http://example.com/ HTTP/1.1\r\n',
    'M-SEARCH * HTTP/1.1\r\n',
    'GET /a-long-path-still-arriving',
  ])('accepts %j', (s) => expect(looksLikeHttp1Request(text(s))).toBe(true));

  it.each([
    '',
    'GET',
    'get / HTTP/1.1\r\n',
    'GET / HTTP/2.0\r\n',
    'GET /\r\n',
    'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
    'HTTP/1.1 200 OK\r\n',
    '\x16\x03\x01\x02\x00\x01\x00',
    '*3\r\n$3\r\nSET\r\n',
    'SSH-2.0-OpenSSH_9.2\r\n',
  ])('rejects %j', (s) => expect(looksLikeHttp1Request(text(s))).toBe(false));
});

describe('looksLikeHttp1Response', () => {
  it.each(['HTTP/1.1 200 OK\r\n', 'HTTP/1.0 404', 'HTTP/1.1 101 Switching Protocols\r\n'])('accepts %j', (s) =>
    expect(looksLikeHttp1Response(text(s))).toBe(true),
  );
  it.each(['', 'HTTP/1.1', 'HTTP/2 200\r\n', 'http/1.1 200 OK', 'HTTP/1.1 20', 'GET / HTTP/1.1\r\n', '+OK\r\n'])(
    'rejects %j',
    (s) => expect(looksLikeHttp1Response(text(s))).toBe(false),
  );
});

it('never throws on arbitrary bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      expect(typeof looksLikeHttp1Request(bytes)).toBe('boolean');
      expect(typeof looksLikeHttp1Response(bytes)).toBe('boolean');
    }),
  );
});
