// The files SQLite opens beside a session it reads (NAME-journal, -wal, -shm) are used as they
// are, whoever made them: one planted by another user would be rolled back into the session and
// would receive the pages a reader writes. A reader refuses any that is not the session's own.
import { chownSync, copyFileSync, linkSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { SessionError, checkSidecars } from '../../src/session/open-session.js';
import { Session } from '../../src/session/session.js';
import { CURL, NODE, ScriptedSession } from '../helpers/scripted-session.js';
import { tempDir } from '../helpers/session-files.js';

const dir = tempDir('tinytap-sidecars-');
const original = join(dir, 'original.tinytap');
const NOBODY = 65534;
const isRoot = process.geteuid?.() === 0;
let n = 0;

beforeAll(async () => {
  const s = new ScriptedSession(original);
  const c = s.tcp(CURL, NODE);
  c.send('c2s', 'GET /x HTTP/1.1\r\nHost: a\r\n\r\n');
  c.send('s2c', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi');
  c.close();
  await s.finish();
});

/** A copy of the session, not yet built, in a directory of its own. */
function copy(): string {
  const d = join(dir, String(++n));
  mkdirSync(d);
  const path = join(d, 's.tinytap');
  copyFileSync(original, path);
  return path;
}

function refusal(fn: () => unknown): SessionError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SessionError) return err;
    throw err;
  }
  throw new Error('not refused');
}

describe('a reader and the files beside the session', () => {
  it.runIf(isRoot)('refuses a -journal another user planted, and writes nothing into it', () => {
    const path = copy();
    // zeros: a journal SQLite would take as empty and then fill with the pages it replaces
    writeFileSync(`${path}-journal`, Buffer.alloc(512), { mode: 0o666 });
    chownSync(`${path}-journal`, NOBODY, NOBODY);
    const err = refusal(() => Session.open(path));
    expect(err.code).toBe('EFILE');
    expect(err.message).toBe(
      `${path}-journal is owned by another user (uid ${NOBODY}): SQLite would read and write it with the session; if it is not yours, someone may have planted it: remove it, or copy ${path} alone into a directory of yours`,
    );
    expect(readFileSync(`${path}-journal`)).toEqual(Buffer.alloc(512));
  });

  it('refuses a sidecar owned by anyone but the session owner, this user or root (without root: by uid)', () => {
    const path = copy();
    writeFileSync(`${path}-wal`, '');
    const mine = process.geteuid?.() ?? 0;
    // as seen by a user who is neither the file's owner nor root: the session's owner is another
    if (mine !== 0) expect(() => checkSidecars(path, mine + 1, mine + 2, null)).toThrow(/-wal is owned by another user/);
    // the session's owner, this user, the sudo user: each may own it
    expect(() => checkSidecars(path, mine, 4242, null)).not.toThrow();
    expect(() => checkSidecars(path, 4242, mine, null)).not.toThrow();
    expect(() => checkSidecars(path, 4242, 4343, { uid: mine, gid: mine })).not.toThrow();
  });

  it('refuses a symbolic link, a directory or a FIFO at a sidecar name', () => {
    const target = join(dir, 'elsewhere');
    writeFileSync(target, 'precious\n');
    for (const [suffix, plant, kind] of [
      ['-shm', (p: string) => symlinkSync(target, p), 'a symbolic link'],
      ['-journal', (p: string) => mkdirSync(p), 'a directory'],
    ] as const) {
      const path = copy();
      plant(path + suffix);
      const err = refusal(() => Session.open(path));
      expect(err.message).toMatch(new RegExp(`^${path}${suffix} is ${kind}: SQLite would read and write it`));
    }
    expect(readFileSync(target, 'utf8')).toBe('precious\n');
  });

  it('refuses a hard link: a write would land in another file', () => {
    const path = copy();
    const other = join(dir, `other-${n}`);
    writeFileSync(other, Buffer.alloc(512));
    linkSync(other, `${path}-journal`);
    expect(refusal(() => Session.open(path)).message).toMatch(/-journal is a file with 2 names \(a hard link\)/);
    expect(readFileSync(other)).toEqual(Buffer.alloc(512));
  });

  it('reads a session whose sidecars are its own, as before', () => {
    const path = copy();
    writeFileSync(`${path}-journal`, '');
    const s = Session.open(path);
    try {
      expect(s.exchanges()).toHaveLength(1);
    } finally {
      s.close();
    }
  });
});
