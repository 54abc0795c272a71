/**
 * tinytap record [-o FILE] [filters] [-- CMD ARGS...]: flags → options → run (src/record/
 * run-recording.ts) → print (record-output.ts). Capture starts when "recording to" is printed.
 */
import type { Command } from 'commander';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { sudoOwner } from '../files/owner.js';
import { checkNewFile } from '../files/private-file.js';
import { ensureOwnDirectory } from '../files/private-dir.js';
import { checkUserDataParent, userDataDir } from '../files/user-data-dir.js';
import { checkSessionFiles } from '../files/session-files.js';

import { loadBinding } from '../record/binding.js';
import type { CaptureOptions } from '../record/capture.js';
import { DOCTOR_HINT, describeRecordError, isSetupFailure } from '../record/errors.js';
import { findProgram, spawnHeld, waitStopped } from '../record/held-command.js';
import { type RunAs, runAsUser } from '../record/run-as.js';
import { preflight } from '../record/preflight.js';
import { checkReadyFile, writeReadyFile } from '../record/ready-file.js';
import { Recording } from '../record/recording.js';
import type { RotationPlan } from '../record/rotation.js';
import { nextChainName, sessionFileName } from '../files/chain-names.js';
import { type RunDeps, type RunPlan, type SignalSource, runRecording } from '../record/run-recording.js';
import { CliError } from './errors.js';
import { loadTui } from './load-tui.js';
import { RecordOutput } from './record-output.js';
import { describeWriteError, onOutputFailure } from './stdout.js';
import { useColor } from '../render/format.js';
import { stderr, stdout } from './terminal.js';
import { MAX_TIMER_MS, UsageError, parseDuration, parseLivePid, parsePort, parseSize, parseTimeout } from './units.js';

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
  tls: boolean;
  tui?: boolean;
  json?: boolean;
  readyFile?: string;
  asRoot?: boolean;
  /** --dir with no value: true (the default directory). */
  dir?: string | true;
  /** --dir --user: the invoking user's data directory. */
  user?: boolean;
  rotate?: string;
  keep?: string;
}

/** Where `record --dir` writes when given no directory: root's, as a system service's would be. */
export const DEFAULT_CHAIN_DIR = '/var/lib/tinytap';
export const DEFAULT_ROTATE = '15m';

/**
 * `--rotate 15m`, `--rotate 256MB`, `--rotate 15m,256MB`: a value ending in B (KB, MB, GB, MiB...)
 * is a size, any other a duration (15m is minutes, as in --duration; 256m would be ambiguous).
 */
function parseLimits(text: string, flag: string, durationOk: (ms: number) => boolean): { ms: number | null; bytes: number | null } {
  const out = { ms: null as number | null, bytes: null as number | null };
  for (const part of text.split(',')) {
    const value = part.trim();
    if (/b$/i.test(value)) {
      const bytes = parseSize(value, flag);
      if (bytes < 1 || out.bytes !== null) throw new UsageError(`bad ${flag} '${text}': give at most one size (like 256MB) and one duration (like 15m)`);
      out.bytes = bytes;
    } else {
      const ms = parseDuration(value, flag);
      if (!durationOk(ms) || out.ms !== null) throw new UsageError(`bad ${flag} '${text}': give at most one duration (like 15m) and one size (like 256MB), each more than 0`);
      out.ms = ms;
    }
  }
  return out;
}

/** record --dir: the chain's directory and its rotation and budget; null without --dir. */
function rotationPlan(flags: RecordFlags): RotationPlan | null {
  if (flags.dir === undefined) {
    if (flags.rotate !== undefined || flags.keep !== undefined || flags.user) throw new UsageError('--rotate, --keep and --user are for a recording into a directory: add --dir DIR (or --dir --user)');
    return null;
  }
  if (flags.output !== undefined) throw new UsageError('--dir and -o cannot be used together: with --dir, tinytap names each file of the chain');
  if (flags.user) {
    if (flags.dir !== true) throw new UsageError('--user chooses the directory: give --dir DIR, or --dir --user');
    const dir = userDataDir(process.env, process.getuid?.() ?? 0);
    if (dir === null) throw new UsageError('--user: your home directory cannot be told (not in /etc/passwd): give --dir DIR');
    return parseChainPlan(dir, flags.rotate, flags.keep);
  }
  return parseChainPlan(flags.dir, flags.rotate, flags.keep);
}

/** --dir [DIR] --rotate WHEN --keep BUDGET, checked (record, and service install which runs it). */
export function parseChainPlan(dirFlag: string | true, rotate = DEFAULT_ROTATE, keep?: string): RotationPlan {
  const dir = dirFlag === true ? DEFAULT_CHAIN_DIR : dirFlag;
  if (dir === '') throw new UsageError('bad --dir: the directory name is empty');
  const every = parseLimits(rotate, '--rotate', (ms) => ms >= 1000 && ms <= MAX_TIMER_MS);
  const budget = keep === undefined ? { ms: null, bytes: null } : parseLimits(keep, '--keep', (ms) => ms >= 1000);
  return { dir, everyMs: every.ms, everyBytes: every.bytes, keepMs: budget.ms, keepBytes: budget.bytes };
}


const collect = (value: string, previous: string[]) => [...previous, value];

export function defaultOutputName(now = new Date()): string {
  return sessionFileName(now);
}

/** The ring buffer: the kernel takes powers of two of a page or more; past 1g it is kernel memory wasted. */
const MIN_RING_BYTES = 4096;
const MAX_RING_BYTES = 1 << 30;
const MAX_PAYLOAD_BYTES = 16 << 20;
/** TASK_COMM_LEN less the NUL: what the kernel keeps of a process name, in bytes. */
const MAX_COMM_BYTES = 15;

function parseRingBytes(text: string): number {
  const bytes = parseSize(text, '--buffer-size');
  if (bytes < MIN_RING_BYTES || bytes > MAX_RING_BYTES || (bytes & (bytes - 1)) !== 0)
    throw new UsageError(`bad --buffer-size '${text}': use a power of two from 4k to 1g, like 4m or 16m`);
  return bytes;
}

function parseMaxPayload(text: string): number {
  const bytes = parseSize(text, '--max-payload');
  if (bytes > MAX_PAYLOAD_BYTES) throw new UsageError(`bad --max-payload '${text}': the most is 16m`);
  return bytes;
}

export function parseComm(text: string): string {
  const bytes = Buffer.byteLength(text);
  if (bytes < 1 || bytes > MAX_COMM_BYTES)
    throw new UsageError(`bad --comm '${text}': a process name has 1 to ${MAX_COMM_BYTES} bytes, as the kernel keeps it (see ps -o comm)`);
  return text;
}

function buildOptions(flags: RecordFlags, command: string[], output: string): CaptureOptions {
  return {
    output,
    create: { force: !!flags.force, owner: sudoOwner() },
    maxPayload: parseMaxPayload(flags.maxPayload),
    ringBytes: parseRingBytes(flags.bufferSize),
    pids: flags.pid.map((p) => parseLivePid(p)),
    comms: flags.comm.map(parseComm),
    ports: flags.port.map(parsePort),
    filterPids: flags.pid.length > 0 || command.length > 0,
    sendfileBodies: flags.sendfileBody,
    tls: flags.tls,
    verbose: !!flags.verbose,
    commandLine: ['tinytap', ...process.argv.slice(2)],
    command: command.length ? command : undefined,
  };
}

/** Under sudo, -- CMD runs as the user who ran it (run-as.ts), unless --as-root. */
function commandUser(flags: RecordFlags, command: string[], owner: { uid: number; gid: number } | null): RunAs | null {
  if (flags.asRoot && !command.length) throw new UsageError('--as-root is for -- CMD: it runs CMD as root rather than as the user who ran sudo');
  if (!command.length || flags.asRoot || !owner || owner.uid === 0) return null;
  return runAsUser(owner);
}

function buildPlan(flags: RecordFlags, command: string[], options: CaptureOptions): RunPlan {
  const tui = !!flags.tui;
  return {
    input: { options, notify: !flags.quiet },
    command,
    runAs: commandUser(flags, command, options.create?.owner ?? null),
    // '' too: an empty --duration is a mistake, not "no limit"
    durationMs: flags.duration !== undefined ? parseTimeout(flags.duration, '--duration') : null,
    tui,
    statusEveryMs: !flags.quiet && !tui && process.stderr.isTTY ? 250 : null,
    readyFile: flags.readyFile ?? null,
  };
}

/**
 * The signals that stop a recording, and one more: stdout failing. `tinytap record | head` must
 * not exit in the middle of a recording (stdout.ts's default) but stop it as a hang-up would,
 * leaving a finished file (and CMD gets the SIGHUP). A write error that is not EPIPE (a full
 * disk under `record --json > file`) is told once the recording has ended.
 */
function stopSignals(): { signals: SignalSource; outputError: () => string | null } {
  const outputGone = new EventEmitter();
  let error: string | null = null;
  onOutputFailure((err) => {
    if (err.code !== 'EPIPE') error ??= `cannot write the output (${describeWriteError(err)}): recording stopped`;
    outputGone.emit('SIGHUP', 'SIGHUP');
  });
  const signals: SignalSource = {
    on: (signal, listener) => (process.on(signal, listener), outputGone.on(signal, listener)),
    off: (signal, listener) => (process.off(signal, listener), outputGone.off(signal, listener)),
  };
  return { signals, outputError: () => error };
}

function realDeps(owner: { uid: number; gid: number } | null, signals: SignalSource): RunDeps {
  return {
    startRecording: (input) => new Recording(input),
    signals,
    spawnHeld,
    waitStopped,
    runTui: async (file) => (await loadTui()).runTui({ file, follow: true }),
    writeReadyFile: (path, info) => writeReadyFile(path, info, owner),
    now: Date.now,
  };
}

/**
 * The files a recording will create, checked before anything is attached (the worker checks
 * again as it creates them): a path that cannot be used is one line now, not after seconds.
 */
function checkOutputs(plan: RunPlan): void {
  const { output, create } = plan.input.options;
  checkSessionFiles(output, create);
  if (plan.tui && plan.command.length) checkNewFile(`${output}.log`, { replace: create?.force, owner: create?.owner });
}

/** The kernel, the privileges and the addon, checked before anything is created. */
function checkSetup(): void {
  try {
    preflight(loadBinding());
  } catch (err) {
    if (isSetupFailure(err)) throw new CliError(err.message + DOCTOR_HINT);
    throw err;
  }
}

export async function recordAction(command: string[], flags: RecordFlags): Promise<void> {
  // every flag is checked before anything is created or attached
  const rotation = rotationPlan(flags);
  const output = rotation ? join(rotation.dir, nextChainName(new Date(), (name) => existsSync(join(rotation.dir, name)))) : (flags.output ?? defaultOutputName());
  const options = { ...buildOptions(flags, command, output), ...(rotation ? { rotation } : {}) };
  const plan = buildPlan(flags, command, options);
  if (flags.tui && flags.json) throw new UsageError('--json and --tui cannot be used together: the UI needs the terminal that --json writes to');
  // the UI draws on the terminal and reads its keys: refuse before anything is recorded
  if (flags.tui && (!process.stdout.isTTY || !process.stdin.isTTY))
    throw new UsageError('record --tui needs a terminal; without --tui, record prints one line per connection');
  if (command.length && !findProgram(command[0])) throw new CliError(`cannot run ${command[0]}: no such command (not a file, and not in PATH)`, 127);
  if (plan.readyFile) checkReadyFile(plan.readyFile);
  checkSetup();
  if (rotation && flags.user) checkUserDataParent(rotation.dir, sudoOwner());
  if (rotation) ensureOwnDirectory(rotation.dir, sudoOwner());
  checkOutputs(plan);

  const out = new RecordOutput({
    stdout,
    stderr,
    stdoutColor: useColor(process.stdout),
    stderrColor: useColor(process.stderr),
    quiet: !!flags.quiet,
    json: !!flags.json,
    tui: plan.tui,
    command,
    verbose: !!flags.verbose,
  });
  // installed until the process ends: the last lines written may fail too
  const stop = stopSignals();
  const outcome = await runRecording(plan, realDeps(options.create?.owner ?? null, stop.signals), out);
  out.finished(outcome, output);
  const { reason, error } = outcome.ended;
  if (reason === 'start-failed') throw new CliError(describeRecordError(error ?? { message: 'recording did not start' }, !!flags.verbose));
  if (error) throw new CliError(error.message);
  const outputError = stop.outputError();
  if (outputError) throw new CliError(outputError);
  if (outcome.commandExit !== null) process.exitCode = outcome.commandExit;
}

export function registerRecord(program: Command): void {
  program
    .command('record')
    .description('capture the socket traffic of this machine\'s processes into a session file')
    .argument('[command...]', 'run this command and capture it and its children (after --)')
    .option('-o, --output <file>', 'session file to write (default: tinytap-YYYYMMDD-HHMMSS.tinytap)')
    .option('--force', 'overwrite the output file if it exists')
    .option('--dir [dir]', `write a chain of session files into this directory, a new one at each --rotate (default: ${DEFAULT_CHAIN_DIR})`)
    .option('--user', "with --dir and no DIR: the invoking user's data directory (~/.local/share/tinytap) instead of /var/lib/tinytap")
    .option('--rotate <when>', `with --dir: start a new file after this long or at this size, or both (15m, 256MB, 15m,256MB; default ${DEFAULT_ROTATE})`)
    .option('--keep <budget>', 'with --dir: delete the oldest files once older than this or past this total (7d, 5GB, 7d,5GB; default: keep all)')
    .option('--pid <pid>', 'capture only this process and its children (repeatable)', collect, [])
    .option('--comm <name>', 'capture only processes with this name (repeatable)', collect, [])
    .option('--port <port>', 'capture only connections with this local or remote port (repeatable)', collect, [])
    .option('--max-payload <size>', 'bytes captured per syscall (at most 16m); the rest is recorded as truncated', '256k')
    .option('--buffer-size <size>', 'kernel ring buffer size (a power of two, 4k to 1g)', '4m')
    .option('--duration <time>', 'stop after this long (30s, 5m, 1h; at most 24d)')
    .option('--no-sendfile-body', 'do not capture the bodies of sendfile/splice (zero-copy) sends')
    .option('--no-tls', 'do not read TLS plaintext at the TLS libraries (OpenSSL, GnuTLS)')
    .option('--tui', 'watch the exchanges arrive in the terminal UI of `tinytap open`; q stops the recording')
    .option('--as-root', 'under sudo, run -- CMD as root, not as the user who ran sudo')
    .option('--ready-file <path>', 'create this file (it must not exist) once capture has started: one JSON line with the session and pid')
    .option('--json', 'print JSON lines on stdout: {"event":"recording"} once capture has started, one per connection, {"event":"ended"} at the end')
    .option('-q, --quiet', 'print only the summary')
    .option('-v, --verbose', 'one line per TLS library watched or not (and why); libbpf\'s warnings, and its log on failure')
    .addHelpText(
      'after',
      '\nAttaching to the kernel takes most of a second; capture starts when "recording to FILE" is printed, and\n' +
        'traffic before that is not recorded. A script that starts `tinytap record` in the background should\n' +
        'wait for --ready-file, or for the "recording" event of --json, before it sends traffic.',
    )
    .action((command: string[], flags: RecordFlags) => recordAction(command, flags));
}
