/**
 * The life of one recording, as one state machine: Starting → Running → Stopping → Stopped or
 * Failed. Whoever drives a recording (Capture in the worker, Recording on the main thread) owns
 * one; `ended` resolves exactly once, on every path, with the reason the recording ended, and
 * never rejects. Pure: no I/O, no timers; the owner does the work each transition asks for.
 */

/** A stop someone asked for: the recording ends as planned. */
export type RequestedStop = 'signal' | 'duration' | 'command-exited' | 'quit';

/** Something went wrong: the recording ends as Failed, with an error. */
export type Fault = 'disk-full' | 'write-error' | 'capture-error' | 'worker-exit' | 'start-failed';

/**
 * Why a recording ended. Every reason but `start-failed` (which leaves no file) is written to
 * the session's meta `stop_reason` (SPEC.md §3.1).
 */
export type StopReason = RequestedStop | Fault;

const FAULTS: ReadonlySet<string> = new Set<Fault>(['disk-full', 'write-error', 'capture-error', 'worker-exit', 'start-failed']);

export function isFault(reason: StopReason): reason is Fault {
  return FAULTS.has(reason);
}

export type Phase = 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/** What the user is told: one line, and a code for the error classes that know it. */
export interface EndError {
  code?: string;
  message: string;
  /** libbpf's last lines, shown with --verbose (start failures only). */
  libbpfLog?: string;
}

/** What a thrown value says, as an EndError (its code, or `fallbackCode` when it has none). */
export function toEndError(err: unknown, fallbackCode?: string): EndError {
  const e = err as { code?: unknown; message?: unknown; libbpfLog?: unknown } | null;
  const error: EndError = { message: typeof e?.message === 'string' ? e.message : String(err) };
  const code = typeof e?.code === 'string' ? e.code : fallbackCode;
  if (code !== undefined) error.code = code;
  if (typeof e?.libbpfLog === 'string') error.libbpfLog = e.libbpfLog;
  return error;
}

export interface Ended<Counts> {
  reason: StopReason;
  counts: Counts;
  /** Set when the reason is a fault. */
  error?: EndError;
}

const NEXT: Record<Phase, readonly Phase[]> = {
  starting: ['running', 'stopping'],
  running: ['stopping'],
  stopping: ['stopped', 'failed'],
  stopped: [],
  failed: [],
};

export type LifecycleListener = (phase: Phase, reason: StopReason | null, error: EndError | undefined) => void;

export class Lifecycle<Counts> {
  private phase_: Phase = 'starting';
  private reason_: StopReason | null = null;
  private error_: EndError | undefined;
  private readonly listeners: LifecycleListener[] = [];
  private resolveEnded!: (e: Ended<Counts>) => void;
  readonly ended: Promise<Ended<Counts>> = new Promise((resolve) => (this.resolveEnded = resolve));

  get phase(): Phase {
    return this.phase_;
  }

  /** The reason it ends (or will end) with, once a stop was asked for or a fault came. */
  get reason(): StopReason | null {
    return this.reason_;
  }

  get error(): EndError | undefined {
    return this.error_;
  }

  /** Told of every change of phase or reason. */
  onChange(listener: LifecycleListener): void {
    this.listeners.push(listener);
  }

  /**
   * Capture has started. False when a stop came during the start: the phase stays Stopping
   * and the owner goes on stopping.
   */
  running(): boolean {
    if (this.phase_ !== 'starting') return false;
    this.move('running');
    return true;
  }

  /**
   * Ask to stop. The first request or fault decides the reason; true only for the call that
   * moved the recording to Stopping, whose caller must now do the stopping.
   */
  stop(reason: RequestedStop): boolean {
    if (this.phase_ !== 'starting' && this.phase_ !== 'running') return false;
    this.reason_ = reason;
    this.move('stopping');
    return true;
  }

  /**
   * A fault. It replaces a requested stop that is still under way (a stop asked by Ctrl-C that
   * then cannot write the file ends as that write error, not as "signal"); the first fault
   * stays. True when the caller must start stopping (nothing was stopping yet).
   */
  fail(reason: Fault, error: EndError): boolean {
    if (this.phase_ === 'stopped' || this.phase_ === 'failed') return false;
    if (this.phase_ === 'stopping') {
      if (this.reason_ !== null && isFault(this.reason_)) return false;
      this.reason_ = reason;
      this.error_ = error;
      this.notify();
      return false;
    }
    this.reason_ = reason;
    this.error_ = error;
    this.move('stopping');
    return true;
  }

  /** Stopping is done: resolve `ended`. Once: a second call is a bug in the owner and throws. */
  finish(counts: Counts): Ended<Counts> {
    if (this.phase_ !== 'stopping') throw new Error(`a recording cannot finish from ${this.phase_}`);
    const reason = this.reason_!;
    const ended: Ended<Counts> = this.error_ ? { reason, counts, error: this.error_ } : { reason, counts };
    this.move(isFault(reason) ? 'failed' : 'stopped');
    this.resolveEnded(ended);
    return ended;
  }

  get isOver(): boolean {
    return this.phase_ === 'stopped' || this.phase_ === 'failed';
  }

  private move(to: Phase): void {
    // a transition the table does not allow is a bug in the owner, not a runtime condition
    if (!NEXT[this.phase_].includes(to)) throw new Error(`a recording cannot go from ${this.phase_} to ${to}`);
    this.phase_ = to;
    this.notify();
  }

  private notify(): void {
    for (const l of this.listeners) l(this.phase_, this.reason_, this.error_);
  }
}
