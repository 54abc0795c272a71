// How a Capture ends, for every reason it can end for by itself or be told to, with the fake
// binding: `ended` once, with the true reason, and a session file that says the same.
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';

import { batchOf, encodeConn, encodeData } from '../../src/events/encode-records.js';
import { Capture, type CaptureOptions, defaultCaptureOptions } from '../../src/record/capture.js';
import { EventReader } from '../../src/session/event-reader.js';
import { fakeBinding } from '../helpers/fake-binding.js';
import { sessionMeta, sessionPayloads } from '../helpers/session-files.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tinytap-capture-end-'));
});

function options(output: string, extra: Partial<CaptureOptions> = {}): CaptureOptions {
  return defaultCaptureOptions(output, { commitMs: 1_000_000, ...extra });
}

const meta = sessionMeta;

const payloads = sessionPayloads;

function started(out: string, extra: Partial<CaptureOptions> = {}) {
  const binding = fakeBinding();
  const cap = new Capture(options(out, extra), binding);
  cap.start();
  return { cap, binding, native: binding.last! };
}

/** Wait for a commit (the fake binding's records reach the file every `commitMs`). */
async function committed(file: string, payload: string): Promise<void> {
  for (;;) {
    const db = new Database(file, { readonly: true });
    const found = [...new EventReader(db).events()].some((e) => e.payload.toString() === payload);
    db.close();
    if (found) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('Capture: how it ends', () => {
  it('a requested stop: Stopped, the reason in the file, the addon stopped once however often stop is called', async () => {
    const out = join(dir, 'stop.tinytap');
    const { cap, native } = started(out);
    native.onBatch(batchOf([encodeConn({ connId: 1 }), encodeData({ connId: 1, ret: 2, data: 'hi' })]));
    const first = cap.stop('duration');
    const second = cap.stop('signal');
    expect(second).toBe(first);
    const ended = await first;
    expect(ended).toEqual({ reason: 'duration', counts: expect.objectContaining({ events: 1, connections: 1 }) });
    expect(cap.phase).toBe('stopped');
    expect(native.stopCalls).toBe(1);
    expect((await cap.stop('quit')).reason).toBe('duration');
    expect(meta(out)).toMatchObject({ stop_reason: 'duration', stopped_at: expect.any(String) });
    expect(payloads(out)).toEqual(['hi']);
  });

  it('a drain error: capture-error, said once, and every record delivered before it is in the file', async () => {
    const out = join(dir, 'drain.tinytap');
    const { cap, native } = started(out);
    native.onBatch(batchOf([encodeConn({ connId: 1 }), encodeData({ connId: 1, ret: 6, data: 'before' })]));
    native.failDrain();
    const ended = await cap.ended;
    expect(ended.reason).toBe('capture-error');
    expect(ended.error).toEqual({
      code: 'ECAPTURE',
      message: `capture failed (reading the kernel's ring buffer failed: Bad file descriptor): recording stopped; ${out} holds everything captured until then`,
    });
    expect(ended.counts).toMatchObject({ events: 1, connections: 1 });
    expect(cap.phase).toBe('failed');
    // the programs are still detached
    expect(native.stopCalls).toBe(1);
    // a stop asked for afterwards (Ctrl-C) changes nothing
    expect((await cap.stop('signal')).reason).toBe('capture-error');
    expect(meta(out)).toMatchObject({ stop_reason: 'capture-error', stopped_at: expect.any(String) });
    expect(payloads(out)).toEqual(['before']);
  });

  it('a full disk: disk-full by itself, keeping everything up to the last commit', async () => {
    const out = join(dir, 'full.tinytap');
    const { cap, native } = started(out, { commitMs: 5 });
    native.onBatch(batchOf([encodeConn({ connId: 1 }), encodeData({ connId: 1, ret: 5, data: 'first' })]));
    await committed(out, 'first');
    // the writer's own connection may not grow the file any more: SQLite says SQLITE_FULL
    const db = (cap as unknown as { writer: { db: Database.Database } }).writer.db;
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    // bytes that do not compress, so the next block needs new pages
    native.onBatch(batchOf([encodeData({ connId: 1, ret: 16_000, data: randomBytes(16_000) })]));
    const ended = await cap.ended;
    expect(ended.reason).toBe('disk-full');
    expect(ended.error).toEqual({ code: 'EDISKFULL', message: `the disk is full: recording stopped; ${out} holds everything up to the last commit` });
    expect(native.stopCalls).toBe(1);
    expect(payloads(out)).toEqual(['first']);
    expect(meta(out).stop_reason).toBe('disk-full');
  });

  it('another write error: write-error, with what SQLite said, not "disk full"', async () => {
    const out = join(dir, 'write.tinytap');
    const { cap, native } = started(out);
    // between commits nobody holds the file: another connection makes every new block fail
    const other = new Database(out);
    other.exec("CREATE TRIGGER no_blocks BEFORE INSERT ON event_blocks BEGIN SELECT RAISE(ABORT, 'blocks refused'); END");
    other.close();
    native.onBatch(batchOf([encodeConn({ connId: 1 }), encodeData({ connId: 1, ret: 1, data: 'x' })]));
    // Ctrl-C: the stop writes the last block, which fails; the fault is the true reason
    const ended = await cap.stop('signal');
    expect(ended.reason).toBe('write-error');
    expect(ended.error).toEqual({
      code: 'EWRITE',
      message: `writing ${out} failed (blocks refused): recording stopped; ${out} holds everything up to the last commit`,
    });
    expect(cap.phase).toBe('failed');
    expect(meta(out).stop_reason).toBe('write-error');
    expect(payloads(out)).toEqual([]);
  });

  it('a start the kernel refuses: start throws, start-failed with its code, and no file is left', async () => {
    const out = join(dir, 'refused.tinytap');
    const binding = fakeBinding({ startError: Object.assign(new Error('operation not permitted'), { code: 'EPERM', libbpfLog: 'verifier says no' }) });
    const cap = new Capture(options(out), binding);
    expect(() => cap.start()).toThrow('operation not permitted');
    expect(await cap.ended).toEqual({
      reason: 'start-failed',
      counts: expect.objectContaining({ events: 0 }),
      error: { code: 'EPERM', message: 'operation not permitted', libbpfLog: 'verifier says no' },
    });
    expect(cap.phase).toBe('failed');
    expect(existsSync(out)).toBe(false);
    // stop after a failed start is harmless
    expect((await cap.stop('signal')).reason).toBe('start-failed');
  });

  it('addPid once the recording is ending does not reach the addon', async () => {
    const out = join(dir, 'pid.tinytap');
    const { cap, native } = started(out);
    cap.addPid(10);
    const ended = cap.stop('command-exited');
    cap.addPid(11);
    await ended;
    expect(native.pids).toEqual([10]);
  });
});
