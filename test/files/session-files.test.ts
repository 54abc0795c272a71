// A session and the files SQLite keeps beside it (-wal, -shm, -journal): created by us before
// SQLite opens anything, so that SQLite never writes a recording into a file someone else made
// (src/files/session-files.ts). Cases that chown to another uid need root; skipped without it.
import Database from 'better-sqlite3';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';

import { RESERVE_BYTES, SessionFiles, checkSessionFiles, removeOwnSessionFiles, sessionBytes } from '../../src/files/session-files.js';
import { SessionWriter } from '../../src/record/session-writer.js';
import { refusal } from '../helpers/file-errors.js';
import { tempDir } from '../helpers/session-files.js';

const isRoot = process.getuid?.() === 0;
const OTHER = 65534; // nobody
const IMAGE = Buffer.from('an image of the first pages');

let dir: string;
let file: string;
beforeEach(() => {
  dir = tempDir('tinytap-session-files-');
  file = join(dir, 'x.tinytap');
});

const names = () => readdirSync(dir).sort();
const ino = (p: string) => lstatSync(p).ino;

describe('SessionFiles.create', () => {
  it('creates the session and its three sidecars, private, the reserve held in -journal', () => {
    SessionFiles.create(file, IMAGE);
    expect(names()).toEqual(['x.tinytap', 'x.tinytap-journal', 'x.tinytap-shm', 'x.tinytap-wal']);
    for (const n of names()) expect(statSync(join(dir, n)).mode & 0o777, n).toBe(0o600);
    expect(readFileSync(file)).toEqual(IMAGE);
    expect(statSync(file + '-wal').size).toBe(0);
    expect(statSync(file + '-shm').size).toBe(0);
    expect(readFileSync(file + '-journal')).toEqual(Buffer.alloc(RESERVE_BYTES));
  });

  it.skipIf(!isRoot)('gives all four to the sudo user', () => {
    SessionFiles.create(file, IMAGE, { owner: { uid: OTHER, gid: OTHER } });
    for (const n of names()) expect(statSync(join(dir, n)), n).toMatchObject({ uid: OTHER, gid: OTHER });
  });

  it.skipIf(!isRoot)("refuses another user's -wal, -shm or -journal, even with --force, and writes nothing into it", () => {
    for (const suffix of ['-wal', '-shm', '-journal']) {
      const planted = file + suffix;
      writeFileSync(planted, '');
      chmodSync(planted, 0o666);
      chownSync(planted, OTHER, OTHER);
      for (const force of [false, true]) {
        const e = refusal(() => SessionFiles.create(file, IMAGE, { force }));
        expect(e.message).toBe(
          `${planted} already exists and belongs to another user (uid ${OTHER}): SQLite would write the recording into it, where they can read it; remove it, or choose another name with -o`,
        );
      }
      expect(names()).toEqual([`x.tinytap${suffix}`]);
      expect(statSync(planted).size).toBe(0);
      unlinkSync(planted);
    }
  });

  it('replaces a symlink at a sidecar name, dangling or not, without touching its target', () => {
    const target = join(dir, 'target');
    writeFileSync(target, 'precious');
    symlinkSync(target, file + '-shm');
    symlinkSync(join(dir, 'nowhere'), file + '-wal');
    SessionFiles.create(file, IMAGE);
    expect(lstatSync(file + '-shm').isFile()).toBe(true);
    expect(lstatSync(file + '-wal').isFile()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('precious');
    expect(existsSync(join(dir, 'nowhere'))).toBe(false);
  });

  it('refuses a FIFO or a directory at a sidecar name', () => {
    execFileSync('mkfifo', [file + '-wal']);
    expect(refusal(() => SessionFiles.create(file, IMAGE, { force: true })).message).toBe(
      `${file}-wal is a FIFO: SQLite would use it beside the session; remove it, or choose another name with -o`,
    );
    unlinkSync(file + '-wal');
    mkdirSync(file + '-journal');
    expect(refusal(() => SessionFiles.create(file, IMAGE)).message).toMatch(/-journal is a directory: SQLite would use it/);
    expect(names()).toEqual(['x.tinytap-journal']);
  });

  it('a leftover -wal of our own: refused without --force, replaced (not reused) with it', () => {
    writeFileSync(file + '-wal', 'frames of another session');
    const e = refusal(() => SessionFiles.create(file, IMAGE));
    expect(e.code).toBe('EEXIST');
    expect(e.message).toBe(`${file}-wal is left from an earlier recording: remove x.tinytap-wal, or add --force to start over`);
    const old = ino(file + '-wal');
    SessionFiles.create(file, IMAGE, { force: true });
    expect(ino(file + '-wal')).not.toBe(old);
    expect(statSync(file + '-wal').size).toBe(0);
  });

  it('--force replaces an old session and all its files; without it, the old one stays', () => {
    writeFileSync(file, 'old session');
    writeFileSync(file + '-shm', 'old');
    expect(refusal(() => SessionFiles.create(file, IMAGE)).message).toBe(
      `${file} already exists: choose another name with -o, or add --force to overwrite it`,
    );
    expect(readFileSync(file, 'utf8')).toBe('old session');
    SessionFiles.create(file, IMAGE, { force: true });
    expect(readFileSync(file)).toEqual(IMAGE);
    expect(statSync(file + '-shm').size).toBe(0);
  });

  it('refuses a directory that other users can write to unless it is sticky', () => {
    chmodSync(dir, 0o777);
    expect(refusal(() => checkSessionFiles(file)).message).toBe(
      `${file}: other users can write to ${dir} (mode 777) and it is not sticky: one of them could replace the files SQLite opens beside the session and read it; record into a directory only you can write to, or a sticky one like /tmp`,
    );
    chmodSync(dir, 0o1777);
    expect(() => checkSessionFiles(file)).not.toThrow();
    expect(names()).toEqual([]);
  });

  it.skipIf(!isRoot)("a group-writable directory: refused when the group is another's, fine when it is the user's own", () => {
    chmodSync(dir, 0o775);
    chownSync(dir, 0, OTHER);
    expect(() => checkSessionFiles(file)).toThrow(/other users can write to .* \(mode 775\) and it is not sticky/);
    // a group of the user's own (Fedora gives each user one): under sudo, the sudo user's group
    expect(() => checkSessionFiles(file, { owner: { uid: 1000, gid: OTHER } })).not.toThrow();
    chownSync(dir, 0, 0);
    expect(() => checkSessionFiles(file)).not.toThrow();
  });

  it.skipIf(!isRoot)("refuses a directory that belongs to another user (unless it is the sudo user's)", () => {
    const theirs = join(dir, 'theirs');
    mkdirSync(theirs, { mode: 0o755 });
    chownSync(theirs, OTHER, OTHER);
    const p = join(theirs, 'x.tinytap');
    expect(refusal(() => checkSessionFiles(p)).message).toBe(
      `${p}: ${theirs} belongs to another user (uid ${OTHER}), who could replace the files SQLite opens beside the session and read it: record into a directory of yours`,
    );
    expect(() => checkSessionFiles(p, { owner: { uid: OTHER, gid: OTHER } })).not.toThrow();
  });

  it('on a failure removes only what it created', () => {
    const files = SessionFiles.create(file, IMAGE);
    // someone else's file now stands where our -shm was
    unlinkSync(file + '-shm');
    writeFileSync(file + '-shm', 'not ours');
    files.removeAll();
    expect(names()).toEqual(['x.tinytap-shm']);
  });
});

describe('the reserve and the end', () => {
  it('releaseReserve empties our -journal; tidy removes it unless SQLite made a real journal of it', () => {
    const files = SessionFiles.create(file, IMAGE);
    files.releaseReserve();
    expect(statSync(file + '-journal').size).toBe(0);
    files.tidy();
    expect(existsSync(file + '-journal')).toBe(false);

    const again = SessionFiles.create(join(dir, 'y.tinytap'), IMAGE);
    // a journal header: SQLite may need it to undo a half-made change
    const fd = openSync(join(dir, 'y.tinytap-journal'), 'r+');
    writeSync(fd, Buffer.from([0xd9, 0xd5, 0x05, 0xf9]), 0, 4, 0);
    closeSync(fd);
    again.tidy();
    expect(existsSync(join(dir, 'y.tinytap-journal'))).toBe(true);
  });

  it('sessionBytes counts a WAL that was left', () => {
    writeFileSync(file, Buffer.alloc(4096));
    expect(sessionBytes(file)).toBe(4096);
    writeFileSync(file + '-wal', Buffer.alloc(1000));
    expect(sessionBytes(file)).toBe(5096);
  });

  it.skipIf(!isRoot)("removeOwnSessionFiles removes the invoking user's files, never a link or another's", () => {
    writeFileSync(file, '');
    writeFileSync(file + '-wal', '');
    chownSync(file + '-wal', OTHER, OTHER);
    symlinkSync(join(dir, 'target'), file + '-shm');
    removeOwnSessionFiles(file, null);
    expect(names()).toEqual(['x.tinytap-shm', 'x.tinytap-wal']);
  });
});

describe('SessionWriter on the files it created', () => {
  it('SQLite uses our -wal, -shm and -journal and ends as one file', () => {
    const w = SessionWriter.create(file);
    const ours = Object.fromEntries(['-wal', '-shm'].map((s) => [s, ino(file + s)]));
    w.setMeta('format', 'tinytap-session');
    w.commit();
    // the same files: SQLite neither deleted nor re-created them
    for (const [s, i] of Object.entries(ours)) expect(ino(file + s), s).toBe(i);
    expect(statSync(file + '-wal').size).toBeGreaterThan(0);
    // a reader while recording: our -journal placeholder is not a hot journal to it
    const reader = new Database(file, { readonly: true });
    expect(reader.prepare("SELECT value FROM meta WHERE key = 'format'").pluck().get()).toBe('"tinytap-session"');
    reader.close();
    w.close();
    expect(names()).toEqual(['x.tinytap']);
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });

  it('a start that fails leaves nothing', () => {
    const w = SessionWriter.create(file);
    w.discard();
    expect(names()).toEqual([]);
  });
});
