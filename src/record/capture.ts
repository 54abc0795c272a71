/**
 * One recording: drives the native recorder, turns its records into session-file rows, commits
 * them in batches, and keeps the counts a status line shows. Its life is a Lifecycle
 * (lifecycle.ts): `ended` says, once, why and with what counts it ended, however it ended.
 * Runs wherever it is created; the CLI runs it in a worker thread (record-worker.ts) so the
 * terminal stays responsive.
 */
import { hostname, release } from 'node:os';

import type { NativeBinding, NativeRecorder } from './binding.js';
import {
  type EndError,
  type Ended,
  type Fault,
  Lifecycle,
  type LifecycleListener,
  type Phase,
  type RequestedStop,
  toEndError,
} from './lifecycle.js';
import { scanBatch } from './batch-scan.js';
import { TlsAttacher, type TlsLibraryEntry } from './tls-attacher.js';
import type { CaptureRecord, ConnRecord, ProcRecord } from '../events/decode-records.js';
import { ConnCause, Kind, LAYOUT_VERSION } from '../events/layout.js';
import { type Drops, dropsFromStats, noDrops } from '../session/drops.js';
import { CgroupResolver, readProcInfo } from './proc-info.js';
import { type CreateOptions, SessionWriter } from './session-writer.js';
import { isDiskFull } from '../files/private-file.js';
import { TINYTAP_VERSION } from '../version.js';
import { thisRecorder } from '../session/recorder-alive.js';

/** How long a connection may wait for its process's PROC record before /proc is asked instead. */
const MISSING_PROCESS_GRACE_MS = 2000;

export interface CaptureOptions {
  output: string;
  create?: CreateOptions;
  maxPayload: number;
  ringBytes: number;
  pids: number[];
  comms: string[];
  ports: number[];
  /** Capture only pids in the filter set (--pid, or `-- CMD` which adds its pid later). */
  filterPids: boolean;
  sendfileBodies: boolean;
  /** Read TLS plaintext at the TLS libraries (--no-tls turns it off). */
  tls: boolean;
  verbose: boolean;
  /** The tinytap command line, for the session's metadata. */
  commandLine: string[];
  /** `-- CMD ...` being recorded, if any. */
  command?: string[];
  commitMs?: number;
}

/** Options for a recording with tinytap's defaults (tests and benchmarks write sessions too). */
export function defaultCaptureOptions(output: string, extra: Partial<CaptureOptions> = {}): CaptureOptions {
  return {
    output,
    maxPayload: 262144,
    ringBytes: 1 << 22,
    pids: [],
    comms: [],
    ports: [],
    filterPids: false,
    sendfileBodies: true,
    tls: true,
    verbose: false,
    commandLine: ['tinytap', 'record'],
    ...extra,
  };
}

export interface ConnectionNotice {
  connId: number;
  wallNs: bigint;
  pid: number;
  comm: string;
  role: number;
  cause: number;
  family: number;
  type: number;
  local: string;
  remote: string;
  error: number;
}

export interface CaptureCounts {
  events: number;
  bytes: number;
  capturedBytes: number;
  connections: number;
  processes: number;
  /** What the kernel side could not record (SPEC.md §2.9), read from its counters. */
  drops: Drops;
}

export interface CaptureHooks {
  onConnection?(notice: ConnectionNotice): void;
  /** A TLS library or program was found after start (watched, or why not). */
  onTlsLibrary?(entry: TlsLibraryEntry): void;
}

export function zeroCounts(): CaptureCounts {
  return {
    events: 0,
    bytes: 0,
    capturedBytes: 0,
    connections: 0,
    processes: 0,
    drops: noDrops(),
  };
}

function endpoint(family: number, addr: string, port: number, path: string | null): string {
  if (family === 1) return path ?? '(unnamed)';
  if (!addr) return '-';
  return family === 10 ? `[${addr}]:${port}` : `${addr}:${port}`;
}

export class Capture {
  private readonly writer: SessionWriter;
  private native: NativeRecorder | null = null;
  private readonly lifecycle = new Lifecycle<CaptureCounts>();
  private readonly cgroups = new CgroupResolver();
  private readonly processIds = new Map<number, number>(); // pid -> processes.id (latest)
  private readonly processComms = new Map<number, string>(); // pid -> its name (latest)
  private readonly processKeys = new Set<string>(); // processes already written
  // pid -> when its first connection arrived without a PROC record (Date.now())
  private readonly pidsWithoutProcess = new Map<number, number>();
  private clockOffset = 0n;
  private commitTimer: NodeJS.Timeout | null = null;
  // a write failed: nothing more is written, what was committed stays
  private failed = false;
  readonly counts: CaptureCounts = zeroCounts();
  /** Resolves once, never rejects: why the recording ended, and its final counts. */
  readonly ended: Promise<Ended<CaptureCounts>> = this.lifecycle.ended;

  constructor(
    private readonly opts: CaptureOptions,
    private readonly binding: NativeBinding,
    private readonly hooks: CaptureHooks = {},
  ) {
    this.writer = SessionWriter.create(opts.output, opts.create);
  }

  get phase(): Phase {
    return this.lifecycle.phase;
  }

  /** Told when the phase or the reason changes (the worker tells the main thread). */
  onChange(listener: LifecycleListener): void {
    this.lifecycle.onChange(listener);
  }

  /**
   * Load and attach; throws (with a code) when the kernel side cannot start. The file is then
   * removed and `ended` says `start-failed`.
   */
  start(): void {
    if (this.lifecycle.phase !== 'starting') throw new Error(`cannot start a capture that is ${this.lifecycle.phase}`);
    try {
      const native = new this.binding.Recorder(
        {
          maxPayload: this.opts.maxPayload,
          ringBytes: this.opts.ringBytes,
          selfPid: process.pid,
          filterPids: this.opts.filterPids,
          pids: this.opts.pids,
          comms: this.opts.comms,
          ports: this.opts.ports,
          sendfileBodies: this.opts.sendfileBodies,
          tls: this.opts.tls,
          verbose: this.opts.verbose,
        },
        (batch, error) => (batch ? this.onBatch(batch) : this.onCaptureError(error)),
        (pids) => {
          for (const pid of pids) this.tls?.onExec(pid);
        },
      );
      native.start();
      this.native = native;
    } catch (err) {
      this.writer.discard();
      this.lifecycle.fail('start-failed', toEndError(err));
      this.lifecycle.finish(zeroCounts());
      throw err;
    }
    this.lifecycle.running();
    // records arrive in wall-clock time; the offset still converts the kernel's other clocks
    this.clockOffset = this.native.clockOffsetNs();
    try {
      this.writeStartMeta();
      const features = this.native.features();
      this.writer.setMeta('sendfile_bodies', {
        captured: features.sendfileBodies,
        note: features.sendfileBodiesNote || null,
      });
      this.tls = this.opts.tls ? new TlsAttacher(this.native, (entry) => this.onTlsLibrary(entry)) : null;
      this.tlsLibraries = this.tls?.start() ?? null;
      this.writeTlsMeta();
      this.writer.commit();
    } catch (err) {
      this.fail(err);
      return;
    }
    this.commitTimer = setInterval(() => this.commit(), this.opts.commitMs ?? 250);
  }

  /** The TLS libraries watched at start, or that could not be (and why); null with --no-tls. */
  tlsLibraries: TlsLibraryEntry[] | null = null;
  private tls: TlsAttacher | null = null;

  /** Every TLS file met so far: `conns` names a connection's library by its number here. */
  private writeTlsMeta(): void {
    this.writer.setMeta('tls', { captured: this.opts.tls, libraries: this.tls?.libraries ?? [] });
  }

  private onTlsLibrary(entry: TlsLibraryEntry): void {
    if (this.failed) return;
    try {
      this.writeTlsMeta();
    } catch (err) {
      this.fail(err);
      return;
    }
    this.hooks.onTlsLibrary?.(entry);
  }

  get sendfileBodies(): { captured: boolean; note: string } {
    const f = this.native?.features();
    return { captured: !!f?.sendfileBodies, note: f?.sendfileBodiesNote ?? '' };
  }

  addPid(pid: number): void {
    if (this.lifecycle.phase === 'running') this.native?.addPid(pid);
  }

  /** Counts, with the kernel's drop counters read now. */
  snapshot(): CaptureCounts {
    if (this.native) this.counts.drops = dropsFromStats(this.native.stats());
    return { ...this.counts, drops: { ...this.counts.drops } };
  }

  /**
   * Stop capturing, write everything, close the file. Safe to call more than once and after
   * the recording ended by itself: the first reason stays, and every call returns `ended`.
   */
  stop(reason: RequestedStop): Promise<Ended<CaptureCounts>> {
    if (this.lifecycle.stop(reason)) void this.finish();
    return this.ended;
  }

  /**
   * End the recording as a write error of an output other than the session file (the
   * --ready-file): the session itself is closed cleanly, with that reason.
   */
  abort(error: EndError): Promise<Ended<CaptureCounts>> {
    this.end('write-error', error);
    return this.ended;
  }

  /** A fault ends the recording; the first one is its reason. */
  private end(reason: Fault, error: EndError): void {
    if (this.lifecycle.fail(reason, error)) void this.finish();
  }

  private async finish(): Promise<void> {
    if (this.commitTimer) clearInterval(this.commitTimer);
    this.commitTimer = null;
    this.tls?.stop();
    try {
      await this.native?.stop();
    } catch (err) {
      // a stop that fails still ends the recording, with what was delivered
      this.end('capture-error', toEndError(err, 'ECAPTURE'));
    }
    this.closeFile();
    this.lifecycle.finish(this.snapshot());
  }

  /** Every record is in: write the end of the session and close it, or keep what was committed. */
  private closeFile(): void {
    if (!this.failed) {
      try {
        // a pid still without a PROC record lost it to a full ring buffer
        this.resolveMissingProcesses(0);
        this.writeCountsMeta();
        this.writeEndMeta();
        this.writer.close();
        return;
      } catch (err) {
        this.fail(err);
      }
    }
    // The file holds everything up to the last commit; say how it ended if there is still room.
    // A full disk has none left: the session's files held some back for this (a session
    // without stop_reason would read as a killed recorder's)
    if (this.lifecycle.reason === 'disk-full') this.writer.releaseReserve();
    try {
      this.writeEndMeta();
      this.writer.commit();
    } catch {
      try {
        this.writer.rollback();
      } catch {
        // nothing more can be written
      }
    }
    this.writer.abandon();
  }

  private writeEndMeta(): void {
    this.writer.setMeta('stopped_at', String(this.wallNow()));
    this.writer.setMeta('stop_reason', this.lifecycle.reason);
  }

  private onCaptureError(err: (Error & { code?: string }) | undefined): void {
    const why = err?.message ?? 'the drain thread stopped';
    this.end('capture-error', {
      code: err?.code ?? 'ECAPTURE',
      message: `capture failed (${why}): recording stopped; ${this.opts.output} holds everything captured until then`,
    });
  }

  private wallNow(): bigint {
    return this.binding.clocks().realtimeNs;
  }

  private writeStartMeta(): void {
    const w = this.writer;
    w.setMeta('format', 'tinytap-session');
    w.setMeta('tinytap_version', TINYTAP_VERSION);
    w.setMeta('layout_version', LAYOUT_VERSION);
    w.setMeta('host', hostname());
    w.setMeta('recorder', thisRecorder());
    w.setMeta('kernel', release());
    w.setMeta('started_at', String(this.wallNow()));
    w.setMeta('clock_offset_ns', String(this.clockOffset));
    w.setMeta('command_line', this.opts.commandLine);
    w.setMeta('filters', {
      pids: this.opts.pids,
      comms: this.opts.comms,
      ports: this.opts.ports,
      command: this.opts.command ?? null,
    });
    w.setMeta('max_payload', this.opts.maxPayload);
    w.setMeta('ring_bytes', this.opts.ringBytes);
  }

  private writeCountsMeta(): void {
    const c = this.snapshot();
    this.writer.setMeta('counts', {
      events: c.events,
      bytes: c.bytes,
      captured_bytes: c.capturedBytes,
      connections: c.connections,
      processes: c.processes,
    });
    this.writer.setMeta('drops', c.drops);
  }

  private commit(): void {
    if (this.failed) return;
    try {
      this.resolveMissingProcesses(MISSING_PROCESS_GRACE_MS);
      this.writeCountsMeta();
      this.writer.commit();
    } catch (err) {
      this.fail(err);
    }
  }

  /** A write failed: drop the open transaction and end the recording with what was committed. */
  private fail(err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    try {
      this.writer.rollback();
    } catch {
      // nothing more can be written; what was committed stays
    }
    const kept = `${this.opts.output} holds everything up to the last commit`;
    if (isDiskFull(err, this.opts.output)) this.end('disk-full', { code: 'EDISKFULL', message: `the disk is full: recording stopped; ${kept}` });
    else {
      const e = toEndError(err, 'EWRITE');
      this.end('write-error', { code: 'EWRITE', message: `writing ${this.opts.output} failed (${e.message}): recording stopped; ${kept}` });
    }
  }

  private onBatch(batch: Buffer): void {
    if (this.failed) return;
    try {
      const scan = scanBatch(batch);
      for (const rec of scan.others) this.onRecord(rec);
      this.writer.addRecords(batch, scan);
      this.counts.events += scan.events;
      this.counts.bytes += scan.bytes;
      this.counts.capturedBytes += scan.capturedBytes;
    } catch (err) {
      this.fail(err);
    }
  }

  private onRecord(rec: CaptureRecord): void {
    // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- scanBatch keeps DATA records out of `others`
    switch (rec.kind) {
      case Kind.CONN:
        this.writeConnection(rec);
        break;
      case Kind.CLOSE:
        this.writer.closeConnection(rec);
        break;
      case Kind.PROC:
        this.writeProcess(rec);
        // its first socket call: the libraries it will use TLS from are mapped by now
        this.tls?.onProcess(rec.pid);
        break;
    }
  }

  private writeConnection(rec: ConnRecord): void {
    const wallNs = rec.tsNs;
    if (this.writer.addConnection(rec, this.processIds.get(rec.pid) ?? null)) this.counts.connections++;
    if (!this.processIds.has(rec.pid) && !this.pidsWithoutProcess.has(rec.pid)) this.pidsWithoutProcess.set(rec.pid, Date.now());
    this.hooks.onConnection?.({
      connId: rec.connId,
      wallNs,
      pid: rec.pid,
      // a failure seen on the TCP state path names no thread: the process's own name then
      comm: rec.comm || this.processComms.get(rec.pid) || '?',
      role: rec.role,
      cause: rec.cause,
      family: rec.family,
      type: rec.type,
      local: endpoint(rec.family, rec.local.addr, rec.local.port, rec.localPath),
      remote: endpoint(rec.family, rec.remote.addr, rec.remote.port, rec.peerPath),
      error: rec.cause === ConnCause.CONNECT_FAILED ? rec.error : 0,
    });
  }

  private writeProcess(rec: ProcRecord): void {
    // an exec keeps pid and start time: the command line tells the programs apart
    const key = `${rec.pid}:${rec.startNs}:${rec.comm}:${rec.argv.join('\0')}`;
    if (this.processKeys.has(key)) return;
    this.processKeys.add(key);
    const info = readProcInfo(rec.pid);
    // /proc may already describe another program (exec) or another process (pid reuse)
    const live = info && info.comm === rec.comm ? info : null;
    const id = this.writer.addProcess({
      pid: rec.pid,
      ppid: rec.ppid,
      uid: rec.uid,
      comm: rec.comm,
      argv: live && live.argv.length >= rec.argv.length ? live.argv : rec.argv,
      argsTruncated: live ? false : rec.argsTruncated,
      exe: live?.exe ?? null,
      cgroup: live?.cgroup ?? this.cgroups.resolve(rec.cgroupId),
      cgroupId: rec.cgroupId,
      startTime: rec.startNs + this.clockOffset,
      firstSeen: rec.tsNs,
      source: live ? 'proc' : 'kernel',
    });
    this.processIds.set(rec.pid, id);
    this.processComms.set(rec.pid, rec.comm);
    this.pidsWithoutProcess.delete(rec.pid);
    this.counts.processes++;
  }

  /**
   * A process whose PROC record was lost (ring buffer full) is still described, from /proc if it
   * is alive, so every connection names its process. Only after `graceMs`: the PROC record of a
   * new process normally follows its first CONN record, possibly in the next batch, and guessing
   * from /proc before it arrives would name the connection after whatever /proc shows then
   * (nothing, once a short-lived client has exited).
   */
  private resolveMissingProcesses(graceMs: number): void {
    const now = Date.now();
    for (const [pid, since] of this.pidsWithoutProcess) {
      if (this.processIds.has(pid)) {
        this.pidsWithoutProcess.delete(pid);
        continue;
      }
      if (now - since < graceMs) continue;
      this.pidsWithoutProcess.delete(pid);
      const info = readProcInfo(pid);
      const id = this.writer.addProcess({
        pid,
        ppid: info?.ppid ?? null,
        uid: null,
        comm: info?.comm ?? '?',
        argv: info?.argv ?? [],
        argsTruncated: false,
        exe: info?.exe ?? null,
        cgroup: info?.cgroup ?? null,
        cgroupId: null,
        startTime: null,
        firstSeen: this.wallNow(),
        source: info ? 'proc' : 'kernel',
      });
      this.processIds.set(pid, id);
      this.counts.processes++;
    }
  }
}
