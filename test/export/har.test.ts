import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';

import { harDocument } from '../../src/export/har.js';
import { SECRET_WORDS, SECRETS_LEFT_OUT_NOTE } from '../../src/export/secrets.js';
import type { Exchange } from '../../src/model/exchange.js';
import { Session } from '../../src/session/session.js';
import { CURL, NODE } from '../helpers/scripted-session.js';
import {
  FORM_BODY,
  GZ_TEXT,
  ITEMS_REQUEST_HEAD,
  JSON_BODY,
  NOT_FOUND_HEAD,
  PNG,
  UPLOAD,
  UPLOAD_HEAD,
  allExchanges,
  scripted,
  variedSession,
} from './fixtures.js';
import { checkDevToolsImport, harSchemaErrors } from './validators.js';

function har(exchanges: Iterable<Exchange>, includeSecrets = false): any {
  return JSON.parse([...harDocument(exchanges, { includeSecrets, version: '9.9.9', filter: 'method:GET' })].join(''));
}

describe('HAR export', () => {
  let xs: Exchange[];
  let doc: any;
  let withSecrets: any;
  beforeAll(async () => {
    xs = allExchanges(await variedSession());
    doc = har(xs);
    withSecrets = har(xs, true);
  });

  it('is valid HAR 1.2 that DevTools imports', () => {
    expect(harSchemaErrors(doc)).toEqual([]);
    expect(harSchemaErrors(withSecrets)).toEqual([]);
    expect(() => checkDevToolsImport(doc)).not.toThrow();
    expect(doc.log.version).toBe('1.2');
    expect(doc.log.creator).toEqual({ name: 'tinytap', version: '9.9.9' });
    expect(doc.log.pages).toEqual([]);
    expect(doc.log.entries.map((e: any) => [e.request.method, e.request.url, e.response.status])).toEqual([
      ['GET', 'http://127.0.0.1:3000/api/items?q=caf%C3%A9&x=1+2&flag', 200],
      ['POST', 'http://127.0.0.1:3000/login', 201],
      ['GET', 'http://127.0.0.1:3000/image.png', 200],
      ['GET', 'http://127.0.0.1:3000/gz', 200],
      ['GET', 'http://127.0.0.1:3000/old', 302],
      ['GET', 'http://127.0.0.1:3000/missing', 404],
      ['PUT', 'http://127.0.0.1:3000/upload', 204],
      ['HEAD', 'http://127.0.0.1:3000/status', 200],
      ['DELETE', 'http://127.0.0.1:3000/api/items/7', 0],
      ['POST', 'http://127.0.0.1:3000/big', 200],
    ]);
  });

  it('times each entry from the captured timestamps', () => {
    const [e] = doc.log.entries;
    expect(e.startedDateTime).toBe(new Date(Number(xs[0].request.startedNs / 1_000_000n)).toISOString());
    expect(e.timings).toEqual({
      blocked: -1,
      dns: -1,
      connect: -1,
      ssl: -1,
      send: Math.round(xs[0].timings.sendNs! / 1e3) / 1e3,
      wait: Math.round(xs[0].timings.waitNs! / 1e3) / 1e3,
      receive: Math.round(xs[0].timings.receiveNs! / 1e3) / 1e3,
    });
    // the script waited 3 ms for the response
    expect(e.timings.wait).toBeGreaterThanOrEqual(3);
    expect(e.timings.wait).toBeLessThan(3.1);
    expect(e.time).toBeCloseTo(e.timings.send + e.timings.wait + e.timings.receive, 6);
  });

  it('carries query strings, sizes, the connection and both processes', () => {
    const [e] = doc.log.entries;
    expect(e.request.queryString).toEqual([
      { name: 'q', value: 'café' },
      { name: 'x', value: '1 2' },
      { name: 'flag', value: '' },
    ]);
    expect(e.request.httpVersion).toBe('HTTP/1.1');
    expect(e.request.headersSize).toBe(ITEMS_REQUEST_HEAD.length);
    expect(e.request.bodySize).toBe(0);
    expect(e.request.postData).toBeUndefined();
    expect(e.response.content).toEqual({ size: Buffer.byteLength(JSON_BODY), mimeType: 'application/json; charset=utf-8', text: JSON_BODY });
    expect(e.response.bodySize).toBe(Buffer.byteLength(JSON_BODY));
    expect(e.serverIPAddress).toBe('127.0.0.1');
    expect(e.connection).toBe('3000');
    expect(e.cache).toEqual({});
    expect(e._tinytapId).toBe(1);
    // command lines are credentials (curl -H 'Authorization: …'): the program only, unless asked
    expect(e._client).toEqual({ pid: CURL.pid, comm: 'curl', commandLine: ['curl'], commandLineArgumentsLeftOut: 2, cgroup: '/', address: '127.0.0.1', port: 50100 });
    expect(e._server).toEqual({ pid: NODE.pid, comm: 'node', commandLine: ['node'], commandLineArgumentsLeftOut: 1, cgroup: '/', address: '127.0.0.1', port: 3000 });
    expect(withSecrets.log.entries[0]._client).toEqual({ pid: CURL.pid, comm: 'curl', commandLine: CURL.argv, cgroup: '/', address: '127.0.0.1', port: 50100 });
    expect(e._notes).toBeUndefined();
  });

  it('leaves out the values of credentials and cookies unless asked, and says so', () => {
    const [e, login] = doc.log.entries;
    const left = { value: '', comment: 'value left out by tinytap: export with --include-secrets to keep it' };
    expect(e.request.headers).toEqual([
      { name: 'Host', value: '127.0.0.1:3000' },
      { name: 'User-Agent', value: 'curl/8.5.0' },
      { name: 'Accept', value: '*/*' },
      { name: 'Cookie', ...left },
      { name: 'Authorization', ...left },
    ]);
    expect(e.request.cookies).toEqual([]);
    expect(login.response.headers.filter((h: any) => h.name === 'Set-Cookie')).toEqual([
      { name: 'Set-Cookie', ...left },
      { name: 'Set-Cookie', ...left },
    ]);
    expect(login.response.cookies).toEqual([]);
    expect(JSON.stringify(doc)).not.toMatch(/s3cr3t|abc123|theme=dark/);
    expect(doc.log.comment).toBe(`tinytap: ${SECRETS_LEFT_OUT_NOTE}`);
    expect(doc.log._tinytap).toEqual({ filter: 'method:GET', secretsLeftOut: true, secretWords: [...SECRET_WORDS] });
  });

  it('keeps secrets with includeSecrets, with the cookies parsed', () => {
    const [e, login] = withSecrets.log.entries;
    expect(e.request.headers.find((h: any) => h.name === 'Authorization')).toEqual({ name: 'Authorization', value: 'Bearer s3cr3t-token' });
    expect(e.request.cookies).toEqual([
      { name: 'a', value: '1' },
      { name: 'b', value: 'two' },
    ]);
    expect(login.response.cookies).toEqual([
      { name: 'sid', value: 'abc123', path: '/', domain: 'example.test', httpOnly: true, secure: true, expires: '2026-10-21T07:28:00.000Z' },
      { name: 'theme', value: 'dark' },
    ]);
    expect(withSecrets.log.comment).toBeUndefined();
    expect(withSecrets.log._tinytap).toEqual({ filter: 'method:GET', secretsLeftOut: false });
  });

  it('gives a form body as text and as decoded params', () => {
    const login = doc.log.entries[1];
    expect(login.request.postData).toEqual({
      mimeType: 'application/x-www-form-urlencoded',
      text: FORM_BODY,
      params: [
        { name: 'name', value: 'Jürgen M' },
        { name: 'tags', value: 'a' },
        { name: 'tags', value: 'b' },
        { name: 'empty', value: '' },
        { name: 'flag', value: '' },
      ],
    });
    expect(login.request.bodySize).toBe(FORM_BODY.length);
  });

  it('gives binary bodies as base64, text decoded from gzip, and the redirect target', () => {
    const [, , png, gz, redirect, missing, upload] = doc.log.entries;
    expect(png.response.content).toEqual({ size: PNG.length, mimeType: 'image/png', text: PNG.toString('base64'), encoding: 'base64' });
    const compressed = gzipSync(Buffer.from(GZ_TEXT));
    expect(gz.response.content).toEqual({ size: GZ_TEXT.length, mimeType: 'text/plain', text: GZ_TEXT, compression: GZ_TEXT.length - compressed.length });
    expect(gz.response.bodySize).toBe(compressed.length);
    expect(redirect.response.redirectURL).toBe('/new?from=old');
    expect(missing.response.content.text).toBe('nope, gone');
    expect(missing.response.bodySize).toBe(10);
    // chunked: the head is counted from its fields, the chunk framing is not body
    expect(missing.response.headersSize).toBe(NOT_FOUND_HEAD.length);
    expect(upload.request.postData).toEqual({ mimeType: 'application/octet-stream', text: UPLOAD.toString('base64'), _encoding: 'base64' });
    expect(upload.request.headersSize).toBe(UPLOAD_HEAD.length);
    expect(upload.request.bodySize).toBe(UPLOAD.length);
  });

  it('notes what was not captured: a missing response, a truncated body', () => {
    const [head, noAnswer, big] = doc.log.entries.slice(7);
    expect(head.request.httpVersion).toBe('HTTP/1.0');
    expect(head.request.headers).toEqual([
      { name: 'X-Name', value: 'caf\u00e9' },
      { name: 'X-Quote', value: 'it\'s "$(touch /tmp/x)"' },
    ]);
    expect(head._client.commandLine).toEqual(['node']);
    expect(head._client.commandLineArgumentsLeftOut).toBe(2);
    expect(noAnswer.response).toMatchObject({ status: 0, headersSize: -1, bodySize: -1, content: { size: 0, mimeType: 'x-unknown' } });
    expect(noAnswer.response._error).toBe('no response was captured (the server did not answer, or the capture ended first)');
    expect(noAnswer.timings).toMatchObject({ wait: 0, receive: 0 });
    expect(big._notes).toEqual(['request body: truncated at capture: 908 of 2,000 B captured (raise --max-payload)']);
    expect(big.request.bodySize).toBe(2000);
    expect(big.request.postData.text).toBe('r'.repeat(908));
  });
});

describe('streamed HAR export', () => {
  it('writes entry by entry, pulling one exchange at a time, and a large export is whole', async () => {
    const N = 2500;
    const file = await scripted((s) => {
      const c = s.tcp(CURL, NODE, { serverPort: 8080 });
      for (let i = 0; i < N; i++) {
        c.send('c2s', `GET /item/${i} HTTP/1.1\r\nHost: api.local:8080\r\n\r\n`);
        const body = `{"id":"${i}"}`;
        c.send('s2c', `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      }
      c.close();
    });
    const session = Session.open(file);
    let pulled = 0;
    function* exchanges() {
      for (const row of session.iterateExchanges()) {
        pulled++;
        yield session.exchange(Number(row.id))!;
      }
    }
    const chunks = harDocument(exchanges(), { includeSecrets: false, version: '1', filter: '' });
    try {
      const head = chunks.next().value as string;
      expect(head).toMatch(/^\{"log":\{"version":"1\.2",.*"entries":\[$/);
      expect(pulled).toBe(0);
      const first = chunks.next().value as string;
      expect(pulled).toBe(1);
      expect(JSON.parse(first.trim()).request.url).toBe('http://api.local:8080/item/0');
      const rest = [...chunks];
      expect(pulled).toBe(N);
      // one chunk per entry, then the end of the document
      expect(rest).toHaveLength(N);
      const parsed = JSON.parse(head + first + rest.join(''));
      expect(parsed.log.entries).toHaveLength(N);
      expect(parsed.log.entries.map((e: any) => e.response.content.text)).toEqual(Array.from({ length: N }, (_, i) => `{"id":"${i}"}`));
      expect(harSchemaErrors(parsed)).toEqual([]);
    } finally {
      // a failed expectation leaves the query open: end it before closing the database
      chunks.return(undefined);
      session.close();
    }
  });

  it('an export of nothing is a valid empty HAR', () => {
    const doc = har([]);
    expect(doc.log.entries).toEqual([]);
    expect(harSchemaErrors(doc)).toEqual([]);
  });
});

describe('an exchange whose request was not captured', () => {
  it('is an entry with unknown request sizes and a note, still valid HAR', async () => {
    const file = await scripted((s) => {
      const c = s.tcp(CURL, NODE, { serverPort: 8080, only: 'client' });
      c.send('s2c', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      c.close();
    });
    const xs = allExchanges(file);
    expect(xs).toHaveLength(1);
    const doc = har(xs);
    expect(harSchemaErrors(doc)).toEqual([]);
    expect(() => checkDevToolsImport(doc)).not.toThrow();
    const [e] = doc.log.entries;
    expect(e.request).toMatchObject({ method: '', headersSize: -1, bodySize: -1 });
    expect(e.response.content.text).toBe('ok');
    expect(e._notes).toEqual(['the request was not captured, only its response']);
  });
});
