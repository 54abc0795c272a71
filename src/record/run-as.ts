/**
 * `sudo tinytap record -- CMD` runs CMD as the user who ran sudo, not as root: tinytap needs
 * root to attach its probes, CMD does not (and `sudo tinytap record -- npm test` should not run
 * the test suite, its install scripts and every file it writes as root).
 *
 * The user is SUDO_UID and SUDO_GID with the user's supplementary groups, as initgroups(3) would
 * give them (what a login, or `sudo -u USER`, gives): Node's spawn() options `uid` and `gid`
 * drop every supplementary group instead, so the switch is made by setpriv (util-linux), which
 * the held shell execs once the kernel follows its pid (held-command.ts): the pid stays the same
 * through sh → setpriv → CMD, so CMD is in the kernel's filter before it can open a socket. The
 * groups are looked up here, before anything is attached, and handed over as numbers: setpriv's
 * own --init-groups would ask NSS (nscd, sssd: sockets) from inside the recorded process.
 *
 * The environment is tinytap's (what sudo kept), with HOME, USER, LOGNAME and SHELL set from the
 * user's passwd entry, as `sudo -u USER` sets them: CMD finds its own ~/.npmrc, ~/.config...
 * rather than root's, which it could not read anyway.
 */
import { execFileSync } from 'node:child_process';

import { findProgram } from './held-command.js';

export interface RunAs {
  uid: number;
  gid: number;
  /** Supplementary groups, the primary one included (as initgroups sets them). */
  groups: number[];
  /** Variables to set in CMD's environment. */
  env: Record<string, string>;
  /** The setpriv program to exec. */
  setpriv: string;
}

/** Why CMD cannot be run as the user: one line, said before anything is attached. */
export class RunAsError extends Error {
  readonly code = 'EUSAGE';
}

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

/** One line of `getent passwd`: name:password:uid:gid:gecos:home:shell. */
export function parsePasswdLine(line: string): PasswdEntry | null {
  const f = line.trim().split(':');
  if (f.length < 7 || !/^\d+$/.test(f[2]) || !/^\d+$/.test(f[3])) return null;
  return { name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5], shell: f[6] };
}

/** What the system says about users and groups (NSS through getent and id); a fake in tests. */
export interface UserDatabase {
  /** The passwd entry of `uid`, or null. */
  passwd(uid: number): PasswdEntry | null;
  /** The groups of `name` with `gid` as its primary group (getgrouplist), or null. */
  groups(name: string, gid: number): number[] | null;
  /** The path of setpriv, or null when it is not installed. */
  setpriv(): string | null;
}

function output(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
}

export const systemUsers: UserDatabase = {
  passwd: (uid) => {
    const line = output('getent', ['passwd', String(uid)]);
    return line === null ? null : parsePasswdLine(line.split('\n')[0]);
  },
  groups: (name) => {
    // `id -G NAME` is getgrouplist(NAME, the passwd gid): the groups a login would have
    const ids = output('id', ['-G', '--', name]);
    return ids === null ? null : ids.trim().split(/\s+/).filter(Boolean).map(Number);
  },
  setpriv: () => ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => findProgram(p)) ?? (findProgram('setpriv') ? 'setpriv' : null),
};

/**
 * How to run CMD as `owner` (the sudo user): its groups, its environment, the setpriv to use.
 * Throws RunAsError when that cannot be done, naming --as-root as the way out.
 */
export function runAsUser(owner: { uid: number; gid: number }, users: UserDatabase = systemUsers): RunAs {
  const setpriv = users.setpriv();
  if (!setpriv)
    throw new RunAsError(
      `-- CMD runs as the user who ran sudo (uid ${owner.uid}) through setpriv, which is not installed: install util-linux, or add --as-root to run it as root`,
    );
  const entry = users.passwd(owner.uid);
  if (!entry)
    throw new RunAsError(`-- CMD runs as the user who ran sudo, but SUDO_UID ${owner.uid} is no user here (getent passwd): add --as-root to run it as root`);
  const groups = users.groups(entry.name, owner.gid);
  if (!groups) throw new RunAsError(`cannot find the groups of ${entry.name} (id -G ${entry.name}): add --as-root to run -- CMD as root`);
  return {
    uid: owner.uid,
    gid: owner.gid,
    groups: [...new Set([owner.gid, ...groups])],
    env: { HOME: entry.home, USER: entry.name, LOGNAME: entry.name, SHELL: entry.shell },
    setpriv,
  };
}
