/**
 * The native addon's surface (native/addon.cc), typed. The recorder takes a binding as an
 * argument so its logic is tested against a fake without root; loadBinding() is the real one.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface NativeRecorderOptions {
  maxPayload: number;
  ringBytes: number;
  selfPid: number;
  filterPids: boolean;
  pids: number[];
  comms: string[];
  ports: number[];
  sendfileBodies: boolean;
  /** Load the TLS probes (attached per file with attachUprobes) and report new executables. */
  tls: boolean;
  verbose: boolean;
  flushBytes?: number;
  flushMs?: number;
}

/**
 * Called on the JS thread with every batch of records, in order; after the last batch, at most
 * once with `null` and the error that ended capture (a drain failure, code ECAPTURE). Capture
 * has then stopped producing; stop() still detaches the programs and must be called.
 */
export type OnBatch = (batch: Buffer | null, error?: Error & { code?: string }) => void;

/** Called on the JS thread, at once, with the pids of processes that exec'd a file new to the recording. */
export type OnExec = (pids: Uint32Array) => void;

export interface NativeRecorder {
  start(): void;
  /** Resolves after the last batch was delivered and every program is detached. Idempotent. */
  stop(): Promise<void>;
  addPid(pid: number): void;
  /** Kernel counters, indexed by enum tt_stat, summed over CPUs. */
  stats(): number[];
  features(): { sendfileBodies: boolean; sendfileBodiesNote: string };
  /**
   * Uprobes of the named programs (bpf/tls_probes.h) at file offsets of `path`, for every
   * process that maps it, now or later; their records carry `cookie`. All or none: throws (code
   * ETLS) with the reason. Returns how many were attached.
   */
  attachUprobes(path: string, probes: { program: string; offset: number }[], cookie: number): number;
  /**
   * The program (device major/minor, inode) uses memory BIOs (Node's OpenSSL): `pid`, and every
   * process that execs it later, gets its socket reads remembered for its TLS reads to join.
   */
  markMemoryBio(pid: number, file: { major: number; minor: number; ino: number }): void;
  /** CLOCK_REALTIME - CLOCK_MONOTONIC, already added to every record's ts_ns. */
  clockOffsetNs(): bigint;
}

export interface NativeBinding {
  Recorder: new (opts: NativeRecorderOptions, onBatch: OnBatch, onExec?: OnExec) => NativeRecorder;
  clocks(): { monotonicNs: bigint; realtimeNs: bigint };
  layout(): Record<string, { size: number; fields: Record<string, { offset: number; size: number }> }> & {
    constants: Record<string, number>;
  };
  mountTracefs(path: string): void;
  /** The BPF object the addon embeds (ELF bytes) and the libbpf and zstd versions it runs with. */
  builtWith(): { bpfObject: Buffer; libbpf: string; zstd: string };
}

/** Where tinytap is installed: node-gyp-build looks for the addon below it. */
export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

export class AddonMissingError extends Error {
  readonly code = 'ENOADDON';

  constructor(
    /** node-gyp-build's or the loader's first line: why there is no addon to use. */
    readonly reason: string,
  ) {
    super(`the native addon is not built (${reason}): run npm rebuild -g tinytap (in a checkout: ./setup.sh)`);
  }
}

/** The addon file node-gyp-build picks (build/Release when built here, else a prebuild); throws if none. */
export function bindingPath(): string {
  return createRequire(import.meta.url)('node-gyp-build').path(projectRoot) as string;
}

export function loadBinding(): NativeBinding {
  const require = createRequire(import.meta.url);
  try {
    // the file bindingPath() names, so that doctor reports the one record uses
    return require(bindingPath()) as NativeBinding;
  } catch (err) {
    throw new AddonMissingError((err as Error).message.split('\n')[0]);
  }
}
