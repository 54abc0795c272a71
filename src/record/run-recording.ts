/**
 * One `tinytap record` run, from start to end: start the recording, say when capture has
 * started, stop it on a signal, after --duration, when `-- CMD` exits or the terminal UI is
 * left, and wait for its end, whatever ended it. What it touches outside its own memory (the
 * worker, signals, child processes, the UI, the ready file, the clock) comes in as RunDeps, so
 * every path is tested without root (test/record/run-recording.test.ts); src/cli/record.ts
 * hands in the real ones and prints.
 */
import type { TlsLibraryEntry } from './tls-attacher.js';
import type { ChildProcess } from 'node:child_process';
import { closeSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { resolve } from 'node:path';

import { FileError, createPrivateFile } from '../files/private-file.js';
import type { CaptureCounts, ConnectionNotice, Rotated } from './capture.js';
import type { Ended, RequestedStop } from './lifecycle.js';
import type { ReadyInfo } from './ready-file.js';
import type { Recording, StartInfo } from './recording.js';
import type { RunAs } from './run-as.js';
import type { WorkerInput } from './worker-protocol.js';

export interface RunPlan {
  input: WorkerInput;
  /** `-- CMD ARGS...`, or empty. */
  command: string[];
  /** Run CMD as this user (the one who ran sudo), or as tinytap's own (null). */
  runAs: RunAs | null;
  durationMs: number | null;
  /** Show the recording in the terminal UI; leaving it stops the recording. */
  tui: boolean;
  /** Report the counts this often (ms) for a status line, or never (null). */
  statusEveryMs: number | null;
  readyFile: string | null;
}

/** What a run tells its user while it lasts (src/cli/record-output.ts prints it). */
export interface RunReporter {
  /** Capture has started: from now on, traffic is recorded. */
  started(info: StartInfo & { output: string }): void;
  connection(notice: ConnectionNotice): void;
  /** A TLS library or program found after start. */
  tlsLibrary?(entry: TlsLibraryEntry): void;
  /** record --dir: the recording went on in a new file. */
  rotated?(rotated: Rotated): void;
  status(counts: CaptureCounts, elapsedMs: number): void;
  /** `-- CMD` could not be run. */
  commandFailed(program: string, err: Error): void;
}

/** The signals a run stops on; `process` is one. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface RunDeps {
  startRecording(input: WorkerInput): Recording;
  signals: SignalSource;
  spawnHeld(command: string[], logFd: number | null, runAs: RunAs | null): ChildProcess;
  waitStopped(pid: number): Promise<boolean>;
  /** Show the session being recorded until the user leaves. */
  runTui(file: string): Promise<void>;
  writeReadyFile(path: string, info: ReadyInfo): void;
  now(): number;
}

export interface RunOutcome {
  ended: Ended<CaptureCounts>;
  /** From the start of capture to its end (0 if it never started). */
  elapsedMs: number;
  /** `-- CMD`'s exit status (128 + signal when killed), if it ran and exited. */
  commandExit: number | null;
  /** Where CMD's output went (under --tui the terminal is the UI's). */
  commandLog: string | null;
}

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export async function runRecording(plan: RunPlan, deps: RunDeps, report: RunReporter): Promise<RunOutcome> {
  const output = plan.input.options.output;
  const recording = deps.startRecording(plan.input);
  const stop = (reason: RequestedStop) => void recording.stop(reason);
  let child: ChildProcess | null = null;
  let commandExit: number | null = null;
  let interrupts = 0;
  // from before the start: a Ctrl-C while the programs attach (seconds) ends the recording cleanly
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    // with -- CMD the terminal's Ctrl-C reaches CMD too: let it exit, and end when it does,
    // unless asked twice
    if (child && commandExit === null && signal === 'SIGINT' && interrupts < 2) return;
    if (child && commandExit === null) child.kill(signal === 'SIGINT' ? 'SIGTERM' : signal);
    stop('signal');
  };
  for (const s of STOP_SIGNALS) deps.signals.on(s, onSignal);

  // notices that arrive before "recording to" is out wait for it
  let announced = false;
  const early: ConnectionNotice[] = [];
  if (!plan.tui) recording.on('connection', (n) => (announced ? report.connection(n) : early.push(n)));
  if (!plan.tui) recording.on('tls', (entry) => report.tlsLibrary?.(entry));
  recording.on('rotated', (rotated) => report.rotated?.(rotated));

  let durationTimer: NodeJS.Timeout | null = null;
  let statusTimer: NodeJS.Timeout | null = null;
  let startedAt: number | null = null;
  let commandLog: string | null = null;
  try {
    const info = await recording.started;
    if (info) {
      startedAt = deps.now();
      report.started({ output, ...info });
      announced = true;
      for (const n of early.splice(0)) report.connection(n);
      if (plan.readyFile) announceReady(plan.readyFile, output, recording, deps, startedAt);
      if (plan.durationMs !== null) durationTimer = setTimeout(() => stop('duration'), plan.durationMs);
      if (plan.statusEveryMs !== null) {
        const since = startedAt;
        statusTimer = setInterval(() => {
          void recording.stats().then((counts) => {
            if (recording.phase === 'running') report.status(counts, deps.now() - since);
          });
        }, plan.statusEveryMs);
      }
      // a stop during the start: CMD is not started at all; nor when its log cannot be made
      const logFd = plan.command.length && plan.tui && recording.phase === 'running' ? createCommandLog(`${output}.log`, plan, recording) : null;
      if (plan.command.length && recording.phase === 'running') {
        commandLog = logFd === null ? null : `${output}.log`;
        try {
          child = deps.spawnHeld(plan.command, logFd, plan.runAs);
        } finally {
          if (logFd !== null) closeSync(logFd);
        }
        watchCommand(child);
        await release(child);
      }
      if (plan.tui) {
        // the UI stays up after the recording ends by itself (--duration, CMD exited) so what it
        // holds can be read; leaving the UI ends the recording
        try {
          await deps.runTui(output);
        } finally {
          stop('quit');
          if (child && commandExit === null) child.kill('SIGTERM');
        }
      }
    }
    const ended = await recording.ended;
    // the recording ended by itself (a fault): CMD is no longer recorded
    if (child && commandExit === null) child.kill('SIGTERM');
    return { ended, elapsedMs: startedAt === null ? 0 : deps.now() - startedAt, commandExit, commandLog };
  } catch (err) {
    // never leave a recording running behind an error (the UI failed to load, say)
    stop('quit');
    await recording.ended;
    throw err;
  } finally {
    if (durationTimer) clearTimeout(durationTimer);
    if (statusTimer) clearInterval(statusTimer);
    for (const s of STOP_SIGNALS) deps.signals.off(s, onSignal);
  }

  function watchCommand(spawned: ChildProcess): void {
    spawned.on('error', (err) => {
      report.commandFailed(plan.command[0], err);
      commandExit = 127;
      stop('command-exited');
    });
    spawned.on('exit', (code, signal) => {
      commandExit = code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0);
      stop('command-exited');
    });
  }

  /** Let CMD go once the kernel follows its pid; if the recording ended first, CMD never runs. */
  async function release(spawned: ChildProcess): Promise<void> {
    if (spawned.pid === undefined || !(await deps.waitStopped(spawned.pid))) return;
    if (await recording.addPid(spawned.pid)) spawned.kill('SIGCONT');
    else spawned.kill('SIGKILL');
  }
}

/**
 * FILE.log, where CMD's output goes under --tui (the terminal is the UI's): a private file like
 * the session (files/private-file.ts), replaced only with --force. If it cannot be made, the
 * recording stops and CMD is never started (null).
 */
function createCommandLog(path: string, plan: RunPlan, recording: Recording): number | null {
  const create = plan.input.options.create;
  try {
    return createPrivateFile(path, { owner: create?.owner, replace: create?.force });
  } catch (err) {
    void recording.fail({ code: 'ECOMMANDLOG', message: `${(err as Error).message}: recording stopped, ${plan.command[0]} not started` });
    return null;
  }
}

/** Create the ready file; if that fails, the recording must not go on unannounced. */
function announceReady(path: string, output: string, recording: Recording, deps: RunDeps, startedAt: number): void {
  try {
    deps.writeReadyFile(path, { session: resolve(output), pid: process.pid, startedAt: new Date(startedAt).toISOString() });
  } catch (err) {
    const e = err as Error & { code?: string };
    const why = e instanceof FileError ? `--ready-file ${e.message}` : `cannot create --ready-file ${path} (${e.code ?? e.message})`;
    void recording.fail({ code: 'EREADYFILE', message: `${why}: recording stopped` });
  }
}
