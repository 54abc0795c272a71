// A running `tinytap record` that breaks: its drain thread's poll fails (gdb closes the ring
// buffer's epoll fd inside the process), or its worker thread dies. Each time it must end by
// itself, at once, with one clear line, a non-zero exit, and a valid file that says how it ended
// and keeps what was recorded before.
import Database from 'better-sqlite3';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { Direction } from '../../src/events/layout.js';
import { CLI, type Server, SessionView, curl, describeCapture, runAsync, runRecorder, startNodeServer, tempDir } from './harness.js';

function fdTarget(pid: number, fd: number | string): string {
  try {
    return readlinkSync(`/proc/${pid}/fd/${fd}`);
  } catch {
    return '';
  }
}

/**
 * The epoll fd of the recorder's ring buffer: libbpf's ring_buffer__poll waits on an epoll
 * instance that watches the ring buffer map's fd. (libuv's epoll instances, one per thread,
 * watch other files.)
 */
function ringBufferEpollFd(pid: number): number {
  const found = readdirSync(`/proc/${pid}/fd`).filter((fd) => {
    if (fdTarget(pid, fd) !== 'anon_inode:[eventpoll]') return false;
    const watched = [...readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8').matchAll(/^tfd:\s+(\d+)/gm)].map((m) => m[1]);
    return watched.some((w) => fdTarget(pid, w) === 'anon_inode:bpf-map');
  });
  if (found.length !== 1) throw new Error(`expected one epoll fd watching a BPF map in ${pid}, found ${found.length}`);
  return Number(found[0]);
}

/** close(fd) inside the running process, as a bug (or a stray close) in it would. */
function closeInside(pid: number, fd: number): void {
  const out = execFileSync(
    'gdb',
    ['-nx', '-batch', '-p', String(pid), '-iex', 'set debuginfod enabled off', '-iex', 'set auto-load off', '-ex', `print (int)close(${fd})`],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // gdb prints the value of the call: 0 is a successful close
  expect(out).toMatch(/^\$1 = 0$/m);
}

function tinytap(...args: string[]) {
  return runAsync(process.execPath, [CLI, ...args]);
}

/** Wait until the recorder has printed a line for a connection to `port`. */
async function connectionSeen(r: ReturnType<typeof runRecorder>, port: number): Promise<void> {
  while (!r.stdout.includes(`:${port}  tcp`)) {
    if (r.proc.exitCode !== null) throw new Error(`the recorder exited: ${r.stderr}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

describeCapture('record: faults while recording', () => {
  let node: Server;
  beforeAll(async () => {
    if (spawnSync('gdb', ['--version']).status !== 0) throw new Error('this test needs gdb (apt-get install gdb)');
    node = await startNodeServer();
  });
  afterAll(async () => {
    await node?.stop();
  });

  it('the drain thread cannot poll the ring buffer: capture-error, one line, exit 1, and everything recorded before is in the file', async () => {
    const file = join(tempDir(), 'drain.tinytap');
    const r = runRecorder(['-o', file, '--port', String(node.port)]);
    await r.ready;
    const before = await curl('-s', `http://127.0.0.1:${node.port}/json`);
    expect(before.code).toBe(0);
    // the connection line is printed once its records are in the recorder's hands
    await connectionSeen(r, node.port);
    closeInside(r.proc.pid!, ringBufferEpollFd(r.proc.pid!));
    const { code } = await r.exited;
    expect(code).toBe(1);
    // EBADF; or EINVAL when the fd number was taken again at once (the TLS attacher opens
    // uprobe fds as programs start) and is no longer an epoll instance
    expect(r.stderr).toMatch(
      /\ntinytap: capture failed \(reading the kernel's ring buffer failed: (Bad file descriptor|Invalid argument)\): recording stopped; .*drain\.tinytap holds everything captured until then\n$/,
    );
    expect(r.stderr).not.toMatch(/^\s+at /m);
    const db = new Database(file, { readonly: true });
    expect(db.pragma('quick_check', { simple: true })).toBe('ok');
    db.close();
    const s = new SessionView(file);
    try {
      expect(s.meta('stop_reason')).toBe('capture-error');
      const served = s.connections('c.local_port = ?', node.port);
      expect(served.length).toBeGreaterThan(0);
      expect(served.map((c) => s.stream(c.id, Direction.EGRESS).toString('latin1')).join('')).toContain(before.stdout);
    } finally {
      s.close();
    }
    const info = await tinytap('info', file, '--json');
    expect(JSON.parse(info.stdout)).toMatchObject({ finished: true, stopReason: 'capture-error', recorderPid: null });
  });

  // TINYTAP_FAULT: see src/record/record-worker.ts (a worker thread cannot be killed from outside)
  for (const [fault, said] of [
    ['worker-exit', 'exited with code 70'],
    ['worker-throw', 'failed \\(injected fault \\(TINYTAP_FAULT=worker-throw\\)\\)'],
  ] as const) {
    it(`the worker thread dies (${fault}): record ends with one line and exit 1 instead of hanging, and the file says so`, async () => {
      const file = join(tempDir(), `${fault}.tinytap`);
      const r = runRecorder(['-o', file, '--port', String(node.port)], { env: { TINYTAP_FAULT: fault } });
      await r.ready;
      // the worker dies at its first connection
      await curl('-s', '-o', '/dev/null', `http://127.0.0.1:${node.port}/json`);
      const { code } = await r.exited;
      expect(code).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(`\\ntinytap: the recording's worker thread ${said} before the recording ended: recording stopped; .*${fault}\\.tinytap holds everything up to its last commit\\n$`),
      );
      expect(r.stderr).not.toMatch(/^\s+at /m);
      const db = new Database(file, { readonly: true });
      expect(db.pragma('quick_check', { simple: true })).toBe('ok');
      db.close();
      const info = await tinytap('info', file, '--json');
      expect(JSON.parse(info.stdout)).toMatchObject({ finished: true, stopReason: 'worker-exit', recorderPid: null });
      const text = await tinytap('info', file);
      expect(text.stdout).toMatch(/^stopped +\S+ \(worker-exit: the recorder's worker thread died: records after the last commit are missing\)$/m);
    });
  }
});
