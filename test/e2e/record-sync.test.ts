// A script that starts `tinytap record` in the background and then its client: with
// --ready-file (or --json) it knows when capture has started, and its first request is recorded.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { Direction } from '../../src/events/layout.js';
import { type Server, SessionView, curl, describeCapture, runRecorder, startNodeServer, tempDir } from './harness.js';

async function until(check: () => boolean, exited: () => boolean): Promise<void> {
  while (!check()) {
    if (exited()) throw new Error('the recorder exited');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describeCapture('record: starting in step with a script', () => {
  let node: Server;
  beforeAll(async () => {
    node = await startNodeServer();
  });
  afterAll(async () => {
    await node?.stop();
  });

  it('--ready-file appears once capture has started: the request sent right after it is recorded', async () => {
    const dir = tempDir();
    const file = join(dir, 'synced.tinytap');
    const ready = join(dir, 'ready');
    // as under sudo: the ready file belongs to the user, like the session
    const r = runRecorder(['-o', file, '--port', String(node.port), '--ready-file', ready, '--json'], {
      env: { SUDO_UID: '65534', SUDO_GID: '65534' },
    });
    await until(() => existsSync(ready) && statSync(ready).size > 0, () => r.proc.exitCode !== null);
    const first = await curl('-s', `http://127.0.0.1:${node.port}/json`);
    expect(first.code).toBe(0);
    expect(statSync(ready)).toMatchObject({ uid: 65534, gid: 65534 });
    expect(statSync(ready).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(ready, 'utf8'))).toEqual({ session: file, pid: r.proc.pid, startedAt: expect.any(String) });
    await until(() => r.stdout.includes('"event":"connection"'), () => r.proc.exitCode !== null);
    r.proc.kill('SIGINT');
    const { code } = await r.exited;
    expect(code).toBe(0);

    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(events[0]).toEqual({ event: 'recording', session: file, pid: r.proc.pid, sendfileBodies: expect.any(Boolean), tls: expect.any(Array) });
    expect(events.filter((e) => e.event === 'connection').some((e) => e.comm === 'curl' && e.role === 'client')).toBe(true);
    expect(events.at(-1)).toMatchObject({ event: 'ended', reason: 'signal', session: file, counts: { connections: expect.any(Number) } });
    // no human connection lines on stdout; stderr as usual
    expect(r.stdout).not.toMatch(/ client  /);
    expect(r.stderr).toMatch(/^recording to /);

    const s = new SessionView(file);
    try {
      const served = s.connections('c.local_port = ?', node.port);
      expect(served.map((c) => s.stream(c.id, Direction.EGRESS).toString('latin1')).join('')).toContain(first.stdout);
    } finally {
      s.close();
    }
  });
});
