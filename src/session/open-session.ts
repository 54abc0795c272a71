/**
 * Opening a .tinytap file for reading: every check a user's mistake can fail (missing, empty,
 * not SQLite, SQLite but not ours, from a newer tinytap, truncated, corrupt) becomes one
 * SessionError whose message says what is wrong, before any other code touches the tables.
 *
 * A session is often someone else's ("send me your .tinytap"): the connection is opened so that
 * no SQL the file holds can run (SPEC.md §4.1), and its schema is compared with what tinytap
 * writes (schema-check.ts) before anything reads it.
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { LAYOUT_VERSION } from '../events/layout.js';
import { sudoOwner } from '../files/owner.js';
import { entryAt, kindOf } from '../files/private-file.js';
import { SIDECARS } from '../files/session-files.js';
import { compareChainNames, isChainFileName } from '../files/chain-names.js';
import { APPLICATION_ID, SCHEMA_VERSION } from './format.js';
import { SchemaError, checkSchema, quoteName } from './schema-check.js';
import { loadTextDictionary } from './exchange-text.js';

export type SessionErrorCode = 'ENOENT' | 'ENOTSESSION' | 'ENEWER' | 'ECORRUPT' | 'EFILE';

export class SessionError extends Error {
  constructor(
    readonly code: SessionErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

function readHeader(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(100);
    const n = readSync(fd, buf, 0, 100, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/**
 * A directory given to a command that reads one session (info, conns, reparse, replay): most
 * likely a `record --dir` chain. Names its newest file, and the commands that read it whole.
 */
function directoryMessage(path: string): string {
  let names: string[] = [];
  try {
    names = readdirSync(path).filter(isChainFileName).sort(compareChainNames);
  } catch {
    // not ours to list: the message says what it can
  }
  const newest = names.at(-1);
  if (!newest) return `${path} is a directory, not a session file: give a .tinytap file`;
  return `${path} is a directory (a record --dir chain of ${names.length} files): this command reads one file, e.g. the newest: ${join(path, newest)} (ls, search, show, export, diff and open read the directory)`;
}

/**
 * The checks SQLite itself would only make lazily, on the first page it cannot find. Says
 * whether the file is in WAL mode without its log beside it (a killed recorder's file, copied
 * alone).
 */
function checkFileShape(path: string): { walWithoutLog: boolean } {
  if (!existsSync(path)) throw new SessionError('ENOENT', `no such file: ${path}`);
  const st = statSync(path);
  if (st.isDirectory()) throw new SessionError('ENOTSESSION', directoryMessage(path));
  if (!st.isFile()) throw new SessionError('ENOTSESSION', `${path} is not a file`);
  if (st.size === 0) throw new SessionError('ENOTSESSION', `${path} is empty: it is not a tinytap session`);
  checkSidecars(path, st.uid);
  const header = readHeader(path);
  if (header.length < 100 || !header.subarray(0, 16).equals(SQLITE_MAGIC))
    throw new SessionError('ENOTSESSION', `${path} is not a tinytap session (not an SQLite database)`);
  // With a WAL beside it the main file may legitimately be shorter: SQLite reads pages from both.
  if (existsSync(path + '-wal')) return { walWithoutLog: false };
  // With a journal beside it (checked above: the session's own), a transaction was cut short
  // (Ctrl-C in a build): its header may count pages never written, and SQLite rolls it back to
  // the file as it was on the first read. A file truncated for good still fails then, in one line.
  if (existsSync(path + '-journal')) return { walWithoutLog: false };
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  const pages = header.readUInt32BE(28);
  const headerValid = header.readUInt32BE(24) === header.readUInt32BE(92);
  if (headerValid && pages > 0 && st.size < pageSize * pages)
    throw new SessionError(
      'ECORRUPT',
      `${path} is truncated (${st.size} of ${pageSize * pages} bytes): it was cut short while copying or writing`,
    );
  // file format versions 2: WAL (https://www.sqlite.org/fileformat2.html, offsets 18 and 19)
  return { walWithoutLog: header[18] === 2 && header[19] === 2 };
}

/**
 * The files SQLite would open beside the session (NAME-wal, -shm, -journal) without O_EXCL: one
 * that is already there is used as it is. Planted by another user, a -journal or -wal would be
 * read into the session (a hot journal is rolled back into it) and would receive the pages a
 * reader writes, derived data and the original pages it replaces, where that user can read
 * them. So each one there must be a regular file of the session's owner, of this user or of
 * root, and only one name for it (a hard link would make a write land in another file).
 * `uid`: the session file's owner.
 */
export function checkSidecars(path: string, uid: number, euid = process.geteuid?.() ?? 0, owner = sudoOwner()): void {
  for (const suffix of SIDECARS) {
    const p = path + suffix;
    const st = entryAt(p);
    if (!st) continue;
    const why = !st.isFile()
      ? kindOf(st)
      : ![uid, euid, 0, owner?.uid].includes(st.uid)
        ? `owned by another user (uid ${st.uid})`
        : st.nlink > 1
          ? `a file with ${st.nlink} names (a hard link)`
          : null;
    if (why)
      throw new SessionError(
        'EFILE',
        `${p} is ${why}: SQLite would read and write it with the session; if it is not yours, someone may have planted it: remove it, or copy ${path} alone into a directory of yours`,
      );
  }
}

export function isCorruptionError(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT');
}

/** SQLite's message, which may quote the file's own text (a name, a piece of its schema), on one line. */
function sqliteMessage(err: unknown): string {
  return quoteName(String((err as Error)?.message ?? err)).slice(1, -1);
}

export function corruptError(path: string, err: unknown): SessionError {
  return new SessionError('ECORRUPT', `${path} is corrupt (${sqliteMessage(err)}): it cannot be read`);
}

/**
 * Settings of every connection to a session (SPEC.md §4.1), before its schema is read:
 * - defensive mode (SQLITE_DBCONFIG_DEFENSIVE): no writable_schema, shadow tables read-only.
 *   better-sqlite3 turns it on when it opens a database and its one switch is unsafeMode():
 *   unsafeMode(false) is that switch, stated here so that nothing turns it off unnoticed;
 * - trusted_schema off: functions that are not innocuous cannot run from the schema;
 * - foreign keys off: dropping a derived table must not cascade into the sender's tables (and
 *   fire their triggers); tinytap's own tables rely on none;
 * - cell_size_check: malformed pages are found as they are read, not after;
 * - no memory mapping: a file shortened under us is an error, not a SIGBUS.
 * Extensions: better-sqlite3 allows only its own loadExtension() (never called), and the SQL
 * function load_extension() is refused.
 */
export function distrust(db: Database.Database): void {
  db.unsafeMode(false);
  db.pragma('trusted_schema = OFF');
  db.pragma('foreign_keys = OFF');
  db.pragma('cell_size_check = ON');
  db.pragma('mmap_size = 0');
}

export interface OpenOptions {
  /** Open read-only: never create derived tables (default: read-write when the file allows it). */
  readonly?: boolean;
}

/**
 * The kernel records' layout (SPEC.md §4): a newer one may give fields meanings this reader does
 * not know, so it refuses rather than misread; a record of a newer version inside an older
 * file is passed over (decode-records.ts).
 */
function checkLayoutVersion(db: Database.Database, path: string): void {
  const row = db.prepare("SELECT value FROM meta WHERE key = 'layout_version'").get() as { value: string } | undefined;
  if (!row) return;
  let layout: unknown;
  try {
    layout = JSON.parse(row.value);
  } catch {
    throw new SessionError('ECORRUPT', `${path} has an unreadable layout_version: it is damaged`);
  }
  if (typeof layout !== 'number' || !Number.isInteger(layout) || layout < 1)
    throw new SessionError('ECORRUPT', `${path} has an unreadable layout_version: it is damaged`);
  if (layout > LAYOUT_VERSION)
    throw new SessionError(
      'ENEWER',
      `${path} was recorded by a newer tinytap (record layout ${layout}; this one reads up to ${LAYOUT_VERSION}): upgrade tinytap`,
    );
}

/** Open and identify a session; the caller owns (and closes) the database. */
export function openSessionDb(path: string, opts: OpenOptions = {}): Database.Database {
  const { walWithoutLog } = checkFileShape(path);
  // Any connection to a file in WAL mode makes the log and its index beside it, and only one that
  // may write removes them when it closes: a reader of such a file opens it writable, and is kept
  // from writing (query_only), so that it leaves the directory as it found it.
  const readonly = !!opts.readonly && !walWithoutLog;
  const open = (ro: boolean) => new Database(path, { fileMustExist: true, readonly: ro });
  let db: Database.Database;
  try {
    try {
      db = open(readonly);
    } catch (err) {
      // not writable here: read it as it is
      if ((err as { code?: string }).code !== 'SQLITE_CANTOPEN' || readonly) throw err;
      db = open(true);
    }
  } catch (err) {
    throw corruptError(path, err);
  }
  try {
    distrust(db);
    if (opts.readonly && !readonly) db.pragma('query_only = ON');
    const appId = db.pragma('application_id', { simple: true }) as number;
    const version = db.pragma('user_version', { simple: true }) as number;
    if (appId !== APPLICATION_ID)
      throw new SessionError('ENOTSESSION', `${path} is an SQLite database but not a tinytap session`);
    if (version > SCHEMA_VERSION)
      throw new SessionError(
        'ENEWER',
        `${path} was written by a newer tinytap (schema ${version}; this one reads up to ${SCHEMA_VERSION}): upgrade tinytap`,
      );
    if (version < 1) throw new SessionError('ECORRUPT', `${path} has no schema version: it is damaged`);
    try {
      checkSchema(db, version);
    } catch (err) {
      if (err instanceof SchemaError)
        throw new SessionError(
          'ECORRUPT',
          `${path} is not as tinytap wrote it (changed afterwards, damaged, or from a newer tinytap): ${err.message}; it is not read`,
        );
      throw err;
    }
    // touching the tables reads their pages: corruption of the schema shows here, not later
    db.prepare('SELECT count(*) FROM meta').get();
    checkLayoutVersion(db, path);
    // the searchable text is read through tinytap_text, with the file's dictionary
    loadTextDictionary(db);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof SessionError) throw err;
    throw corruptError(path, err);
  }
}
