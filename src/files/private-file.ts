/**
 * Every file tinytap creates is created here (SPEC.md §3: mode 0600). tinytap runs as root and
 * writes request bodies and credentials, often into directories that other users can write to
 * (/tmp, the current directory of a shared checkout), so a file is:
 * - new: O_CREAT|O_EXCL, never a file that is already there, which its owner may hold open;
 * - never reached through a link: O_NOFOLLOW, and a symlink at the path, dangling or not, is
 *   refused (a planted link would make root create or overwrite a file somewhere else);
 * - private: mode 0600 (0700 for a script) whatever the umask, and owned by the sudo user when
 *   there is one (owner.ts);
 * - replaced (--force) only when what is there is a regular file, by a new private file renamed
 *   over it, and in a shared (sticky) directory such as /tmp only when it is the invoking
 *   user's own: never a device, a FIFO, a directory or a link, never another user's file.
 * A refusal is a FileError: one line that says what is wrong and what to do.
 */
import { randomBytes } from 'node:crypto';
import {
  type BigIntStats,
  type Stats,
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  fsyncSync,
  linkSync,
  lstatSync,
  openSync,
  renameSync,
  statSync,
  statfsSync,
  unlinkSync,
  write,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';

import { type FileOwner, isOwnUid } from './owner.js';

/**
 * EEXIST: a regular file is in the way (--force would replace it); EDISKFULL: no space left;
 * EFILE: any other refusal.
 */
export type FileErrorCode = 'EEXIST' | 'EFILE' | 'EDISKFULL';

export class FileError extends Error {
  constructor(
    readonly code: FileErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface NewFileOptions {
  /** Give the file to this user (the sudo user); null or absent: it stays the process's. */
  owner?: FileOwner | null;
  /** Owner-only permissions: 0o600 (the default), or 0o700 for a script meant to be run. */
  mode?: 0o600 | 0o700;
  /** Replace a regular file already at the path (--force) instead of refusing it. */
  replace?: boolean;
  /** What to tell the user to do about a file in the way (default: the advice for -o). */
  existsHint?: string;
}

/**
 * Which file a path named when we created it: what is removed later must still be that one. An
 * inode number is reused at once for the next file made; its birth time tells them apart (0
 * where the file system does not keep it).
 */
export interface FileIdentity {
  dev: bigint;
  ino: bigint;
  born: bigint;
}

const DEFAULT_EXISTS_HINT = 'choose another name with -o, or add --force to overwrite it';
const S_ISVTX = 0o1000;
const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

function errnoOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

export function kindOf(st: Stats | BigIntStats): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'a regular file';
}

/** What is at `path` itself (a link is not followed), or null when nothing is. */
export function entryAt(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return null;
    throw createError(path, err);
  }
}

function identity(st: BigIntStats): FileIdentity {
  return { dev: st.dev, ino: st.ino, born: st.birthtimeNs };
}

export function identityOf(fd: number): FileIdentity {
  return identity(fstatSync(fd, { bigint: true }));
}

export function isSameFile(a: FileIdentity, b: FileIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.born === b.born;
}

/** Remove `path` if it is still the file we created (never a link, never someone else's). */
export function removeIfSame(path: string, id: FileIdentity): boolean {
  try {
    if (!isSameFile(identity(lstatSync(path, { bigint: true })), id)) return false;
    unlinkSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * A sticky directory (/tmp) lets each user remove only their own files. Root may remove
 * anyone's, but tinytap does not do so on a user's behalf.
 */
export function foreignInSharedDirectory(path: string, st: Stats, dir: Stats, owner: FileOwner | null): FileError | null {
  if ((dir.mode & S_ISVTX) === 0 || isOwnUid(st.uid, owner)) return null;
  return new FileError(
    'EFILE',
    `${path} belongs to another user (uid ${st.uid}) in the shared directory ${dirname(path)}: tinytap does not replace it; choose another name`,
  );
}

/**
 * Why the entry `st` at `path` stops us, or null when it may be replaced (`dir`, the directory
 * it is in, is only looked at when replacing).
 */
function inTheWay(path: string, st: Stats, dir: Stats | null, opts: NewFileOptions): FileError | null {
  if (st.isSymbolicLink())
    return new FileError('EFILE', `${path} is a symbolic link: tinytap never writes through a link; give the real path, or remove the link`);
  if (st.isDirectory()) return new FileError('EFILE', `${path} is a directory: give a file name`);
  if (!st.isFile())
    return new FileError('EFILE', `${path} is ${kindOf(st)}, not a regular file: tinytap writes regular files only; give another name`);
  if (!opts.replace) return new FileError('EEXIST', `${path} already exists: ${opts.existsHint ?? DEFAULT_EXISTS_HINT}`);
  return dir && foreignInSharedDirectory(path, st, dir, opts.owner ?? null);
}

/** The directory a new file goes into: it must exist and be one. */
export function parentDirectory(path: string): Stats {
  const dir = dirname(path);
  let st: Stats;
  try {
    st = statSync(dir);
  } catch (err) {
    throw createError(path, err);
  }
  if (!st.isDirectory()) throw new FileError('EFILE', `${path}: ${dir} is not a directory`);
  return st;
}

function emptyName(): FileError {
  return new FileError('EFILE', 'the file name is empty: give a file name');
}

/**
 * Refuse now what creating `path` would refuse later: before the seconds that attaching takes,
 * before a long export. The creation itself checks again (the path may change meanwhile).
 */
export function checkNewFile(path: string, opts: NewFileOptions = {}): void {
  if (path === '') throw emptyName();
  const dir = parentDirectory(path);
  const st = entryAt(path);
  const refusal = st && inTheWay(path, st, dir, opts);
  if (refusal) throw refusal;
}

/** One line for an error creating `path` (`opts`: how it was created, for a file in the way). */
export function createError(path: string, err: unknown, opts: NewFileOptions = {}): FileError {
  const dir = dirname(path);
  switch (errnoOf(err)) {
    case 'EEXIST': {
      const st = entryAt(path);
      // gone again: someone is racing us for the name
      if (!st) return new FileError('EFILE', `${path} appeared and went while tinytap was creating it: try again`);
      return inTheWay(path, st, null, { ...opts, replace: false }) ?? new FileError('EEXIST', `${path} already exists`);
    }
    case 'ENOENT':
      return new FileError('EFILE', `${path}: no such directory ${dir}`);
    case 'ENOTDIR':
      return new FileError('EFILE', `${path}: ${dir} is not a directory`);
    case 'EISDIR':
      return new FileError('EFILE', `${path} is a directory: give a file name`);
    case 'EACCES':
    case 'EPERM':
      return new FileError('EFILE', `cannot create ${path}: permission denied`);
    case 'EROFS':
      return new FileError('EFILE', `cannot create ${path}: the file system is read-only`);
    case 'ENAMETOOLONG':
      return new FileError('EFILE', `cannot create ${path}: the name is too long`);
    case 'ELOOP':
      return new FileError('EFILE', `cannot create ${path}: too many symbolic links in ${dir}`);
    case 'ENOSPC':
    case 'EDQUOT':
      return diskFull(path);
    default:
      return new FileError('EFILE', `cannot create ${path}: ${(err as Error).message}`);
  }
}

export function diskFull(path: string): FileError {
  return new FileError('EDISKFULL', `the disk is full: cannot write ${path}; free some space, or write somewhere else`);
}

/** One line for an error writing into `path`, once it exists. */
export function writeError(path: string, err: unknown): FileError {
  const code = errnoOf(err);
  if (code === 'ENOSPC' || code === 'EDQUOT') return diskFull(path);
  return new FileError('EFILE', `cannot write ${path}: ${(err as Error).message}`);
}

/** Free bytes for an unprivileged user where `path` is (Infinity when that cannot be told). */
function freeBytes(path: string): number {
  try {
    const s = statfsSync(dirname(path));
    return s.bavail * s.bsize;
  } catch {
    return Infinity;
  }
}

/**
 * Whether a failed write means the disk is full. SQLite says SQLITE_FULL when a write returns
 * ENOSPC, but a full tmpfs shows up as SQLITE_IOERR (it cannot grow the memory-mapped -shm, or
 * a page write is cut short): then the file system is asked.
 */
export function isDiskFull(err: unknown, path: string): boolean {
  const code = errnoOf(err);
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL') return true;
  return code.startsWith('SQLITE_IOERR') && freeBytes(path) < 1 << 20;
}

function openNew(path: string, opts: NewFileOptions): number {
  let fd: number;
  try {
    fd = openSync(path, CREATE_NEW, opts.mode ?? 0o600);
  } catch (err) {
    throw createError(path, err, opts);
  }
  try {
    // exactly these permissions, whatever the umask
    fchmodSync(fd, opts.mode ?? 0o600);
    if (opts.owner) fchownSync(fd, opts.owner.uid, opts.owner.gid);
    return fd;
  } catch (err) {
    undoCreate(path, fd);
    throw createError(path, err);
  }
}

/** Close and remove a file we have just created, after a step that failed. */
function undoCreate(path: string, fd: number): void {
  const id = identityOf(fd);
  closeSync(fd);
  removeIfSame(path, id);
}

/** A name for a temporary file beside `path`: same directory, so it can be renamed over it. */
export function tempNameBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tinytap-tmp`);
}

/**
 * Create `path` as a new private file and return it open for writing. With `replace`, a regular
 * file already there is replaced (a new file made beside it is renamed over it: whoever holds
 * the old one open keeps the old one); anything else there is refused.
 */
export function createPrivateFile(path: string, opts: NewFileOptions = {}): number {
  if (path === '') throw emptyName();
  if (!opts.replace || !entryAt(path)) return openNew(path, opts);
  checkNewFile(path, opts);
  const temp = tempNameBeside(path);
  const fd = openNew(temp, opts);
  try {
    renameSync(temp, path);
    return fd;
  } catch (err) {
    undoCreate(temp, fd);
    throw createError(path, err);
  }
}

/** Write all of `data` at the file's current offset. */
export function writeAll(fd: number, data: Buffer | string): void {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
}

const writeAsync = promisify(write);

/**
 * A stream into a pending file's descriptor, which stays the PendingFile's: a Writable runs one
 * write at a time, and `settled()` says when the last one is over (a descriptor must not be
 * closed under a write still running in the thread pool: the number may be reused meanwhile).
 */
export class PendingWritable extends Writable {
  private inFlight: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly fd: number,
    highWaterMark: number,
  ) {
    super({ highWaterMark });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    const all = (async () => {
      for (let off = 0; off < chunk.length; ) off += (await writeAsync(this.fd, chunk, off, chunk.length - off)).bytesWritten;
    })();
    this.inFlight = all.catch(() => {});
    all.then(() => done(), done);
  }

  settled(): Promise<unknown> {
    return this.inFlight;
  }
}

/**
 * A private file that appears at its path only once complete: it is written under a temporary
 * name beside the path, then linked (a new file: the link fails if the path was taken
 * meanwhile) or renamed (replace) into place.
 */
export class PendingFile {
  private fdOpen = true;
  private settled = false;

  private constructor(
    readonly path: string,
    readonly tempPath: string,
    readonly fd: number,
    private readonly temp: FileIdentity,
    private readonly opts: NewFileOptions,
  ) {}

  static begin(path: string, opts: NewFileOptions = {}): PendingFile {
    checkNewFile(path, opts);
    const tempPath = tempNameBeside(path);
    const fd = openNew(tempPath, opts);
    return new PendingFile(path, tempPath, fd, identityOf(fd), opts);
  }

  /** A stream into the file (for a long document); commit once it has finished. */
  writable(highWaterMark: number): PendingWritable {
    return new PendingWritable(this.fd, highWaterMark);
  }

  write(data: Buffer | string): void {
    try {
      writeAll(this.fd, data);
    } catch (err) {
      throw writeError(this.path, err);
    }
  }

  /** Put the file in place, or throw (and leave nothing behind). */
  commit(): void {
    try {
      try {
        fsyncSync(this.fd);
      } catch (err) {
        throw writeError(this.path, err);
      }
      this.closeFd();
      if (this.opts.replace) this.renameIntoPlace();
      else this.linkIntoPlace();
      this.settled = true;
    } finally {
      this.discard();
    }
  }

  /** Give up: the temporary file goes, nothing appears. Safe to call more than once. */
  discard(): void {
    this.closeFd();
    if (!this.settled) removeIfSame(this.tempPath, this.temp);
    this.settled = true;
  }

  private closeFd(): void {
    if (this.fdOpen) closeSync(this.fd);
    this.fdOpen = false;
  }

  private renameIntoPlace(): void {
    // what is there now, not what was there when the export started
    checkNewFile(this.path, this.opts);
    try {
      renameSync(this.tempPath, this.path);
    } catch (err) {
      throw createError(this.path, err);
    }
  }

  private linkIntoPlace(): void {
    try {
      linkSync(this.tempPath, this.path);
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'EEXIST') checkNewFile(this.path, this.opts);
      // a file system without hard links (FAT, some network ones): rename, having just seen
      // that nothing is there
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw createError(this.path, err);
      checkNewFile(this.path, this.opts);
      renameSync(this.tempPath, this.path);
      return;
    }
    removeIfSame(this.tempPath, this.temp);
  }
}

/** Create (or with `replace`, replace) a private file holding `data`, all at once. */
export function writePrivateFile(path: string, data: Buffer | string, opts: NewFileOptions = {}): void {
  const file = PendingFile.begin(path, opts);
  try {
    file.write(data);
    file.commit();
  } finally {
    file.discard();
  }
}
