/**
 * A recording worker for tests, run in a real thread (bundled by test/helpers/bundle-worker.ts):
 * the real serveCapture with a fake binding. After its first batch is committed it dies as
 * workerData.death says: `exit` (process.exit inside the worker), `throw` (an uncaught
 * exception), or `none` (it lives until stopped).
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

import { batchOf, encodeConn, encodeData } from '../../../src/events/encode-records.js';
import { serveCapture } from '../../../src/record/serve-capture.js';
import type { WorkerInput } from '../../../src/record/worker-protocol.js';
import { EventReader } from '../../../src/session/event-reader.js';
import { fakeBinding } from '../../helpers/fake-binding.js';

const input = workerData as WorkerInput & { death: 'exit' | 'throw' | 'none' };
const binding = fakeBinding();
serveCapture(parentPort!, input, () => binding);
binding.last!.onBatch(batchOf([encodeConn({ connId: 1 }), encodeData({ connId: 1, ret: 4, data: 'kept' })]));

function committed(): boolean {
  const db = new Database(input.options.output, { readonly: true });
  try {
    return [...new EventReader(db).events()].length > 0;
  } finally {
    db.close();
  }
}

const poll = setInterval(() => {
  if (!committed()) return;
  clearInterval(poll);
  if (input.death === 'none') return;
  // not committed yet, so lost with the thread
  binding.last!.onBatch(batchOf([encodeData({ connId: 1, ret: 4, data: 'lost' })]));
  if (input.death === 'exit') process.exit(3);
  if (input.death === 'throw') throw new Error('a bug in the worker');
}, 5);
