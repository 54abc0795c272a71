/**
 * The recording worker: owns the Capture (addon + session writer) so that decoding and SQLite
 * writes never stall the terminal, signals or the TUI on the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { loadBinding } from './binding.js';
import { serveCapture } from './serve-capture.js';
import type { WorkerInput } from './worker-protocol.js';

serveCapture(parentPort!, workerData as WorkerInput, loadBinding);
