/**
 * `record --dir --user`: the invoking user's own data directory, where a recorder run for them
 * keeps its chain (XDG Base Directory: $XDG_DATA_HOME, by default ~/.local/share, then tinytap).
 * Under sudo the user is SUDO_UID's, whose home /etc/passwd gives (sudo resets HOME and the
 * XDG variables); root without sudo is root. The lookup is pure; making it is private-dir.ts's.
 */
import { lstatSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';

import { type FileOwner, isOwnUid } from './owner.js';
import { FileError } from './private-file.js';

/** The home directory /etc/passwd gives `uid`, or null. */
export function homeOf(uid: number, passwd: string): string | null {
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f.length >= 7 && Number(f[2]) === uid && f[2] !== '' && isAbsolute(f[5])) return f[5];
  }
  return null;
}

/** The data directory of the user tinytap runs for, or null when it cannot be told. */
export function userDataDir(env: NodeJS.ProcessEnv, uid: number, passwd: () => string = () => readFileSync('/etc/passwd', 'utf8')): string | null {
  const sudoUid = env.SUDO_UID === undefined ? null : Number(env.SUDO_UID);
  if (uid === 0 && sudoUid !== null && Number.isInteger(sudoUid) && sudoUid > 0) {
    const home = homeOf(sudoUid, passwd());
    return home === null ? null : join(home, '.local', 'share', 'tinytap');
  }
  const xdg = env.XDG_DATA_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'tinytap');
  const home = env.HOME && isAbsolute(env.HOME) ? env.HOME : homeOf(uid, passwd());
  return home === null ? null : join(home, '.local', 'share', 'tinytap');
}

/**
 * The data directory's parent must be there already, a directory (not a link) of the user's:
 * tinytap, as root, makes only the last component, so a link in someone's home cannot point
 * it at a place of root's.
 */
export function checkUserDataParent(dir: string, owner: FileOwner | null): void {
  const parent = dirname(dir);
  const st = lstatSync(parent, { throwIfNoEntry: false });
  if (!st?.isDirectory() || !isOwnUid(st.uid, owner))
    throw new FileError('EFILE', `${parent} is not a directory of yours: make it first (mkdir -p ${parent}), or give --dir DIR`);
}
