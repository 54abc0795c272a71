import { beforeAll, describe, expect, it } from 'vitest';

import { POSTMAN_SCHEMA, postmanCollection } from '../../src/export/postman.js';
import type { Exchange } from '../../src/model/exchange.js';
import { FORM_BODY, JSON_BODY, allExchanges, variedSession } from './fixtures.js';
import { loadPostman, postmanSchemaErrors } from './validators.js';

describe('Postman export', () => {
  let xs: Exchange[];
  let collection: any;
  let withSecrets: any;
  const build = (includeSecrets: boolean) =>
    JSON.parse([...postmanCollection(xs, { name: 'api.tinytap', id: '0f9c3a52-0000-4000-8000-000000000001', filter: 'port:3000', includeSecrets })].join(''));
  beforeAll(async () => {
    xs = allExchanges(await variedSession());
    collection = build(false);
    withSecrets = build(true);
  });

  it('passes the v2.1 schema and loads with postman-collection', () => {
    expect(postmanSchemaErrors(collection)).toEqual([]);
    expect(collection.info).toEqual({
      _postman_id: '0f9c3a52-0000-4000-8000-000000000001',
      name: 'api.tinytap',
      description:
        'Requests captured by tinytap matching port:3000, each with its response as an example. Credentials are left out as {{variables}} (named after the header or parameter): set them in an environment.',
      schema: POSTMAN_SCHEMA,
    });
    expect(loadPostman(collection)).toEqual([
      { name: '#1 GET /api/items?q=caf%C3%A9&x=1+2&flag', method: 'GET', url: 'http://127.0.0.1:3000/api/items?q=caf%C3%A9&x=1+2&flag', body: null },
      { name: '#2 POST /login', method: 'POST', url: 'http://127.0.0.1:3000/login', body: FORM_BODY },
      { name: '#3 GET /image.png', method: 'GET', url: 'http://127.0.0.1:3000/image.png', body: null },
      { name: '#4 GET /gz', method: 'GET', url: 'http://127.0.0.1:3000/gz', body: null },
      { name: '#5 GET /old', method: 'GET', url: 'http://127.0.0.1:3000/old', body: null },
      { name: '#6 GET /missing', method: 'GET', url: 'http://127.0.0.1:3000/missing', body: null },
      { name: '#7 PUT /upload', method: 'PUT', url: 'http://127.0.0.1:3000/upload', body: null },
      { name: '#8 HEAD /status', method: 'HEAD', url: 'http://127.0.0.1:3000/status', body: null },
      { name: '#9 DELETE /api/items/7', method: 'DELETE', url: 'http://127.0.0.1:3000/api/items/7', body: null },
      { name: '#10 POST /big', method: 'POST', url: 'http://127.0.0.1:3000/big', body: 'r'.repeat(908) },
    ]);
  });

  it('keeps the requests as sent: headers (Host in the URL), query, raw bodies', () => {
    const [items, login] = collection.item;
    // credentials are variables to set; with --include-secrets they are the captured values
    expect(items.request.header).toEqual([
      { key: 'User-Agent', value: 'curl/8.5.0' },
      { key: 'Accept', value: '*/*' },
      { key: 'Cookie', value: '{{Cookie}}' },
      { key: 'Authorization', value: '{{Authorization}}' },
    ]);
    expect(JSON.stringify(collection)).not.toMatch(/s3cr3t|abc123/);
    expect(withSecrets.item[0].request.header).toEqual([
      { key: 'User-Agent', value: 'curl/8.5.0' },
      { key: 'Accept', value: '*/*' },
      { key: 'Cookie', value: 'a=1; b="two"' },
      { key: 'Authorization', value: 'Bearer s3cr3t-token' },
    ]);
    expect(withSecrets.info.description).toBe('Requests captured by tinytap matching port:3000, each with its response as an example.');
    expect(items.request.url).toEqual({
      raw: 'http://127.0.0.1:3000/api/items?q=caf%C3%A9&x=1+2&flag',
      protocol: 'http',
      host: ['127', '0', '0', '1'],
      port: '3000',
      path: ['api', 'items'],
      query: [
        { key: 'q', value: 'caf%C3%A9' },
        { key: 'x', value: '1+2' },
        { key: 'flag', value: null },
      ],
    });
    expect(items.protocolProfileBehavior).toEqual({ disabledSystemHeaders: { 'accept-encoding': true, 'cache-control': true, 'postman-token': true } });
    expect(login.request.body).toEqual({ mode: 'raw', raw: FORM_BODY, options: { raw: { language: 'text' } } });
    expect(login.request.header).toEqual([{ key: 'Content-Type', value: 'application/x-www-form-urlencoded' }]);
  });

  it('saves each response as an example, and says what a collection cannot hold', () => {
    const [items, , png, , , , upload, , noAnswer, big] = collection.item;
    expect(items.response).toHaveLength(1);
    expect(items.response[0]).toMatchObject({ name: '200 OK', status: 'OK', code: 200, body: JSON_BODY, _postman_previewlanguage: 'json' });
    expect(items.response[0].originalRequest.url.raw).toBe(items.request.url.raw);
    expect(png.response[0].body).toBeNull();
    expect(png.request.description).toBe(
      'Captured by tinytap: curl (pid 4121) → node (pid 5001), exchange #3.\n\nthe response body (70 bytes, image/png) is binary and not in the saved example',
    );
    expect(upload.request.body).toEqual({ mode: 'file', file: { src: null } });
    expect(upload.request.description).toContain('the request body (11 bytes, application/octet-stream) is binary and not in this collection: tinytap export --curl reproduces it');
    expect(noAnswer.response).toEqual([]);
    expect(big.request.description).toContain('request body: truncated at capture: 908 of 2,000 B captured (raise --max-payload)');
  });
});
