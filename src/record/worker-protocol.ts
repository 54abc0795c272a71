/** Messages between the CLI's main thread and the recording worker (record-worker.ts). */
import type { CaptureCounts, CaptureOptions, ConnectionNotice, StopReason } from './capture.js';

export type ToWorker =
  | { type: 'stop'; reason: StopReason }
  | { type: 'addPid'; pid: number; ack: number }
  | { type: 'stats' };

export type FromWorker =
  | { type: 'started'; sendfileBodies: { captured: boolean; note: string } }
  | { type: 'start-failed'; code?: string; message: string; libbpfLog?: string }
  | { type: 'connection'; notice: ConnectionNotice }
  | { type: 'stats'; counts: CaptureCounts }
  | { type: 'fatal'; code?: string; message: string }
  | { type: 'ack'; ack: number }
  | { type: 'stopped'; counts: CaptureCounts };

export interface WorkerInput {
  options: CaptureOptions;
  /** Send connection notices (the CLI prints one line per new connection unless --quiet). */
  notify: boolean;
}
