import { describe, expect, it } from 'vitest';

import { endpointOf, isIdToken, queryKeys, templatePath, templateSegment } from '../../src/diff/route-template.js';

describe('route templates', () => {
  it('replaces numbers, UUIDs, hashes and token ids with {id}', () => {
    expect(templatePath('/users/42/posts')).toBe('/users/{id}/posts');
    expect(templatePath('/users/42/posts/7')).toBe('/users/{id}/posts/{id}');
    expect(templatePath('/orders/3f2504e0-4f89-11d3-9a0c-0305e82c3301')).toBe('/orders/{id}');
    expect(templatePath('/objects/507f1f77bcf86cd799439011')).toBe('/objects/{id}'); // Mongo ObjectId
    expect(templatePath('/commits/a1b2c3d')).toBe('/commits/{id}'); // git short hash
    expect(templatePath('/ulid/01ARZ3NDEKTSV4RRFFQ69G5FAV')).toBe('/ulid/{id}');
    expect(templatePath('/t/V1StGXR8_Z5jdHi6B-myTq')).toBe('/t/{id}'); // nanoid
    expect(templatePath('/v1/customers/cus_NffrFeUfNV2Hib')).toBe('/v1/customers/{id}');
    expect(templatePath('/prices/3.14')).toBe('/prices/{id}');
  });

  it('leaves names, versions and slugs alone', () => {
    expect(templatePath('/api/v2/users')).toBe('/api/v2/users');
    expect(templatePath('/')).toBe('/');
    expect(templatePath('/users/')).toBe('/users/');
    expect(templatePath('/blog/hello-world')).toBe('/blog/hello-world');
    expect(templatePath('/blog/how-to-cook-pasta-in-2024')).toBe('/blog/how-to-cook-pasta-in-2024');
    expect(templatePath('/colors/deadbeef')).toBe('/colors/deadbeef'); // hex letters only: a word
    expect(templatePath('/pkg/1.2.3')).toBe('/pkg/1.2.3');
    expect(templatePath('/js/jquery-3.6.0.min.js')).toBe('/js/jquery-3.6.0.min.js');
    expect(templatePath('/getUserProfile')).toBe('/getUserProfile');
  });

  it('templates ids inside file names, before the extension', () => {
    expect(templateSegment('42.json')).toBe('{id}.json');
    expect(templateSegment('app.3f9a1c2e.js')).toBe('app.{id}.js');
    expect(templateSegment('app.f73c5.js')).toBe('app.{id}.js');
    expect(templateSegment('app.addfeecd.js')).toBe('app.{id}.js');
    expect(templateSegment('app.cafe.js')).toBe('app.cafe.js');
    expect(templateSegment('addfeecd.js')).toBe('addfeecd.js'); // a name, as far as anyone can tell
    expect(templateSegment('index.html')).toBe('index.html');
    expect(templateSegment('v1.json')).toBe('v1.json');
  });

  it('knows ids from words', () => {
    expect(['42', '0', '3f2504e0-4f89-11d3-9a0c-0305e82c3301', 'abc1234', 'cus_NffrFeUfNV2Hib'].map(isIdToken)).toEqual([true, true, true, true, true]);
    expect(['users', 'v2', 'abc123', 'decade', 'me'].map(isIdToken)).toEqual([false, false, false, false, false]);
  });

  it('keeps the query keys, sorted and once each, never the values', () => {
    expect(queryKeys('page=2&sort=asc')).toEqual(['page', 'sort']);
    expect(queryKeys('sort=desc&page=9&page=10')).toEqual(['page', 'sort']);
    expect(queryKeys('flag&a%20b=1&=x&c+d=2')).toEqual(['a b', 'c d', 'flag']);
    expect(queryKeys('%zz=1')).toEqual(['%zz']);
    expect(queryKeys(null)).toEqual([]);
    expect(queryKeys('')).toEqual([]);
  });

  it('names an endpoint by method and route', () => {
    const e = (method: string | null, path: string | null, query: string | null, url = '') => endpointOf({ method, path, query, url });
    expect(e('GET', '/users/42/posts', 'page=2&sort=asc')).toEqual({ key: 'GET /users/{id}/posts?page&sort', method: 'GET', route: '/users/{id}/posts?page&sort' });
    expect(e('GET', '/users/7/posts', 'sort=desc&page=9').key).toBe('GET /users/{id}/posts?page&sort');
    expect(e('POST', '/users/7/posts', null).key).toBe('POST /users/{id}/posts');
    expect(e('CONNECT', null, null, 'example.com:443').key).toBe('CONNECT example.com:443');
    expect(e(null, null, null, 'http://x/')).toEqual({ key: '(no request)', method: '(no request)', route: '' });
  });
});
