// One `tinytap record` run without root: the real Recording and serveCapture with a fake binding
// (or a scripted worker), signals from an emitter, real `-- CMD` processes, a fake UI. Every way
// a run ends, the reason it reports and the file's stop_reason.
import Database from 'better-sqlite3';
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { lstatSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';

import { batchOf, encodeConn } from '../../src/events/encode-records.js';
import { defaultCaptureOptions } from '../../src/record/capture.js';
import { spawnHeld, waitStopped } from '../../src/record/held-command.js';
import { writeReadyFile } from '../../src/record/ready-file.js';
import { Recording, type WorkerFactory } from '../../src/record/recording.js';
import { type RunDeps, type RunPlan, type RunReporter, runRecording } from '../../src/record/run-recording.js';
import { fakeBinding } from '../helpers/fake-binding.js';
import { inProcessWorkers } from '../helpers/in-process-worker.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tinytap-run-'));
});

class Reporter implements RunReporter {
  readonly lines: string[] = [];
  statuses = 0;
  started(info: { output: string }) {
    this.lines.push(`started ${info.output}`);
  }
  connection(n: { connId: number }) {
    this.lines.push(`connection ${n.connId}`);
  }
  status() {
    this.statuses++;
  }
  commandFailed(program: string, err: Error) {
    this.lines.push(`cannot run ${program}: ${err.message}`);
  }
}

interface Setup {
  plan: RunPlan;
  deps: RunDeps;
  signals: EventEmitter;
  binding: ReturnType<typeof fakeBinding>;
  report: Reporter;
  file: string;
}

function setup(plan: Partial<RunPlan> = {}, deps: Partial<RunDeps> & { workers?: WorkerFactory } = {}, binding = fakeBinding()): Setup {
  const file = join(dir, 'run.tinytap');
  const signals = new EventEmitter();
  const workers = deps.workers ?? inProcessWorkers(binding);
  return {
    plan: {
      input: { options: defaultCaptureOptions(file, { commitMs: 5 }), notify: true },
      command: [],
      runAs: null,
      durationMs: null,
      tui: false,
      statusEveryMs: null,
      readyFile: null,
      ...plan,
    },
    deps: {
      startRecording: (input) => new Recording(input, workers),
      signals,
      spawnHeld,
      waitStopped,
      runTui: async () => {},
      writeReadyFile: (path, info) => writeReadyFile(path, info, null),
      now: Date.now,
      ...deps,
    },
    signals,
    binding,
    report: new Reporter(),
    file,
  };
}

function run(s: Setup) {
  return runRecording(s.plan, s.deps, s.report);
}

function stopReason(file: string): unknown {
  const db = new Database(file, { readonly: true });
  try {
    return JSON.parse((db.prepare("SELECT value FROM meta WHERE key = 'stop_reason'").pluck().get() as string) ?? 'null');
  } finally {
    db.close();
  }
}

/** Resolves once `check` is true, looking every few milliseconds. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 2));
}

describe('runRecording: how a run ends', () => {
  it('a signal: "started" first, connections after it, ended by the signal', async () => {
    const s = setup();
    const outcome = run(s);
    await until(() => s.report.lines.length > 0);
    s.binding.last!.onBatch(batchOf([encodeConn({ connId: 3 })]));
    await until(() => s.report.lines.includes('connection 3'));
    s.signals.emit('SIGTERM', 'SIGTERM');
    const o = await outcome;
    expect(o.ended.reason).toBe('signal');
    expect(o.commandExit).toBeNull();
    expect(s.report.lines).toEqual([`started ${s.file}`, 'connection 3']);
    expect(stopReason(s.file)).toBe('signal');
    // the run let go of the signals
    expect(s.signals.listenerCount('SIGINT') + s.signals.listenerCount('SIGTERM') + s.signals.listenerCount('SIGHUP')).toBe(0);
  });

  it('--duration', async () => {
    const s = setup({ durationMs: 10 });
    expect((await run(s)).ended.reason).toBe('duration');
    expect(stopReason(s.file)).toBe('duration');
  });

  it('-- CMD: held until the kernel follows its pid, then its exit ends the run with its code', async () => {
    const s = setup({ command: ['sh', '-c', 'exit 3'] });
    const o = await run(s);
    expect(o.ended.reason).toBe('command-exited');
    expect(o.commandExit).toBe(3);
    expect(s.binding.last!.pids).toHaveLength(1);
    expect(stopReason(s.file)).toBe('command-exited');
  });

  it('-- CMD that cannot be run: 127, as a shell says', async () => {
    const s = setup({ command: [join(dir, 'no-such-program')] });
    const o = await run(s);
    expect(o.ended.reason).toBe('command-exited');
    expect(o.commandExit).toBe(127);
  });

  it('-- CMD: the first Ctrl-C is left to CMD, a second one stops both', async () => {
    let child: ChildProcess | null = null;
    const s = setup({ command: ['sleep', '30'] }, { spawnHeld: (c, l) => (child = spawnHeld(c, l)) });
    const outcome = run(s);
    await until(() => s.binding.last?.pids.length === 1);
    const exited = new Promise((r) => child!.on('exit', (_code, signal) => r(signal)));
    s.signals.emit('SIGINT', 'SIGINT');
    expect(s.binding.last!.stopCalls).toBe(0);
    s.signals.emit('SIGINT', 'SIGINT');
    expect((await outcome).ended.reason).toBe('signal');
    expect(await exited).toBe('SIGTERM');
  });

  it('--tui: leaving the UI is "quit"; CMD writes to FILE.log', async () => {
    let shown = '';
    const s = setup({ tui: true, command: ['sh', '-c', 'echo to-the-log; sleep 30'] }, { runTui: async (file) => void (shown = file) });
    const o = await run(s);
    expect(shown).toBe(s.file);
    expect(o.ended.reason).toBe('quit');
    expect(o.commandLog).toBe(`${s.file}.log`);
    expect(stopReason(s.file)).toBe('quit');
  });

  it('--tui: FILE.log is a new private file; a symlink planted there is refused, its target untouched, CMD never run', async () => {
    const log = () => readFileSync(`${join(dir, 'run.tinytap')}.log`, 'utf8');
    // the UI is left once CMD has written its line
    const s = setup({ tui: true, command: ['sh', '-c', 'echo to-the-log'] }, { runTui: () => until(() => log() !== '') });
    const o = await run(s);
    expect(o.commandLog).toBe(`${s.file}.log`);
    expect(statSync(`${s.file}.log`).mode & 0o777).toBe(0o600);
    expect(readFileSync(`${s.file}.log`, 'utf8')).toBe('to-the-log\n');

    const victim = join(dir, 'victim');
    writeFileSync(victim, 'precious');
    const planted = join(dir, 'planted.tinytap');
    symlinkSync(victim, `${planted}.log`);
    let spawned = false;
    const t = setup(
      { tui: true, command: ['sh', '-c', 'echo to-the-log'] },
      { runTui: async () => {}, spawnHeld: (c, l) => ((spawned = true), spawnHeld(c, l)) },
    );
    t.plan.input.options = { ...t.plan.input.options, output: planted, create: { force: true } };
    const p = await run(t);
    expect(p.ended.reason).toBe('write-error');
    expect(p.ended.error).toEqual({
      code: 'ECOMMANDLOG',
      message: `${planted}.log is a symbolic link: tinytap never writes through a link; give the real path, or remove the link: recording stopped, sh not started`,
    });
    expect(p.commandLog).toBeNull();
    expect(spawned).toBe(false);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(lstatSync(`${planted}.log`).isSymbolicLink()).toBe(true);
  });

  it('a UI that fails to load: the error comes out, and the recording is not left running', async () => {
    const s = setup({ tui: true }, { runTui: async () => Promise.reject(new Error('no terminal')) });
    await expect(run(s)).rejects.toThrow('no terminal');
    expect(stopReason(s.file)).toBe('quit');
  });

  it('a drain error: capture-error, and CMD is not left running unrecorded', async () => {
    let child: ChildProcess | null = null;
    const s = setup({ command: ['sleep', '30'] }, { spawnHeld: (c, l) => (child = spawnHeld(c, l)) });
    const outcome = run(s);
    await until(() => s.binding.last?.pids.length === 1);
    const exited = new Promise((r) => child!.on('exit', (_code, signal) => r(signal)));
    s.binding.last!.failDrain();
    const o = await outcome;
    expect(o.ended.reason).toBe('capture-error');
    expect(o.ended.error?.code).toBe('ECAPTURE');
    expect(stopReason(s.file)).toBe('capture-error');
    expect(await exited).toBe('SIGTERM');
  });

  it('a start the kernel refuses: start-failed, nothing announced, CMD never started', async () => {
    const binding = fakeBinding({ startError: Object.assign(new Error('refused'), { code: 'EPERM' }) });
    let spawned = false;
    const s = setup({ command: ['true'] }, { spawnHeld: (c, l) => ((spawned = true), spawnHeld(c, l)) }, binding);
    const o = await run(s);
    expect(o.ended).toMatchObject({ reason: 'start-failed', error: { code: 'EPERM', message: 'refused' } });
    expect(o.elapsedMs).toBe(0);
    expect(s.report.lines).toEqual([]);
    expect(spawned).toBe(false);
  });

  it('a signal during the start: the run ends as "signal" once started, and CMD is never started', async () => {
    let spawned = false;
    const s = setup({ command: ['true'] }, { spawnHeld: (c, l) => ((spawned = true), spawnHeld(c, l)) });
    const outcome = run(s);
    s.signals.emit('SIGINT', 'SIGINT');
    const o = await outcome;
    expect(o.ended.reason).toBe('signal');
    expect(spawned).toBe(false);
    expect(stopReason(s.file)).toBe('signal');
  });

  it('the worker dies: worker-exit, with a message, instead of waiting forever', async () => {
    const worker = Object.assign(new EventEmitter(), { postMessage: () => {} });
    const s = setup({}, { workers: () => worker });
    const outcome = run(s);
    worker.emit('message', { type: 'started', sendfileBodies: { captured: true, note: '' } });
    await until(() => s.report.lines.length > 0);
    worker.emit('exit', 1);
    const o = await outcome;
    expect(o.ended.reason).toBe('worker-exit');
    expect(o.ended.error?.message).toMatch(/^the recording's worker thread exited with code 1 before the recording ended/);
  });

  it('the status line is fed while the recording runs', async () => {
    const s = setup({ statusEveryMs: 1 });
    const outcome = run(s);
    await until(() => s.report.statuses >= 2);
    s.signals.emit('SIGHUP', 'SIGHUP');
    expect((await outcome).ended.reason).toBe('signal');
  });
});

describe('runRecording: --ready-file', () => {
  it('appears once capture has started: private, one JSON line with the session and this pid', async () => {
    const ready = join(dir, 'ready.json');
    const s = setup({ readyFile: ready });
    const outcome = run(s);
    await until(() => s.report.lines.length > 0);
    expect(statSync(ready).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(ready, 'utf8'))).toEqual({ session: s.file, pid: process.pid, startedAt: expect.any(String) });
    s.signals.emit('SIGINT', 'SIGINT');
    expect((await outcome).ended.reason).toBe('signal');
  });

  it('a ready file that cannot be created stops the recording: write-error, never unannounced', async () => {
    const ready = join(dir, 'missing-dir', 'ready.json');
    const s = setup({ readyFile: ready });
    const o = await run(s);
    expect(o.ended.reason).toBe('write-error');
    expect(o.ended.error).toEqual({ code: 'EREADYFILE', message: `--ready-file ${ready}: no such directory ${join(dir, 'missing-dir')}: recording stopped` });
    expect(stopReason(s.file)).toBe('write-error');
  });
});
