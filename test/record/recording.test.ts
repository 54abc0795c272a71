// The main thread's Recording: it mirrors the worker's lifecycle and ends exactly once, with the
// true reason, on every path, including a worker that dies. Workers here are the real
// serveCapture over a MessageChannel, a scripted fake, or a real thread (bundled on the fly).
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { batchOf, encodeConn, encodeData } from '../../src/events/encode-records.js';
import { defaultCaptureOptions, zeroCounts } from '../../src/record/capture.js';
import { Recording, type RecordingWorker } from '../../src/record/recording.js';
import type { FromWorker, ToWorker, WorkerInput } from '../../src/record/worker-protocol.js';
import { bundleWorker } from '../helpers/bundle-worker.js';
import { fakeBinding } from '../helpers/fake-binding.js';
import { sessionMeta, sessionPayloads } from '../helpers/session-files.js';
import { inProcessWorkers } from '../helpers/in-process-worker.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tinytap-recording-'));
});

function input(name: string, notify = true): WorkerInput {
  return { options: defaultCaptureOptions(join(dir, name), { commitMs: 5 }), notify };
}

const meta = (file: string, key: string): unknown => sessionMeta(file)[key];

const payloads = sessionPayloads;

/** A worker that says only what the test tells it to, and dies when told. */
class ScriptedWorker extends EventEmitter implements RecordingWorker {
  readonly posted: ToWorker[] = [];
  postMessage(msg: ToWorker): void {
    this.posted.push(msg);
  }
  say(msg: FromWorker): void {
    this.emit('message', msg);
  }
  die(code: number, error?: Error): void {
    if (error) this.emit('error', error);
    this.emit('exit', code);
  }
}

describe('Recording (worker side: serveCapture with a fake binding)', () => {
  it('starts, reports connections, adds a pid, stops once with the reason asked for', async () => {
    const binding = fakeBinding();
    const workers = inProcessWorkers(binding);
    const rec = new Recording(input('a.tinytap'), workers);
    const notices: number[] = [];
    rec.on('connection', (n) => notices.push(n.connId));
    expect(rec.phase).toBe('starting');
    // the TLS libraries are this machine's: each one found is named, attached or not
    const started = (await rec.started)!;
    expect(started.sendfileBodies).toEqual({ captured: false, note: 'fake' });
    for (const lib of started.tls ?? []) expect(lib).toMatchObject({ kind: expect.stringMatching(/^(openssl|gnutls)$/), name: expect.any(String) });
    expect(rec.phase).toBe('running');
    expect(await rec.addPid(4242)).toBe(true);
    expect(binding.last!.pids).toEqual([4242]);
    binding.last!.onBatch(batchOf([encodeConn({ connId: 7 }), encodeData({ connId: 7, ret: 2, data: 'ok' })]));
    expect(await rec.stats()).toMatchObject({ events: 1, connections: 1 });
    const ended = rec.stop('signal');
    expect(rec.stop('quit')).toBe(ended);
    expect(await ended).toEqual({ reason: 'signal', counts: expect.objectContaining({ events: 1, connections: 1 }) });
    expect(rec.phase).toBe('stopped');
    expect(notices).toEqual([7]);
    // one stop reached the worker, and `ended` was its last message
    const sent = workers.last!.sent.map((m) => m.type);
    expect(sent.filter((t) => t === 'ended')).toHaveLength(1);
    expect(sent.at(-1)).toBe('ended');
    expect(binding.last!.stopCalls).toBe(1);
    expect(meta(join(dir, 'a.tinytap'), 'stop_reason')).toBe('signal');
    // after the end: counts are the final ones, pids are refused, nothing hangs
    expect(await rec.stats()).toMatchObject({ events: 1 });
    expect(await rec.addPid(1)).toBe(false);
  });

  for (const reason of ['duration', 'command-exited', 'quit'] as const) {
    it(`a stop for ${reason} is written as such`, async () => {
      const rec = new Recording(input(`${reason}.tinytap`), inProcessWorkers(fakeBinding()));
      await rec.started;
      expect((await rec.stop(reason)).reason).toBe(reason);
      expect(meta(join(dir, `${reason}.tinytap`), 'stop_reason')).toBe(reason);
    });
  }

  it('a stop during the start: capture starts, stops at once, and the file says why', async () => {
    const binding = fakeBinding();
    const rec = new Recording(input('early.tinytap'), inProcessWorkers(binding));
    const ended = rec.stop('signal');
    expect(rec.phase).toBe('stopping');
    expect(await rec.started).not.toBeNull();
    expect(rec.phase).toBe('stopping');
    expect((await ended).reason).toBe('signal');
    expect(meta(join(dir, 'early.tinytap'), 'stop_reason')).toBe('signal');
  });

  it('a drain error in the worker ends the recording by itself: capture-error, mirrored while it stops', async () => {
    const binding = fakeBinding();
    const workers = inProcessWorkers(binding);
    const rec = new Recording(input('drain.tinytap'), workers);
    await rec.started;
    binding.last!.onBatch(batchOf([encodeConn({ connId: 1 }), encodeData({ connId: 1, ret: 4, data: 'seen' })]));
    binding.last!.failDrain();
    const ended = await rec.ended;
    expect(ended.reason).toBe('capture-error');
    expect(ended.error?.code).toBe('ECAPTURE');
    expect(rec.phase).toBe('failed');
    expect(workers.last!.sent.filter((m) => m.type === 'stopping')).toEqual([
      { type: 'stopping', reason: 'capture-error', error: ended.error },
    ]);
    expect(payloads(join(dir, 'drain.tinytap'))).toEqual(['seen']);
    expect(meta(join(dir, 'drain.tinytap'), 'stop_reason')).toBe('capture-error');
  });

  it('a start the kernel refuses: start-failed with the code, `started` is null, no file', async () => {
    const binding = fakeBinding({ startError: Object.assign(new Error('Operation not permitted'), { code: 'EPERM' }) });
    const rec = new Recording(input('refused.tinytap'), inProcessWorkers(binding));
    expect(await rec.started).toBeNull();
    expect(await rec.ended).toEqual({
      reason: 'start-failed',
      counts: zeroCounts(),
      error: { code: 'EPERM', message: 'Operation not permitted' },
    });
    expect(rec.phase).toBe('failed');
    expect(existsSync(join(dir, 'refused.tinytap'))).toBe(false);
  });

  it('a file that exists (no --force): start-failed with EEXIST, and the file untouched', async () => {
    const file = join(dir, 'exists.tinytap');
    writeFileSync(file, 'keep me');
    const rec = new Recording(input('exists.tinytap'), inProcessWorkers(fakeBinding()));
    const ended = await rec.ended;
    expect(ended.reason).toBe('start-failed');
    expect(ended.error?.code).toBe('EEXIST');
    expect(await rec.started).toBeNull();
  });
});

describe('Recording: a worker that dies', () => {
  it('dies before it says anything: worker-exit, with the exit code, `started` null', async () => {
    const worker = new ScriptedWorker();
    const rec = new Recording(input('never.tinytap'), () => worker);
    worker.die(1);
    expect(await rec.started).toBeNull();
    const ended = await rec.ended;
    expect(ended).toEqual({
      reason: 'worker-exit',
      counts: zeroCounts(),
      error: { code: 'EWORKER', message: "the recording's worker thread exited with code 1 before the recording ended: recording stopped" },
    });
    expect(rec.phase).toBe('failed');
  });

  it('an uncaught exception: its message, and waiters for counts and pids are answered', async () => {
    const worker = new ScriptedWorker();
    const rec = new Recording(input('crash.tinytap'), () => worker);
    worker.say({ type: 'started', sendfileBodies: { captured: true, note: '' }, tls: null });
    await rec.started;
    worker.say({ type: 'stats', counts: { ...zeroCounts(), events: 5 } });
    const stats = rec.stats();
    const added = rec.addPid(99);
    worker.die(1, new Error('boom'));
    expect(await stats).toMatchObject({ events: 5 });
    expect(await added).toBe(false);
    const ended = await rec.ended;
    expect(ended.reason).toBe('worker-exit');
    expect(ended.error?.message).toBe("the recording's worker thread failed (boom) before the recording ended: recording stopped");
    // stop after the end: nothing sent, the same end
    expect(await rec.stop('signal')).toBe(ended);
    expect(worker.posted.filter((m) => m.type === 'stop')).toEqual([]);
  });

  it('an exit after its `ended` is the normal end of a worker, not a failure', async () => {
    const worker = new ScriptedWorker();
    const rec = new Recording(input('normal.tinytap'), () => worker);
    worker.say({ type: 'started', sendfileBodies: { captured: true, note: '' }, tls: null });
    void rec.stop('quit');
    worker.say({ type: 'ended', ended: { reason: 'quit', counts: { ...zeroCounts(), events: 2 } } });
    worker.die(0);
    expect(await rec.ended).toEqual({ reason: 'quit', counts: { ...zeroCounts(), events: 2 } });
    expect(rec.phase).toBe('stopped');
  });

  it("the worker's fault replaces the stop asked for here", async () => {
    const worker = new ScriptedWorker();
    const rec = new Recording(input('fault.tinytap'), () => worker);
    worker.say({ type: 'started', sendfileBodies: { captured: true, note: '' }, tls: null });
    void rec.stop('signal');
    const error = { code: 'EDISKFULL', message: 'the disk is full' };
    worker.say({ type: 'ended', ended: { reason: 'disk-full', counts: zeroCounts(), error } });
    expect(await rec.ended).toEqual({ reason: 'disk-full', counts: zeroCounts(), error });
  });

  describe('in a real thread', () => {
    let script: URL;
    beforeAll(async () => {
      script = await bundleWorker(new URL('./workers/dying-capture-worker.ts', import.meta.url));
    });
    afterAll(() => rmSync(script, { force: true }));
    const threads = (death: string) => (i: WorkerInput) => new Worker(script, { workerData: { ...i, death } });

    for (const death of ['exit', 'throw'] as const) {
      it(`${death === 'exit' ? 'process.exit()' : 'an uncaught exception'} in the worker: worker-exit, and the file says so and keeps what was committed`, async () => {
        const file = join(dir, `${death}.tinytap`);
        const rec = new Recording(input(`${death}.tinytap`), threads(death));
        expect(await rec.started).not.toBeNull();
        const ended = await rec.ended;
        expect(ended.reason).toBe('worker-exit');
        expect(ended.error?.message).toBe(
          death === 'exit'
            ? `the recording's worker thread exited with code 3 before the recording ended: recording stopped; ${file} holds everything up to its last commit`
            : `the recording's worker thread failed (a bug in the worker) before the recording ended: recording stopped; ${file} holds everything up to its last commit`,
        );
        // the counts of the last commit, read from the file
        expect(ended.counts).toMatchObject({ events: 1, connections: 1 });
        expect(meta(file, 'stop_reason')).toBe('worker-exit');
        expect(meta(file, 'stopped_at')).toEqual(expect.any(String));
        expect(payloads(file)).toEqual(['kept']);
        // one self-contained file, as after a clean stop
        expect(existsSync(file + '-wal')).toBe(false);
      });
    }

    it('a worker that lives: the end is its own, and its exit afterwards changes nothing', async () => {
      const file = join(dir, 'lives.tinytap');
      const rec = new Recording(input('lives.tinytap'), threads('none'));
      await rec.started;
      const ended = await rec.stop('duration');
      expect(ended.reason).toBe('duration');
      expect(meta(file, 'stop_reason')).toBe('duration');
      expect(payloads(file)).toEqual(['kept']);
    });
  });
});
