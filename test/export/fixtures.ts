/**
 * Sessions for the exporter tests, written through the real recorder with a fake addon
 * (ScriptedSession): the kinds of exchange an export must carry (query strings, forms, cookies
 * and credentials, binary and gzip bodies, redirects, chunked, no response, a truncated body).
 */
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import type { Exchange } from '../../src/model/exchange.js';
import { Session } from '../../src/session/session.js';
import { CURL, NODE, type Party, ScriptedSession } from '../helpers/scripted-session.js';
import { tempDir } from '../helpers/session-files.js';

const dir = tempDir('tinytap-export-');
let n = 0;

export async function scripted(script: (s: ScriptedSession) => void): Promise<string> {
  const path = join(dir, `s${++n}.tinytap`);
  const s = new ScriptedSession(path);
  script(s);
  await s.finish();
  return path;
}

/** Every exchange of a session, whole, in capture order. */
export function allExchanges(file: string): Exchange[] {
  const session = Session.open(file);
  try {
    return session.exchanges().map((x) => session.exchange(Number(x.id))!);
  } finally {
    session.close();
  }
}

/** A 1×1 PNG: bytes that are not text (NUL, 0x89, ...). */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
export const GZ_TEXT = 'compressed hello '.repeat(40);
export const UPLOAD = Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x27, 0x0a, 0x24, 0x28, 0x60, 0x80, 0x00]);
export const JSON_BODY = '{"id":7,"name":"caf\u00e9","tags":["a","b"]}';
export const FORM_BODY = 'name=J%C3%BCrgen+M&tags=a&tags=b&empty=&flag';

export const ITEMS_REQUEST_HEAD =
  'GET /api/items?q=caf%C3%A9&x=1+2&flag HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n' +
  'Cookie: a=1; b="two"\r\nAuthorization: Bearer s3cr3t-token\r\n\r\n';
export const NOT_FOUND_HEAD = 'HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n';
export const UPLOAD_HEAD = 'PUT /upload HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n';

const BROWSER: Party = { pid: 4200, comm: 'node', argv: ['node', 'client.mjs', '--fast'] };

/** Ten exchanges: what the HAR, curl and Postman tests look at, in this order. */
export async function variedSession(): Promise<string> {
  return scripted((s) => {
    const c = s.tcp(CURL, NODE, { clientPort: 50100, serverPort: 3000 });
    // 1: a query string, cookies and credentials
    c.send('c2s', ITEMS_REQUEST_HEAD);
    s.wait(3);
    const json = Buffer.from(JSON_BODY, 'utf8');
    c.send('s2c', Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${json.length}\r\n\r\n`), json]));
    // 2: a form, and a cookie set in return
    s.wait(1);
    c.send('c2s', `POST /login HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${FORM_BODY.length}\r\n\r\n${FORM_BODY}`);
    s.wait(2);
    c.send(
      's2c',
      'HTTP/1.1 201 Created\r\nSet-Cookie: sid=abc123; Path=/; Domain=example.test; HttpOnly; Secure; Expires=Wed, 21 Oct 2026 07:28:00 GMT\r\n' +
        'Set-Cookie: theme=dark\r\nContent-Length: 0\r\n\r\n',
    );
    // 3: a binary body
    c.send('c2s', 'GET /image.png HTTP/1.1\r\nHost: 127.0.0.1:3000\r\n\r\n');
    s.wait(1);
    c.send('s2c', Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: ${PNG.length}\r\n\r\n`), PNG]));
    // 4: gzip
    const gz = gzipSync(Buffer.from(GZ_TEXT));
    c.send('c2s', 'GET /gz HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nAccept-Encoding: gzip\r\n\r\n');
    s.wait(1);
    c.send('s2c', Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`), gz]));
    // 5: a redirect
    c.send('c2s', 'GET /old HTTP/1.1\r\nHost: 127.0.0.1:3000\r\n\r\n');
    c.send('s2c', 'HTTP/1.1 302 Found\r\nLocation: /new?from=old\r\nContent-Length: 0\r\n\r\n');
    // 6: a 404, chunked
    c.send('c2s', 'GET /missing HTTP/1.1\r\nHost: 127.0.0.1:3000\r\n\r\n');
    c.send('s2c', `${NOT_FOUND_HEAD}4\r\nnope\r\n6\r\n, gone\r\n0\r\n\r\n`);
    // 7: a binary upload, chunked
    c.send(
      'c2s',
      Buffer.concat([
        Buffer.from(`${UPLOAD_HEAD}${UPLOAD.length.toString(16)}\r\n`),
        UPLOAD,
        Buffer.from('\r\n0\r\n\r\n'),
      ]),
    );
    c.send('s2c', 'HTTP/1.1 204 No Content\r\n\r\n');
    c.close();

    // 8: a HEAD, HTTP/1.0, from another client, with a header holding bytes that are not UTF-8
    const d = s.tcp(BROWSER, NODE, { clientPort: 50200, serverPort: 3000 });
    d.send('c2s', Buffer.from('HEAD /status HTTP/1.0\r\nX-Name: caf\xe9\r\nX-Quote: it\'s "$(touch /tmp/x)"\r\n\r\n', 'latin1'));
    d.send('s2c', 'HTTP/1.0 200 OK\r\nContent-Length: 12\r\n\r\n');
    d.close();

    // 9: a request the server never answered
    const e = s.tcp(CURL, NODE, { clientPort: 50300, serverPort: 3000 });
    e.send('c2s', 'DELETE /api/items/7 HTTP/1.1\r\nHost: 127.0.0.1:3000\r\n\r\n');
    e.close('client');

    // 10: a response body cut at capture (--max-payload), and a request body too
    const f = s.tcp(CURL, NODE, { clientPort: 50400, serverPort: 3000, only: 'client' });
    f.send('c2s', `POST /big HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nContent-Type: text/plain\r\nContent-Length: 2000\r\n\r\n${'r'.repeat(2000)}`, { senderCap: 1000 });
    f.send('s2c', `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\n0123456789`);
    f.close();
  });
}
