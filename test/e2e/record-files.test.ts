// The files a root `tinytap record` creates, attacked by another user (uid 65534, nobody, run
// with setpriv) who can write where root records: a shared sticky directory like /tmp. They
// plant the files SQLite would open beside the session (NAME-wal mode 0666, a NAME-shm link)
// and must not read a byte of what is recorded; -o mistakes are one line before anything is
// attached; a full disk ends with a file that says why it ended.
//
// Each shared directory is tried twice: world-writable (1777, /tmp itself) and writable by
// nobody's group only (1770). The kernel's fs.protected_regular and fs.protected_symlinks, when
// a distribution turns them on, already keep root from opening another user's files in a
// world-writable sticky directory; they do not cover the second kind, so there tinytap's own
// checks are all there is.
import Database from 'better-sqlite3';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { CLI, NOBODY, type Server, asNobody, curl, describeCapture, runAsync, runRecorder, sharedDir, startNodeServer, tempDir } from './harness.js';

const SHARED_MODES = [0o1777, 0o1770] as const;

function tinytap(...args: string[]) {
  return runAsync(process.execPath, [CLI, ...args]);
}

/** What nobody manages to read of every file in `dir`: it must be nothing. */
function readableByNobody(dir: string): string {
  return readdirSync(dir)
    .map((name) => {
      const r = asNobody('cat', join(dir, name));
      return r.status === 0 ? `${name}: ${r.stdout.length} bytes` : '';
    })
    .join('');
}

describeCapture('record: files another user prepared', () => {
  let node: Server;
  const dirs: string[] = [];
  const shared = (mode: 0o1777 | 0o1770) => {
    const d = sharedDir(mode);
    dirs.push(d);
    return d;
  };
  beforeAll(async () => {
    if (asNobody('true').status !== 0) throw new Error('these tests need setpriv (util-linux) to run as nobody');
    node = await startNodeServer();
  });
  afterAll(async () => {
    await node?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  for (const mode of SHARED_MODES) {
    it(`a planted NAME-wal (0666) in a shared directory (${mode.toString(8)}): refused, nothing is written into it`, async () => {
      const dir = shared(mode);
      const file = join(dir, 'x.tinytap');
      expect(asNobody('sh', '-c', `umask 0; : > ${file}-wal`).status).toBe(0);
      expect(statSync(`${file}-wal`).mode & 0o777).toBe(0o666);
      const r = await tinytap('record', '-o', file, '--port', String(node.port), '--duration', '1s');
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `tinytap: ${file}-wal already exists and belongs to another user (uid ${NOBODY}): SQLite would write the recording into it, where they can read it; remove it, or choose another name with -o\n`,
      );
      expect(readdirSync(dir)).toEqual(['x.tinytap-wal']);
      expect(statSync(`${file}-wal`).size).toBe(0);
    });

    it(`a planted NAME-shm link (${mode.toString(8)}): recorded safely, nobody reads a byte, the link's target untouched`, async () => {
      const dir = shared(mode);
      const file = join(dir, 'x.tinytap');
      const victim = join(tempDir(), 'victim');
      writeFileSync(victim, 'precious');
      expect(asNobody('ln', '-s', victim, `${file}-shm`).status).toBe(0);
      const r = runRecorder(['-o', file, '--port', String(node.port)]);
      await r.ready;
      const secret = 'Authorization: Bearer e2e-secret-token';
      await curl('-o', '/dev/null', '-H', secret, `http://127.0.0.1:${node.port}/json`);
      // while recording: the session, its -wal, -shm and -journal are root's, 0600
      await new Promise((res) => setTimeout(res, 400));
      expect(readdirSync(dir).sort()).toEqual(['x.tinytap', 'x.tinytap-journal', 'x.tinytap-shm', 'x.tinytap-wal']);
      for (const name of readdirSync(dir)) {
        const st = lstatSync(join(dir, name));
        expect(st.isFile(), name).toBe(true);
        expect(st.mode & 0o777, name).toBe(0o600);
        expect(st.uid, name).toBe(0);
      }
      expect(readableByNobody(dir)).toBe('');
      r.proc.kill('SIGINT');
      expect((await r.exited).code).toBe(0);
      expect(readdirSync(dir)).toEqual(['x.tinytap']);
      expect(readableByNobody(dir)).toBe('');
      expect(readFileSync(victim, 'utf8')).toBe('precious');
      const search = await tinytap('search', file, 'e2e-secret-token');
      expect(search.stdout).toContain('/json');
    });
  }

  it("--force does not remove another user's session in a shared directory", async () => {
    const dir = shared(0o1777);
    const file = join(dir, 'theirs.tinytap');
    expect(asNobody('sh', '-c', `echo theirs > ${file}`).status).toBe(0);
    const r = await tinytap('record', '-o', file, '--force', '--duration', '1s');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `tinytap: ${file} belongs to another user (uid ${NOBODY}) in the shared directory ${dir}: tinytap does not replace it; choose another name\n`,
    );
    expect(readFileSync(file, 'utf8')).toBe('theirs\n');
  });

  it('-o mistakes are one line, before anything is attached, and create nothing', async () => {
    const dir = tempDir();
    const cases: [string, string][] = [
      [join(dir, 'no', 'x.tinytap'), `${join(dir, 'no', 'x.tinytap')}: no such directory ${join(dir, 'no')}`],
      ['', 'the file name is empty: give a file name'],
      [dir, `${dir} is a directory: give a file name`],
    ];
    const dangling = join(dir, 'dangling.tinytap');
    execFileSync('ln', ['-s', join(dir, 'nowhere'), dangling]);
    cases.push([dangling, `${dangling} is a symbolic link: tinytap never writes through a link; give the real path, or remove the link`]);
    for (const [output, message] of cases) {
      const started = Date.now();
      const r = await tinytap('record', '-o', output, '--duration', '1s');
      expect(r.stderr, output).toBe(`tinytap: ${message}\n`);
      expect(r.code).toBe(1);
      // attaching takes seconds; refusing does not
      expect(Date.now() - started).toBeLessThan(3000);
    }
    expect(readdirSync(dir)).toEqual(['dangling.tinytap']);
    expect(existsSync(join(dir, 'nowhere'))).toBe(false);
  });

  it('export --force onto a link or a device node: refused, the target untouched', async () => {
    const dir = tempDir();
    const file = join(dir, 's.tinytap');
    expect((await tinytap('record', '-o', file, '--duration', '1s', '--quiet')).code).toBe(0);
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'precious');
    execFileSync('ln', ['-s', victim, join(dir, 'stdout')]);
    // a char device like /dev/null, made here so that nothing of the system's is at risk
    execFileSync('mknod', [join(dir, 'null'), 'c', '1', '3']);
    for (const out of ['stdout', 'null']) {
      const r = await tinytap('export', file, '--har', '--force', '-o', join(dir, out));
      expect(r.code, out).toBe(1);
      expect(r.stderr).toMatch(/^tinytap: .* is (a symbolic link|a character device, not a regular file): /);
    }
    expect(lstatSync(join(dir, 'stdout')).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(dir, 'null')).isCharacterDevice()).toBe(true);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
  });
});

describeCapture('record: a full disk', () => {
  let node: Server;
  beforeAll(async () => {
    node = await startNodeServer();
  });
  afterAll(async () => {
    await node?.stop();
  });

  it('a disk that others fill up: the session still says why it ended, and the summary counts its WAL', async () => {
    const dir = tempDir();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tinytap-full', dir]);
    try {
      const file = join(dir, 'full.tinytap');
      const r = runRecorder(['-o', file, '--port', String(node.port)]);
      await r.ready;
      await curl('-o', '/dev/null', `http://127.0.0.1:${node.port}/json`);
      await new Promise((res) => setTimeout(res, 400));
      // another program takes every byte that is left: the next commit that grows the WAL
      // cannot be written
      spawnSync('dd', ['if=/dev/zero', `of=${join(dir, 'filler')}`, 'bs=4k']);
      while (r.proc.exitCode === null) await curl('-o', '/dev/null', `http://127.0.0.1:${node.port}/json`);
      const { code } = await r.exited;
      expect(code).toBe(1);
      expect(r.stderr).toMatch(/\ntinytap: the disk is full: recording stopped; .* holds everything up to the last commit\n$/);
      // the reserve the recorder held is gone with it; what is left is the session (and its WAL)
      const left = readdirSync(dir).filter((n) => n !== 'filler');
      expect(left.filter((n) => n !== 'full.tinytap' && n !== 'full.tinytap-wal' && n !== 'full.tinytap-shm')).toEqual([]);
      const bytes = left.filter((n) => n !== 'full.tinytap-shm').reduce((sum, n) => sum + statSync(join(dir, n)).size, 0);
      const summary = /→ .*full\.tinytap \(([\d.]+) kB\)/.exec(r.stderr);
      expect(summary, r.stderr).not.toBeNull();
      expect(Math.abs(Number(summary![1]) * 1000 - bytes)).toBeLessThan(100);
      const info = await tinytap('info', file, '--json');
      expect(JSON.parse(info.stdout)).toMatchObject({ finished: true, stopReason: 'disk-full', recorderPid: null });
      const db = new Database(file, { readonly: true });
      try {
        expect(db.pragma('quick_check', { simple: true })).toBe('ok');
        expect(db.prepare('SELECT count(*) FROM connections').pluck().get()).toBeGreaterThan(0);
      } finally {
        db.close();
      }
    } finally {
      execFileSync('umount', [dir]);
    }
  });

  it('an export onto a full disk: one line that says so, and no file left', async () => {
    const file = join(tempDir(), 'big.tinytap');
    const r = runRecorder(['-o', file, '--port', String(node.port)]);
    await r.ready;
    await curl('-o', '/dev/null', `http://127.0.0.1:${node.port}/big?n=100000`);
    await new Promise((res) => setTimeout(res, 300));
    r.proc.kill('SIGINT');
    expect((await r.exited).code).toBe(0);
    const dir = tempDir();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24k', 'tinytap-export', dir]);
    try {
      const out = join(dir, 'big.har');
      const e = await tinytap('export', file, '--har', '--include-secrets', '-o', out);
      expect(e.stderr).toBe(`tinytap: the disk is full: cannot write ${out}; free some space, or write somewhere else\n`);
      expect(e.code).toBe(1);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      execFileSync('umount', [dir]);
    }
  });

  it('a disk too full to start on: one line, and no file left', async () => {
    const dir = tempDir();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24k', 'tinytap-tiny', dir]);
    try {
      const file = join(dir, 'tiny.tinytap');
      const r = await tinytap('record', '-o', file, '--duration', '1s');
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`tinytap: the disk is full: cannot write ${file}; free some space, or write somewhere else\n`);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      execFileSync('umount', [dir]);
    }
  });
});
