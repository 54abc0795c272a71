/**
 * The main thread's handle on a recording running in a worker (record-worker.ts): start, add a
 * pid, read counts, stop; connection notices and fatal errors arrive as events.
 */
import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';

import type { CaptureCounts, ConnectionNotice, StopReason } from './capture.js';
import type { FromWorker, ToWorker, WorkerInput } from './worker-protocol.js';

export class RecordingStartError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly libbpfLog: string | undefined,
  ) {
    super(message);
  }
}

export interface RecordingEvents {
  connection: [ConnectionNotice];
  fatal: [{ code?: string; message: string }];
}

export class Recording extends EventEmitter<RecordingEvents> {
  private acks = new Map<number, () => void>();
  private nextAck = 1;
  private statsWaiters: ((c: CaptureCounts) => void)[] = [];
  private stopped: Promise<CaptureCounts>;
  private resolveStopped!: (c: CaptureCounts) => void;
  private stopRequested = false;
  sendfileBodies = { captured: false, note: '' };

  private constructor(private readonly worker: Worker) {
    super();
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve));
  }

  static start(input: WorkerInput): Promise<Recording> {
    const worker = new Worker(new URL('./record-worker.js', import.meta.url), { workerData: input });
    const rec = new Recording(worker);
    return new Promise((resolve, reject) => {
      worker.on('message', (msg: FromWorker) => {
        switch (msg.type) {
          case 'started':
            rec.sendfileBodies = msg.sendfileBodies;
            resolve(rec);
            break;
          case 'start-failed':
            reject(new RecordingStartError(msg.message, msg.code, msg.libbpfLog));
            break;
          default:
            rec.onMessage(msg);
        }
      });
      worker.on('error', (err) => {
        reject(err);
        rec.emit('fatal', { message: err.message });
      });
    });
  }

  private onMessage(msg: FromWorker): void {
    switch (msg.type) {
      case 'connection':
        this.emit('connection', msg.notice);
        break;
      case 'fatal':
        this.emit('fatal', { code: msg.code, message: msg.message });
        break;
      case 'ack':
        this.acks.get(msg.ack)?.();
        this.acks.delete(msg.ack);
        break;
      case 'stats':
        for (const w of this.statsWaiters.splice(0)) w(msg.counts);
        break;
      case 'stopped':
        this.resolveStopped(msg.counts);
        for (const w of this.statsWaiters.splice(0)) w(msg.counts);
        break;
    }
  }

  private send(msg: ToWorker): void {
    this.worker.postMessage(msg);
  }

  /** Resolves once the kernel side captures this pid (and, through forks, its children). */
  addPid(pid: number): Promise<void> {
    const ack = this.nextAck++;
    return new Promise((resolve) => {
      this.acks.set(ack, resolve);
      this.send({ type: 'addPid', pid, ack });
    });
  }

  stats(): Promise<CaptureCounts> {
    return new Promise((resolve) => {
      this.statsWaiters.push(resolve);
      if (!this.stopRequested) this.send({ type: 'stats' });
    });
  }

  stop(reason: StopReason): Promise<CaptureCounts> {
    if (!this.stopRequested) {
      this.stopRequested = true;
      this.send({ type: 'stop', reason });
    }
    return this.stopped;
  }

  /** Resolves when the recording has ended, whoever ended it. */
  get done(): Promise<CaptureCounts> {
    return this.stopped;
  }
}
