/**
 * What `tinytap record` prints: on stderr, "recording to" once capture has started, a live
 * status line, and a summary at the end; on stdout, one line per new connection, or with
 * --json, JSON lines (a `recording` event, one `connection` event per connection, an `ended`
 * event) that a script reads to know when capture started and how it ended.
 */
import { resolve } from 'node:path';

import type { CaptureCounts, ConnectionNotice } from '../record/capture.js';
import { ConnCause, Role } from '../events/layout.js';
import type { StartInfo } from '../record/recording.js';
import type { RunOutcome, RunReporter } from '../record/run-recording.js';
import { connectError, formatBytes, formatClock, formatCount, formatDurationMs, paint } from './format.js';
import { sessionBytes } from './open-session.js';
import { safeText } from './terminal.js';


function protocolName(n: ConnectionNotice): string {
  if (n.family === 1) return n.type === 2 ? 'unix-dgram' : 'unix';
  return n.type === 2 ? 'udp' : 'tcp';
}

function roleName(n: ConnectionNotice): 'client' | 'server' | 'open' {
  return n.role === Role.CLIENT ? 'client' : n.role === Role.SERVER ? 'server' : 'open';
}

export function formatConnectionLine(n: ConnectionNotice, color: boolean): string {
  // process names and unix paths come from the capture: any byte, escape sequences included
  const who = safeText(`${n.comm} (${n.pid})`);
  const local = safeText(n.local);
  const remote = safeText(n.remote);
  const time = formatClock(n.wallNs);
  const proto = protocolName(n);
  if (n.cause === ConnCause.CONNECT_FAILED)
    return `${time}  ${who}  ${paint(color, '31', `connect failed ${connectError(n.error)}`)}  → ${remote}  ${proto}`;
  // another process went on with a known connection (a child after fork)
  const shared = n.cause === ConnCause.SHARED ? `  ${paint(color, '2', '(taken over)')}` : '';
  if (n.role === Role.CLIENT) return `${time}  ${who}  ${paint(color, '36', 'client')}  ${local} → ${remote}  ${proto}${shared}`;
  if (n.role === Role.SERVER) return `${time}  ${who}  ${paint(color, '35', 'server')}  ${local} ← ${remote}  ${proto}${shared}`;
  return `${time}  ${who}  ${paint(color, '2', 'open')}  ${local} ↔ ${remote}  ${proto}${shared}`;
}

export function connectionEvent(n: ConnectionNotice): Record<string, unknown> {
  return {
    event: 'connection',
    at: new Date(Number(n.wallNs / 1_000_000n)).toISOString(),
    connId: n.connId,
    pid: n.pid,
    comm: n.comm,
    role: roleName(n),
    protocol: protocolName(n),
    local: n.local,
    remote: n.remote,
    ...(n.cause === ConnCause.CONNECT_FAILED ? { connectFailed: connectError(n.error) } : {}),
    ...(n.cause === ConnCause.SHARED ? { takenOver: true } : {}),
  };
}

export function endedEvent(outcome: RunOutcome, output: string): Record<string, unknown> {
  const { reason, counts, error } = outcome.ended;
  return {
    event: 'ended',
    reason,
    session: reason === 'start-failed' ? null : resolve(output),
    elapsedMs: Math.round(outcome.elapsedMs),
    counts,
    ...(outcome.commandExit !== null ? { commandExit: outcome.commandExit } : {}),
    ...(error ? { error: error.message } : {}),
  };
}

function statusLine(c: CaptureCounts, elapsedMs: number, color: boolean): string {
  const drops = c.drops.records > 0 ? paint(color, '31;1', `drops ${formatCount(c.drops.records)}`) : 'drops 0';
  return (
    `${paint(color, '31', '●')} ${formatDurationMs(elapsedMs)}  events ${formatCount(c.events)}  ` +
    `${formatBytes(c.bytes)}  conns ${formatCount(c.connections)}  ${drops}`
  );
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

export function summaryLines(c: CaptureCounts, elapsedMs: number, output: string, color: boolean): string[] {
  const lines = [
    `recorded ${formatDurationMs(elapsedMs)}: ${formatCount(c.events)} events, ${formatBytes(c.bytes)}, ` +
      `${plural(c.connections, 'connection')}, ${plural(c.processes, 'process', 'processes')}, ` +
      `${formatCount(c.drops.records)} drops → ${output} (${formatBytes(sessionBytes(output))})`,
  ];
  if (c.drops.records > 0)
    lines.push(
      paint(color, '31;1', 'warning:') +
        ` ${formatCount(c.drops.records)} records (${formatBytes(c.drops.bytes)}) were dropped because the ring buffer was full: ` +
        'the session is incomplete; use a larger --buffer-size or narrower filters',
    );
  return lines;
}

export interface RecordOutputOptions {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  stdoutColor: boolean;
  stderrColor: boolean;
  quiet: boolean;
  json: boolean;
  tui: boolean;
  command: string[];
}

export class RecordOutput implements RunReporter {
  private statusShown = false;

  constructor(private readonly o: RecordOutputOptions) {}

  private clearStatus(): void {
    if (this.statusShown) this.o.stderr.write('\r\x1b[K');
    this.statusShown = false;
  }

  private json(event: Record<string, unknown>): void {
    this.o.stdout.write(JSON.stringify(event) + '\n');
  }

  started(info: StartInfo & { output: string }): void {
    if (!this.o.quiet) {
      const hint = this.o.tui ? ' (q in the UI stops)' : this.o.command.length ? '' : ' (Ctrl-C to stop)';
      this.o.stderr.write(`recording to ${info.output}${hint}\n`);
      if (!info.sendfileBodies.captured && info.sendfileBodies.note) this.o.stderr.write(`note: ${info.sendfileBodies.note}\n`);
    }
    if (this.o.json) this.json({ event: 'recording', session: resolve(info.output), pid: process.pid, sendfileBodies: info.sendfileBodies.captured });
  }

  connection(n: ConnectionNotice): void {
    this.clearStatus();
    if (this.o.json) this.json(connectionEvent(n));
    else this.o.stdout.write(formatConnectionLine(n, this.o.stdoutColor) + '\n');
  }

  status(counts: CaptureCounts, elapsedMs: number): void {
    this.o.stderr.write('\r\x1b[K' + statusLine(counts, elapsedMs, this.o.stderrColor));
    this.statusShown = true;
  }

  commandFailed(program: string, err: Error): void {
    this.clearStatus();
    this.o.stderr.write(`tinytap: cannot run ${program}: ${err.message}\n`);
  }

  /** The end: the summary (when capture had started) and the `ended` event. */
  finished(outcome: RunOutcome, output: string): void {
    this.clearStatus();
    if (outcome.ended.reason !== 'start-failed') {
      this.o.stderr.write(summaryLines(outcome.ended.counts, outcome.elapsedMs, output, this.o.stderrColor).join('\n') + '\n');
      if (outcome.commandLog) this.o.stderr.write(`the output of ${this.o.command[0]} is in ${outcome.commandLog}\n`);
    }
    if (this.o.json) this.json(endedEvent(outcome, output));
  }
}
