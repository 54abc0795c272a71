/**
 * The main thread's handle on a recording running in a worker (serve-capture.ts): start, add a
 * pid, read counts, stop. It mirrors the worker's lifecycle and ends with the worker's own
 * `ended`, or, if the worker exits without having sent it (a crash, out of memory,
 * process.exit), as `worker-exit`, after marking the session file so that it does not look as
 * if it were still being recorded.
 */
import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';

import { type CaptureCounts, type ConnectionNotice, type Rotated, zeroCounts } from './capture.js';
import { type EndError, type Ended, Lifecycle, type Phase, type RequestedStop, isFault } from './lifecycle.js';
import { markWorkerExit } from './mark-worker-exit.js';
import type { TlsLibraryEntry } from './tls-attacher.js';
import type { FromWorker, ToWorker, WorkerInput } from './worker-protocol.js';

/** The part of a worker_threads Worker that a Recording uses (tests hand in a fake). */
export interface RecordingWorker {
  postMessage(msg: ToWorker): void;
  on(event: 'message', listener: (msg: FromWorker) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'exit', listener: (exitCode: number) => void): unknown;
}

export type WorkerFactory = (input: WorkerInput) => RecordingWorker;

/** The real worker, with the real binding. */
export const recordWorker: WorkerFactory = (input) =>
  new Worker(new URL('./record-worker.js', import.meta.url), { workerData: input });

export interface StartInfo {
  sendfileBodies: { captured: boolean; note: string };
  /** The TLS libraries watched, and those that could not be. */
  tls: TlsLibraryEntry[] | null;
}

export interface RecordingEvents {
  connection: [ConnectionNotice];
  tls: [TlsLibraryEntry];
  rotated: [Rotated];
}

export class Recording extends EventEmitter<RecordingEvents> {
  private readonly lifecycle = new Lifecycle<CaptureCounts>();
  private readonly worker: RecordingWorker;
  private readonly acks = new Map<number, (added: boolean) => void>();
  private nextAck = 1;
  private statsWaiters: ((c: CaptureCounts) => void)[] = [];
  private lastCounts: CaptureCounts = zeroCounts();
  private workerError: Error | null = null;
  private resolveStarted!: (info: StartInfo | null) => void;
  /** Capture started (its info), or null: the recording ended without starting. */
  readonly started: Promise<StartInfo | null> = new Promise((resolve) => (this.resolveStarted = resolve));
  /** Resolves once, never rejects: why the recording ended, and its final counts. */
  readonly ended: Promise<Ended<CaptureCounts>> = this.lifecycle.ended;

  constructor(
    private readonly input: WorkerInput,
    createWorker: WorkerFactory = recordWorker,
  ) {
    super();
    this.worker = createWorker(input);
    this.worker.on('message', (msg) => this.onMessage(msg));
    // an uncaught exception in the worker: 'exit' follows, once the thread is gone
    this.worker.on('error', (err) => (this.workerError ??= err));
    this.worker.on('exit', (code) => this.onWorkerExit(code));
    void this.ended.then((e) => this.settleWaiters(e.counts));
  }

  get phase(): Phase {
    return this.lifecycle.phase;
  }

  private onMessage(msg: FromWorker): void {
    switch (msg.type) {
      case 'started':
        this.lifecycle.running();
        this.resolveStarted({ sendfileBodies: msg.sendfileBodies, tls: msg.tls });
        break;
      case 'connection':
        this.emit('connection', msg.notice);
        break;
      case 'tls':
        this.emit('tls', msg.library);
        break;
      case 'rotated':
        this.emit('rotated', msg.rotated);
        break;
      case 'ack':
        this.acks.get(msg.ack)?.(msg.added);
        this.acks.delete(msg.ack);
        break;
      case 'stats':
        this.lastCounts = msg.counts;
        for (const w of this.statsWaiters.splice(0)) w(msg.counts);
        break;
      case 'stopping':
        this.mirror(msg);
        break;
      case 'ended':
        if (this.lifecycle.isOver) break;
        this.mirror(msg.ended);
        this.lifecycle.finish(msg.ended.counts);
        break;
    }
  }

  /** Take the worker's reason: its faults replace a stop asked for here. */
  private mirror(state: { reason: Ended<CaptureCounts>['reason']; error?: Ended<CaptureCounts>['error'] }): void {
    if (isFault(state.reason)) this.lifecycle.fail(state.reason, state.error ?? { message: state.reason });
    else this.lifecycle.stop(state.reason);
  }

  private onWorkerExit(code: number): void {
    if (this.lifecycle.isOver) return;
    const why = this.workerError ? `failed (${this.workerError.message})` : `exited with code ${code}`;
    const marked = markWorkerExit(this.input.options.output, this.input.options.create?.owner ?? null);
    const kept = marked.kept ? `; ${this.input.options.output} holds everything up to its last commit` : '';
    this.lifecycle.fail('worker-exit', {
      code: 'EWORKER',
      message: `the recording's worker thread ${why} before the recording ended: recording stopped${kept}`,
    });
    this.lifecycle.finish(marked.counts ?? this.lastCounts);
  }

  private settleWaiters(counts: CaptureCounts): void {
    for (const w of this.statsWaiters.splice(0)) w(counts);
    for (const ack of this.acks.values()) ack(false);
    this.acks.clear();
    this.resolveStarted(null);
  }

  private send(msg: ToWorker): void {
    this.worker.postMessage(msg);
  }

  /**
   * Resolves once the kernel side captures this pid (and, through forks, its children): true,
   * or false when the recording ended first.
   */
  addPid(pid: number): Promise<boolean> {
    if (this.lifecycle.isOver) return Promise.resolve(false);
    const ack = this.nextAck++;
    return new Promise((resolve) => {
      this.acks.set(ack, resolve);
      this.send({ type: 'addPid', pid, ack });
    });
  }

  /** The counts now; once the recording has ended, its final counts. */
  stats(): Promise<CaptureCounts> {
    if (this.lifecycle.isOver) return this.ended.then((e) => e.counts);
    return new Promise((resolve) => {
      this.statsWaiters.push(resolve);
      this.send({ type: 'stats' });
    });
  }

  /** End as a write error of the main thread's own output (the --ready-file); returns `ended`. */
  fail(error: EndError): Promise<Ended<CaptureCounts>> {
    const live = !this.lifecycle.isOver;
    this.lifecycle.fail('write-error', error);
    if (live) this.send({ type: 'fail', error });
    return this.ended;
  }

  /** Ask to stop (only the first request or fault decides the reason); returns `ended`. */
  stop(reason: RequestedStop): Promise<Ended<CaptureCounts>> {
    // during the start too: the worker reads it once capture has started, and stops at once
    if (this.lifecycle.stop(reason)) this.send({ type: 'stop', reason });
    return this.ended;
  }
}
