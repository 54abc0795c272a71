import { describe, expect, it } from 'vitest';

import { requestCookies, responseCookies } from '../../src/export/cookies.js';
import { parseParams } from '../../src/export/params.js';
import { replayHeaders } from '../../src/export/replay-headers.js';
import fc from 'fast-check';

import { isoTime } from '../../src/export/har-entry.js';
import { bodyText, capturedText } from '../../src/export/text.js';
import { uriParts, uriText } from '../../src/export/url.js';
import type { Body, HttpRequest } from '../../src/model/exchange.js';

function body(bytes: Uint8Array, extra: Partial<Body> = {}): Body {
  return { size: bytes.length, captured: bytes, complete: true, missing: null, encoding: null, decoded: null, decodeError: null, mimeType: null, charset: null, ...extra };
}

describe('export helpers', () => {
  it('decodes form and query pairs as browsers do, keeping what is not UTF-8 as written', () => {
    expect(parseParams('a=1&b=x+y&c=caf%C3%A9&d&=e&f=%ZZ&g=%FF&&h=a=b')).toEqual([
      { name: 'a', value: '1' },
      { name: 'b', value: 'x y' },
      { name: 'c', value: 'café' },
      { name: 'd', value: '' },
      { name: '', value: 'e' },
      { name: 'f', value: '%ZZ' },
      { name: 'g', value: '%FF' },
      { name: 'h', value: 'a=b' },
    ]);
    expect(parseParams('')).toEqual([]);
  });

  it('parses Cookie and Set-Cookie headers', () => {
    expect(requestCookies([{ name: 'cookie', value: 'a=1;b="2" ; c' }, { name: 'Cookie', value: 'd=4' }])).toEqual([
      { name: 'a', value: '1' },
      { name: 'b', value: '2' },
      { name: '', value: 'c' },
      { name: 'd', value: '4' },
    ]);
    expect(responseCookies([{ name: 'Set-Cookie', value: 'id=a3; Max-Age=60; Expires=bogus; SameSite=Lax' }, { name: 'set-cookie', value: 'noequals' }])).toEqual([{ name: 'id', value: 'a3' }]);
  });

  it('makes captured URLs URIs: bytes a URI cannot hold are percent-encoded, brackets only in the host', () => {
    expect(uriText('/a b/caf\xc3\xa9/"q"/{x}/%zz/%41')).toBe('/a%20b/caf%C3%A9/%22q%22/%7Bx%7D/%25zz/%41');
    expect(uriText('[::1]:80', true)).toBe('[::1]:80');
    expect(uriText('/[x]')).toBe('/%5Bx%5D');
    expect(uriParts('http://[::1]:8080/a/b?x=1&y')).toEqual({ protocol: 'http', host: '[::1]', port: '8080', path: '/a/b', query: 'x=1&y' });
    expect(uriParts('http://example.test/')).toEqual({ protocol: 'http', host: 'example.test', port: null, path: '/', query: null });
  });

  it('gives captured strings as UTF-8 text when they are UTF-8, byte per character otherwise', () => {
    expect(capturedText('caf\xc3\xa9')).toBe('café');
    expect(capturedText('caf\xe9')).toBe('caf\xe9');
    expect(capturedText('plain')).toBe('plain');
  });

  it('decides text or base64 from the bytes and their charset', () => {
    expect(bodyText(body(Buffer.from('héllo')))).toEqual({ text: 'héllo', base64: false });
    expect(bodyText(body(Buffer.from('h\xe9llo', 'latin1'), { charset: 'iso-8859-1' }))).toEqual({ text: 'héllo', base64: false });
    expect(bodyText(body(Buffer.from('h\xe9llo', 'latin1')))).toEqual({ text: Buffer.from('h\xe9llo', 'latin1').toString('base64'), base64: true });
    expect(bodyText(body(Buffer.from('a\0b')))).toEqual({ text: 'YQBi', base64: true });
    expect(bodyText(body(Buffer.from('x'), { charset: 'no-such-charset' }))).toEqual({ text: 'eA==', base64: true });
    // content-encoding removed: the decoded bytes are the text
    expect(bodyText(body(Buffer.from([0x1f, 0x8b]), { encoding: 'gzip', decoded: Buffer.from('plain') }))).toEqual({ text: 'plain', base64: false });
    expect(bodyText(body(Buffer.alloc(0)))).toEqual({ text: '', base64: false });
  });

  it('leaves to a replaying client the headers it writes itself', () => {
    const r = {
      headers: [
        { name: 'Host', value: 'API.local:8080' },
        { name: 'Connection', value: 'keep-alive' },
        { name: 'X-A', value: '1' },
        { name: 'Content-Length', value: '3' },
        { name: 'content-length', value: '3' },
      ],
    } as HttpRequest;
    expect(replayHeaders(r, 'api.local:8080')).toEqual({ send: [{ name: 'X-A', value: '1' }], leftOut: ['Host', 'Connection', 'Content-Length'] });
    expect(replayHeaders(r, '127.0.0.1:8080').send.map((h) => h.name)).toEqual(['Host', 'X-A']);
  });

  it('writes wall-clock nanoseconds as Date would, in any order', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: 4_000_000_000_000_000_000n }), { minLength: 1, maxLength: 50 }), (times) => {
        for (const ns of times) expect(isoTime(ns)).toBe(new Date(Number(ns / 1_000_000n)).toISOString());
      }),
    );
    expect(isoTime(1_795_000_000_999_999_999n)).toBe('2026-11-18T11:06:40.999Z');
    expect(isoTime(1_795_000_001_000_000_000n)).toBe('2026-11-18T11:06:41.000Z');
  });
});
