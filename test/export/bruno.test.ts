import { beforeAll, describe, expect, it } from 'vitest';

import { brunoCollection } from '../../src/export/bruno.js';
import { NAME_HINT_MAX } from '../../src/export/bru-file-names.js';
import type { LeftOut } from '../../src/export/collection-request.js';
import type { Exchange } from '../../src/model/exchange.js';
import { H2_JSON, HOSTILE_PATHS, ODD_VALUE, collectionSession } from './collection-fixtures.js';
import { bruRequest, parseBru } from './collection-validators.js';
import { UPLOAD, allExchanges, variedSession } from './fixtures.js';

const BASE = 'http://127.0.0.1:3000';

function build(xs: Exchange[], includeSecrets: boolean) {
  const leftOut: LeftOut = { grpc: 0 };
  const files = [...brunoCollection(xs, { name: 'api.tinytap', filter: '', includeSecrets, leftOut })];
  return { files, leftOut, bru: files.filter((f) => f.name.endsWith('.bru')).map((f) => bruRequest(f.data as string)) };
}

describe('Bruno export', () => {
  let varied: Exchange[];
  let more: Exchange[];
  beforeAll(async () => {
    varied = allExchanges(await variedSession());
    more = allExchanges(await collectionSession());
  });

  it('writes bruno.json and one .bru per request, each parsed by Bruno with method, URL, headers and body as sent', () => {
    const { files, bru } = build(varied, false);
    expect(JSON.parse(files[0].data as string)).toEqual({ version: '1', name: 'api.tinytap', type: 'collection', ignore: ['node_modules', '.git'] });
    expect(files.map((f) => f.name)).toEqual([
      'bruno.json',
      '0001-get-api-items.bru',
      '0002-post-login.bru',
      '0003-get-image-png.bru',
      '0004-get-gz.bru',
      '0005-get-old.bru',
      '0006-get-missing.bru',
      '0007-put-upload.bru',
      '0007-put-upload.body',
      '0008-head-status.bru',
      '0009-delete-api-items-7.bru',
      '0010-post-big.bru',
    ]);
    expect(bru.map((r) => [r.method, r.url])).toEqual([
      ['GET', `${BASE}/api/items?q=caf%C3%A9&x=1+2&flag`],
      ['POST', `${BASE}/login`],
      ['GET', `${BASE}/image.png`],
      ['GET', `${BASE}/gz`],
      ['GET', `${BASE}/old`],
      ['GET', `${BASE}/missing`],
      ['PUT', `${BASE}/upload`],
      ['HEAD', `${BASE}/status`],
      ['DELETE', `${BASE}/api/items/7`],
      ['POST', `${BASE}/big`],
    ]);
    const [items, login, , , , , upload, head, , big] = bru;
    expect(items.name).toBe('#1 GET /api/items?q=caf%C3%A9&x=1+2&flag');
    expect(items.headers).toEqual([
      ['User-Agent', 'curl/8.5.0'],
      ['Accept', '*/*'],
      ['Cookie', '{{Cookie}}'],
      ['Authorization', '{{Authorization}}'],
    ]);
    expect(items.body).toBeNull();
    expect(login.body).toEqual([
      ['name', 'Jürgen M'],
      ['tags', 'a'],
      ['tags', 'b'],
      ['empty', ''],
      ['flag', ''],
    ]);
    // binary: the bytes as sent, in a file the request names
    expect(upload.body).toEqual({ file: '0007-put-upload.body', contentType: 'application/octet-stream' });
    expect(Buffer.from(files.find((f) => f.name === '0007-put-upload.body')!.data as Uint8Array)).toEqual(UPLOAD);
    expect(head.headers).toEqual([
      ['X-Name', 'caf\u00e9'],
      ['X-Quote', 'it\'s "$(touch /tmp/x)"'],
    ]);
    expect(big.body).toBe('r'.repeat(908));
    const bigDocs = parseBru(files.find((f) => f.name === '0010-post-big.bru')!.data as string).docs;
    expect(bigDocs).toContain('request body: truncated at capture: 908 of 2,000 B captured (raise --max-payload)');
    expect(files.map((f) => f.data.toString()).join('')).not.toMatch(/s3cr3t|abc123/);
  });

  it('with --include-secrets keeps the credentials', () => {
    expect(build(varied, true).bru[0].headers).toContainEqual(['Authorization', 'Bearer s3cr3t-token']);
  });

  it('HTTP/2 without pseudo-headers, a ws request, gRPC left out and counted, hostile paths in safe names', () => {
    const { files, bru, leftOut } = build(more, false);
    expect(leftOut).toEqual({ grpc: 1 });
    const [h2, ...rest] = bru;
    expect(h2).toMatchObject({ method: 'POST', url: 'http://127.0.0.1:8443/orders?src=h2', body: H2_JSON });
    expect(h2.headers).toEqual([
      ['content-type', 'application/json'],
      ['x-odd', ODD_VALUE],
      ['authorization', '{{authorization}}'],
    ]);
    expect(rest.slice(0, HOSTILE_PATHS.length).map((r) => r.url)).toEqual([
      'http://127.0.0.1:8443/../../etc/passwd',
      'http://127.0.0.1:8443/a%7Db/%7B%7Bx%7D%7D',
      'http://127.0.0.1:8443/line%0Abreak',
      'http://127.0.0.1:8443/caf%C3%A9/%F0%9F%8D%B5',
      `http://127.0.0.1:8443/${'long'.repeat(100)}`,
    ]);
    // a name holds the target, its control characters written out
    expect(rest[2].name).toBe('#5 GET /line\\x0abreak');
    expect(rest[1].name).toBe('#4 GET /a}b/{{x}}');
    const ws = rest[rest.length - 1];
    expect(ws).toMatchObject({ method: 'WS', url: 'ws://ws.local/chat', headers: [['Sec-WebSocket-Protocol', 'chat'], ['X-Room', '7']] });
    for (const f of files) {
      expect(f.name).toMatch(/^[A-Za-z0-9_-]+(\.[a-z]+)?$/);
      expect(f.name.length).toBeLessThanOrEqual(4 + 1 + NAME_HINT_MAX + '.body'.length);
    }
    expect(new Set(files.map((f) => f.name)).size).toBe(files.length);
  });

  it('leaves out, and says so, a header that a .bru file cannot hold', async () => {
    const { scripted } = await import('./fixtures.js');
    const { CURL, NODE } = await import('../helpers/scripted-session.js');
    const xs = allExchanges(
      await scripted((s) => {
        const c = s.tcp(CURL, NODE, { serverPort: 3000 });
        c.send('c2s', "GET /x HTTP/1.1\r\nHost: 127.0.0.1:3000\r\n~Tilde: 1\r\nX-Block: '''a\r\nX-Fine: ok\r\n\r\n");
        c.send('s2c', 'HTTP/1.1 204 No Content\r\n\r\n');
        c.close();
      }),
    );
    const { files, bru } = build(xs, false);
    expect(bru[0].headers).toEqual([['X-Fine', 'ok']]);
    const docs = parseBru(files[1].data as string).docs;
    expect(docs).toContain('the header "~Tilde" is left out: a .bru file cannot hold its name as it is');
    expect(docs).toContain('the header "X-Block" is left out: a .bru file cannot hold its value as it is');
  });
});
