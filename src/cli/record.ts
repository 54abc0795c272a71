/**
 * tinytap record [-o FILE] [filters] [-- CMD ARGS...]: capture into a session file, printing
 * one line per new connection, a live status line, and a summary at the end.
 */
import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';

import { loadBinding } from '../record/binding.js';
import type { CaptureCounts, CaptureOptions, ConnectionNotice } from '../record/capture.js';
import type { RequestedStop } from '../record/lifecycle.js';
import { describeRecordError } from '../record/errors.js';
import { ConnCause, Role } from '../events/layout.js';
import { preflight } from '../record/preflight.js';
import { Recording } from '../record/recording.js';
import { CliError } from './errors.js';
import { loadTui } from './load-tui.js';
import { sudoOwner } from './sudo-owner.js';
import { formatBytes, formatClock, formatCount, formatDurationMs, paint, useColor } from './format.js';
import { UsageError, parseDuration, parsePid, parsePort, parseSize } from './units.js';

interface RecordFlags {
  output?: string;
  force?: boolean;
  pid: string[];
  comm: string[];
  port: string[];
  maxPayload: string;
  bufferSize: string;
  duration?: string;
  quiet?: boolean;
  verbose?: boolean;
  sendfileBody: boolean;
  tui?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function defaultOutputName(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const date = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}`;
  const time = `${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `tinytap-${date}-${time}.tinytap`;
}

const ERRNO_NAMES = new Map(Object.entries(osConstants.errno).map(([name, n]) => [n, name]));

function protocolName(n: ConnectionNotice): string {
  if (n.family === 1) return n.type === 2 ? 'unix-dgram' : 'unix';
  return n.type === 2 ? 'udp' : 'tcp';
}

export function formatConnectionLine(n: ConnectionNotice, color: boolean): string {
  const who = `${n.comm} (${n.pid})`;
  const time = formatClock(n.wallNs);
  const proto = protocolName(n);
  if (n.cause === ConnCause.CONNECT_FAILED) {
    const err = ERRNO_NAMES.get(n.error) ?? `errno ${n.error}`;
    return `${time}  ${who}  ${paint(color, '31', `connect failed ${err}`)}  → ${n.remote}  ${proto}`;
  }
  if (n.role === Role.CLIENT) return `${time}  ${who}  ${paint(color, '36', 'client')}  ${n.local} → ${n.remote}  ${proto}`;
  if (n.role === Role.SERVER) return `${time}  ${who}  ${paint(color, '35', 'server')}  ${n.local} ← ${n.remote}  ${proto}`;
  return `${time}  ${who}  ${paint(color, '2', 'open')}  ${n.local} ↔ ${n.remote}  ${proto}`;
}

function statusLine(c: CaptureCounts, elapsedMs: number, color: boolean): string {
  const drops = c.droppedRecords > 0 ? paint(color, '31;1', `drops ${formatCount(c.droppedRecords)}`) : 'drops 0';
  return (
    `${paint(color, '31', '●')} ${formatDurationMs(elapsedMs)}  events ${formatCount(c.events)}  ` +
    `${formatBytes(c.bytes)}  conns ${formatCount(c.connections)}  ${drops}`
  );
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}


function buildOptions(flags: RecordFlags, command: string[], output: string): CaptureOptions {
  const maxPayload = parseSize(flags.maxPayload, '--max-payload');
  const ringBytes = parseSize(flags.bufferSize, '--buffer-size');
  if (ringBytes < 4096 || (ringBytes & (ringBytes - 1)) !== 0)
    throw new UsageError(`bad --buffer-size '${flags.bufferSize}': use a power of two of at least 4k, like 4m or 16m`);
  if (maxPayload > 16 << 20) throw new UsageError(`--max-payload ${flags.maxPayload} is too large: the most is 16m`);
  return {
    output,
    create: { force: !!flags.force, owner: sudoOwner() },
    maxPayload,
    ringBytes,
    pids: flags.pid.map(parsePid),
    comms: flags.comm.map((c) => {
      if (!c || c.length > 15) throw new UsageError(`bad --comm '${c}': a process name has 1 to 15 characters (see ps -o comm)`);
      return c;
    }),
    ports: flags.port.map(parsePort),
    filterPids: flags.pid.length > 0 || command.length > 0,
    sendfileBodies: flags.sendfileBody,
    verbose: !!flags.verbose,
    commandLine: ['tinytap', ...process.argv.slice(2)],
    command: command.length ? command : undefined,
  };
}

/**
 * Start CMD held at the door: a shell stops itself before exec'ing it, so its pid is in the
 * kernel's filter before CMD can open a single socket. (A pipe or socket as the gate would be
 * captured itself: libuv's stdio pipes are socketpairs.)
 */
function spawnHeld(command: string[], log: number | null): ChildProcess {
  // under --tui the terminal is the UI's: CMD writes to a log file instead
  const stdio: StdioOptions = log === null ? 'inherit' : ['ignore', log, log];
  return spawn('/bin/sh', ['-c', 'kill -STOP $$; exec "$@"', 'tinytap', ...command], { stdio });
}

/** Wait until the held shell has stopped itself (state T in /proc/PID/stat). */
async function waitStopped(pid: number): Promise<boolean> {
  for (let i = 0; i < 2000; i++) {
    let state = '';
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    } catch {
      return false; // already gone
    }
    if (state === 'T') return true;
    await new Promise((r) => setTimeout(r, 1));
  }
  return false;
}

export async function recordAction(command: string[], flags: RecordFlags): Promise<void> {
  const output = flags.output ?? defaultOutputName();
  const options = buildOptions(flags, command, output);
  const stderrColor = useColor(process.stderr);
  const stdoutColor = useColor(process.stdout);
  // the UI draws on the terminal and reads its keys: refuse before anything is recorded
  if (flags.tui && (!process.stdout.isTTY || !process.stdin.isTTY))
    throw new CliError('record --tui needs a terminal; without --tui, record prints one line per connection');
  const binding = loadBinding();
  preflight(binding);

  const recording = new Recording({ options, notify: !flags.quiet });
  const info = await recording.started;
  if (!info) {
    const { error } = await recording.ended;
    throw new CliError(describeRecordError(error ?? { message: 'recording did not start' }, !!flags.verbose));
  }

  const started = Date.now();
  const tui = !!flags.tui;
  const live = !flags.quiet && !tui && !!process.stderr.isTTY;
  let statusShown = false;
  const clearStatus = () => {
    if (statusShown) process.stderr.write('\r\x1b[K');
    statusShown = false;
  };
  if (!flags.quiet) {
    process.stderr.write(`recording to ${output}${tui ? ' (q in the UI stops)' : command.length ? '' : ' (Ctrl-C to stop)'}\n`);
    if (!info.sendfileBodies.captured && info.sendfileBodies.note) process.stderr.write(`note: ${info.sendfileBodies.note}\n`);
  }
  if (!tui)
    recording.on('connection', (n) => {
      clearStatus();
      process.stdout.write(formatConnectionLine(n, stdoutColor) + '\n');
    });
  const statusTimer = live
    ? setInterval(async () => {
        const c = await recording.stats();
        if (recording.phase !== 'running') return;
        process.stderr.write('\r\x1b[K' + statusLine(c, Date.now() - started, stderrColor));
        statusShown = true;
      }, 250)
    : null;

  const stop = (reason: RequestedStop) => void recording.stop(reason);
  let child: ChildProcess | null = null;
  let childExit: number | null = null;
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    // with -- CMD the terminal's Ctrl-C reaches CMD too: let it exit, and end when it does,
    // unless asked twice
    if (child && childExit === null && signal === 'SIGINT' && interrupts < 2) return;
    if (child && childExit === null) child.kill(signal === 'SIGINT' ? 'SIGTERM' : signal);
    stop('signal');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  const durationTimer = flags.duration ? setTimeout(() => stop('duration'), parseDuration(flags.duration, '--duration')) : null;

  const commandLog = tui && command.length ? `${output}.log` : null;
  if (command.length) {
    const logFd = commandLog ? openSync(commandLog, 'w', 0o600) : null;
    child = spawnHeld(command, logFd);
    if (logFd !== null) closeSync(logFd);
    const spawned = child;
    spawned.on('error', (err) => {
      clearStatus();
      process.stderr.write(`tinytap: cannot run ${command[0]}: ${err.message}\n`);
      childExit = 127;
      stop('command-exited');
    });
    spawned.on('exit', (code, signal) => {
      childExit = code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0);
      stop('command-exited');
    });
    if (spawned.pid !== undefined && (await waitStopped(spawned.pid))) {
      // the recording ended before it could follow CMD: CMD never runs
      spawned.kill((await recording.addPid(spawned.pid)) ? 'SIGCONT' : 'SIGKILL');
    }
  }

  if (tui) {
    const { runTui } = await loadTui();
    // the UI stays up after the recording ends by itself (--duration, CMD exited) so what it
    // holds can be read; leaving the UI ends the recording
    await runTui({ file: output, follow: true });
    stop('quit');
    if (child && childExit === null) child.kill('SIGTERM');
  }

  const { counts, error } = await recording.ended;
  if (statusTimer) clearInterval(statusTimer);
  if (durationTimer) clearTimeout(durationTimer);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('SIGHUP', onSignal);
  clearStatus();
  printSummary(counts, Date.now() - started, output, stderrColor);
  if (commandLog) process.stderr.write(`the output of ${command[0]} is in ${commandLog}\n`);
  if (error) throw new CliError(error.message);
  if (childExit !== null) process.exitCode = childExit;
}

function printSummary(c: CaptureCounts, elapsedMs: number, output: string, color: boolean): void {
  const lines = [
    `recorded ${formatDurationMs(elapsedMs)}: ${formatCount(c.events)} events, ${formatBytes(c.bytes)}, ` +
      `${plural(c.connections, 'connection')}, ${plural(c.processes, 'process', 'processes')}, ` +
      `${formatCount(c.droppedRecords)} drops → ${output} (${formatBytes(fileSize(output))})`,
  ];
  if (c.droppedRecords > 0)
    lines.push(
      paint(color, '31;1', 'warning:') +
        ` ${formatCount(c.droppedRecords)} records (${formatBytes(c.droppedBytes)}) were dropped because the ring buffer was full: ` +
        'the session is incomplete; use a larger --buffer-size or narrower filters',
    );
  process.stderr.write(lines.join('\n') + '\n');
}

export function registerRecord(program: Command): void {
  program
    .command('record')
    .description('capture the socket traffic of this machine\'s processes into a session file')
    .argument('[command...]', 'run this command and capture it and its children (after --)')
    .option('-o, --output <file>', 'session file to write (default: tinytap-YYYYMMDD-HHMMSS.tinytap)')
    .option('--force', 'overwrite the output file if it exists')
    .option('--pid <pid>', 'capture only this process and its children (repeatable)', collect, [])
    .option('--comm <name>', 'capture only processes with this name (repeatable)', collect, [])
    .option('--port <port>', 'capture only connections with this local or remote port (repeatable)', collect, [])
    .option('--max-payload <size>', 'bytes captured per syscall; the rest is recorded as truncated', '256k')
    .option('--buffer-size <size>', 'kernel ring buffer size (a power of two)', '4m')
    .option('--duration <time>', 'stop after this long (30s, 5m, 1h)')
    .option('--no-sendfile-body', 'do not capture the bodies of sendfile/splice (zero-copy) sends')
    .option('--tui', 'watch the exchanges arrive in the terminal UI of `tinytap open`; q stops the recording')
    .option('-q, --quiet', 'print only the summary')
    .option('-v, --verbose', 'print libbpf\'s messages and the verifier log on failure')
    .action((command: string[], flags: RecordFlags) => recordAction(command, flags));
}
