/**
 * Puts the TLS uprobes on every TLS implementation the recording meets, once per file: at start,
 * the system's libraries and every running process's libraries and program; then each program
 * run for the first time (the kernel reports new executables, bpf/tls_calls.h) and the libraries
 * of each process that starts using sockets (its first socket call writes its PROC record). A
 * process can still make its first TLS call before its probes are on: the probes of a file
 * already known are there before it starts, and a new one is attached within milliseconds.
 *
 * Every file attached gets a number, which the kernel writes into its records (the attach cookie,
 * SPEC.md §2.9): `conns` then names the library and its version.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';

import type { TlsKind } from './tls-functions.js';
import { type ProbePlan, type Uprobe, executableProbes, libraryProbes } from './tls-probes.js';
import { type FileId, type TlsFile, type TlsLibraryFile, fileKey, processExecutable, processTlsLibraries, runningPids, systemTlsLibraries } from './tls-targets.js';

/** One file watched (or that could not be), as the session's `tls` meta lists it. */
export interface TlsLibraryEntry {
  /** What its records carry above the kind (aux_fd >> 8); 0 for one that could not be watched. */
  number: number;
  kind: TlsKind;
  /** The path as its processes see it. */
  name: string;
  version: string | null;
  /** The functions watched ('SSL_write', ..., or 'crypto/tls'). */
  functions: string[];
  /** Why it is not (or not wholly) watched. */
  error: string | null;
}

export interface UprobeAttacher {
  attachUprobes(path: string, probes: Uprobe[], cookie: number): number;
  markMemoryBio(pid: number, file: FileId): void;
}

/** When a new program's maps are looked at again: the linker's work, then a late dlopen. */
const RESCAN_MS = [5, 25, 100, 500, 2000];

/** The libcrypto beside a libssl: where OpenSSL's version string is. */
function cryptoBeside(lib: TlsLibraryFile): string | undefined {
  if (lib.kind !== 'openssl') return undefined;
  const base = lib.path.slice(lib.path.lastIndexOf('/') + 1);
  return join(dirname(lib.path), base.replace(/^libssl/, 'libcrypto'));
}

export class TlsAttacher {
  readonly libraries: TlsLibraryEntry[] = [];
  /** Files looked at (by inode): attached, refused, or with nothing to watch. */
  private readonly seen = new Set<string>();
  private readonly processesLooked = new Set<number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Programs with an OpenSSL of their own (memory BIOs), by inode. */
  private readonly memoryBio = new Set<string>();

  constructor(
    private readonly native: UprobeAttacher,
    /** Told of each file added to `libraries` after start. */
    private readonly onLibrary: (entry: TlsLibraryEntry) => void = () => {},
    private readonly proc = '/proc',
  ) {}

  /** Everything there is now. Returns the entries for the start-up report. */
  start(): TlsLibraryEntry[] {
    for (const lib of systemTlsLibraries()) this.library(lib, false);
    for (const pid of runningPids(this.proc)) this.process(pid, false);
    return [...this.libraries];
  }

  /**
   * A process ran an executable the kernel had not seen while recording, or was the first to
   * exec in its mount namespace. Its program is looked at now; its libraries are not mapped yet
   * (the dynamic linker maps them after exec, or the program loads them later): its maps are
   * looked at again a few times over the next seconds.
   */
  onExec(pid: number): void {
    const exe = processExecutable(pid, this.proc);
    if (exe) this.executable(exe, true, pid);
    for (const ms of RESCAN_MS) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        for (const lib of processTlsLibraries(pid, this.proc)) this.library(lib, true);
      }, ms);
      timer.unref();
      this.timers.add(timer);
    }
  }

  /** No more looking (the recording is stopping). */
  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** A process started using sockets (its PROC record): its libraries are mapped by now. */
  onProcess(pid: number): void {
    if (this.processesLooked.has(pid)) return;
    this.processesLooked.add(pid);
    // pids are reused: the set only spares work, it is not a correctness guard
    if (this.processesLooked.size > 65536) this.processesLooked.clear();
    this.process(pid, true);
  }

  private process(pid: number, late: boolean): void {
    const exe = processExecutable(pid, this.proc);
    if (exe) this.executable(exe, late, pid);
    for (const lib of processTlsLibraries(pid, this.proc)) this.library(lib, late);
  }

  private library(lib: TlsLibraryFile, late: boolean): void {
    if (this.seen.has(lib.key)) return;
    this.held(lib, (path) => {
      const plan = libraryProbes(path, lib.kind, cryptoBeside(lib));
      this.attach(lib, path, 'why' in plan ? { kind: lib.kind, why: plan.why } : plan, late);
    });
  }

  private executable(exe: TlsFile, late: boolean, pid: number): void {
    if (this.memoryBio.has(exe.key)) this.markMemoryBio(pid, exe.id);
    if (this.seen.has(exe.key)) return;
    this.held(exe, (path) => {
      const plan = executableProbes(path);
      if (plan === null) return; // no TLS of its own
      // an OpenSSL linked into a program: Node's, with memory BIOs (its socket I/O happens outside
      // SSL_read and SSL_write): its processes' socket reads are remembered from their first
      if (!('why' in plan) && plan.kind === 'openssl') {
        this.memoryBio.add(exe.key);
        this.markMemoryBio(pid, exe.id);
      }
      // a Go binary whose crypto/tls could not be read: worth saying, under the kind it would be
      this.attach(exe, path, 'why' in plan ? { kind: 'go', why: plan.why } : plan, late);
    });
  }

  /**
   * Look at a file and put its probes on through a descriptor of our own (/proc/self/fd/N, which
   * the kernel resolves for the uprobe as it does any path): the process whose /proc entry named
   * it may exit meanwhile (reading a large program takes a while), and its /proc/PID/exe or
   * /proc/PID/root/... with it, which made the attach fail with ENOENT and every later process of
   * that program go unwatched. A file already gone, or replaced since it was named (an exec), is
   * not marked seen: the next process that maps it brings it again.
   */
  private held(file: TlsFile, use: (path: string) => void): void {
    let fd: number;
    try {
      fd = openSync(file.path, 'r');
    } catch {
      return;
    }
    try {
      const st = fstatSync(fd, { bigint: true });
      if (fileKey(st) !== file.key) return;
      this.seen.add(file.key);
      use(`/proc/self/fd/${fd}`);
    } finally {
      closeSync(fd);
    }
  }

  private markMemoryBio(pid: number, id: FileId): void {
    try {
      this.native.markMemoryBio(pid, id);
    } catch {
      // the recording is stopping: nothing more to join
    }
  }

  /** `path`: where the file is reached now (a descriptor held open while its probes go on). */
  private attach(file: TlsFile, path: string, plan: ProbePlan | { kind: TlsKind; why: string }, late: boolean): void {
    if ('why' in plan) {
      this.add({ number: 0, kind: plan.kind, name: file.name, version: null, functions: [], error: plan.why }, late);
      return;
    }
    const number = this.libraries.filter((l) => l.number > 0).length + 1;
    const functions: string[] = [];
    const errors: string[] = [];
    for (const group of plan.groups) {
      try {
        this.native.attachUprobes(path, group.probes, number);
        functions.push(group.label);
      } catch (err) {
        errors.push(`${group.label}: ${(err as Error).message}`);
      }
    }
    this.add(
      { number: functions.length ? number : 0, kind: plan.kind, name: file.name, version: plan.version, functions, error: errors.length ? errors.join('; ') : null },
      late,
    );
  }

  private add(entry: TlsLibraryEntry, late: boolean): void {
    this.libraries.push(entry);
    if (late) this.onLibrary(entry);
  }
}
