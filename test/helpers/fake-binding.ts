/**
 * A stand-in for the native addon: the test pushes batches of records as the drain thread
 * would, so the recorder's logic (rows, counts, commits, stop) is tested without root.
 */
import type { NativeBinding, NativeRecorder, NativeRecorderOptions } from '../../src/record/binding.js';

export class FakeRecorder implements NativeRecorder {
  started = false;
  stopped = false;
  pids: number[] = [];
  stats_ = [0, 0, 0, 0, 0, 0, 0, 0];

  constructor(
    readonly opts: NativeRecorderOptions,
    readonly onBatch: (b: Buffer) => void,
  ) {}

  start(): void {
    this.started = true;
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
  addPid(pid: number): void {
    this.pids.push(pid);
  }
  stats(): number[] {
    return this.stats_;
  }
  features() {
    return { sendfileBodies: false, sendfileBodiesNote: 'fake' };
  }
  clockOffsetNs(): bigint {
    return 1_799_999_999_000_000_000n;
  }
}

export function fakeBinding(): NativeBinding & { last: FakeRecorder | null } {
  const b = {
    last: null as FakeRecorder | null,
    Recorder: class extends FakeRecorder {
      constructor(opts: NativeRecorderOptions, onBatch: (b: Buffer) => void) {
        super(opts, onBatch);
        b.last = this;
      }
    },
    clocks: () => ({ monotonicNs: 1_000_000_000n, realtimeNs: 1_795_000_000_000_000_000n }),
    layout: () => {
      throw new Error('not in the fake');
    },
    mountTracefs: () => {},
  };
  return b;
}
