import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { Capture, defaultCaptureOptions } from '../../src/record/capture.js';
import { SessionWriter } from '../../src/record/session-writer.js';
import { batchOf, encodeConn, encodeData, encodeProc } from '../../src/events/encode-records.js';
import { Direction, Syscall } from '../../src/events/layout.js';
import { isBeingRecorded, thisRecorder } from '../../src/session/recorder-alive.js';
import { Session } from '../../src/session/session.js';
import { fakeBinding } from '../helpers/fake-binding.js';
import { runCli } from '../helpers/run-cli.js';
import { makeSmallSession, tempDir } from '../helpers/session-files.js';

const derivedInFile = (db: Database.Database) =>
  db.prepare("SELECT name FROM main.sqlite_master WHERE name IN ('exchanges', 'flows', 'derived_meta')").pluck().all();

function setMeta(file: string, key: string, value: unknown): void {
  const db = new Database(file);
  if (value === undefined) db.prepare('DELETE FROM meta WHERE key = ?').run(key);
  else db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, JSON.stringify(value));
  db.close();
}

describe('a session that is being recorded', () => {
  it('is read without writing to it: exchanges are built beside the file, reparse waits for the stop', async () => {
    const file = join(tempDir('tinytap-alive-'), 'rec.tinytap');
    const binding = fakeBinding();
    const cap = new Capture(defaultCaptureOptions(file, { commitMs: 5 }), binding);
    cap.start();
    const req = Buffer.from('GET /now HTTP/1.1\r\nHost: h\r\n\r\n');
    const resp = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    binding.last!.onBatch(
      batchOf([
        encodeProc({ pid: 7, comm: 'curl', argv: ['curl'] }),
        encodeConn({ pid: 7, comm: 'curl', connId: 1 }),
        encodeData({ pid: 7, comm: 'curl', connId: 1, ret: req.length, data: req }),
        encodeData({ pid: 7, comm: 'curl', connId: 1, ret: resp.length, data: resp, dir: Direction.INGRESS, syscall: Syscall.READ }),
      ]),
    );
    await new Promise((r) => setTimeout(r, 30)); // a commit

    const s = Session.open(file);
    expect(isBeingRecorded(s.db)).toBe(true);
    expect(s.exchanges().map((x) => [x.path, Number(x.status)])).toEqual([['/now', 200]]);
    expect(derivedInFile(s.db)).toEqual([]);
    expect(s.derivedInTemp()).toBe(true); // the TUI counts on this connection, not in a worker
    s.close();

    const reparse = await runCli('reparse', file);
    expect(reparse.code).not.toBe(0);
    expect(reparse.err).toMatch(/still being recorded \(tinytap pid \d+\): reparse it once the recording stops/);
    const info = await runCli('info', file);
    expect(info.out).toMatch(/stopped +not yet: tinytap \(pid \d+\) is still recording/);

    await cap.stop('signal');
    const after = Session.open(file);
    expect(isBeingRecorded(after.db)).toBe(false);
    expect(after.exchanges()).toHaveLength(1);
    expect(derivedInFile(after.db)).toHaveLength(3); // built into the file once the recorder stopped
    expect(after.derivedInTemp()).toBe(false);
    after.close();
  });

  it('just made, before its first commit, is not built into: the recorder would find it locked (record --dir\'s next file)', () => {
    const file = join(tempDir('tinytap-born-'), 'next.tinytap');
    const writer = SessionWriter.create(file);
    try {
      const s = Session.open(file);
      expect(derivedInFile(s.db)).toEqual([]);
      expect(s.derivedInTemp()).toBe(true);
      // the reader holds no write lock: the recorder's first commit goes through
      writer.setMeta('started_at', '1');
      writer.commit();
      s.close();
    } finally {
      writer.close();
    }
  });

  it('is told apart from the file of a recorder that was killed', async () => {
    const file = join(tempDir('tinytap-alive-'), 'killed.tinytap');
    await makeSmallSession(file);
    setMeta(file, 'stopped_at', undefined);
    const me = thisRecorder();
    const check = (recorder: unknown) => {
      setMeta(file, 'recorder', recorder);
      const db = new Database(file, { readonly: true });
      try {
        return isBeingRecorded(db);
      } finally {
        db.close();
      }
    };
    expect(check(me)).toBe(true);
    // the pid was reused by another process: its start time differs
    expect(check({ ...me, start_time: String(Number(me.start_time) + 1) })).toBe(false);
    // written before the machine rebooted
    expect(check({ ...me, boot_id: '00000000-0000-0000-0000-000000000000' })).toBe(false);
    // a file from a tinytap that did not say who recorded it
    expect(check(undefined)).toBe(false);
    // the process is gone
    expect(check({ ...me, pid: 2 ** 22 + 1 })).toBe(false);
  });
});

describe('a session another process holds locked', () => {
  it('is one line that says what to do, not an internal error', async () => {
    const file = join(tempDir('tinytap-alive-'), 'locked.tinytap');
    await makeSmallSession(file); // finished, exchanges not built yet: ls must write them
    const other = new Database(file);
    other.exec("BEGIN IMMEDIATE; INSERT INTO meta (key, value) VALUES ('held', '1')");
    try {
      const ls = await runCli('ls', file);
      expect(ls.code).toBe(1);
      expect(ls.err).toBe('tinytap: the session file is locked by another process (another tinytap building it?): try again when it is done\n');
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  }, 15_000);
});
