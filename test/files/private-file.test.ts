// Every file tinytap creates goes through src/files/private-file.ts: new, never through a link,
// 0600 (0700 for a script), owned by the sudo user, and replaced only when it is a regular file
// (in a shared directory, only the invoking user's own). Some cases need root (chown to another
// uid); they are skipped without it.
import { execFileSync } from 'node:child_process';
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
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';

import { isOwnGid, isOwnUid, sudoOwner } from '../../src/files/owner.js';
import { PendingFile, checkNewFile, createPrivateFile, writePrivateFile } from '../../src/files/private-file.js';
import { refusal } from '../helpers/file-errors.js';
import { tempDir } from '../helpers/session-files.js';

const isRoot = process.getuid?.() === 0;
const OTHER = 65534; // nobody

let dir: string;
beforeEach(() => {
  dir = tempDir('tinytap-files-');
});

function create(path: string, opts: Parameters<typeof createPrivateFile>[1] = {}): void {
  closeSync(createPrivateFile(path, opts));
}

describe('the invoking user', () => {
  it('is the sudo user when root runs under sudo, else nobody in particular', () => {
    expect(sudoOwner({ SUDO_UID: '1000', SUDO_GID: '100' }, 0)).toEqual({ uid: 1000, gid: 100 });
    expect(sudoOwner({ SUDO_UID: '1000', SUDO_GID: '100' }, 1000)).toBeNull();
    expect(sudoOwner({}, 0)).toBeNull();
    for (const bad of ['', 'x', '-1', '1.5', '4294967295'])
      expect(sudoOwner({ SUDO_UID: bad, SUDO_GID: '100' }, 0), bad).toBeNull();
    expect(isOwnUid(1000, { uid: 1000, gid: 100 }, 0)).toBe(true);
    expect(isOwnUid(0, { uid: 1000, gid: 100 }, 0)).toBe(true);
    expect(isOwnUid(1001, { uid: 1000, gid: 100 }, 0)).toBe(false);
    expect(isOwnUid(1001, null, 0)).toBe(false);
    expect(isOwnGid(0, null, 1000)).toBe(true);
    expect(isOwnGid(1000, null, 1000)).toBe(true);
    expect(isOwnGid(100, { uid: 1000, gid: 100 }, 0)).toBe(true);
    expect(isOwnGid(27, { uid: 1000, gid: 100 }, 0)).toBe(false);
  });
});

describe('createPrivateFile', () => {
  it('creates a new file 0600 whatever the umask, 0700 when asked', () => {
    const old = process.umask(0);
    try {
      create(join(dir, 'a'));
      create(join(dir, 'b'), { mode: 0o700 });
    } finally {
      process.umask(old);
    }
    expect(statSync(join(dir, 'a')).mode & 0o7777).toBe(0o600);
    expect(statSync(join(dir, 'b')).mode & 0o7777).toBe(0o700);
  });

  it('refuses a file that exists, and leaves it alone', () => {
    const p = join(dir, 'out.har');
    writeFileSync(p, 'precious', { mode: 0o644 });
    const e = refusal(() => create(p));
    expect(e.code).toBe('EEXIST');
    expect(e.message).toBe(`${p} already exists: choose another name with -o, or add --force to overwrite it`);
    expect(refusal(() => create(p, { existsHint: 'remove it first' })).message).toBe(`${p} already exists: remove it first`);
    expect(readFileSync(p, 'utf8')).toBe('precious');
  });

  it('refuses a symlink, dangling or not, even with replace: the target is never created nor touched', () => {
    const target = join(dir, 'target');
    writeFileSync(target, 'precious');
    const link = join(dir, 'link');
    symlinkSync(target, link);
    const dangling = join(dir, 'dangling');
    const nowhere = join(dir, 'nowhere');
    symlinkSync(nowhere, dangling);
    for (const p of [link, dangling])
      for (const replace of [false, true]) {
        const e = refusal(() => create(p, { replace }));
        expect(e.code).toBe('EFILE');
        expect(e.message).toBe(`${p} is a symbolic link: tinytap never writes through a link; give the real path, or remove the link`);
        expect(lstatSync(p).isSymbolicLink()).toBe(true);
      }
    expect(readFileSync(target, 'utf8')).toBe('precious');
    expect(existsSync(nowhere)).toBe(false);
  });

  it('refuses a FIFO, a device and a directory, even with replace', () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    // as root, a device node of our own (like /dev/null): a bug here must not cost the system its
    // /dev/null; without root, /dev/null itself, which such a bug could not replace
    const device = isRoot ? join(dir, 'null') : '/dev/null';
    if (isRoot) execFileSync('mknod', [device, 'c', '1', '3']);
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    for (const replace of [false, true]) {
      expect(refusal(() => create(fifo, { replace })).message).toBe(
        `${fifo} is a FIFO, not a regular file: tinytap writes regular files only; give another name`,
      );
      expect(refusal(() => create(device, { replace })).message).toBe(
        `${device} is a character device, not a regular file: tinytap writes regular files only; give another name`,
      );
      expect(refusal(() => create(sub, { replace })).message).toBe(`${sub} is a directory: give a file name`);
    }
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(lstatSync(device).isCharacterDevice()).toBe(true);
  });

  it('says what is wrong with the path: no directory, not a directory, no name', () => {
    const missing = join(dir, 'no', 'x.tinytap');
    expect(refusal(() => create(missing)).message).toBe(`${missing}: no such directory ${join(dir, 'no')}`);
    expect(refusal(() => checkNewFile(missing)).message).toBe(`${missing}: no such directory ${join(dir, 'no')}`);
    const file = join(dir, 'file');
    writeFileSync(file, '');
    expect(refusal(() => checkNewFile(join(file, 'x'))).message).toBe(`${join(file, 'x')}: ${file} is not a directory`);
    expect(refusal(() => create('')).message).toBe('the file name is empty: give a file name');
    expect(refusal(() => checkNewFile('')).message).toBe('the file name is empty: give a file name');
  });

  it('replaces a regular file with a new one: whoever held the old one keeps the old one', () => {
    const p = join(dir, 'old');
    writeFileSync(p, 'old content', { mode: 0o644 });
    const held = openSync(p, 'r');
    const before = statSync(p).ino;
    const fd = createPrivateFile(p, { replace: true });
    closeSync(fd);
    expect(statSync(p).ino).not.toBe(before);
    expect(statSync(p).mode & 0o777).toBe(0o600);
    expect(readFileSync(p, 'utf8')).toBe('');
    expect(readFileSync(held, 'utf8')).toBe('old content');
    closeSync(held);
    // no temporary file left beside it
    expect(readdirSync(dir)).toEqual(['old']);
  });

  it.skipIf(!isRoot)('gives the file to the sudo user', () => {
    const p = join(dir, 'theirs');
    create(p, { owner: { uid: OTHER, gid: OTHER } });
    expect(statSync(p)).toMatchObject({ uid: OTHER, gid: OTHER });
    expect(statSync(p).mode & 0o777).toBe(0o600);
    const q = join(dir, 'replaced');
    writeFileSync(q, 'x');
    create(q, { owner: { uid: OTHER, gid: OTHER }, replace: true });
    expect(statSync(q)).toMatchObject({ uid: OTHER, gid: OTHER });
  });

  it.skipIf(!isRoot)("in a shared (sticky) directory, replaces only the invoking user's own file", () => {
    const shared = join(dir, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    const theirs = join(shared, 'theirs.har');
    writeFileSync(theirs, 'theirs');
    chownSync(theirs, OTHER, OTHER);
    const e = refusal(() => create(theirs, { replace: true }));
    expect(e.message).toBe(
      `${theirs} belongs to another user (uid ${OTHER}) in the shared directory ${shared}: tinytap does not replace it; choose another name`,
    );
    expect(readFileSync(theirs, 'utf8')).toBe('theirs');
    // under sudo as that user, it is theirs to replace
    create(theirs, { replace: true, owner: { uid: OTHER, gid: OTHER } });
    expect(readFileSync(theirs, 'utf8')).toBe('');
    // root's own file in /tmp: replaced
    const mine = join(shared, 'mine.har');
    writeFileSync(mine, 'mine');
    create(mine, { replace: true });
    expect(readFileSync(mine, 'utf8')).toBe('');
  });
});

describe('PendingFile and writePrivateFile: a file that appears only whole', () => {
  it('is not there until committed, and a discarded one leaves nothing', () => {
    const p = join(dir, 'export.har');
    const f = PendingFile.begin(p);
    f.write('{"log":');
    expect(existsSync(p)).toBe(false);
    f.write('{}}');
    f.commit();
    expect(readFileSync(p, 'utf8')).toBe('{"log":{}}');
    expect(statSync(p).mode & 0o777).toBe(0o600);
    const g = PendingFile.begin(join(dir, 'other.har'));
    g.write('half');
    g.discard();
    expect(readdirSync(dir)).toEqual(['export.har']);
  });

  it('never overwrites a file that appeared meanwhile, and --force never replaces what became a link', () => {
    const p = join(dir, 'out');
    const f = PendingFile.begin(p);
    writeFileSync(p, 'appeared');
    expect(refusal(() => f.commit()).code).toBe('EEXIST');
    expect(readFileSync(p, 'utf8')).toBe('appeared');

    const target = join(dir, 'target');
    writeFileSync(target, 'precious');
    const q = join(dir, 'forced');
    writeFileSync(q, 'old');
    const g = PendingFile.begin(q, { replace: true });
    g.write('new');
    // between the check and the rename, the regular file became a link
    execFileSync('ln', ['-sfn', target, q]);
    expect(refusal(() => g.commit()).message).toMatch(/is a symbolic link/);
    expect(readlinkSync(q)).toBe(target);
    expect(readFileSync(target, 'utf8')).toBe('precious');
    expect(readdirSync(dir).sort()).toEqual(['forced', 'out', 'target']);
  });

  it('writes a whole file, replacing a regular one when asked; 0700 for a script', () => {
    const p = join(dir, 'tinytap-1.curl.sh');
    writePrivateFile(p, '#!/bin/sh\necho 1\n', { mode: 0o700 });
    expect(refusal(() => writePrivateFile(p, 'again')).code).toBe('EEXIST');
    writePrivateFile(p, '#!/bin/sh\necho 2\n', { mode: 0o700, replace: true });
    expect(readFileSync(p, 'utf8')).toBe('#!/bin/sh\necho 2\n');
    expect(statSync(p).mode & 0o777).toBe(0o700);
    expect(readdirSync(dir)).toEqual(['tinytap-1.curl.sh']);
  });
});
