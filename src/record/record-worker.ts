/**
 * The recording worker: owns the Capture (addon + session writer) so that decoding and SQLite
 * writes never stall the terminal, signals or the TUI on the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { loadBinding } from './binding.js';
import { type ServeHooks, serveCapture } from './serve-capture.js';
import type { WorkerInput } from './worker-protocol.js';

/**
 * Test-only fault injection for test/e2e/record-worker-death.test.ts. A worker thread cannot be
 * killed from outside its process without killing the process, so the test that proves
 * `tinytap record` survives the death of its worker asks the worker to die, at its first
 * connection: TINYTAP_FAULT=worker-exit calls process.exit() inside the worker,
 * TINYTAP_FAULT=worker-throw throws an uncaught exception there.
 */
function injectedFault(fault: string | undefined): ServeHooks {
  switch (fault) {
    case 'worker-exit':
      return { afterConnection: () => process.exit(70) };
    case 'worker-throw':
      return {
        afterConnection: () =>
          setImmediate(() => {
            throw new Error('injected fault (TINYTAP_FAULT=worker-throw)');
          }),
      };
    default:
      return {};
  }
}

serveCapture(parentPort!, workerData as WorkerInput, loadBinding, injectedFault(process.env.TINYTAP_FAULT));
