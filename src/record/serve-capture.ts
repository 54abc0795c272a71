/**
 * The worker's side of a recording: one Capture, driven by the main thread's messages
 * (worker-protocol.ts) and reporting its lifecycle back: `started`, `stopping`, and `ended` as
 * the last message, on every path. record-worker.ts runs it in the worker thread with the real
 * binding; tests run it on a MessageChannel with a fake one.
 */
import type { NativeBinding } from './binding.js';
import { Capture, zeroCounts } from './capture.js';
import { toEndError } from './lifecycle.js';
import type { FromWorker, ToWorker, WorkerInput } from './worker-protocol.js';

/** The part of a MessagePort (the worker's parentPort) used here. */
export interface CapturePort {
  postMessage(msg: FromWorker): void;
  on(event: 'message', listener: (msg: ToWorker) => void): unknown;
  close(): void;
}

export interface ServeHooks {
  /** After each connection notice (the worker's test-only fault injection hooks in here). */
  afterConnection?(): void;
}

export function serveCapture(port: CapturePort, input: WorkerInput, loadBinding: () => NativeBinding, hooks: ServeHooks = {}): void {
  const send = (msg: FromWorker) => port.postMessage(msg);
  let capture: Capture;
  try {
    capture = new Capture(input.options, loadBinding(), {
      onConnection: (notice) => {
        if (input.notify) send({ type: 'connection', notice });
        hooks.afterConnection?.();
      },
      onTlsLibrary: (library) => send({ type: 'tls', library }),
      onRotate: (rotated) => send({ type: 'rotated', rotated }),
    });
  } catch (err) {
    // no addon, or the file exists: nothing was created, nothing started
    send({ type: 'ended', ended: { reason: 'start-failed', counts: zeroCounts(), error: toEndError(err) } });
    port.close();
    return;
  }
  capture.onChange((phase, reason, error) => {
    if (phase === 'stopping' && reason) send(error ? { type: 'stopping', reason, error } : { type: 'stopping', reason });
  });
  void capture.ended.then((ended) => {
    send({ type: 'ended', ended });
    // nothing more to say: the worker ends once its port is closed
    port.close();
  });
  port.on('message', (msg: ToWorker) => {
    switch (msg.type) {
      case 'stop':
        void capture.stop(msg.reason);
        break;
      case 'fail':
        void capture.abort(msg.error);
        break;
      case 'addPid':
        send({ type: 'ack', ack: msg.ack, added: addPid(capture, msg.pid) });
        break;
      case 'stats':
        send({ type: 'stats', counts: capture.snapshot() });
        break;
    }
  });
  try {
    capture.start();
  } catch {
    return; // `ended` says why, with the error's code
  }
  send({ type: 'started', sendfileBodies: capture.sendfileBodies, tls: capture.tlsLibraries });
}

function addPid(capture: Capture, pid: number): boolean {
  if (capture.phase !== 'running') return false;
  try {
    capture.addPid(pid);
    return true;
  } catch {
    return false;
  }
}
