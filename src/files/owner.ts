/**
 * Who the files tinytap creates belong to. `sudo tinytap ...` runs as root on behalf of the
 * user who typed it: their sessions, exports and logs are theirs (SUDO_UID/SUDO_GID), not
 * root's, so they can read, move and delete them without sudo.
 */

export interface FileOwner {
  uid: number;
  gid: number;
}

/**
 * The sudo user, when this process is root started by sudo; null otherwise (files then belong
 * to the process itself).
 */
export function sudoOwner(env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.()): FileOwner | null {
  if (uid !== 0 || !env.SUDO_UID || !env.SUDO_GID) return null;
  const owner = { uid: Number(env.SUDO_UID), gid: Number(env.SUDO_GID) };
  const valid = (n: number) => Number.isInteger(n) && n >= 0 && n < 2 ** 32 - 1;
  return valid(owner.uid) && valid(owner.gid) ? owner : null;
}

/**
 * Whether a file owned by `uid` is the invoking user's own: the sudo user's, or this process's
 * (root's, without sudo). Only such files are ever replaced or removed in a shared directory.
 */
export function isOwnUid(uid: number, owner: FileOwner | null, euid = process.geteuid?.()): boolean {
  return uid === euid || (owner !== null && uid === owner.uid);
}

/**
 * Whether a group is the invoking user's: root's, or their own (the sudo user's primary group,
 * or this process's). Distributions that give each user a group of their own (Fedora) make
 * directories group-writable by that group: no one else can write there.
 */
export function isOwnGid(gid: number, owner: FileOwner | null, egid = process.getegid?.()): boolean {
  return gid === 0 || gid === (owner ? owner.gid : egid);
}
