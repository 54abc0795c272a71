/** Messages between the CLI's main thread (recording.ts) and the recording worker (serve-capture.ts). */
import type { TlsLibraryEntry } from './tls-attacher.js';
import type { CaptureCounts, CaptureOptions, ConnectionNotice, Rotated } from './capture.js';
import type { EndError, Ended, RequestedStop, StopReason } from './lifecycle.js';

export type ToWorker =
  | { type: 'stop'; reason: RequestedStop }
  /** End as a write error of the main thread's own output (the --ready-file). */
  | { type: 'fail'; error: EndError }
  | { type: 'addPid'; pid: number; ack: number }
  | { type: 'stats' };

export type FromWorker =
  | { type: 'started'; sendfileBodies: { captured: boolean; note: string }; tls: TlsLibraryEntry[] | null }
  /** A TLS library or program found after start (the CLI names it under --verbose). */
  | { type: 'tls'; library: TlsLibraryEntry }
  | { type: 'connection'; notice: ConnectionNotice }
  /** record --dir: the recording went on in a new file. */
  | { type: 'rotated'; rotated: Rotated }
  | { type: 'stats'; counts: CaptureCounts }
  /** `added`: the kernel now captures the pid (false once the recording is ending). */
  | { type: 'ack'; ack: number; added: boolean }
  /** The worker's recording is stopping, for this reason (sent again if a fault replaces it). */
  | { type: 'stopping'; reason: StopReason; error?: EndError }
  /** The last message: the worker's recording has ended and its file is closed. */
  | { type: 'ended'; ended: Ended<CaptureCounts> };

export interface WorkerInput {
  options: CaptureOptions;
  /** Send connection notices (the CLI prints one line per new connection unless --quiet). */
  notify: boolean;
}
