// The addon's recorder on its own, with real BPF programs: stop resolves only once everything
// is detached, a drain error reaches JS through onBatch, and a thread that ends mid-recording
// (Node shutting a worker down) detaches everything without taking the process with it.
import { closeSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { type NativeRecorder, loadBinding } from '../../src/record/binding.js';
import { defaultCaptureOptions } from '../../src/record/capture.js';
import { bundleWorker } from '../helpers/bundle-worker.js';
import { type Server, curl, describeCapture, startNodeServer } from './harness.js';

function fdTargets(): Map<number, string> {
  const out = new Map<number, string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      out.set(Number(fd), readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // closed while listing
    }
  }
  return out;
}

/** BPF links this process holds: one per attached program. */
function attachedLinks(): number {
  return [...fdTargets().values()].filter((t) => t === 'anon_inode:bpf_link').length;
}

/** The ring buffer's epoll fd (it watches the ring buffer map). */
function ringEpollFd(): number {
  const targets = fdTargets();
  const found = [...targets].filter(([fd, t]) => {
    if (t !== 'anon_inode:[eventpoll]') return false;
    const watched = [...readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').matchAll(/^tfd:\s+(\d+)/gm)].map((m) => Number(m[1]));
    return watched.some((w) => targets.get(w) === 'anon_inode:bpf-map');
  });
  expect(found).toHaveLength(1);
  return found[0][0];
}

function newRecorder(onBatch: (b: Buffer | null, e?: Error & { code?: string }) => void): NativeRecorder {
  const o = defaultCaptureOptions('unused');
  return new (loadBinding().Recorder)({ ...o, selfPid: process.pid, filterPids: false }, onBatch);
}

describeCapture('native recorder: start, stop, faults', () => {
  let node: Server;
  beforeAll(async () => {
    node = await startNodeServer();
  });
  afterAll(async () => {
    await node?.stop();
  });

  it('stop resolves only after every program is detached; again, it resolves at once', async () => {
    const rec = newRecorder(() => {});
    const before = attachedLinks();
    rec.start();
    expect(attachedLinks()).toBeGreaterThan(before);
    await rec.stop();
    expect(attachedLinks()).toBe(before);
    await rec.stop();
    expect(rec.stats().length).toBeGreaterThan(0);
  });

  it('a poll error reaches onBatch as an ECAPTURE error, after the last batch; stop still detaches', async () => {
    const calls: (string | Error)[] = [];
    let failed!: () => void;
    const error = new Promise<void>((r) => (failed = r));
    const rec = newRecorder((batch, err) => {
      calls.push(batch ? 'batch' : err!);
      if (!batch) failed();
    });
    const before = attachedLinks();
    rec.start();
    await curl('-s', '-o', '/dev/null', `http://127.0.0.1:${node.port}/`);
    // a stray close() of the ring buffer's epoll fd: the next poll fails with EBADF
    closeSync(ringEpollFd());
    await error;
    const last = calls.at(-1) as Error & { code?: string };
    expect(last).toBeInstanceOf(Error);
    expect(last.code).toBe('ECAPTURE');
    expect(last.message).toBe("reading the kernel's ring buffer failed: Bad file descriptor");
    expect(calls.filter((c) => c instanceof Error)).toHaveLength(1);
    await rec.stop();
    expect(attachedLinks()).toBe(before);
    expect(calls.filter((c) => c instanceof Error)).toHaveLength(1);
  });

  it('a worker terminated mid-recording, batches in flight: everything is detached, the process lives on', async () => {
    const script = await bundleWorker(new URL('./workers/native-recorder-worker.ts', import.meta.url));
    const before = attachedLinks();
    for (let round = 0; round < 3; round++) {
      const worker = new Worker(script);
      const said: string[] = [];
      const batches = new Promise<void>((resolve, reject) => {
        worker.on('message', (m: string) => {
          said.push(m);
          if (m === 'batches') resolve();
        });
        worker.on('error', reject);
        worker.on('exit', (code) => reject(new Error(`the worker exited (${code}) before it had batches`)));
      });
      const traffic = (async () => {
        for (let i = 0; i < 20; i++) await curl('-s', '-o', '/dev/null', `http://127.0.0.1:${node.port}/json`);
      })();
      await batches;
      expect(await worker.terminate()).toBe(1);
      await traffic;
      expect(said.slice(0, 1)).toEqual(['started']);
      expect(attachedLinks()).toBe(before);
    }
    rmSync(script);
  });
});
