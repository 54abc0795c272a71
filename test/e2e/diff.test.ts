// tinytap diff on real captures: one test client recorded against two versions of a server
// (testdata/servers/diff-server.mjs). Between any two runs the dates, request ids, ETags, cookie
// values and content lengths differ; version 2 changes one JSON field, adds one endpoint and
// slows one route by 200 ms. The diff must say exactly that, and nothing else.
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { CLI, type Server, TESTDATA, describeCapture, freePort, runAsync, runRecorder, startServer, tempDir } from './harness.js';

function tinytap(...args: string[]) {
  return runAsync(process.execPath, [CLI, ...args]);
}

describeCapture('diff: two versions of a server, recorded', () => {
  const dir = tempDir('tinytap-diff-e2e-');
  const v1a = join(dir, 'v1-first.tinytap');
  const v1b = join(dir, 'v1-second.tinytap');
  const v2 = join(dir, 'v2.tinytap');
  let port = 0;
  let server: Server | null = null;

  /** A fresh server of `version` on the same port (so even the Host header matches), and one client run recorded. */
  async function recordRun(version: 1 | 2, file: string, extraPaths: string[] = []): Promise<void> {
    server = await startServer('node', [join(TESTDATA, 'servers/diff-server.mjs'), String(port), '--version', String(version)], port);
    try {
      const r = runRecorder(['-o', file, '--', 'node', join(TESTDATA, 'clients/diff-client.mjs'), String(port), ...extraPaths]);
      const { code } = await r.exited;
      expect(code, r.stderr).toBe(0);
    } finally {
      await server.stop();
      server = null;
    }
  }

  beforeAll(async () => {
    port = await freePort();
    await recordRun(1, v1a);
    await recordRun(1, v1b);
    // the v2 suite has one more test: the new route
    await recordRun(2, v2, ['/api/recommendations/42']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('records what the client did: the same calls, in the same order', async () => {
    const ls = await tinytap('ls', v2, '--json');
    expect(ls.code, ls.stderr).toBe(0);
    const xs = ls.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const five = (f: (i: number) => string) => Array.from({ length: 5 }, (_, i) => f(i));
    expect(xs.map((x) => `${x.method} ${x.path}${x.query ? `?${x.query}` : ''} ${x.status}`)).toEqual([
      ...five(() => 'GET /health 200'),
      ...five(() => 'POST /api/login 200'),
      ...five((i) => `GET /api/users/${42 + i} 200`),
      ...five((i) => `GET /api/products?page=${1 + i} 200`),
      ...five(() => 'GET /api/slow 200'),
      'GET /api/recommendations/42 200',
    ]);
    expect(xs.map((x) => x.id)).toEqual(Array.from({ length: 26 }, (_, i) => i + 1));
  });

  it('finds nothing between two runs of the same version: exit 0', async () => {
    const r = await tinytap('diff', v1a, v1b, '--json');
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.differs).toBe(false);
    expect(j.differences).toEqual([]);
    expect(j.endpoints.map((e: { endpoint: string; a: number; b: number; pairs: number; identical: number }) => [e.endpoint, e.a, e.b, e.pairs, e.identical])).toEqual([
      ['GET /health', 5, 5, 5, 5],
      ['POST /api/login', 5, 5, 5, 5],
      ['GET /api/users/{id}', 5, 5, 5, 5],
      ['GET /api/products?page', 5, 5, 5, 5],
      ['GET /api/slow', 5, 5, 5, 5],
    ]);
    // the noise was there: without the default ignores the same runs differ
    const noisy = await tinytap('diff', v1a, v1b, '--json', '--no-default-ignores');
    expect(noisy.code, noisy.stderr).toBe(1);
    const names = new Set(
      JSON.parse(noisy.stdout).differences.map((d: { kind: string; name?: string; path?: string; message?: string }) =>
        d.kind === 'header' ? `${d.message} header ${d.name!.toLowerCase()}` : d.kind === 'body-json' ? `${d.message} ${d.path}` : d.kind,
      ),
    );
    for (const noise of ['response header date', 'response header etag', 'response header x-request-id', 'response header set-cookie', 'request header x-request-id', 'request header cookie', 'response $.generatedAt', 'response $.requestId', 'response header content-length'])
      expect(names, noise).toContain(noise);
  });

  it('v1 against v2: the changed field and the new endpoint, exit 1', async () => {
    const r = await tinytap('diff', v1a, v2, '--json');
    expect(r.code, r.stderr).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.differs).toBe(true);
    expect(j.differences).toEqual([
      {
        endpoint: 'GET /api/products?page',
        kind: 'body-json',
        message: 'response',
        change: 'changed',
        path: '$.items[1].price',
        a: 20,
        b: 25,
        pairs: 5,
        of: 5,
        example: { a: 16, b: 16 },
      },
      { endpoint: 'GET /api/recommendations/{id}', kind: 'only-in-b', count: 1 },
    ]);
    // latency is reported without counting: the slow route got about 200 ms slower
    const slow = j.endpoints.find((e: { endpoint: string }) => e.endpoint === 'GET /api/slow');
    expect(slow.latency).toMatchObject({ a: { count: 5 }, b: { count: 5 }, exceeds_threshold: false });
    expect(slow.latency.change_ms).toBeGreaterThan(150);

    const text = await tinytap('diff', v1a, v2);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('  GET /api/products?page  5 pairs\n    response body $.items[1].price: 20 → 25  (all 5 pairs, e.g. #16 ↔ #16)\n');
    expect(text.stdout).toContain('+ GET /api/recommendations/{id}  only in B (1)\n');
    expect(text.stdout).toMatch(/\n {2}GET \/api\/slow +5 .*\n/);
    expect(text.stdout).toContain('2 differences in 2 of 6 endpoints; 5 endpoints in both, 25 pairs compared, 20 identical\n');
  });

  it('with --latency-threshold 1.5x the slow route is a difference too', async () => {
    const r = await tinytap('diff', v1a, v2, '--json', '--latency-threshold', '1.5x');
    expect(r.code, r.stderr).toBe(1);
    const j = JSON.parse(r.stdout);
    // (the whole list in the message: a latency difference on another route would be noise)
    expect(j.differences.map((d: { kind: string; endpoint: string }) => `${d.kind} ${d.endpoint}`), JSON.stringify(j.endpoints)).toEqual([
      'body-json GET /api/products?page',
      'latency GET /api/slow',
      'only-in-b GET /api/recommendations/{id}',
    ]);
    const slow = j.differences[1];
    expect(slow.a.count).toBe(5);
    expect(slow.b.count).toBe(5);
    expect(slow.change_ms).toBeGreaterThan(150);
    expect(slow.ratio).toBeGreaterThan(1.5);
  });

  it('a filter narrows both sides: the users and health routes did not change', async () => {
    const r = await tinytap('diff', v1a, v2, 'path:/api/users/*', 'or', 'path:/health');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('no differences');
  });

  it('exits 2 when a file is not a session', async () => {
    const r = await tinytap('diff', v1a, join(TESTDATA, 'servers/diff-server.mjs'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^tinytap: .*diff-server\.mjs.*\n$/);
  });
});
