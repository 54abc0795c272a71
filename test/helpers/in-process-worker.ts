/**
 * The recording worker without a thread: serveCapture on one end of a MessageChannel, with a
 * fake binding, and a Recording on the other end. The messages are the real ones, delivered
 * the way a worker's are, and it "exits" when serveCapture closes its port, as a worker does.
 */
import { EventEmitter } from 'node:events';
import { MessageChannel } from 'node:worker_threads';

import type { NativeBinding } from '../../src/record/binding.js';
import type { RecordingWorker, WorkerFactory } from '../../src/record/recording.js';
import { serveCapture } from '../../src/record/serve-capture.js';
import type { FromWorker, ToWorker, WorkerInput } from '../../src/record/worker-protocol.js';

export class InProcessWorker extends EventEmitter implements RecordingWorker {
  private readonly channel = new MessageChannel();
  private gone = false;
  /** Everything the worker side sent, in order. */
  readonly sent: FromWorker[] = [];

  constructor(input: WorkerInput, binding: NativeBinding) {
    super();
    this.channel.port1.on('message', (msg: FromWorker) => {
      if (this.gone) return;
      this.sent.push(msg);
      this.emit('message', msg);
    });
    // a worker whose port closed has nothing left to do: its thread ends
    this.channel.port1.on('close', () => this.exit(0));
    serveCapture(this.channel.port2, input, () => binding);
  }

  postMessage(msg: ToWorker): void {
    if (!this.gone) this.channel.port1.postMessage(msg);
  }

  private exit(code: number): void {
    if (this.gone) return;
    this.gone = true;
    this.channel.port1.close();
    this.emit('exit', code);
  }
}

/** A factory for Recording that keeps the worker it made, for the test to reach. */
export function inProcessWorkers(binding: NativeBinding): WorkerFactory & { last: InProcessWorker | null } {
  const factory = Object.assign((input: WorkerInput) => (factory.last = new InProcessWorker(input, binding)), {
    last: null as InProcessWorker | null,
  });
  return factory;
}
