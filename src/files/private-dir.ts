/**
 * A new private directory of files (a Bruno collection), made as private-file.ts makes a file:
 * it is filled under a temporary name beside its path, mode 0700 and owned by the sudo user,
 * each file in it created new (O_EXCL, O_NOFOLLOW) mode 0600, and then renamed into place, so
 * it appears only when complete. The path may name nothing, or an empty directory of the
 * invoking user's own (one made for the export): rename(2) replaces an empty directory and
 * nothing else, and never follows a symbolic link at the path.
 */
import { chownSync, closeSync, fchownSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, chmodSync, constants } from 'node:fs';
import { join } from 'node:path';

import { type FileOwner, isOwnUid } from './owner.js';
import { FileError, createError, createPrivateFile, entryAt, kindOf, parentDirectory, tempNameBeside, writeAll, writeError } from './private-file.js';

const DIR_MODE = 0o700;

/** A name for a file inside the directory: one path component, nothing a reader would take apart. */
function checkName(name: string): void {
  // eslint-disable-next-line no-control-regex
  if (name === '' || name === '.' || name === '..' || /[/\x00-\x1f\x7f]/.test(name)) throw new Error(`not a file name: ${JSON.stringify(name)}`);
}

function isEmptyDirectory(path: string): boolean {
  return readdirSync(path).length === 0;
}

/** Refuse now what making `path` would refuse later: before a long export. */
export function checkNewDirectory(path: string, owner: FileOwner | null): void {
  if (path === '') throw new FileError('EFILE', 'the directory name is empty: give a directory name');
  parentDirectory(path);
  const st = entryAt(path);
  if (!st) return;
  if (!st.isDirectory()) throw new FileError('EEXIST', `${path} is ${kindOf(st)}: give the name of a new directory`);
  if (!isOwnUid(st.uid, owner)) throw new FileError('EFILE', `${path} belongs to another user (uid ${st.uid}): give the name of a new directory`);
  if (!isEmptyDirectory(path)) throw new FileError('EEXIST', `${path} is not empty: give the name of a new directory, or an empty one`);
}

export class PendingDirectory {
  private settled = false;

  private constructor(
    readonly path: string,
    readonly tempPath: string,
    private readonly owner: FileOwner | null,
  ) {}

  static begin(path: string, owner: FileOwner | null): PendingDirectory {
    checkNewDirectory(path, owner);
    const tempPath = tempNameBeside(path);
    try {
      // mkdir fails on anything already there, a link included
      mkdirSync(tempPath, { mode: DIR_MODE });
      chmodSync(tempPath, DIR_MODE);
      if (owner) {
        const fd = openSync(tempPath, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
        try {
          fchownSync(fd, owner.uid, owner.gid);
        } finally {
          closeSync(fd);
        }
      }
    } catch (err) {
      rmSync(tempPath, { recursive: true, force: true });
      throw createError(path, err);
    }
    return new PendingDirectory(path, tempPath, owner);
  }

  /** Add a new file (a name in the directory, not a path). */
  write(name: string, data: string | Uint8Array): void {
    checkName(name);
    const fd = createPrivateFile(join(this.tempPath, name), { owner: this.owner });
    try {
      writeAll(fd, typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.length));
      fsyncSync(fd);
    } catch (err) {
      throw writeError(join(this.path, name), err);
    } finally {
      closeSync(fd);
    }
  }

  /** Put the directory in place, or throw (and leave nothing behind). */
  commit(): void {
    try {
      // what is there now, not what was there when the export started
      checkNewDirectory(this.path, this.owner);
      renameSync(this.tempPath, this.path);
      this.settled = true;
    } catch (err) {
      if (err instanceof FileError) throw err;
      throw createError(this.path, err);
    } finally {
      this.discard();
    }
  }

  /** Give up: the temporary directory goes, nothing appears. Safe to call more than once. */
  discard(): void {
    // ours alone (0700, made new): nothing in it is anyone else's
    if (!this.settled) rmSync(this.tempPath, { recursive: true, force: true });
    this.settled = true;
  }
}

/**
 * The directory `record --dir` keeps its chain of files in, made (0700, the invoking user's) if
 * it is not there. One that is there must be a directory of that user's (or root's) that no one
 * else can write to: the recorder deletes old files in it, and another user's or a shared
 * directory could have a file put there to be deleted or read as ours.
 */
export function ensureOwnDirectory(path: string, owner: FileOwner | null): void {
  if (path === '') throw new FileError('EFILE', 'the directory name is empty: give a directory name');
  let st = entryAt(path);
  if (!st) {
    parentDirectory(path);
    try {
      mkdirSync(path, { mode: DIR_MODE });
    } catch (err) {
      throw createError(path, err);
    }
    if (owner) chownSync(path, owner.uid, owner.gid);
    st = entryAt(path)!;
  }
  if (!st.isDirectory()) throw new FileError('EEXIST', `${path} is ${kindOf(st)}: give a directory for the recording's files`);
  if (!isOwnUid(st.uid, owner)) throw new FileError('EFILE', `${path} belongs to another user (uid ${st.uid}): give a directory of yours`);
  if (st.mode & 0o022)
    throw new FileError('EFILE', `${path} can be written by other users (mode ${(st.mode & 0o777).toString(8)}): run chmod go-w on it, or give another directory`);
}
