/**
 * A stand-in for the native addon: the test pushes batches of records as the drain thread
 * would, so the recorder's logic (rows, counts, commits, stop) is tested without root.
 */
import type { NativeBinding, NativeRecorder, NativeRecorderOptions, OnBatch } from '../../src/record/binding.js';

export class FakeRecorder implements NativeRecorder {
  started = false;
  stopped = false;
  stopCalls = 0;
  pids: number[] = [];
  stats_ = [0, 0, 0, 0, 0, 0, 0, 0];
  /** Thrown by start(), as the addon throws when the kernel refuses the programs. */
  startError: (Error & { code?: string }) | null = null;

  constructor(
    readonly opts: NativeRecorderOptions,
    readonly onBatch: OnBatch,
  ) {}

  start(): void {
    if (this.startError) throw this.startError;
    this.started = true;
  }
  async stop(): Promise<void> {
    this.stopCalls++;
    this.stopped = true;
  }
  addPid(pid: number): void {
    this.pids.push(pid);
  }
  stats(): number[] {
    return this.stats_;
  }
  uprobes: { path: string; probes: { program: string; offset: number }[]; cookie: number }[] = [];
  memoryBio: { pid: number; file: { major: number; minor: number; ino: number } }[] = [];
  markMemoryBio(pid: number, file: { major: number; minor: number; ino: number }): void {
    this.memoryBio.push({ pid, file });
  }
  attachUprobes(path: string, probes: { program: string; offset: number }[], cookie: number): number {
    this.uprobes.push({ path, probes, cookie });
    return probes.length;
  }
  features() {
    return { sendfileBodies: false, sendfileBodiesNote: 'fake' };
  }
  clockOffsetNs(): bigint {
    return 1_799_999_999_000_000_000n;
  }
  /** The drain thread fails as the addon reports it: onBatch(null, error) after the last batch. */
  failDrain(message = "reading the kernel's ring buffer failed: Bad file descriptor"): void {
    this.onBatch(null, Object.assign(new Error(message), { code: 'ECAPTURE' }));
  }
}

export interface FakeBindingOptions {
  /** Every recorder's start() throws this. */
  startError?: Error & { code?: string; libbpfLog?: string };
  /** The wall clock (a file's started_at): by default it stands still. */
  realtimeNs?: () => bigint;
}

export function fakeBinding(opts: FakeBindingOptions = {}): NativeBinding & { last: FakeRecorder | null } {
  const b = {
    last: null as FakeRecorder | null,
    Recorder: class extends FakeRecorder {
      constructor(o: NativeRecorderOptions, onBatch: OnBatch) {
        super(o, onBatch);
        this.startError = opts.startError ?? null;
        b.last = this;
      }
    },
    clocks: () => ({ monotonicNs: 1_000_000_000n, realtimeNs: opts.realtimeNs?.() ?? 1_795_000_000_000_000_000n }),
    layout: () => {
      throw new Error('not in the fake');
    },
    mountTracefs: () => {},
    builtWith: () => ({ bpfObject: Buffer.alloc(0), libbpf: '-', zstd: '-' }),
  };
  return b;
}
