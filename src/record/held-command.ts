/**
 * `tinytap record -- CMD`: CMD is started held at the door, so that its pid is in the kernel's
 * filter before CMD can open a single socket.
 */
import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

import type { RunAs } from './run-as.js';

/** The command that execs `command` as `who`: setpriv and its arguments first (run-as.ts). */
export function commandAs(who: RunAs, command: string[]): string[] {
  return [who.setpriv, `--reuid=${who.uid}`, `--regid=${who.gid}`, `--groups=${who.groups.join(',')}`, '--', ...command];
}

/**
 * A shell stops itself before exec'ing CMD. (A pipe or socket as the gate would be captured
 * itself: libuv's stdio pipes are socketpairs.) `log`: an fd for CMD's output, or null to share
 * the terminal. With `runAs`, the shell execs setpriv, which execs CMD as that user: the held
 * shell stays root's until released, so no one else can let CMD go before it is followed.
 */
export function spawnHeld(command: string[], log: number | null, runAs: RunAs | null = null): ChildProcess {
  const stdio: StdioOptions = log === null ? 'inherit' : ['ignore', log, log];
  const argv = runAs ? commandAs(runAs, command) : command;
  const env = runAs ? { ...process.env, ...runAs.env } : process.env;
  return spawn('/bin/sh', ['-c', 'kill -STOP $$; exec "$@"', 'tinytap', ...argv], { stdio, env });
}

/** Wait until the held shell has stopped itself (state T in /proc/PID/stat). */
export async function waitStopped(pid: number): Promise<boolean> {
  for (let i = 0; i < 2000; i++) {
    let state: string;
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

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Whether `exec` will find `program` (as a path, or in PATH): checked before anything is
 * attached, so that a typo is one line, not a recording of nothing and the shell's message.
 */
export function findProgram(program: string, path = process.env.PATH ?? ''): boolean {
  if (program.includes('/')) return isExecutableFile(program);
  // an empty PATH entry is the current directory, as for the shell
  return program !== '' && path.split(delimiter).some((dir) => isExecutableFile(join(dir || '.', program)));
}

