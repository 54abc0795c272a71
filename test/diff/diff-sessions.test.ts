// Two recordings made with ScriptedSession (real session files, no root), compared through the
// library (matching, folding, latency) and through the command (output, exit codes).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { type DiffSource, IgnoreRules, diffSessions } from '../../src/diff/index.js';
import { Session } from '../../src/session/session.js';
import { CURL, NODE, ScriptedSession } from '../helpers/scripted-session.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/session-files.js';

const dir = tempDir('tinytap-diff-');

interface Call {
  method: string;
  target: string;
  status?: number;
  body?: string;
  headers?: string[];
  waitMs?: number;
}

/** One keep-alive connection carrying the calls in order, each answered after `waitMs`. */
async function recording(name: string, calls: Call[], run: number): Promise<string> {
  const path = join(dir, name);
  const s = new ScriptedSession(path);
  const c = s.tcp(CURL, NODE, { serverPort: 3000 });
  calls.forEach((call, i) => {
    c.send('c2s', `${call.method} ${call.target} HTTP/1.1\r\nHost: api.local\r\nX-Request-Id: run${run}-${i}\r\n\r\n`);
    s.wait(call.waitMs ?? 1);
    const body = call.body ?? '';
    const type = body.startsWith('{') ? 'application/json' : 'text/plain';
    const extra = (call.headers ?? []).map((h) => `${h}\r\n`).join('');
    c.send(
      's2c',
      `HTTP/1.1 ${call.status ?? 200} X\r\nDate: day ${run}\r\nETag: "${run}-${i}"\r\nContent-Type: ${type}\r\n${extra}Content-Length: ${body.length}\r\n\r\n${body}`,
    );
    s.wait(1);
  });
  c.close();
  await s.finish();
  return path;
}

const item = (price: number, run: number) => JSON.stringify({ price, generatedAt: `2024-0${run}-01T00:00:00Z`, requestId: `r${run}`.repeat(run) });

let fileA = '';
let fileB = '';
let fileA2 = '';

beforeAll(async () => {
  fileA = await recording(
    'a.tinytap',
    [
      { method: 'GET', target: '/users/42/posts?page=1', body: '{"posts":[1,2]}' },
      { method: 'GET', target: '/items/1', body: item(10, 1) },
      { method: 'GET', target: '/ping', body: 'pong' },
      { method: 'GET', target: '/items/2', body: item(20, 1) },
      { method: 'GET', target: '/slow', body: 'ok', waitMs: 5 },
      { method: 'DELETE', target: '/old/9', status: 204 },
      { method: 'GET', target: '/ping', body: 'pong' },
      { method: 'GET', target: '/ping', body: 'pong' },
      { method: 'GET', target: '/status', body: 'up\nfine\n', headers: ['X-Version: 1'] },
    ],
    1,
  );
  // B: the same client against v2: /items' 2nd answer changed, /status changed, /v2/new is new,
  // /old is gone, /ping ran once less, /slow got 200 ms slower; ids, dates, ETags all differ
  fileB = await recording(
    'b.tinytap',
    [
      { method: 'GET', target: '/users/77/posts?page=3', body: '{"posts":[1,2]}' },
      { method: 'GET', target: '/items/5', body: item(10, 2) },
      { method: 'GET', target: '/ping', body: 'pong' },
      { method: 'GET', target: '/items/6', body: item(25, 2) },
      { method: 'GET', target: '/slow', body: 'ok', waitMs: 205 },
      { method: 'GET', target: '/ping', body: 'pong' },
      { method: 'GET', target: '/status', status: 503, body: 'up\ndegraded\n', headers: ['X-Version: 2'] },
      { method: 'POST', target: '/v2/new', status: 201, body: '{}' },
    ],
    2,
  );
  // A again, another run: only the noise differs
  fileA2 = await recording(
    'a2.tinytap',
    [
      { method: 'GET', target: '/users/43/posts?page=2', body: '{"posts":[1,2]}' },
      { method: 'GET', target: '/items/3', body: item(10, 3) },
      { method: 'GET', target: '/ping', body: 'pong' },
      { method: 'GET', target: '/items/4', body: item(20, 3) },
      { method: 'GET', target: '/slow', body: 'ok', waitMs: 6 },
      { method: 'DELETE', target: '/old/12', status: 204 },
      { method: 'GET', target: '/ping', body: 'pong' },
      { method: 'GET', target: '/ping', body: 'pong' },
      { method: 'GET', target: '/status', body: 'up\nfine\n', headers: ['X-Version: 1'] },
    ],
    3,
  );
});

function source(session: Session): DiffSource {
  return { summaries: () => session.iterateExchanges(), exchange: (id) => session.exchange(id) };
}

function diffFiles(a: string, b: string, threshold: number | null = null, rules = new IgnoreRules()) {
  const sa = Session.open(a);
  const sb = Session.open(b);
  try {
    return diffSessions(source(sa), source(sb), { rules, latencyThreshold: threshold ? { ratio: threshold, minChangeMs: 10, text: `${threshold}x` } : null });
  } finally {
    sa.close();
    sb.close();
  }
}

describe('diffing two recordings', () => {
  it('matches by templated route and order of occurrence, and reports exactly what changed', () => {
    const r = diffFiles(fileA, fileB);
    expect(r.a.exchanges).toBe(9);
    expect(r.b.exchanges).toBe(8);
    expect(r.endpoints.map((e) => [e.endpoint, e.a, e.b, e.pairs, e.identical])).toEqual([
      ['GET /users/{id}/posts?page', 1, 1, 1, 1],
      ['GET /items/{id}', 2, 2, 2, 1],
      ['GET /ping', 3, 2, 2, 2],
      ['GET /slow', 1, 1, 1, 1],
      ['DELETE /old/{id}', 1, 0, 0, 0],
      ['GET /status', 1, 1, 1, 0],
      ['POST /v2/new', 0, 1, 0, 0],
    ]);
    // exchange ids follow the order of the calls on the one connection
    expect(r.differences).toEqual([
      { endpoint: 'GET /items/{id}', kind: 'body-json', message: 'response', change: 'changed', path: '$.price', a: 20, b: 25, pairs: 1, of: 2, example: { a: 4, b: 4 } },
      { endpoint: 'GET /ping', kind: 'count', a: 3, b: 2 },
      { endpoint: 'DELETE /old/{id}', kind: 'only-in-a', count: 1 },
      { endpoint: 'GET /status', kind: 'status', a: 200, b: 503, pairs: 1, of: 1, example: { a: 9, b: 7 } },
      { endpoint: 'GET /status', kind: 'header', message: 'response', change: 'changed', name: 'X-Version', a: '1', b: '2', pairs: 1, of: 1, example: { a: 9, b: 7 } },
      {
        endpoint: 'GET /status',
        kind: 'body-text',
        message: 'response',
        removed: ['fine'],
        added: ['degraded'],
        linesRemoved: 1,
        linesAdded: 1,
        pairs: 1,
        of: 1,
        example: { a: 9, b: 7 },
      },
      { endpoint: 'POST /v2/new', kind: 'only-in-b', count: 1 },
    ]);
    expect(r.differs).toBe(true);
    const slow = r.endpoints.find((e) => e.endpoint === 'GET /slow')!.latency;
    expect(slow.exceeds).toBe(false); // no threshold: reported only
    expect(slow.changeMs!).toBeGreaterThan(199);
  });

  it('counts the slowdown as a difference beyond a threshold', () => {
    const r = diffFiles(fileA, fileB, 1.5);
    const latency = r.differences.filter((d) => d.kind === 'latency');
    expect(latency.map((d) => d.endpoint)).toEqual(['GET /slow']);
    expect(latency[0]).toMatchObject({ a: { count: 1 }, b: { count: 1 } });
  });

  it('finds nothing between two runs of the same version', () => {
    const r = diffFiles(fileA, fileA2, 1.5);
    expect(r.differences).toEqual([]);
    expect(r.differs).toBe(false);
    expect(r.endpoints.every((e) => e.pairs === e.identical)).toBe(true);
  });

  it('reports the noise when the default ignores are off', () => {
    const r = diffFiles(fileA, fileA2, null, new IgnoreRules({ defaults: false }));
    const kinds = new Set(r.differences.map((d) => (d.kind === 'header' ? `header ${d.name}` : d.kind === 'body-json' ? `json ${d.path}` : d.kind)));
    expect([...kinds].sort()).toEqual(['header Content-Length', 'header Date', 'header ETag', 'header X-Request-Id', 'json $.generatedAt', 'json $.requestId']);
  });
});

describe('tinytap diff', () => {
  let out = '';
  let err = '';
  async function tinytap(...args: string[]): Promise<number> {
    const r = await runCli(...args);
    ({ out, err } = r);
    return r.code;
  }

  it('exits 0 when nothing differs, 1 when something does', async () => {
    expect(await tinytap('diff', fileA, fileA2)).toBe(0);
    expect(out).toContain('no differences');
    expect(await tinytap('diff', fileA, fileB)).toBe(1);
    expect(out).not.toContain('\x1b['); // not a terminal: no colour
    expect(out).toContain('  GET /items/{id}  2 pairs\n    response body $.price: 20 → 25  (1 of 2 pairs, e.g. #4 ↔ #4)\n');
    expect(out).toContain('- DELETE /old/{id}  only in A (1)\n');
    expect(out).toContain('+ POST /v2/new  only in B (1)\n');
    expect(out).toContain('    response body (text): 1 lines removed, 1 added  (the pair, e.g. #9 ↔ #7)\n      - fine\n      + degraded\n');
    expect(out).toMatch(/\n  GET \/slow\s+1\s+5\.0 ms\s+5\.0 ms\s+1\s+205 ms\s+205 ms\s+\+200 ms 4[01]\.\d\d×\n/);
    expect(out).toContain('7 differences in 5 of 7 endpoints; 5 endpoints in both, 7 pairs compared, 5 identical\n');
  });

  it('prints one JSON document with --json, and counts latency beyond --latency-threshold', async () => {
    expect(await tinytap('diff', fileA, fileB, '--json', '--latency-threshold', '50%')).toBe(1);
    const j = JSON.parse(out);
    expect(j.a).toEqual({ file: fileA, exchanges: 9 });
    expect(j.latency_threshold).toEqual({ ratio: 1.5, min_change_ms: 25, text: '50%' });
    expect(j.differences.map((d: { endpoint: string; kind: string }) => `${d.kind} ${d.endpoint}`)).toEqual([
      'body-json GET /items/{id}',
      'count GET /ping',
      'latency GET /slow',
      'only-in-a DELETE /old/{id}',
      'status GET /status',
      'header GET /status',
      'body-text GET /status',
      'only-in-b POST /v2/new',
    ]);
    expect(j.differences[6]).toMatchObject({ lines_removed: 1, lines_added: 1 });
    expect(j.differences[2]).toMatchObject({ a: { count: 1, p50_ms: expect.any(Number) }, b: { count: 1 }, ratio: expect.any(Number), change_ms: expect.any(Number) });
    expect(j.endpoints[0]).toEqual({
      endpoint: 'GET /users/{id}/posts?page',
      method: 'GET',
      route: '/users/{id}/posts?page',
      a: 1,
      b: 1,
      pairs: 1,
      identical: 1,
      latency: { a: expect.any(Object), b: expect.any(Object), change_ms: expect.any(Number), ratio: expect.any(Number), exceeds_threshold: false },
    });
  });

  it('takes the ignore options and a filter for both sides', async () => {
    expect(await tinytap('diff', fileA, fileB, '--json', '--ignore-json-path', '$.price', '--ignore-header', 'x-version', 'path:/items/*', 'or', 'path:/status')).toBe(1);
    const j = JSON.parse(out);
    expect(j.filter).toBe('path:/items/* or path:/status');
    expect(j.differences.map((d: { kind: string }) => d.kind)).toEqual(['status', 'body-text']);
    expect(await tinytap('diff', fileA, fileB, 'path:/items/*', '--ignore-json-path', '$.price')).toBe(0);
    expect(await tinytap('diff', fileA, fileB, '-path:/status', 'path:/items/*', '--ignore-json-path', 'price')).toBe(0);
    expect(await tinytap('diff', fileA, fileA2, '--no-default-ignores', 'path:/ping')).toBe(1);
    expect(out).toContain('response header Date: day 1 → day 3');
  });

  it('exits 2 on errors, with one line on stderr', async () => {
    const notSession = join(dir, 'not-a-session.txt');
    writeFileSync(notSession, 'hello');
    const cases: [string[], RegExp][] = [
      [['diff', fileA, join(dir, 'missing.tinytap')], /^tinytap: .*missing\.tinytap/],
      [['diff', fileA, notSession], /^tinytap: .*not-a-session\.txt/],
      [['diff', fileA, fileB, 'status:abc'], /^tinytap: bad filter: bad status 'abc'/],
      [['diff', fileA, fileB, '--bogus'], /^tinytap: unknown option '--bogus'/],
      [['diff', fileA, fileB, '--latency-threshold', '2'], /^tinytap: bad --latency-threshold '2': use a factor like 2x/],
      [['diff', fileA, fileB, '--latency-threshold', '2x', '--latency-min-change', 'soon'], /^tinytap: bad --latency-min-change 'soon'/],
      [['diff', fileA, fileB, '--ignore-json-path', '$.a['], /^tinytap: bad JSON path '\$\.a\['/],
    ];
    for (const [args, message] of cases) {
      expect(await tinytap(...args), args.join(' ')).toBe(2);
      expect(err, args.join(' ')).toMatch(message);
      // one line; a bad filter adds the filter and a caret under the bad term (as ls does)
      expect(err.trim().split('\n').length, err).toBe(args.includes('status:abc') ? 3 : 1);
      expect(out).toBe('');
    }
    expect(await tinytap('diff', fileA)).toBe(2); // commander: missing argument
  });
});
