/**
 * The worker thread of WorkerCounter (counter.ts): its own read-only connection to the session,
 * so a slow count never holds up the UI's connection or its event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { registerFilterFunctions } from '../query/index.js';
import { Session } from '../session/session.js';

const session = Session.open((workerData as { path: string }).path, { build: false });
registerFilterFunctions(session.db);

parentPort!.on('message', (m: { id: number; where: string; params: unknown[] }) => {
  try {
    parentPort!.postMessage({ id: m.id, count: session.countExchanges(m.where, m.params) });
  } catch (err) {
    parentPort!.postMessage({ id: m.id, error: (err as Error).message });
  }
});
