// tinytap replay on a real recording: curl (testdata/services/notes/client.sh) recorded against
// version 1 of the notes service, then replayed against fresh instances of version 1 and 2.
// Version 2 changes exactly four things (a field, a header, a status, a route's speed); every
// response carries noise under names no rule knows (epoch ms and s, an HTTP date, a UUID, hex
// and base64 tokens), and the session cookie and created ids differ between instances. The
// server's own log is the account of what the replay sent.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';

import { CLI, type Server, TESTDATA, describeCapture, freePort, runAsync, runRecorder, startServer, tempDir } from './harness.js';

const SERVICE = join(TESTDATA, 'services/notes/server.mjs');

function tinytap(...args: string[]) {
  return runAsync(process.execPath, [CLI, ...args]);
}

interface JsonDifference {
  endpoint: string;
  kind: string;
  path?: string;
  name?: string;
  change?: string;
  a?: unknown;
  b?: unknown;
}

/** A difference in a few words, to compare whole lists. */
function said(d: JsonDifference): string {
  if (d.kind === 'body-json') return `${d.endpoint} body ${d.path} ${d.change} ${JSON.stringify(d.a)}→${JSON.stringify(d.b)}`;
  if (d.kind === 'header') return `${d.endpoint} header ${d.change} ${d.name}`;
  if (d.kind === 'status') return `${d.endpoint} status ${String(d.a)}→${String(d.b)}`;
  return `${d.endpoint} ${d.kind}`;
}

describeCapture('replay: a curl recording against two versions of a service', () => {
  const dir = tempDir('tinytap-replay-e2e-');
  const recording = join(dir, 'v1.tinytap');
  const servers: Server[] = [];

  async function service(version: 1 | 2, log: string, extra: string[] = []): Promise<number> {
    const port = await freePort();
    servers.push(await startServer('node', [SERVICE, String(port), '--version', String(version), '--log', log, ...extra], port));
    return port;
  }
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  beforeAll(async () => {
    const port = await service(1, join(dir, 'recorded.log'));
    const r = runRecorder(['-o', recording, '--', 'sh', join(TESTDATA, 'services/notes/client.sh'), String(port), join(dir, 'jar')]);
    const { code } = await r.exited;
    expect(code, r.stderr).toBe(0);
    await Promise.all(servers.splice(0).map((s) => s.stop()));
    const ls = await tinytap('ls', recording);
    expect(ls.stdout.trim().split('\n')).toHaveLength(1 + 9);
  });

  it('against version 2: exactly the four changes, exit 1', async () => {
    const log = join(dir, 'v2.log');
    const port = await service(2, log);
    const out = join(dir, 'v2.replay.tinytap');
    const r = await tinytap('replay', recording, '--target', `http://127.0.0.1:${port}`, '--unsafe', '--follow-values', '-o', out, '--json');
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as { differences: JsonDifference[]; silenced: Record<string, number>; replay: { sent: number } };
    expect(report.replay.sent).toBe(9);
    expect(report.differences.map(said).sort()).toEqual(
      [
        'GET /info body $.limits.maxNotes changed 100→50',
        'GET /info header removed cache-control',
        'GET /legacy status 200→410',
        // what the new status came with
        'GET /legacy body $.legacy removed true→undefined',
        'GET /legacy body $.error added undefined→"gone"',
        'GET /report latency',
      ].sort(),
    );
    // the noise was there, and left out by value
    expect(report.silenced['times by value']).toBeGreaterThanOrEqual(9 * 3 - 3);
    expect(report.silenced['random ids differing on every pair']).toBeGreaterThan(0);
    // the server's own account: every request, in order, the cookie carried (no 401)
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual([
      'GET /health 200',
      'POST /login 200',
      'POST /notes 201',
      'GET /notes/1 200',
      'GET /info 200',
      'GET /legacy 410',
      'GET /report 200',
      'GET /report 200',
      'GET /report 200',
    ]);
    // the replay's session is a session: ls and show read it
    const ls = await tinytap('ls', out, 'status:410');
    expect(ls.stdout).toContain('/legacy');
  });

  it('against version 1 again: exit 0, no noise flag needed', async () => {
    const port = await service(1, join(dir, 'v1-again.log'));
    const r = await tinytap('replay', recording, '--target', `http://127.0.0.1:${port}`, '--unsafe', '--follow-values', '-o', join(dir, 'v1.replay.tinytap'));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('no differences');
    expect(r.stdout).toMatch(/left out as noise: .*times by value/);
    expect(r.stderr).toContain('replayed 9 of 9 selected requests');
  });

  it('login → create → read against a fresh instance: the session cookie and the created id carried over', async () => {
    const log = join(dir, 'fresh.log');
    const port = await service(1, log, ['--first-id', '500']);
    const r = await tinytap('replay', recording, 'path:/login', 'or', 'path:/notes', '--target', `http://127.0.0.1:${port}`, '--unsafe', '--follow-values', '-o', join(dir, 'fresh.replay.tinytap'));
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual(['POST /login 200', 'POST /notes 201', 'GET /notes/500 200']);
    expect(r.stderr).toMatch(/cookie sid: [0-9a-f]{24} → [0-9a-f]{24}  into #\d+, #\d+, from #\d+ cookie sid/);
    expect(r.stderr).toMatch(/path segment 3: 1 → 500  into #\d+, from #\d+ Location segment 3/);
    // the id is the one change this instance makes
    expect(r.stdout).toContain('response body $.id: 1 → 500');
    expect(r.code).toBe(1);

    // without --follow-values the recorded cookie means nothing here
    const log2 = join(dir, 'fresh2.log');
    const port2 = await service(1, log2, ['--first-id', '500']);
    await tinytap('replay', recording, 'path:/login', 'or', 'path:/notes', '--target', `http://127.0.0.1:${port2}`, '--unsafe', '-o', join(dir, 'fresh2.replay.tinytap'));
    expect(readFileSync(log2, 'utf8').trim().split('\n')).toEqual(['POST /login 200', 'POST /notes 401', 'GET /notes/1 401']);
  });

  it('without --unsafe the POSTs are skipped and counted; the reads that needed them say so', async () => {
    const log = join(dir, 'safe.log');
    const port = await service(1, log);
    const r = await tinytap('replay', recording, '--target', `http://127.0.0.1:${port}`, '-o', join(dir, 'safe.replay.tinytap'));
    expect(r.stderr).toContain('replayed 7 of 9 selected requests');
    expect(r.stderr).toContain('skipped 2: 2 unsafe method (--unsafe sends them)');
    expect(readFileSync(log, 'utf8')).not.toMatch(/^POST/m);
    expect(r.stdout).toMatch(/GET \/notes\/\{id\}[\s\S]*status 200 → 401/);
    expect(r.code).toBe(1);
  });
});
