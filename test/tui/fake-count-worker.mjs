// A stand-in for src/tui/count-worker.ts in WorkerCounter's test: answers each question after a
// pause with the length of its WHERE, or an error for the WHERE 'fail'.
import { parentPort } from 'node:worker_threads';

parentPort.on('message', (m) =>
  setTimeout(() => parentPort.postMessage(m.where === 'fail' ? { id: m.id, error: 'no such column: fail' } : { id: m.id, count: m.where.length }), 30),
);
