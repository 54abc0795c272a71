/**
 * tinytap service install|uninstall|status: an always-on `record --dir` as a systemd service.
 * Where systemd is not PID 1 (a container, WSL without systemd) the unit is still written, and
 * install says what to run instead.
 */
import type { Command } from 'commander';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { writePrivateFile } from '../files/private-file.js';
import { listChainFiles } from '../record/rotation.js';
import { type ServiceConfig, readServiceUnit, recordArgs, serviceUnit } from '../record/service-unit.js';
import { formatBytes, formatCount } from '../render/format.js';
import { term } from '../render/terminal-text.js';
import { openSessionDb } from '../session/open-session.js';
import { chainFacts } from '../session/session-info.js';
import { CliError } from './errors.js';
import { DEFAULT_CHAIN_DIR, DEFAULT_ROTATE, parseChainPlan, parseComm } from './record.js';
import { stdout, writeLine } from './terminal.js';
import { UsageError, parsePort } from './units.js';

const DEFAULT_UNIT_DIR = '/etc/systemd/system';
const DEFAULT_KEEP = '7d,5GB';
const CLI = fileURLToPath(new URL('../../bin/tinytap.js', import.meta.url));

interface UnitFlags {
  name: string;
  unitDir: string;
}

interface InstallFlags extends UnitFlags {
  dir: string;
  rotate: string;
  keep: string;
  port: string[];
  comm: string[];
  force?: boolean;
  start: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function unitPath(f: UnitFlags): string {
  if (!/^[A-Za-z0-9_.@-]+$/.test(f.name)) throw new UsageError(`bad --name '${f.name}': a unit name of letters, digits and _.@-`);
  return join(f.unitDir, `${f.name}.service`);
}

/** systemd runs the system (sd_booted(3): /run/systemd/system exists): systemctl can be used. */
function systemdIsInit(): boolean {
  return existsSync('/run/systemd/system');
}

function systemctl(...args: string[]): void {
  try {
    execFileSync('systemctl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new CliError(`systemctl ${args.join(' ')} failed: ${(e.stderr?.toString() || e.message).trim().split('\n')[0]}`);
  }
}

function install(f: InstallFlags): void {
  const plan = parseChainPlan(f.dir, f.rotate, f.keep === 'none' ? undefined : f.keep);
  const config: ServiceConfig = {
    name: f.name,
    node: process.execPath,
    cli: CLI,
    dir: resolve(plan.dir),
    rotate: f.rotate,
    keep: f.keep === 'none' ? null : f.keep,
    ports: f.port.map(parsePort),
    comms: f.comm.map(parseComm),
  };
  const path = unitPath(f);
  let text: string;
  try {
    text = serviceUnit(config);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  // root's file: systemd runs what it says as root, so no other user may own or change it
  writePrivateFile(path, text, { replace: !!f.force, existsHint: 'add --force to replace it, or tinytap service uninstall first' });
  writeLine(stdout, term`wrote ${path}`);
  if (!f.start) return;
  if (!systemdIsInit()) {
    writeLine(stdout, term`systemd is not the init system here (no /run/systemd/system): start the recorder yourself, as root, from your init or supervisor:`);
    writeLine(stdout, term`  ${[config.node, config.cli, ...recordArgs(config)].map(shellWord).join(' ')}`);
    return;
  }
  systemctl('daemon-reload');
  systemctl('enable', '--now', `${f.name}.service`);
  writeLine(stdout, term`started ${f.name}.service: recording into ${config.dir}`);
}

/** A word for a POSIX shell, single-quoted where it needs to be. */
function shellWord(w: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(w) ? w : `'${w.replace(/'/g, "'\\''")}'`;
}

/** The unit install wrote at `path`; a file it did not write is not touched. */
function readInstalled(path: string): ServiceConfig | null {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st) return null;
  if (!st.isFile()) throw new CliError(`${path} is not a regular file: not a unit tinytap wrote, left alone`);
  const config = readServiceUnit(readFileSync(path, 'utf8'));
  if (!config) throw new CliError(`${path} was not written by tinytap service install (or was edited): left alone`);
  return config;
}

function uninstall(f: UnitFlags): void {
  const path = unitPath(f);
  if (!readInstalled(path)) throw new CliError(`no ${path}: nothing to uninstall`);
  if (systemdIsInit()) systemctl('disable', '--now', `${f.name}.service`);
  unlinkSync(path);
  if (systemdIsInit()) systemctl('daemon-reload');
  writeLine(stdout, term`removed ${path} (the recorded files stay)`);
}

/** The newest file of the chain in `dir`, and what its recorder meta says of the recording. */
interface ChainState {
  files: number;
  bytes: number;
  oldest: string | null;
  newest: string | null;
  recorder: number | null;
  /** When the newest file's chain started, and whether its first file is still there to say so. */
  since: { ns: bigint; first: boolean } | null;
  drops: number;
}

function chainState(dir: string): ChainState {
  const files = existsSync(dir) ? listChainFiles(dir).sort((a, b) => (a.name < b.name ? -1 : 1)) : [];
  let recorder: number | null = null;
  let since: ChainState['since'] = null;
  let chainId: string | null | undefined = undefined;
  let drops = 0;
  for (const file of [...files].reverse()) {
    try {
      const db = openSessionDb(join(dir, file.name));
      try {
        const facts = chainFacts(db);
        if (chainId === undefined) {
          recorder = facts.recorderPid;
          chainId = facts.chain?.id ?? null;
        }
        if ((facts.chain?.id ?? null) === chainId && facts.startedAt !== null) since = { ns: facts.startedAt, first: facts.chain?.sequence === 1 };
        drops += facts.drops.records + facts.drops.events;
      } finally {
        db.close();
      }
    } catch {
      // a file being deleted, or damaged: counted in files and bytes only
    }
  }
  return {
    since,
    files: files.length,
    bytes: files.reduce((s, f) => s + f.bytes, 0),
    oldest: files[0]?.name ?? null,
    newest: files[files.length - 1]?.name ?? null,
    recorder,
    drops,
  };
}

function status(f: UnitFlags): void {
  const path = unitPath(f);
  const config = readInstalled(path);
  if (!config) {
    writeLine(stdout, term`not installed (no ${path}): tinytap service install sets it up`);
    process.exitCode = 3; // as systemctl status for a unit that is not there
    return;
  }
  const state = chainState(config.dir);
  const since = state.since ? `${state.since.first ? 'since' : 'since before'} ${new Date(Number(state.since.ns / 1_000_000n)).toISOString()}` : '';
  let active = state.recorder !== null ? `running (pid ${state.recorder}) ${since}`.trim() : 'not running';
  if (systemdIsInit()) {
    try {
      active = `${execFileSync('systemctl', ['is-active', `${f.name}.service`], { encoding: 'utf8' }).trim()}; ${active}`;
    } catch (err) {
      active = `${String((err as { stdout?: string }).stdout ?? 'inactive').trim()}; ${active}`;
    }
  }
  writeLine(stdout, term`unit        ${path}`);
  writeLine(stdout, term`recorder    ${active}`);
  writeLine(stdout, term`records     ${config.dir}: a new file every ${config.rotate}, keeping ${config.keep ?? 'everything'}`);
  writeLine(stdout, term`files       ${formatCount(state.files)}, ${formatBytes(state.bytes)}${state.oldest ? ` (${state.oldest} … ${state.newest})` : ''}`);
  writeLine(stdout, term`drops       ${formatCount(state.drops)} records and events lost to a full ring buffer, over the files kept`);
  if (state.recorder === null) process.exitCode = 3;
}

function unitOptions(c: Command): Command {
  return c
    .option('--name <name>', 'the unit name', 'tinytap')
    .option('--unit-dir <dir>', 'where the unit file goes', DEFAULT_UNIT_DIR);
}

export function registerService(program: Command): void {
  const service = program.command('service').description('an always-on recorder (record --dir) as a systemd service: install, uninstall, status');
  unitOptions(
    service
      .command('install')
      .description('write the systemd unit and start it (where systemd is the init system)')
      .option('--dir <dir>', 'the directory of the recorded files', DEFAULT_CHAIN_DIR)
      .option('--rotate <when>', 'a new file after this long or at this size (15m, 256MB, 15m,256MB)', DEFAULT_ROTATE)
      .option('--keep <budget>', 'delete the oldest files past this age or total size (7d, 5GB, 7d,5GB; none)', DEFAULT_KEEP)
      .option('--port <port>', 'record only connections with this port (repeatable)', collect, [])
      .option('--comm <name>', 'record only processes with this name (repeatable)', collect, [])
      .option('--force', 'replace a unit tinytap wrote before')
      .option('--no-start', 'write the unit only'),
  ).action((flags: InstallFlags) => install(flags));
  unitOptions(service.command('uninstall').description('stop and disable the service, and remove its unit (the recorded files stay)')).action((flags: UnitFlags) =>
    uninstall(flags),
  );
  unitOptions(service.command('status').description('whether the recorder runs, the files and bytes it keeps, its drops')).action((flags: UnitFlags) => status(flags));
}
