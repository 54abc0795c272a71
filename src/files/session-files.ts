/**
 * A session's files on disk: the database NAME and the three files SQLite keeps beside it,
 * NAME-wal, NAME-shm and NAME-journal (https://www.sqlite.org/tempfiles.html).
 *
 * SQLite opens those by name with O_CREAT|O_NOFOLLOW but without O_EXCL: one that is already
 * there is used as it is, whoever made it. Another user who creates NAME-wal mode 0666 before
 * root records NAME (whose default name is predictable) would read every byte recorded, and a
 * crafted one would be replayed into the session. So the recorder creates all four itself,
 * new, private and owned like the session, before SQLite opens the database, and SQLite finds
 * them ready. The database is created whole, already in WAL mode (its header says so), and
 * non-empty: SQLite deletes and re-creates a -wal or -journal it finds beside an empty database,
 * which would give the name back for a moment.
 *
 * While recording, SQLite uses the -wal and -shm it found and never deletes them, and NAME-journal,
 * unused in WAL mode, holds its name: the only rollback-journal write, leaving WAL mode on a
 * clean stop, goes into that file of ours. It also holds a little disk space in reserve: when
 * the disk fills up, the recorder frees it to still write why the recording ended.
 *
 * Creating in a directory that another user controls cannot be made safe (they can swap any
 * file there between our creating it and SQLite opening it), so such directories are refused; a
 * sticky one such as /tmp is fine, since a user cannot remove or rename others' files there.
 */
import { type Stats, closeSync, constants, ftruncateSync, lstatSync, openSync, readSync, unlinkSync } from 'node:fs';
import { basename, dirname } from 'node:path';

import { type FileOwner, isOwnGid, isOwnUid } from './owner.js';
import {
  type FileIdentity,
  FileError,
  checkNewFile,
  createPrivateFile,
  diskFull,
  entryAt,
  identityOf,
  isSameFile,
  kindOf,
  parentDirectory,
  removeIfSame,
  writeAll,
  writeError,
} from './private-file.js';

/** The files SQLite keeps beside a database, by suffix. */
export const SIDECARS = ['-wal', '-shm', '-journal'] as const;
export type Sidecar = (typeof SIDECARS)[number];

/**
 * Space held in NAME-journal for the end of a recording on a full disk: the frames of the meta
 * page that says how it ended, and a new region of the -shm if the WAL needs one (32 KiB).
 * Zeros: SQLite reads a journal whose first byte is 0 as empty, never as one to roll back.
 */
export const RESERVE_BYTES = 64 << 10;

export interface SessionFilesOptions {
  /** --force: replace the invoking user's own session (and its files) at that name. */
  force?: boolean;
  /** The sudo user, who owns the session; null: the process does. */
  owner?: FileOwner | null;
}

interface InTheWay {
  path: string;
  st: Stats;
}

/** Other users must not be able to swap the files SQLite opens by name (see above). */
function checkDirectory(path: string, dir: Stats, owner: FileOwner | null): void {
  const where = dirname(path);
  if (dir.uid !== 0 && !isOwnUid(dir.uid, owner))
    throw new FileError(
      'EFILE',
      `${path}: ${where} belongs to another user (uid ${dir.uid}), who could replace the files SQLite opens beside the session and read it: record into a directory of yours`,
    );
  const othersWrite = (dir.mode & 0o002) !== 0 || ((dir.mode & 0o020) !== 0 && !isOwnGid(dir.gid, owner));
  if (othersWrite && (dir.mode & 0o1000) === 0)
    throw new FileError(
      'EFILE',
      `${path}: other users can write to ${where} (mode ${(dir.mode & 0o7777).toString(8)}) and it is not sticky: one of them could replace the files SQLite opens beside the session and read it; record into a directory only you can write to, or a sticky one like /tmp`,
    );
}

/**
 * A file at a sidecar's name: null when it may go (a link, which holds nothing and which SQLite
 * would refuse to open, blocking the recording; or, with --force, a leftover of the invoking
 * user's own), else why it stops the recording.
 */
function sidecarRefusal(path: string, st: Stats, opts: SessionFilesOptions): FileError | null {
  if (st.isSymbolicLink()) return null;
  const base = basename(path);
  if (!st.isFile())
    return new FileError('EFILE', `${path} is ${kindOf(st)}: SQLite would use it beside the session; remove it, or choose another name with -o`);
  if (!isOwnUid(st.uid, opts.owner ?? null))
    return new FileError(
      'EFILE',
      `${path} already exists and belongs to another user (uid ${st.uid}): SQLite would write the recording into it, where they can read it; remove it, or choose another name with -o`,
    );
  if (!opts.force)
    return new FileError('EEXIST', `${path} is left from an earlier recording: remove ${base}, or add --force to start over`);
  return null;
}

/**
 * Everything that stops a session from being created at `path`, checked without changing
 * anything (before capture is attached); returns what creating it will remove first.
 */
export function checkSessionFiles(path: string, opts: SessionFilesOptions = {}): InTheWay[] {
  checkNewFile(path, { replace: opts.force, owner: opts.owner });
  checkDirectory(path, parentDirectory(path), opts.owner ?? null);
  const remove: InTheWay[] = [];
  const main = entryAt(path);
  if (main) remove.push({ path, st: main });
  for (const suffix of SIDECARS) {
    const p = path + suffix;
    const st = entryAt(p);
    if (!st) continue;
    const refusal = sidecarRefusal(p, st, opts);
    if (refusal) throw refusal;
    remove.push({ path: p, st });
  }
  return remove;
}

function removeEntry({ path, st }: InTheWay): void {
  try {
    const now = lstatSync(path);
    // only what was checked: if it changed meanwhile, the O_EXCL creation refuses it
    if (now.dev === st.dev && now.ino === st.ino && now.birthtimeMs === st.birthtimeMs) unlinkSync(path);
  } catch {
    // gone already
  }
}

/** Create `path` with `data` in it; returns which file it is. Removes it again on failure. */
function createWith(path: string, data: Buffer, owner: FileOwner | null): FileIdentity {
  const fd = createPrivateFile(path, { owner });
  const id = identityOf(fd);
  try {
    writeAll(fd, data);
    return id;
  } catch (err) {
    removeIfSame(path, id);
    throw writeError(path, err);
  } finally {
    closeSync(fd);
  }
}

/** The four files of a session being recorded, as created by us. */
export class SessionFiles {
  private constructor(
    readonly path: string,
    private readonly ids: Map<'' | Sidecar, FileIdentity>,
  ) {}

  /**
   * Create the session at `path` holding `image` (a database already in WAL mode), and its
   * -wal, -shm and -journal; or throw a FileError, leaving nothing behind.
   */
  static create(path: string, image: Buffer, opts: SessionFilesOptions = {}): SessionFiles {
    for (const entry of checkSessionFiles(path, opts)) removeEntry(entry);
    const owner = opts.owner ?? null;
    const ids = new Map<'' | Sidecar, FileIdentity>();
    const files = new SessionFiles(path, ids);
    try {
      ids.set('', createWith(path, image, owner));
      ids.set('-wal', createWith(path + '-wal', Buffer.alloc(0), owner));
      ids.set('-shm', createWith(path + '-shm', Buffer.alloc(0), owner));
      ids.set('-journal', createWith(path + '-journal', Buffer.alloc(RESERVE_BYTES), owner));
    } catch (err) {
      files.removeAll();
      // about the session, whichever of its files did not fit
      throw err instanceof FileError && err.code === 'EDISKFULL' ? diskFull(path) : err;
    }
    return files;
  }

  /** Recording never started: remove what we created, as far as it is still ours. */
  removeAll(): void {
    for (const [suffix, id] of this.ids) removeIfSame(this.path + suffix, id);
  }

  /** The disk is full: free the reserve held in NAME-journal (see RESERVE_BYTES). */
  releaseReserve(): void {
    this.withOwnJournal(constants.O_WRONLY, (fd) => ftruncateSync(fd, 0));
  }

  /**
   * After SQLite closed the session: our NAME-journal goes, unless SQLite made a real journal of
   * it (a failed switch out of WAL mode: it is then needed to undo that). SQLite itself removed
   * the -wal and -shm if nothing was left in them; one that holds committed pages (the
   * disk was full) stays, it is part of the session.
   */
  tidy(): void {
    const journal = this.path + '-journal';
    let inert = false;
    this.withOwnJournal(constants.O_RDONLY, (fd) => {
      const first = Buffer.alloc(1);
      inert = readSync(fd, first, 0, 1, 0) === 0 || first[0] === 0;
    });
    const id = this.ids.get('-journal');
    if (inert && id) removeIfSame(journal, id);
  }

  private withOwnJournal(flags: number, use: (fd: number) => void): void {
    const id = this.ids.get('-journal');
    if (!id) return;
    let fd: number;
    try {
      fd = openSync(this.path + '-journal', flags | constants.O_NOFOLLOW);
    } catch {
      return; // SQLite removed it: nothing of ours is left there
    }
    try {
      if (isSameFile(identityOf(fd), id)) use(fd);
    } catch {
      // best effort: what is left is an empty journal, harmless to SQLite
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * Remove the session at `path` and its files, when they are the invoking user's (the main
 * thread's cleanup of a worker that died while starting: it does not know which files its
 * worker created). Never a link, never another user's file.
 */
export function removeOwnSessionFiles(path: string, owner: FileOwner | null): void {
  for (const p of [path, ...SIDECARS.map((s) => path + s)]) {
    const st = entryAt(p);
    if (st?.isFile() && isOwnUid(st.uid, owner)) removeEntry({ path: p, st });
  }
}

/** How much disk a session takes: its file, and its WAL when one was left (a full disk, a kill). */
export function sessionBytes(path: string): number {
  let bytes = 0;
  for (const p of [path, path + '-wal']) {
    try {
      const st = lstatSync(p);
      if (st.isFile()) bytes += st.size;
    } catch {
      // not there
    }
  }
  return bytes;
}
