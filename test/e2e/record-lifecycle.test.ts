// How a recording starts and ends: signals, SIGKILL, existing files, no root, a full disk,
// tracefs not mounted, and files that are not sessions.
import Database from 'better-sqlite3';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { LAYOUT_VERSION } from '../../src/events/layout.js';
import { EventReader } from '../../src/session/event-reader.js';
import { SCHEMA_VERSION } from '../../src/session/format.js';
import {
  CLI,
  type Server,
  SessionView,
  curl,
  describeCapture,
  recordWhile,
  runAsync,
  runRecorder,
  startNodeServer,
  tempDir,
} from './harness.js';

function runAsyncEnv(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function tinytap(...args: string[]) {
  return runAsync(process.execPath, [CLI, ...args]);
}

/** Keep requests flowing until stopped. */
function trafficLoop(port: number): { stop: () => Promise<void> } {
  let running = true;
  const done = (async () => {
    while (running) await curl('-o', '/dev/null', `http://127.0.0.1:${port}/json`);
  })();
  return {
    stop: async () => {
      running = false;
      await done;
    },
  };
}

describeCapture('record: lifecycle', () => {
  let node: Server;
  beforeAll(async () => {
    node = await startNodeServer();
  });
  afterAll(async () => {
    await node?.stop();
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} finishes cleanly and records the stop time`, async () => {
      const rec = await recordWhile(['--port', String(node.port)], () => curl('-o', '/dev/null', `http://127.0.0.1:${node.port}/`), signal);
      expect(rec.code).toBe(0);
      expect(rec.stderr).toMatch(/^recorded .*: \d+ events, .* → .* \(\d+(\.\d)? kB\)$/m);
      expect(existsSync(rec.file + '-wal')).toBe(false);
      const s = new SessionView(rec.file);
      try {
        expect(s.meta('stop_reason')).toBe('signal');
        expect(BigInt(s.meta('stopped_at'))).toBeGreaterThan(BigInt(s.meta('started_at')));
        expect(s.events().length).toBeGreaterThan(0);
      } finally {
        s.close();
      }
      const info = await tinytap('info', rec.file, '--json');
      expect(JSON.parse(info.stdout)).toMatchObject({ finished: true, complete: true, stopReason: 'signal' });
    });
  }

  it('SIGKILL leaves a file that opens, passes integrity_check, and holds what was committed', async () => {
    const file = join(tempDir(), 'killed.tinytap');
    const r = runRecorder(['-o', file, '--port', String(node.port)]);
    await r.ready;
    const traffic = trafficLoop(node.port);
    await new Promise((res) => setTimeout(res, 1500));
    r.proc.kill('SIGKILL');
    await r.exited;
    await traffic.stop();
    const db = new Database(file);
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const events = db.prepare('SELECT sum(events) FROM event_blocks').pluck().get() as number;
      expect(events).toBeGreaterThan(10);
      // every committed block decodes, and its connections were committed with it
      const read = [...new EventReader(db).events()];
      expect(read.length).toBe(events);
      const conns = new Set((db.prepare('SELECT id FROM connections').pluck().all() as number[]));
      expect(read.every((e) => conns.has(e.connId))).toBe(true);
    } finally {
      db.close();
    }
    const info = await tinytap('info', file, '--json');
    expect(info.code).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ finished: false, recorderPid: null });
  });

  it('query commands read a file while it is recorded, without writing to it or stopping the recorder', async () => {
    const file = join(tempDir(), 'busy.tinytap');
    const r = runRecorder(['-o', file, '--port', String(node.port)]);
    await r.ready;
    const traffic = trafficLoop(node.port);
    try {
      await new Promise((res) => setTimeout(res, 700));
      for (let i = 0; i < 4; i++) {
        const ls = await tinytap('ls', file, '--json');
        expect(ls.stderr).toBe('');
        expect(ls.code).toBe(0);
        expect(ls.stdout).toMatch(/"path":"\/json"/);
      }
      const info = await tinytap('info', file, '--json');
      expect(JSON.parse(info.stdout)).toMatchObject({ finished: false, recorderPid: r.proc.pid });
      const reparse = await tinytap('reparse', file);
      expect(reparse.code).toBe(1);
      expect(reparse.stderr).toMatch(/still being recorded .*: reparse it once the recording stops\n$/);
      const db = new Database(file, { readonly: true });
      expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'exchanges'").all()).toEqual([]);
      db.close();
    } finally {
      await traffic.stop();
      r.proc.kill('SIGINT');
    }
    const { code } = await r.exited;
    expect(r.stderr).not.toMatch(/locked|error/i);
    expect(code).toBe(0);
    const ls = await tinytap('ls', file);
    expect(ls.code).toBe(0);
  });

  it('--duration stops by itself', async () => {
    const file = join(tempDir(), 'timed.tinytap');
    const started = Date.now();
    const r = runRecorder(['-o', file, '--duration', '1s', '--quiet']);
    const { code } = await r.exited;
    expect(code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    // --quiet: only the summary
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
    const s = new SessionView(file);
    expect(s.meta('stop_reason')).toBe('duration');
    s.close();
  });

  it('does not overwrite an existing file without --force', async () => {
    const file = join(tempDir(), 'exists.tinytap');
    writeFileSync(file, 'keep me');
    const r = await tinytap('record', '-o', file, '--duration', '1s');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe(`tinytap: ${file} already exists: choose another name with -o, or add --force to overwrite it\n`);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
    const forced = await tinytap('record', '-o', file, '--duration', '1s', '--force', '--quiet');
    expect(forced.code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('under sudo, the session and its exports belong to the user who ran sudo', async () => {
    const dir = tempDir();
    const file = join(dir, 'mine.tinytap');
    const env = { ...process.env, SUDO_UID: '65534', SUDO_GID: '65534' };
    const rec = await runAsyncEnv(process.execPath, [CLI, 'record', '-o', file, '--duration', '1s', '--quiet'], env);
    expect(rec.code, rec.stderr).toBe(0);
    expect(statSync(file)).toMatchObject({ uid: 65534, gid: 65534 });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const har = join(dir, 'mine.har');
    const exp = await runAsyncEnv(process.execPath, [CLI, 'export', file, '--har', '-o', har], env);
    expect(exp.code, exp.stderr).toBe(0);
    expect(statSync(har)).toMatchObject({ uid: 65534, gid: 65534 });
  });

  it('without root: one line that says to use sudo, no stack trace', async () => {
    const dir = tempDir();
    chmodSync(dir, 0o777);
    const r = await runAsync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', process.execPath, CLI, 'record', '-o', join(dir, 'x.tinytap'), '--duration', '1s']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'tinytap: tinytap record needs root to load eBPF programs: run it with sudo (or grant CAP_BPF and CAP_PERFMON); tinytap doctor checks everything record needs\n',
    );
    expect(existsSync(join(dir, 'x.tinytap'))).toBe(false);
  });

  it('mounts tracefs itself when it is not mounted', async () => {
    execFileSync('umount', ['/sys/kernel/tracing']);
    expect(existsSync('/sys/kernel/tracing/events')).toBe(false);
    const file = join(tempDir(), 'tracefs.tinytap');
    const r = await tinytap('record', '-o', file, '--duration', '1s', '--quiet');
    expect(r.stderr).toMatch(/^recorded /);
    expect(r.code).toBe(0);
    expect(existsSync('/sys/kernel/tracing/events/syscalls')).toBe(true);
  });

  it('a full disk stops recording with a clear message and a valid file', async () => {
    const dir = tempDir();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=600k', 'tinytap-full', dir]);
    try {
      const file = join(dir, 'full.tinytap');
      const r = runRecorder(['-o', file, '--port', String(node.port)]);
      await r.ready;
      const traffic = trafficLoop(node.port);
      const big = (async () => {
        for (let i = 0; i < 40 && r.proc.exitCode === null; i++) await curl('-o', '/dev/null', `http://127.0.0.1:${node.port}/big?n=100000`);
      })();
      const { code } = await r.exited;
      await traffic.stop();
      await big;
      expect(code).toBe(1);
      expect(r.stderr).toMatch(/tinytap: the disk is full: recording stopped; .* holds everything up to the last commit\n$/);
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
      const db = new Database(file, { readonly: true });
      try {
        expect(db.pragma('quick_check', { simple: true })).toBe('ok');
        expect(db.prepare('SELECT sum(events) FROM event_blocks').pluck().get()).toBeGreaterThan(0);
      } finally {
        db.close();
      }
    } finally {
      execFileSync('umount', [dir]);
    }
  });
});

describeCapture('info: files that are not sessions', () => {
  it('one line and a non-zero exit for a missing, foreign, corrupt or newer file', async () => {
    const dir = tempDir();
    const missing = await tinytap('info', join(dir, 'nope.tinytap'));
    expect(missing).toMatchObject({ code: 1, stderr: `tinytap: no such file: ${join(dir, 'nope.tinytap')}\n` });

    const text = join(dir, 'text.tinytap');
    writeFileSync(text, 'hello');
    expect(await tinytap('info', text)).toMatchObject({ code: 1, stderr: `tinytap: ${text} is not a tinytap session (not an SQLite database)\n` });

    const foreign = join(dir, 'foreign.db');
    const db = new Database(foreign);
    db.exec('CREATE TABLE t (x)');
    db.close();
    expect(await tinytap('info', foreign)).toMatchObject({ code: 1, stderr: `tinytap: ${foreign} is an SQLite database but not a tinytap session\n` });

    // a real recording, damaged
    const good = join(dir, 'good.tinytap');
    await tinytap('record', '-o', good, '--duration', '1s', '--quiet');
    const bytes = readFileSync(good);
    const corrupt = join(dir, 'corrupt.tinytap');
    writeFileSync(corrupt, Buffer.concat([bytes.subarray(0, 100), Buffer.alloc(4000, 0x41), bytes.subarray(4100)]));
    const c = await tinytap('info', corrupt);
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/^tinytap: .*corrupt.tinytap is corrupt \(.*\): it cannot be read\n$/);

    const newer = join(dir, 'newer.tinytap');
    writeFileSync(newer, bytes);
    const n = new Database(newer);
    n.pragma('user_version = 42');
    n.close();
    expect(await tinytap('info', newer)).toMatchObject({
      code: 1,
      stderr: `tinytap: ${newer} was written by a newer tinytap (schema 42; this one reads up to ${SCHEMA_VERSION}): upgrade tinytap\n`,
    });

    // a record layout this tinytap does not know: its fields may mean something else
    const newerLayout = join(dir, 'newer-layout.tinytap');
    writeFileSync(newerLayout, bytes);
    const l = new Database(newerLayout);
    l.prepare("UPDATE meta SET value = '99' WHERE key = 'layout_version'").run();
    l.close();
    for (const cmd of ['info', 'ls', 'conns'])
      expect(await tinytap(cmd, newerLayout)).toMatchObject({
        code: 1,
        stderr: `tinytap: ${newerLayout} was recorded by a newer tinytap (record layout 99; this one reads up to ${LAYOUT_VERSION}): upgrade tinytap\n`,
      });

    const truncated = join(dir, 'truncated.tinytap');
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 4096));
    const t = await tinytap('info', truncated);
    expect(t.code).toBe(1);
    expect(t.stderr).toMatch(/is truncated/);
  });
});
