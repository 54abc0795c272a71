import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { Capture, defaultCaptureOptions } from '../../src/record/capture.js';
import { batchOf, encodeClose, encodeConn, encodeData, encodeProc } from '../../src/events/encode-records.js';
import { CloseFlag, ConnCause, Direction, Syscall } from '../../src/events/layout.js';
import { buildExchanges } from '../../src/session/build-exchanges.js';
import { LiveBuild } from '../../src/session/live.js';
import type { RotationPlan } from '../../src/record/rotation.js';
import { fakeBinding } from '../helpers/fake-binding.js';
import { tempDir, textHits } from '../helpers/session-files.js';

const T = 1_795_000_000_100_000_000n;
let ts = T;
const tick = () => (ts += 1000n);

/** One request/response on an open keep-alive connection (both ends), as records. */
function exchange(cid: number, sid: number, off: { c2s: number; s2c: number }, path: string): Buffer[] {
  const req = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: h\r\n\r\n`);
  const resp = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  const out = [
    encodeData({ pid: 1, tid: 1, comm: 'curl', connId: cid, ret: req.length, data: req, dir: Direction.EGRESS, syscall: Syscall.WRITE, streamOff: off.c2s, tsNs: tick() }),
    encodeData({ pid: 2, tid: 2, comm: 'srv', connId: sid, ret: req.length, data: req, dir: Direction.INGRESS, syscall: Syscall.READ, streamOff: off.c2s, tsNs: tick() }),
    encodeData({ pid: 2, tid: 2, comm: 'srv', connId: sid, ret: resp.length, data: resp, dir: Direction.EGRESS, syscall: Syscall.WRITE, streamOff: off.s2c, tsNs: tick() }),
    encodeData({ pid: 1, tid: 1, comm: 'curl', connId: cid, ret: resp.length, data: resp, dir: Direction.INGRESS, syscall: Syscall.READ, streamOff: off.s2c, tsNs: tick() }),
  ];
  off.c2s += req.length;
  off.s2c += resp.length;
  return out;
}

describe('following a session while it is recorded', () => {
  it('builds exchanges as records arrive, the same as a full build does', async () => {
    const file = join(tempDir('tinytap-live-'), 'live.tinytap');
    const binding = fakeBinding();
    const cap = new Capture(defaultCaptureOptions(file, { commitMs: 5 }), binding);
    cap.start();
    const send = async (records: Buffer[]) => {
      binding.last!.onBatch(batchOf(records));
      await new Promise((r) => setTimeout(r, 30)); // a commit
    };
    const db = new Database(file);
    const live = new LiveBuild(db);
    const off = { c2s: 0, s2c: 0 };
    await send([
      encodeProc({ pid: 1, comm: 'curl', argv: ['curl'], tsNs: tick() }),
      encodeConn({ pid: 1, comm: 'curl', connId: 1, role: 1, cause: 1, local: [[127, 0, 0, 1], 40001], remote: [[127, 0, 0, 1], 80], tsNs: tick() }),
    ]);
    expect(live.poll()).toBe(true);
    // the server's end appears in a later commit: still joined into one flow
    await send([encodeProc({ pid: 2, comm: 'srv', argv: ['srv'], tsNs: tick() }), encodeConn({ pid: 2, comm: 'srv', connId: 2, role: 2, cause: 2, local: [[127, 0, 0, 1], 80], remote: [[127, 0, 0, 1], 40001], tsNs: tick() }), ...exchange(1, 2, off, '/a')]);
    live.poll();
    expect(live.exchanges).toBe(1);
    const first = db.prepare('SELECT path, client_comm, server_comm, status FROM exchanges').all();
    expect(first).toEqual([{ path: '/a', client_comm: 'curl', server_comm: 'srv', status: 200 }]);
    // searchable at once
    expect(textHits(db, 'h/a', ['url'])).toEqual([1]);
    await send(exchange(1, 2, off, '/b'));
    await send([...exchange(1, 2, off, '/c'), encodeClose({ pid: 1, connId: 1, tsNs: tick() }), encodeClose({ pid: 2, connId: 2, tsNs: tick() })]);
    live.poll();
    expect(live.poll()).toBe(false);
    expect(db.prepare('SELECT path FROM exchanges ORDER BY id').pluck().all()).toEqual(['/a', '/b', '/c']);
    expect(db.prepare('SELECT exchanges, client_comm, server_comm FROM flows').all()).toEqual([{ exchanges: 3, client_comm: 'curl', server_comm: 'srv' }]);
    const liveRows = db.prepare('SELECT seq, method, url, status, req_started, resp_ended, digest FROM exchanges ORDER BY id').all();
    await cap.stop('signal');
    db.close();
    // the full build, later, says the same
    const later = new Database(file);
    buildExchanges(later);
    expect(later.prepare('SELECT seq, method, url, status, req_started, resp_ended, digest FROM exchanges ORDER BY id').all()).toEqual(liveRows);
    later.close();
  });

  it('never waits for the recorder: it writes nothing into the file being recorded', async () => {
    const file = join(tempDir('tinytap-live-'), 'live.tinytap');
    const binding = fakeBinding();
    const cap = new Capture(defaultCaptureOptions(file, { commitMs: 5 }), binding);
    cap.start();
    binding.last!.onBatch(batchOf([
      encodeProc({ pid: 1, comm: 'curl', argv: ['curl'], tsNs: tick() }),
      encodeConn({ pid: 1, comm: 'curl', connId: 1, role: 1, cause: 1, local: [[127, 0, 0, 1], 40002], remote: [[127, 0, 0, 1], 81], tsNs: tick() }),
      encodeProc({ pid: 2, comm: 'srv', argv: ['srv'], tsNs: tick() }),
      encodeConn({ pid: 2, comm: 'srv', connId: 2, role: 2, cause: 2, local: [[127, 0, 0, 1], 81], remote: [[127, 0, 0, 1], 40002], tsNs: tick() }),
      ...exchange(1, 2, { c2s: 0, s2c: 0 }, '/locked'),
    ]));
    await new Promise((r) => setTimeout(r, 30)); // a commit
    // another writer holds the file's write lock, as the recorder does between its commits
    const writer = new Database(file);
    writer.exec("BEGIN IMMEDIATE; INSERT INTO meta (key, value) VALUES ('held', '1')");
    const db = new Database(file, { timeout: 0 });
    const live = new LiveBuild(db);
    expect(live.poll()).toBe(true);
    expect(db.prepare('SELECT path FROM exchanges').pluck().all()).toEqual(['/locked']);
    // the file itself has no derived tables: nothing was written to it
    expect(db.prepare("SELECT name FROM main.sqlite_master WHERE name IN ('exchanges', 'flows', 'derived_meta')").all()).toEqual([]);
    writer.exec('ROLLBACK');
    writer.close();
    db.close();
    await cap.stop('signal');
  });

  it('names the process that took a connection over, from the record that says so', async () => {
    const file = join(tempDir('tinytap-live-'), 'forked.tinytap');
    const binding = fakeBinding();
    const cap = new Capture(defaultCaptureOptions(file, { commitMs: 5 }), binding);
    cap.start();
    const send = async (records: Buffer[]) => {
      binding.last!.onBatch(batchOf(records));
      await new Promise((r) => setTimeout(r, 30));
    };
    const db = new Database(file);
    const live = new LiveBuild(db);
    const req = Buffer.from('GET /forked HTTP/1.1\r\nHost: h\r\n\r\n');
    const resp = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    await send([
      encodeProc({ pid: 1, comm: 'curl', argv: ['curl'], tsNs: tick() }),
      encodeConn({ pid: 1, comm: 'curl', connId: 1, role: 1, cause: 1, local: [[127, 0, 0, 1], 40002], remote: [[127, 0, 0, 1], 81], tsNs: tick() }),
      encodeProc({ pid: 2, comm: 'postgres', argv: ['postgres'], tsNs: tick() }),
      encodeConn({ pid: 2, comm: 'postgres', connId: 2, role: 2, cause: 2, local: [[127, 0, 0, 1], 81], remote: [[127, 0, 0, 1], 40002], tsNs: tick() }),
    ]);
    live.poll();
    // the parent forks a child that serves the connection, and lets go of its copy
    await send([
      encodeProc({ pid: 3, comm: 'postgres', argv: ['postgres: backend'], tsNs: tick() }),
      encodeConn({ pid: 3, comm: 'postgres', connId: 2, role: 2, cause: ConnCause.SHARED, tsNs: tick() }),
      encodeClose({ pid: 2, connId: 2, flags: CloseFlag.STILL_OPEN, tsNs: tick() }),
      encodeData({ pid: 1, tid: 1, comm: 'curl', connId: 1, ret: req.length, data: req, dir: Direction.EGRESS, syscall: Syscall.WRITE, tsNs: tick() }),
      encodeData({ pid: 3, tid: 3, comm: 'postgres', connId: 2, ret: req.length, data: req, dir: Direction.INGRESS, syscall: Syscall.READ, tsNs: tick() }),
      encodeData({ pid: 3, tid: 3, comm: 'postgres', connId: 2, ret: resp.length, data: resp, dir: Direction.EGRESS, syscall: Syscall.WRITE, tsNs: tick() }),
      encodeData({ pid: 1, tid: 1, comm: 'curl', connId: 1, ret: resp.length, data: resp, dir: Direction.INGRESS, syscall: Syscall.READ, tsNs: tick() }),
    ]);
    live.poll();
    expect(db.prepare('SELECT path, server_pid, status FROM exchanges').all()).toEqual([{ path: '/forked', server_pid: 3, status: 200 }]);
    // the parent's close ended nothing: the connection goes on
    await send([
      encodeData({ pid: 1, tid: 1, comm: 'curl', connId: 1, ret: req.length, data: req, dir: Direction.EGRESS, syscall: Syscall.WRITE, streamOff: req.length, tsNs: tick() }),
      encodeData({ pid: 3, tid: 3, comm: 'postgres', connId: 2, ret: req.length, data: req, dir: Direction.INGRESS, syscall: Syscall.READ, streamOff: req.length, tsNs: tick() }),
      encodeData({ pid: 3, tid: 3, comm: 'postgres', connId: 2, ret: resp.length, data: resp, dir: Direction.EGRESS, syscall: Syscall.WRITE, streamOff: resp.length, tsNs: tick() }),
      encodeData({ pid: 1, tid: 1, comm: 'curl', connId: 1, ret: resp.length, data: resp, dir: Direction.INGRESS, syscall: Syscall.READ, streamOff: resp.length, tsNs: tick() }),
    ]);
    live.poll();
    expect(db.prepare('SELECT count(*) FROM exchanges').pluck().get()).toBe(2);
    await cap.stop('signal');
    db.close();
  });

  it('reads a connection a chain file started with from the first request the file holds', async () => {
    // open --follow DIR moves into each next file: a keep-alive client goes on there, its
    // earlier requests in the file before
    const dir = tempDir('tinytap-live-chain-');
    const binding = fakeBinding({ realtimeNs: () => ts });
    const rotation: RotationPlan = { dir, everyMs: null, everyBytes: 1, keepMs: null, keepBytes: null };
    const files: string[] = [];
    const cap = new Capture(defaultCaptureOptions(join(dir, 'tinytap-20261205-050000.tinytap'), { commitMs: 5, rotation }), binding, {
      onRotate: (r) => files.push(r.opened),
    });
    cap.start();
    // each batch is committed into a file of its own (a rotation at every commit)
    const send = async (records: Buffer[]) => {
      const before = files.length;
      binding.last!.onBatch(batchOf(records));
      while (files.length === before) await new Promise((r) => setTimeout(r, 5));
    };
    const off = { c2s: 0, s2c: 0 };
    await send([
      encodeProc({ pid: 1, comm: 'curl', argv: ['curl'], tsNs: tick() }),
      encodeConn({ pid: 1, comm: 'curl', connId: 1, role: 1, cause: 1, local: [[127, 0, 0, 1], 40003], remote: [[127, 0, 0, 1], 82], tsNs: tick() }),
      encodeProc({ pid: 2, comm: 'srv', argv: ['srv'], tsNs: tick() }),
      encodeConn({ pid: 2, comm: 'srv', connId: 2, role: 2, cause: 2, local: [[127, 0, 0, 1], 82], remote: [[127, 0, 0, 1], 40003], tsNs: tick() }),
      ...exchange(1, 2, off, '/first'),
    ]);
    await send([...exchange(1, 2, off, '/second'), ...exchange(1, 2, off, '/third')]);
    await cap.stop('signal');
    const second = files[0];
    const db = new Database(second);
    const live = new LiveBuild(db);
    live.poll();
    live.finish();
    expect(db.prepare('SELECT path, status FROM exchanges ORDER BY id').all()).toEqual([
      { path: '/second', status: 200 },
      { path: '/third', status: 200 },
    ]);
    db.close();
  });
});
