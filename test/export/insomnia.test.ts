import { beforeAll, describe, expect, it } from 'vitest';

import { insomniaLiteral } from '../../src/export/insomnia-template.js';
import { insomniaExport } from '../../src/export/insomnia.js';
import type { LeftOut } from '../../src/export/collection-request.js';
import type { Exchange } from '../../src/model/exchange.js';
import { H2_JSON, HOSTILE_PATHS, ODD_VALUE, collectionSession } from './collection-fixtures.js';
import { insomniaRequests, loadInsomnia, untemplate } from './collection-validators.js';
import { FORM_BODY, allExchanges, variedSession } from './fixtures.js';

const ID = '0f9c3a52-0000-4000-8000-000000000001';
const BASE = 'http://127.0.0.1:3000';

function build(xs: Exchange[], includeSecrets: boolean) {
  const leftOut: LeftOut = { grpc: 0 };
  const text = [...insomniaExport(xs, { name: 'api.tinytap', id: ID, filter: 'port:3000', includeSecrets, version: '0.1.0', date: new Date(0), leftOut })].join('');
  return { text, leftOut };
}

describe('Insomnia export', () => {
  let varied: Exchange[];
  let more: Exchange[];
  beforeAll(async () => {
    varied = allExchanges(await variedSession());
    more = allExchanges(await collectionSession());
  });

  it('is recognised by insomnia-importers as Insomnia v4, with one workspace, a group per origin, and every request', async () => {
    const { text } = build(varied, false);
    const { importer, resources } = await loadInsomnia(text);
    expect(importer).toBe('insomnia-4');
    const doc = JSON.parse(text);
    expect(doc).toMatchObject({ _type: 'export', __export_format: 4, __export_source: 'tinytap:v0.1.0', __export_date: '1970-01-01T00:00:00.000Z' });
    const [workspace, group] = resources;
    expect(workspace).toMatchObject({ _id: 'wrk_0f9c3a52000040008000000000000001', _type: 'workspace', parentId: null, name: 'api.tinytap' });
    expect(group).toMatchObject({ _type: 'request_group', parentId: workspace._id, name: BASE });
    const requests = resources.filter((r) => r._type === 'request');
    expect(requests.every((r) => r.parentId === group._id)).toBe(true);
    expect(new Set(resources.map((r) => r._id)).size).toBe(resources.length);
    expect(insomniaRequests(resources).map((r) => [r.method, r.url])).toEqual([
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
    // the URL is a URI already: encoding it again would change what is sent
    expect(requests.every((r) => r.settingEncodeUrl === false)).toBe(true);
  });

  it('keeps headers and bodies as sent; a form is its fields; credentials are environment variables', async () => {
    const { resources } = await loadInsomnia(build(varied, false).text);
    const [items, login, , , , , upload, head, , big] = insomniaRequests(resources);
    expect(items.headers).toEqual([
      ['User-Agent', 'curl/8.5.0'],
      ['Accept', '*/*'],
      ['Cookie', '{{ _.Cookie }}'],
      ['Authorization', '{{ _.Authorization }}'],
    ]);
    expect(items.body).toBeNull();
    expect(login.headers).toEqual([['Content-Type', 'application/x-www-form-urlencoded']]);
    expect(login.mimeType).toBe('application/x-www-form-urlencoded');
    // FORM_BODY decoded: name=J%C3%BCrgen+M&tags=a&tags=b&empty=&flag
    expect(login.body).toEqual([
      ['name', 'Jürgen M'],
      ['tags', 'a'],
      ['tags', 'b'],
      ['empty', ''],
      ['flag', ''],
    ]);
    expect(FORM_BODY).toContain('flag');
    // binary: the media type, no bytes, and a description that says so
    expect(upload.body).toBeNull();
    expect(upload.mimeType).toBe('application/octet-stream');
    const uploadResource = resources.find((r) => r.name === '#7 PUT /upload');
    expect(uploadResource.description).toContain('the request body (11 bytes, application/octet-stream) is binary and not in this export');
    // bytes that are not UTF-8 are kept one per character, as in the HAR and Postman exports
    expect(head.headers).toEqual([
      ['X-Name', 'caf\u00e9'],
      ['X-Quote', 'it\'s "$(touch /tmp/x)"'],
    ]);
    expect(big.body).toBe('r'.repeat(908));
    const env = resources.find((r) => r._type === 'environment');
    expect(env).toMatchObject({ parentId: resources[0]._id, data: { Cookie: '', Authorization: '' } });
    expect(JSON.stringify(resources)).not.toMatch(/s3cr3t|abc123/);
  });

  it('with --include-secrets keeps the credentials and has no environment', async () => {
    const { resources } = await loadInsomnia(build(varied, true).text);
    expect(insomniaRequests(resources)[0].headers).toContainEqual(['Authorization', 'Bearer s3cr3t-token']);
    expect(resources.some((r) => r._type === 'environment')).toBe(false);
  });

  it('HTTP/2 requests without pseudo-headers, a WebSocket request, gRPC left out and counted', async () => {
    const { text, leftOut } = build(more, false);
    expect(leftOut).toEqual({ grpc: 1 });
    const { resources } = await loadInsomnia(text);
    const got = insomniaRequests(resources);
    const h2 = got[0];
    expect(h2).toMatchObject({ method: 'POST', url: 'http://127.0.0.1:8443/orders?src=h2', body: H2_JSON, mimeType: 'application/json' });
    expect(h2.headers).toEqual([
      ['content-type', 'application/json'],
      ['x-odd', ODD_VALUE],
      ['authorization', '{{ _.authorization }}'],
    ]);
    // the odd value's template syntax is escaped, so Insomnia sends it as it is
    const raw = resources.find((r) => r._type === 'request' && r.url.endsWith('src=h2'));
    expect(raw.headers[1].value).toBe(insomniaLiteral(ODD_VALUE));
    expect(raw.headers[1].value).not.toBe(ODD_VALUE);
    expect(got.map((r) => r.url).slice(1, 1 + HOSTILE_PATHS.length)).toEqual([
      'http://127.0.0.1:8443/../../etc/passwd',
      'http://127.0.0.1:8443/a%7Db/%7B%7Bx%7D%7D',
      'http://127.0.0.1:8443/line%0Abreak',
      'http://127.0.0.1:8443/caf%C3%A9/%F0%9F%8D%B5',
      `http://127.0.0.1:8443/${'long'.repeat(100)}`,
    ]);
    expect(got[2].name).toBe('#4 GET /a}b/{{x}}');
    const ws = got[got.length - 1];
    expect(ws).toMatchObject({ method: 'WS', url: 'ws://ws.local/chat' });
    // the handshake's own headers are the client's to make (Host is the URL's)
    expect(ws.headers).toEqual([
      ['Sec-WebSocket-Protocol', 'chat'],
      ['X-Room', '7'],
    ]);
    expect(resources.filter((r) => r._type === 'request_group').map((g) => g.name)).toEqual(['http://127.0.0.1:8443', 'http://ws.local']);
  });

  it('untemplate undoes exactly what insomniaLiteral does', () => {
    for (const s of ['', 'plain', '{{a}}', '{%x%}{#c#}', '{{{', '{ {', '{{ "{{" }}', ODD_VALUE]) expect(untemplate(insomniaLiteral(s))).toBe(s);
  });
});
