/**
 * A build's pass (build-pass.ts) run in a worker thread, so that parsing the records and
 * writing the rows use two cores: this thread reads the compressed blocks and writes what comes
 * back; the worker decompresses, decodes, assembles and parses. The items come back in the
 * order one thread would make them, so the exchanges, their ids included, are the same.
 *
 * Synchronous for the caller: a build is one SQLite transaction, which better-sqlite3 runs on
 * this thread without yielding to the event loop. Messages are taken off the port with
 * receiveMessageOnPort, and this thread sleeps on a shared counter (Atomics.wait) that the
 * worker bumps after each message.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, Worker, receiveMessageOnPort } from 'node:worker_threads';

import type { FromWorker, PassEnd, PassInput, ToWorker, WorkerInput } from './build-worker.js';
import type { BlockEntry } from './damage.js';
import type { Prepared } from './derived-writer.js';

/**
 * Blocks sent ahead of what the worker has finished: enough that it never waits for the next,
 * few enough that the items it has made but this thread has not written stay a few blocks' worth.
 */
const AHEAD = 2;

/**
 * A worker silent this long has died without a word (a crash the worker could not report: it
 * sends something at least every block, and a block takes a second or two at most). Its 'exit'
 * event cannot reach this thread, which holds the event loop while it waits; so the wait is cut
 * into LOOK_MS slices, after each of which this thread looks whether the worker's thread is still
 * in /proc/self/task: a worker killed for running out of memory is noticed in a second, not two
 * minutes. SILENT_MS is for a worker alive but stuck, or a system without /proc.
 */
const SILENT_MS = 120_000;
const LOOK_MS = 500;

/**
 * The worker's script, dist/session/build-worker.js. Named from the directory above this
 * module's, so that the same path finds it from dist/session/ and from the TUI's bundle in
 * dist/tui/; from the TypeScript sources (tests) there is no such file, and the build runs on
 * one thread unless given a script.
 */
function workerScript(): string | null {
  const path = fileURLToPath(new URL('../session/build-worker.js', import.meta.url));
  return existsSync(path) ? path : null;
}

export class WorkerPass {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly signal = new Int32Array(new SharedArrayBuffer(8));
  private ahead = 0;
  private ended: PassEnd | null = null;

  private constructor(
    script: string,
    input: PassInput,
    private readonly onItems: (items: Prepared[]) => void,
  ) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const data: WorkerInput = { ...input, port: port2, signal: this.signal };
    this.worker = new Worker(script, { workerData: data, transferList: [port2] });
    // what went wrong comes through the port, as a message: the event would come too late
    this.worker.on('error', () => {});
  }

  /** A worker running the pass; null when there is no worker script to run (one thread then). */
  static start(
    input: PassInput,
    onItems: (items: Prepared[]) => void,
    script = workerScript(),
  ): WorkerPass | null {
    return script ? new WorkerPass(script, input, onItems) : null;
  }

  /** Hand over one block (its event_blocks row, checked, and its data as stored). */
  block(entry: BlockEntry, data: Buffer): void {
    // the data is copied across: a Buffer better-sqlite3 made may share its memory with others
    this.post({ block: entry, data });
    this.ahead++;
    this.take();
    while (this.ahead > AHEAD) this.wait();
  }

  /** The end of the blocks: waits for the rest of the items; the flows' rows and the damage found. */
  finish(): PassEnd {
    this.post({ finish: true });
    while (!this.ended) this.wait();
    return this.ended;
  }

  /** Stop the worker (after finish(), or when the build failed). */
  stop(): void {
    this.port.close();
    void this.worker.terminate();
  }

  private post(m: ToWorker): void {
    this.port.postMessage(m);
  }

  /** Sleep until the worker sends something, then take it. */
  private wait(): void {
    const seen = Atomics.load(this.signal, 0);
    if (this.take()) return;
    for (let waited = 0; ; waited += LOOK_MS) {
      if (Atomics.wait(this.signal, 0, seen, LOOK_MS) !== 'timed-out' || this.take()) return;
      if (!this.alive()) {
        // what it sent before it went
        if (this.take()) return;
        throw new Error('the build worker died without a word (out of memory?)');
      }
      if (waited >= SILENT_MS) throw new Error(`the build worker sent nothing for ${SILENT_MS / 1000} s: it died`);
    }
  }

  /** The worker's thread is still there (or it has not said which it is yet). */
  private alive(): boolean {
    const tid = Atomics.load(this.signal, 1);
    return tid <= 0 || existsSync(`/proc/self/task/${tid}`);
  }

  /** Take every message the worker has sent; whether there was any. */
  private take(): boolean {
    let any = false;
    for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) {
      any = true;
      const msg = m.message as FromWorker;
      if ('items' in msg) this.onItems(msg.items);
      else if ('blockDone' in msg) this.ahead--;
      else if ('end' in msg) this.ended = msg.end;
      else throw new Error(`the build worker failed: ${msg.error}`);
    }
    return any;
  }
}
