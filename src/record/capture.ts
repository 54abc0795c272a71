/**
 * One recording: drives the native recorder, turns its records into session-file rows, commits
 * them in batches, and keeps the counts a status line shows. Its life is a Lifecycle
 * (lifecycle.ts): `ended` says, once, why and with what counts it ended, however it ended.
 * Runs wherever it is created; the CLI runs it in a worker thread (record-worker.ts) so the
 * terminal stays responsive.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { hostname, release } from 'node:os';
import { basename, join } from 'node:path';

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
import { CloseFlag, ConnCause, Kind, LAYOUT_VERSION } from '../events/layout.js';
import { type Drops, dropsFromStats, noDrops } from '../session/drops.js';
import { CgroupResolver, readProcInfo } from './proc-info.js';
import { type CreateOptions, type ProcessRow, SessionWriter } from './session-writer.js';
import { type RotationPlan, listChainFiles, overBudget, rotationDue } from './rotation.js';
import { nextChainName } from '../files/chain-names.js';
import { removeOwnSessionFiles } from '../files/session-files.js';
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
  /** record --dir: a chain of files in plan.dir; `output` is then its first file. */
  rotation?: RotationPlan;
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
  /** record --dir: `opened` follows `closed`; `deleted` went to keep the budget. */
  onRotate?(rotated: Rotated): void;
  /** A TLS library or program was found after start (watched, or why not). */
  onTlsLibrary?(entry: TlsLibraryEntry): void;
}

export interface Rotated {
  closed: string;
  opened: string;
  deleted: string[];
  /** Why a file the budget would delete was kept (another process has it open), or a delete failed. */
  notes: string[];
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

/** A connection the kernel has not closed: a new file of a chain starts with it (rotate()). */
interface OpenConnection {
  rec: ConnRecord;
  /** Each process going on with it (SHARED records), by pid. */
  users: Map<number, ConnRecord>;
}

export class Capture {
  private writer: SessionWriter;
  /** The file being written (opts.output, then each file of a --dir chain). */
  private output: string;
  private fileStartedMs = Date.now();
  /** The counts when the file being written started: each file's meta counts its own. */
  private fileBase: CaptureCounts = zeroCounts();
  /** record --dir: the chain's identity, and this file's place in it. */
  private readonly chainId = randomUUID();
  private sequence = 1;
  private readonly openConnections = new Map<number, OpenConnection>();
  /** The latest processes row of each pid: a new file of a chain describes the living again. */
  private readonly processRows = new Map<number, ProcessRow>();
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
    this.output = opts.output;
    this.writer = SessionWriter.create(opts.output, opts.create);
  }

  /** The file being written now. */
  get currentFile(): string {
    return this.output;
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
      this.writeStartMeta(null);
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
      message: `capture failed (${why}): recording stopped; ${this.output} holds everything captured until then`,
    });
  }

  private wallNow(): bigint {
    return this.binding.clocks().realtimeNs;
  }

  /** `previous`: the file a chain's new file follows (null for the first). */
  private writeStartMeta(previous: string | null): void {
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
    const features = this.native!.features();
    w.setMeta('sendfile_bodies', { captured: features.sendfileBodies, note: features.sendfileBodiesNote || null });
    if (this.opts.rotation) w.setMeta('chain', { id: this.chainId, sequence: this.sequence, previous, next: null });
  }

  /** This file's counts: since it started (the whole recording's for a single file). */
  private writeCountsMeta(): void {
    const c = this.snapshot();
    const b = this.fileBase;
    this.writer.setMeta('counts', {
      events: c.events - b.events,
      bytes: c.bytes - b.bytes,
      captured_bytes: c.capturedBytes - b.capturedBytes,
      connections: c.connections - b.connections,
      processes: c.processes - b.processes,
    });
    const drops = { ...c.drops };
    for (const k of Object.keys(drops) as (keyof typeof drops)[]) drops[k] -= b.drops[k];
    this.writer.setMeta('drops', drops);
  }

  private commit(): void {
    if (this.failed) return;
    try {
      this.resolveMissingProcesses(MISSING_PROCESS_GRACE_MS);
      this.writeCountsMeta();
      this.writer.commit();
      const plan = this.opts.rotation;
      if (plan && this.lifecycle.phase === 'running' && rotationDue(plan, Date.now() - this.fileStartedMs, statSync(this.output).size + walBytes(this.output))) this.rotate(plan);
    } catch (err) {
      this.fail(err);
    }
  }

  /**
   * Close the file being written and go on in a new one, between two batches: every record is in
   * exactly one file. The new file describes again what the records to come may name: the
   * processes still alive and the connections still open (their opened_at says they began before
   * it), so each file reads alone. Then the oldest files go, to keep the budget.
   */
  private rotate(plan: RotationPlan): void {
    const closed = this.output;
    // named by the clock its started_at is read from: a file's name and its meta say the same start
    const startsAt = new Date(Number(this.wallNow() / 1_000_000n));
    const next = join(plan.dir, nextChainName(startsAt, (name) => existsSync(join(plan.dir, name))));
    // made before the closing commit names it: a follower that reads chain.next goes on into a
    // file that is there (until its started_at it is one being born, which readers leave alone)
    const nextWriter = SessionWriter.create(next, this.opts.create);
    try {
      this.writer.setMeta('chain', { id: this.chainId, sequence: this.sequence, previous: this.previousName, next: basename(next) });
      this.writer.setMeta('stopped_at', String(this.wallNow()));
      this.writer.setMeta('stop_reason', 'rotated');
      this.writer.close();
    } catch (err) {
      nextWriter.discard();
      throw err;
    }
    this.writer = nextWriter;
    this.output = next;
    this.previousName = basename(closed);
    this.sequence++;
    this.fileStartedMs = Date.now();
    this.fileBase = this.snapshot();
    this.fileBase.connections -= this.openConnections.size;
    this.writeStartMeta(this.previousName);
    this.writeTlsMeta();
    this.carryOver();
    this.writeCountsMeta();
    this.writer.commit();
    const { deleted, notes } = this.keepBudget(plan);
    this.hooks.onRotate?.({ closed, opened: next, deleted, notes });
  }

  /** The name of the file the one being written follows in its chain. */
  private previousName: string | null = null;

  /** Into a new file of a chain: the processes that may still be named, the open connections. */
  private carryOver(): void {
    this.processIds.clear();
    const named = new Set<number>();
    for (const c of this.openConnections.values()) {
      named.add(c.rec.pid);
      for (const pid of c.users.keys()) named.add(pid);
    }
    for (const [pid, row] of this.processRows) {
      // a process gone, which no open connection names, is named no more
      if (!named.has(pid) && !existsSync(`/proc/${pid}`)) {
        this.processRows.delete(pid);
        continue;
      }
      this.processIds.set(pid, this.writer.addProcess(row));
    }
    for (const c of this.openConnections.values()) {
      this.writer.addConnection(c.rec, this.processIds.get(c.rec.pid) ?? null);
      for (const user of c.users.values()) this.writer.addConnection(user, this.processIds.get(user.pid) ?? null);
    }
  }

  /** Delete the oldest files past the budget; a file another process has open stays. */
  private keepBudget(plan: RotationPlan): { deleted: string[]; notes: string[] } {
    if (plan.keepMs === null && plan.keepBytes === null) return { deleted: [], notes: [] };
    const files = listChainFiles(plan.dir);
    const current = basename(this.output);
    const deleted: string[] = [];
    const notes: string[] = [];
    for (const name of overBudget(files, plan, Date.now(), current)) {
      try {
        removeOwnSessionFiles(join(plan.dir, name), this.opts.create?.owner ?? null);
        deleted.push(name);
      } catch (err) {
        notes.push(`cannot delete ${name}: ${(err as Error).message}`);
      }
    }
    const kept = overBudget(
      files.map((f) => ({ ...f, open: false })),
      plan,
      Date.now(),
      current,
    ).filter((name) => !deleted.includes(name));
    for (const name of kept) notes.push(`${name} is past the budget but open in another process: kept for now`);
    return { deleted, notes };
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
    const kept = `${this.output} holds everything up to the last commit`;
    if (isDiskFull(err, this.output)) this.end('disk-full', { code: 'EDISKFULL', message: `the disk is full: recording stopped; ${kept}` });
    else {
      const e = toEndError(err, 'EWRITE');
      this.end('write-error', { code: 'EWRITE', message: `writing ${this.output} failed (${e.message}): recording stopped; ${kept}` });
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
        if (rec.flags & CloseFlag.STILL_OPEN) this.openConnections.get(rec.connId)?.users.delete(rec.pid);
        else this.openConnections.delete(rec.connId);
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
    this.trackConnection(rec);
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

  /** The connections a chain's next file starts with (what the writer made of each CONN record). */
  private trackConnection(rec: ConnRecord): void {
    if (rec.cause === ConnCause.SHARED) this.openConnections.get(rec.connId)?.users.set(rec.pid, rec);
    else if (rec.cause === ConnCause.CONNECT_FAILED) this.openConnections.delete(rec.connId);
    else if (!this.openConnections.has(rec.connId)) this.openConnections.set(rec.connId, { rec, users: new Map() });
  }

  private addProcess(row: ProcessRow): number {
    const id = this.writer.addProcess(row);
    this.processRows.set(row.pid, row);
    return id;
  }

  private writeProcess(rec: ProcRecord): void {
    // an exec keeps pid and start time: the command line tells the programs apart
    const key = `${rec.pid}:${rec.startNs}:${rec.comm}:${rec.argv.join('\0')}`;
    if (this.processKeys.has(key)) return;
    this.processKeys.add(key);
    const info = readProcInfo(rec.pid);
    // /proc may already describe another program (exec) or another process (pid reuse)
    const live = info && info.comm === rec.comm ? info : null;
    const id = this.addProcess({
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
      const id = this.addProcess({
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

/** The WAL beside a file being written: its commits until a checkpoint folds them in. */
function walBytes(path: string): number {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}
