/**
 * `record --ready-file PATH`: a file that appears once capture has started, for scripts that
 * start `tinytap record` in the background and must not send traffic before it records.
 */
import { closeSync, constants, existsSync, fchownSync, lstatSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface ReadyInfo {
  session: string;
  pid: number;
  /** ISO 8601: when capture started. */
  startedAt: string;
}

export class ReadyFileError extends Error {
  readonly code = 'EUSAGE';
}

/** Refuse early (before the seconds that attaching takes) what would fail at the end of them. */
export function checkReadyFile(path: string): void {
  let exists = true;
  try {
    lstatSync(path);
  } catch {
    exists = false;
  }
  if (exists) throw new ReadyFileError(`--ready-file ${path} already exists: remove it first, or choose another path`);
  if (!existsSync(dirname(path))) throw new ReadyFileError(`--ready-file ${path}: no such directory ${dirname(path)}`);
}

/**
 * Create it: never through a symlink, never over an existing file (a root process writing where
 * another user can), private, and owned like the session (the sudo user). One JSON line.
 */
export function writeReadyFile(path: string, info: ReadyInfo, owner: { uid: number; gid: number } | null): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    if (owner) fchownSync(fd, owner.uid, owner.gid);
    writeSync(fd, JSON.stringify(info) + '\n');
  } finally {
    closeSync(fd);
  }
}
