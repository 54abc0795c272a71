/**
 * What `tinytap record` prints: on stderr, "recording to" once capture has started, a live
 * status line, and a summary at the end; on stdout, one line per new connection, or with
 * --json, JSON lines (a `recording` event, one `connection` event per connection, an `ended`
 * event) that a script reads to know when capture started and how it ended.
 */
import { resolve } from 'node:path';

import type { CaptureCounts, ConnectionNotice, Rotated } from '../record/capture.js';
import { ConnCause, Role, TLS_LIB_NAMES } from '../events/layout.js';
import { sessionBytes } from '../files/session-files.js';
import type { StartInfo } from '../record/recording.js';
import type { TlsLibraryEntry } from '../record/tls-attacher.js';
import type { RunOutcome, RunReporter } from '../record/run-recording.js';
import { type TerminalText, controlSequence, json, joinText, term } from '../render/terminal-text.js';
import { connectError, formatBytes, formatClock, formatCount, formatDurationMs, paint } from '../render/format.js';
import { type TerminalWriter, writeLine } from './terminal.js';

function protocolName(n: ConnectionNotice): string {
  if (n.family === 1) return n.type === 2 ? 'unix-dgram' : 'unix';
  return n.type === 2 ? 'udp' : 'tcp';
}

function roleName(n: ConnectionNotice): 'client' | 'server' | 'open' {
  return n.role === Role.CLIENT ? 'client' : n.role === Role.SERVER ? 'server' : 'open';
}

export function formatConnectionLine(n: ConnectionNotice, color: boolean): TerminalText {
  // process names and unix paths come from the capture: any byte, escape sequences included;
  // `term` escapes each of them
  const who = term`${n.comm} (${n.pid})`;
  const time = formatClock(n.wallNs);
  const proto = protocolName(n);
  if (n.cause === ConnCause.CONNECT_FAILED)
    return term`${time}  ${who}  ${paint(color, '31', `connect failed ${connectError(n.error)}`)}  → ${n.remote}  ${proto}`;
  // another process went on with a known connection (a child after fork)
  const shared = n.cause === ConnCause.SHARED ? term`  ${paint(color, '2', '(taken over)')}` : '';
  if (n.role === Role.CLIENT) return term`${time}  ${who}  ${paint(color, '36', 'client')}  ${n.local} → ${n.remote}  ${proto}${shared}`;
  if (n.role === Role.SERVER) return term`${time}  ${who}  ${paint(color, '35', 'server')}  ${n.local} ← ${n.remote}  ${proto}${shared}`;
  return term`${time}  ${who}  ${paint(color, '2', 'open')}  ${n.local} ↔ ${n.remote}  ${proto}${shared}`;
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

function statusLine(c: CaptureCounts, elapsedMs: number, color: boolean): TerminalText {
  const drops = c.drops.records > 0 ? paint(color, '31;1', `drops ${formatCount(c.drops.records)}`) : 'drops 0';
  return term`${paint(color, '31', '●')} ${formatDurationMs(elapsedMs)}  events ${formatCount(c.events)}  ${formatBytes(c.bytes)}  conns ${formatCount(c.connections)}  ${drops}`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

export function summaryLines(c: CaptureCounts, elapsedMs: number, output: string, color: boolean): TerminalText[] {
  const lines = [
    term`recorded ${formatDurationMs(elapsedMs)}: ${formatCount(c.events)} events, ${formatBytes(c.bytes)}, ${plural(c.connections, 'connection')}, ${plural(c.processes, 'process', 'processes')}, ${formatCount(c.drops.records)} drops → ${output} (${formatBytes(sessionBytes(output))})`,
  ];
  if (c.drops.records > 0)
    lines.push(
      term`${paint(color, '31;1', 'warning:')} ${formatCount(c.drops.records)} records (${formatBytes(c.drops.bytes)}) were dropped because the ring buffer was full: the session is incomplete; use a larger --buffer-size or narrower filters`,
    );
  return lines;
}

/** Erases the status line: back to its start, clear to the end of the line. */
const CLEAR_LINE = controlSequence`\r\x1b[K`;

export interface RecordOutputOptions {
  stdout: TerminalWriter;
  stderr: TerminalWriter;
  stdoutColor: boolean;
  stderrColor: boolean;
  quiet: boolean;
  json: boolean;
  tui: boolean;
  command: string[];
  /** One line per TLS library watched or refused, instead of one line for them all. */
  verbose?: boolean;
}

/** A TLS file in words: its path and what it is ('openssl 3.0.19', 'go crypto/tls go1.19.8'). */
function tlsFileText(l: TlsLibraryEntry): string {
  const what = l.kind === 'go' ? `${TLS_LIB_NAMES[3]}${l.version ? ` ${l.version}` : ''}` : (l.version ?? l.kind);
  return `${l.name} (${what})`;
}

/** One line for a TLS file found while recording, or at start under --verbose. */
export function tlsLibraryLine(l: TlsLibraryEntry): string {
  return l.error ? `tls: not watching ${tlsFileText(l)}: ${l.error}` : `tls: watching ${tlsFileText(l)}: ${l.functions.join(', ')}`;
}

/** What `record` says of the TLS libraries it watches: one line, or one per library. */
export function tlsLines(libs: TlsLibraryEntry[], verbose: boolean): string[] {
  if (verbose) return libs.length ? libs.map(tlsLibraryLine) : ['tls: no TLS library found to watch yet'];
  const watched = libs.filter((l) => l.number > 0);
  const refused = libs.length - watched.length;
  if (libs.length === 0) return ['tls: no TLS library found to watch yet (programs started later are looked at as they start)'];
  const kinds = [...new Set(watched.map((l) => (l.kind === 'go' ? TLS_LIB_NAMES[3] : l.kind)))].join(', ');
  return [
    `tls: reading plaintext at ${watched.length} librar${watched.length === 1 ? 'y' : 'ies'}${kinds ? ` (${kinds})` : ''}` +
      (refused ? `; ${refused} could not be watched (--verbose says why)` : ''),
  ];
}

export class RecordOutput implements RunReporter {
  private statusShown = false;

  constructor(private readonly o: RecordOutputOptions) {}

  private clearStatus(): void {
    if (this.statusShown) this.o.stderr.write(CLEAR_LINE);
    this.statusShown = false;
  }

  private json(event: Record<string, unknown>): void {
    writeLine(this.o.stdout, json(event));
  }

  started(info: StartInfo & { output: string }): void {
    if (!this.o.quiet) {
      const hint = this.o.tui ? ' (q in the UI stops)' : this.o.command.length ? '' : ' (Ctrl-C to stop)';
      writeLine(this.o.stderr, term`recording to ${info.output}${hint}`);
      if (!info.sendfileBodies.captured && info.sendfileBodies.note) writeLine(this.o.stderr, term`note: ${info.sendfileBodies.note}`);
      if (info.tls) for (const line of tlsLines(info.tls, !!this.o.verbose)) writeLine(this.o.stderr, term`${line}`);
    }
    if (this.o.json)
      this.json({ event: 'recording', session: resolve(info.output), pid: process.pid, sendfileBodies: info.sendfileBodies.captured, tls: info.tls });
  }

  tlsLibrary(entry: TlsLibraryEntry): void {
    if (this.o.json) return this.json({ event: 'tls', ...entry });
    if (this.o.quiet || !this.o.verbose) return;
    this.clearStatus();
    writeLine(this.o.stderr, term`${tlsLibraryLine(entry)}`);
  }

  /** record --dir: the file the chain went on in last. */
  private lastFile: string | null = null;

  /** record --dir: one line per new file, and per file the budget deleted or had to keep. */
  rotated(r: Rotated): void {
    this.lastFile = r.opened;
    if (this.o.json) return this.json({ event: 'rotated', closed: resolve(r.closed), opened: resolve(r.opened), deleted: r.deleted, notes: r.notes });
    if (this.o.quiet) return;
    this.clearStatus();
    writeLine(this.o.stderr, term`recording to ${r.opened} (${r.closed} is complete)`);
    for (const name of r.deleted) writeLine(this.o.stderr, term`deleted ${name} (past the --keep budget)`);
    for (const note of r.notes) writeLine(this.o.stderr, term`note: ${note}`);
  }

  connection(n: ConnectionNotice): void {
    this.clearStatus();
    if (this.o.json) this.json(connectionEvent(n));
    else writeLine(this.o.stdout, formatConnectionLine(n, this.o.stdoutColor));
  }

  status(counts: CaptureCounts, elapsedMs: number): void {
    this.o.stderr.write(term`${CLEAR_LINE}${statusLine(counts, elapsedMs, this.o.stderrColor)}`);
    this.statusShown = true;
  }

  commandFailed(program: string, err: Error): void {
    this.clearStatus();
    writeLine(this.o.stderr, term`tinytap: cannot run ${program}: ${err.message}`);
  }

  /** The end: the summary (when capture had started) and the `ended` event. */
  /** `output`: the first file; a --dir chain ends in the one it rotated to last. */
  finished(outcome: RunOutcome, output: string): void {
    output = this.lastFile ?? output;
    this.clearStatus();
    if (outcome.ended.reason !== 'start-failed') {
      writeLine(this.o.stderr, joinText(summaryLines(outcome.ended.counts, outcome.elapsedMs, output, this.o.stderrColor)));
      if (outcome.commandLog) writeLine(this.o.stderr, term`the output of ${this.o.command[0]} is in ${outcome.commandLog}`);
    }
    if (this.o.json) this.json(endedEvent(outcome, output));
  }
}
