/**
 * The recording worker: owns the Capture (addon + session writer) so that decoding and SQLite
 * writes never stall the terminal, signals or the TUI on the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { loadBinding } from './binding.js';
import { Capture } from './capture.js';
import type { FromWorker, ToWorker, WorkerInput } from './worker-protocol.js';

const port = parentPort!;
const input = workerData as WorkerInput;
const send = (msg: FromWorker) => port.postMessage(msg);

let capture: Capture;
try {
  capture = new Capture(input.options, loadBinding(), {
    onConnection: input.notify ? (notice) => send({ type: 'connection', notice }) : undefined,
    onFatal: (err) => {
      send({ type: 'fatal', code: err.code, message: err.message });
      void stop('disk-full');
    },
  });
  capture.start();
  send({ type: 'started', sendfileBodies: capture.sendfileBodies });
} catch (err) {
  const e = err as Error & { code?: string; libbpfLog?: string };
  send({ type: 'start-failed', code: e.code, message: e.message, libbpfLog: e.libbpfLog });
  process.exit(0);
}

async function stop(reason: Parameters<Capture['stop']>[0]): Promise<void> {
  const counts = await capture.stop(reason);
  send({ type: 'stopped', counts });
  port.close();
}

port.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'stop':
      void stop(msg.reason);
      break;
    case 'addPid':
      capture.addPid(msg.pid);
      send({ type: 'ack', ack: msg.ack });
      break;
    case 'stats':
      send({ type: 'stats', counts: capture.snapshot() });
      break;
  }
});
