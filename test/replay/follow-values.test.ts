import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

import type { HeaderField } from '../../src/model/exchange.js';
import { FollowValues, type MessageView, givenValues, placeText, usedValues } from '../../src/replay/follow-values.js';
import type { RequestParts } from '../../src/replay/replay-request.js';

const h = (name: string, value: string): HeaderField => ({ name, value });
const req = (method: string, target: string, headers: HeaderField[] = [], body = ''): RequestParts => ({ method, target, headers, body: Buffer.from(body) });
const res = (headers: HeaderField[], body = ''): MessageView => ({ headers, body: Buffer.from(body) });
const JSON_TYPE = h('Content-Type', 'application/json');

/** login → create → read, as recorded: the cookie and the id are the server's. */
function recorded(f: FollowValues): RequestParts[] {
  const steps: [RequestParts, MessageView][] = [
    [req('POST', '/login', [JSON_TYPE], '{"user":"ann"}'), res([h('Set-Cookie', 'sid=OLDSID; Path=/; HttpOnly'), JSON_TYPE], '{"user":"ann","csrf":"tok-old"}')],
    [
      req('POST', '/notes', [JSON_TYPE, h('Cookie', 'sid=OLDSID'), h('X-CSRF', 'tok-old')], '{"text":"buy milk","owner":"ann"}'),
      res([h('Location', '/notes/41'), JSON_TYPE], '{"id":41,"text":"buy milk"}'),
    ],
    [req('GET', '/notes/41?expand=41', [h('Cookie', 'theme=dark; sid=OLDSID'), h('Authorization', 'Bearer tok-old')]), res([JSON_TYPE], '{"id":41}')],
    [req('PUT', '/notes/41', [JSON_TYPE, h('Cookie', 'sid=OLDSID')], '{"id":41,"parent":410,"text":"ann"}'), res([], '')],
  ];
  steps.forEach(([q, r], i) => f.learn(i, q, r));
  return steps.map(([q]) => q);
}

describe('--follow-values', () => {
  it('finds where a response gave a value and a later request used it, place by place', () => {
    expect(givenValues(res([h('Set-Cookie', 'sid=abc; Path=/'), h('Location', 'http://x/notes/7?z=1'), h('X-Token', 't1'), h('Date', 'now')], '{"a":{"b":[5,"s"]}}')).map(([p, v]) => `${placeText(p)}=${v}`)).toEqual([
      'body $.a.b[0]=5',
      'body $.a.b[1]=s',
      'cookie sid=abc',
      'Location segment 2=notes',
      'Location segment 3=7',
      'header x-token=t1',
    ]);
    expect(usedValues(req('POST', '/a/7?q=x%20y', [h('Cookie', 'sid=abc'), h('Authorization', 'Bearer t1'), h('Content-Type', 'application/x-www-form-urlencoded')], 'n=1&m=a+b')).map(([p, v]) => `${placeText(p)}=${v}`)).toEqual([
      'path segment 2=a',
      'path segment 3=7',
      'query q=x y',
      'header authorization=t1',
      'cookie sid=abc',
      'form field n=1',
      'form field m=a b',
    ]);
  });

  it('carries the session cookie, a token and the created id into the later requests, and says what it changed', () => {
    const f = new FollowValues();
    const requests = recorded(f);
    // "ann", "buy milk" and "notes" were sent by the client before any response said them: the
    // client's own, never linked. Links: 2 into the create, 4 into the read, 3 into the update
    expect(f.linkCount).toBe(9);
    f.given(0, res([h('Set-Cookie', 'sid=NEWSID; Path=/'), JSON_TYPE], '{"user":"ann","csrf":"tok-new"}'));
    const create = f.apply(1, requests[1]);
    expect(create.request.headers).toEqual([JSON_TYPE, h('Cookie', 'sid=NEWSID'), h('X-CSRF', 'tok-new')]);
    expect(Buffer.from(create.request.body).toString()).toBe('{"text":"buy milk","owner":"ann"}');
    expect(create.made.map((s) => `${placeText(s.link.used)}: ${s.link.value} → ${s.replayed}`)).toEqual(['header x-csrf: tok-old → tok-new', 'cookie sid: OLDSID → NEWSID']);

    f.given(1, res([h('Location', '/notes/7'), JSON_TYPE], '{"id":7,"text":"buy milk"}'));
    const read = f.apply(2, requests[2]);
    expect(read.request.target).toBe('/notes/7?expand=7');
    expect(read.request.headers).toEqual([h('Cookie', 'theme=dark; sid=NEWSID'), h('Authorization', 'Bearer tok-new')]);
    // the read's answer is now the latest to have given the id; a number in a JSON body is
    // replaced where it stands alone: 410 is another number
    f.given(2, res([JSON_TYPE], '{"id":7}'));
    const update = f.apply(3, requests[3]);
    expect(Buffer.from(update.request.body).toString()).toBe('{"id":7,"parent":410,"text":"ann"}');
    expect(f.sourcesOf(3)).toEqual([2, 0]);
  });

  it('changes nothing when the replay got the recorded value, or got none', () => {
    const f = new FollowValues();
    const requests = recorded(f);
    f.given(0, res([h('Set-Cookie', 'sid=OLDSID')], '{}'));
    const same = f.apply(1, requests[1]);
    expect(same.made).toEqual([]);
    expect(same.request).toBe(requests[1]);
  });

  it('a content-encoded body is decoded, changed and encoded again', () => {
    const f = new FollowValues();
    f.learn(0, req('GET', '/start'), res([JSON_TYPE], '{"cursor":"c-100"}'));
    const gz = { ...req('POST', '/next', [JSON_TYPE, h('Content-Encoding', 'gzip')]), body: gzipSync('{"cursor":"c-100"}') };
    f.learn(1, gz, null);
    f.given(0, res([JSON_TYPE], '{"cursor":"c-200"}'));
    const out = f.apply(1, gz);
    expect(gunzipSync(out.request.body).toString()).toBe('{"cursor":"c-200"}');
  });

  it('the latest response that gave a value is its source', () => {
    const f = new FollowValues();
    f.learn(0, req('GET', '/a'), res([JSON_TYPE], '{"v":"x1"}'));
    f.learn(1, req('GET', '/b'), res([JSON_TYPE], '{"w":"x1"}'));
    f.learn(2, req('GET', '/c/x1'), null);
    expect(f.sourcesOf(2)).toEqual([1]);
    f.given(0, res([JSON_TYPE], '{"v":"from-a"}'));
    f.given(1, res([JSON_TYPE], '{"w":"from-b"}'));
    expect(f.apply(2, req('GET', '/c/x1')).request.target).toBe('/c/from-b');
  });
});
