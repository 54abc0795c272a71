/**
 * A worker thread that runs the real native recorder and counts its batches; the test
 * terminates the thread while batches flow, as Node does with a worker that ends mid-recording.
 */
import { parentPort } from 'node:worker_threads';

import { loadBinding } from '../../../src/record/binding.js';
import { defaultCaptureOptions } from '../../../src/record/capture.js';

const opts = defaultCaptureOptions('unused');
const binding = loadBinding();
let batches = 0;
const recorder = new binding.Recorder(
  { ...opts, selfPid: process.pid, filterPids: false, flushMs: 1 },
  () => {
    // slow JS: the queue of batches fills and the drain thread waits for room
    const until = Date.now() + 20;
    while (Date.now() < until);
    if (++batches === 3) parentPort!.postMessage('batches');
  },
);
recorder.start();
parentPort!.postMessage('started');
// the recorder does not keep a thread alive by itself (its batches are unref'd): this does
setInterval(() => {}, 1000);
