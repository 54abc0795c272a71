/**
 * The worker of a parallel build (parallel-build.ts): runs the build's pass (build-pass.ts) over
 * the blocks the building thread sends, and sends back what it makes ready to write, in order.
 * It opens no file: the blocks come as event_blocks holds them, and are decompressed and
 * checked here (damage found is counted here and handed back at the end).
 */
import { readlinkSync } from 'node:fs';
import { type MessagePort, workerData } from 'node:worker_threads';

import type { FlowPlan } from '../reconstruct/flow-plan.js';
import type { PassChain, PassResult } from './build-pass.js';
import type { BlockEntry, Damage } from './damage.js';
import type { Prepared } from './derived-writer.js';

/** What the pass needs to start: the flows planned, the session's start, the TLS libraries' names, its place in a chain. */
export interface PassInput {
  plans: FlowPlan[];
  baseNs: bigint;
  tlsNames: [number, string][];
  chain: PassChain | null;
}

/** What the pass ends with (each flow's row, what is handed on), and the damage the worker found reading the blocks. */
export interface PassEnd extends PassResult {
  damage: { counts: Damage['counts']; examples: string[] };
}

export interface WorkerInput extends PassInput {
  port: MessagePort;
  /**
   * [0] is bumped (and notified) after every message this worker sends: the building thread
   * waits on it. [1] is this worker's thread id (/proc/self/task/ID): there the building thread
   * sees that it has died.
   */
  signal: Int32Array;
}

/** From the building thread: a block to read, or the end of the blocks. */
export type ToWorker = { block: BlockEntry; data: Uint8Array } | { finish: true };

/** To the building thread: items ready to write, a block read, the end, or an error. */
export type FromWorker =
  | { items: Prepared[] }
  | { blockDone: true }
  | { end: PassEnd }
  | { error: string };

/** Items sent in one message: fewer messages, and no more held than a block's worth. */
const BATCH = 1024;

const input = workerData as WorkerInput;
const { port, signal } = input;

// first, before anything that could fail: a thread that dies without a word (out of memory)
// leaves no message, only its entry in /proc gone
try {
  Atomics.store(signal, 1, Number(readlinkSync('/proc/thread-self').split('/').pop()));
} catch {
  // no /proc: the building thread waits out SILENT_MS
}

function send(m: FromWorker): void {
  port.postMessage(m);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

function fail(err: unknown): void {
  send({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  port.close();
}

/**
 * The modules are loaded here, not imported above: the building thread sleeps until this worker
 * sends something and cannot hear of a worker that failed to load them (its 'error' event needs
 * the event loop that thread is holding), so that failure is sent like any other.
 */
try {
  const [{ BuildPass }, { Damage }, { blockRecordsOf, openBlock }, { TlsLibraryNames }] = await Promise.all([
    import('./build-pass.js'),
    import('./damage.js'),
    import('./event-reader.js'),
    import('./tls-library-names.js'),
  ]);
  const damage = new Damage();
  const names = TlsLibraryNames.of(input.tlsNames);
  let batch: Prepared[] = [];
  const flush = () => {
    if (batch.length === 0) return;
    send({ items: batch });
    batch = [];
  };
  const pass = new BuildPass(
    input.plans,
    input.baseNs,
    (auxFd) => names.name(auxFd),
    (items) => {
      for (const item of items) batch.push(item);
      if (batch.length >= BATCH) flush();
    },
    input.chain,
  );
  port.on('message', (m: ToWorker) => {
    try {
      if ('block' in m) {
        const block = openBlock(m.block, Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength), damage);
        if (block) for (const { n, rec } of blockRecordsOf(block, damage)) pass.record(rec, n);
        flush();
        send({ blockDone: true });
      } else {
        const result = pass.finish();
        flush();
        send({ end: { ...result, damage: { counts: damage.counts, examples: damage.examples } } });
        port.close();
      }
    } catch (err) {
      fail(err);
    }
  });
} catch (err) {
  fail(err);
}
