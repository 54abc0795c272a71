import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { SessionError, openSessionDb } from '../../src/session/open-session.js';
import { makeSmallSession, tempDir } from '../helpers/session-files.js';

const dir = tempDir();
const good = join(dir, 'good.tinytap');
beforeAll(() => makeSmallSession(good));

function openError(path: string): SessionError {
  try {
    openSessionDb(path).close();
  } catch (err) {
    expect(err).toBeInstanceOf(SessionError);
    return err as SessionError;
  }
  throw new Error(`${path} opened`);
}

describe('openSessionDb', () => {
  it('opens a session', () => {
    const db = openSessionDb(good);
    expect(db.prepare('SELECT sum(events) FROM event_blocks').pluck().get()).toBe(1);
    db.close();
  });

  it('says when the file is missing', () => {
    expect(openError(join(dir, 'nope.tinytap'))).toMatchObject({ code: 'ENOENT', message: expect.stringContaining('no such file') });
  });

  it('rejects an empty file and a text file', () => {
    const empty = join(dir, 'empty.tinytap');
    writeFileSync(empty, '');
    expect(openError(empty).code).toBe('ENOTSESSION');
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'GET / HTTP/1.1\r\n'.repeat(20));
    expect(openError(text)).toMatchObject({ code: 'ENOTSESSION', message: expect.stringContaining('not an SQLite database') });
  });

  it('rejects an SQLite database that is not a session', () => {
    const foreign = join(dir, 'foreign.db');
    const db = new Database(foreign);
    db.exec('CREATE TABLE t (x)');
    db.close();
    expect(openError(foreign)).toMatchObject({ code: 'ENOTSESSION', message: expect.stringContaining('not a tinytap session') });
  });

  it('rejects a session from a newer schema with a hint to upgrade', () => {
    const newer = join(dir, 'newer.tinytap');
    copyFileSync(good, newer);
    const db = new Database(newer);
    db.pragma('user_version = 99');
    db.close();
    expect(openError(newer)).toMatchObject({ code: 'ENEWER', message: expect.stringContaining('upgrade tinytap') });
  });

  it('a directory, to a command that reads one file: says so, and for a record --dir chain names its newest file', () => {
    const empty = join(dir, 'a-dir');
    mkdirSync(empty);
    expect(openError(empty)).toMatchObject({ code: 'ENOTSESSION', message: `${empty} is a directory, not a session file: give a .tinytap file` });
    const chain = join(dir, 'chain');
    mkdirSync(chain);
    for (const name of ['tinytap-20261203-100000.tinytap', 'tinytap-20261203-100002.tinytap', 'tinytap-20261203-100002-2.tinytap', 'notes.txt'])
      writeFileSync(join(chain, name), '');
    expect(openError(chain).message).toBe(
      `${chain} is a directory (a record --dir chain of 3 files): this command reads one file, e.g. the newest: ${join(chain, 'tinytap-20261203-100002-2.tinytap')} (ls, search, show, export, diff and open read the directory)`,
    );
  });

  it('detects a truncated file', () => {
    const cut = join(dir, 'cut.tinytap');
    copyFileSync(good, cut);
    truncateSync(cut, statSync(cut).size - 4096);
    expect(openError(cut)).toMatchObject({ code: 'ECORRUPT', message: expect.stringContaining('truncated') });
  });

  it('rolls back a transaction cut short whose header counts pages not yet written', () => {
    // A real transaction killed in its commit, as Ctrl-C at the end of a build can be: SQLite
    // writes page 1 first, its header already counting the pages the transaction added, then the
    // rest. A file size limit stops the commit there, deterministically, and the process dies: the
    // file is shorter than its header says, with a hot journal beside it.
    const cut = join(dir, 'killed.tinytap');
    copyFileSync(good, cut);
    const limitKiB = Math.ceil(statSync(cut).size / 1024) + 16;
    const child = spawnSync('sh', ['-c', `ulimit -f ${limitKiB} && exec python3 -c "$0" "$1"`, DIES_IN_COMMIT, cut], { encoding: 'utf8' });
    expect(child.signal, child.stderr).toBe('SIGXFSZ');
    const header = readFileSync(cut).subarray(0, 100);
    expect(header.readUInt32BE(28) * header.readUInt16BE(16)).toBeGreaterThan(statSync(cut).size);
    expect(existsSync(`${cut}-journal`)).toBe(true);

    const db = openSessionDb(cut);
    expect(db.prepare('SELECT sum(events) FROM event_blocks').pluck().get()).toBe(1);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'grown'").pluck().get()).toBe(0);
    db.close();
  });

  it('detects garbage in the schema pages', () => {
    const bad = join(dir, 'bad.tinytap');
    const bytes = readFileSync(good);
    // keep the 100-byte header, scribble over the rest of page 1 (the schema table)
    bytes.fill(0xa5, 100, 4096);
    writeFileSync(bad, bytes);
    expect(openError(bad).code).toBe('ECORRUPT');
  });
});

/** Grows the session by ~1 MB in one transaction (within SQLite's default page cache, so nothing
 *  is written before the commit) and commits, past the file size limit the test sets: the kernel
 *  kills it with SIGXFSZ mid-commit, before SQLite can roll back. Python, not Node: Node ignores
 *  SIGXFSZ, and SQLite rolls back the failed write before the error reaches JavaScript. */
const DIES_IN_COMMIT = `
import signal, sqlite3, sys
signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute('BEGIN')
db.execute('CREATE TABLE grown (x BLOB)')
for _ in range(1000):
    db.execute('INSERT INTO grown VALUES (randomblob(1000))')
db.execute('COMMIT')
`;
