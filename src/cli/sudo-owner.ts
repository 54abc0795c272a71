/** Files a command writes under sudo belong to the user who ran sudo, not to root. */
import { chownSync } from 'node:fs';

export function sudoOwner(): { uid: number; gid: number } | null {
  const uid = Number(process.env.SUDO_UID);
  const gid = Number(process.env.SUDO_GID);
  if (process.getuid?.() !== 0 || !process.env.SUDO_UID || !Number.isInteger(uid) || !Number.isInteger(gid)) return null;
  return { uid, gid };
}

/** Give `path` to the sudo user, if there is one. */
export function chownToSudoUser(path: string): void {
  const owner = sudoOwner();
  if (owner) chownSync(path, owner.uid, owner.gid);
}
