import Database from 'better-sqlite3';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { DataFlag } from '../../src/events/layout.js';
import { Capture, type CaptureOptions, defaultCaptureOptions } from '../../src/record/capture.js';
import { FileError } from '../../src/files/private-file.js';
import { EventReader } from '../../src/session/event-reader.js';
import { APPLICATION_ID, CODEC_ZSTD } from '../../src/session/format.js';
import { zstdCompress } from '../../src/session/zstd.js';
import { batchOf, encodeClose, encodeConn, encodeData, encodeProc } from '../../src/events/encode-records.js';
import { fakeBinding } from '../helpers/fake-binding.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tinytap-capture-'));
});

function options(output: string, extra: Partial<CaptureOptions> = {}): CaptureOptions {
  return defaultCaptureOptions(output, { commitMs: 1_000_000, ...extra });
}

// the addon hands records over already in wall-clock time
const T0 = 1_800_000_000_000_000_000n;

describe('Capture', () => {
  let db: Database.Database | null = null;
  afterEach(() => db?.close());

  it('writes processes, connections and the records, and closes cleanly', async () => {
    const out = join(dir, 's.tinytap');
    const binding = fakeBinding();
    const cap = new Capture(options(out), binding);
    cap.start();
    binding.last!.onBatch(
      batchOf([
        encodeConn({ pid: 4242, comm: 'curl', connId: 9, tsNs: T0 + 10n }),
        encodeProc({ pid: 4242, comm: 'curl', argv: ['curl', 'http://localhost:8080/'], tsNs: T0 + 11n }),
        encodeData({ pid: 4242, comm: 'curl', connId: 9, ret: 18, data: 'GET / HTTP/1.1\r\n\r\n', tsNs: T0 + 12n }),
      ]),
    );
    // a second batch: a response in two chunks, the second cut at --max-payload
    binding.last!.onBatch(
      batchOf([
        encodeData({ pid: 4242, tid: 4242, comm: 'curl', connId: 9, ret: 2000, data: 'HTTP/1.1 200 OK', dir: 2, syscall: 1, tsNs: T0 + 20n, flags: DataFlag.TRUNCATED, chunkOff: 0 }),
        encodeData({ pid: 4242, tid: 4242, comm: 'curl', connId: 9, ret: 2000, data: '\r\n', dir: 2, syscall: 1, tsNs: T0 + 20n, flags: DataFlag.LAST | DataFlag.TRUNCATED, chunkOff: 15 }),
        encodeClose({ pid: 4242, connId: 9, tsNs: T0 + 30n }),
      ]),
    );
    const { counts } = await cap.stop('signal');
    expect(counts).toMatchObject({ events: 2, bytes: 2018, capturedBytes: 35, connections: 1, processes: 1, drops: { records: 0 } });
    expect(binding.last!.stopped).toBe(true);

    // one file: no WAL left behind, private to its owner
    expect(() => statSync(out + '-wal')).toThrow();
    expect(statSync(out).mode & 0o777).toBe(0o600);

    db = new Database(out, { readonly: true });
    expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
    const conn = db.prepare('SELECT * FROM connections').safeIntegers(true).get() as any;
    expect(conn).toMatchObject({ id: 9n, pid: 4242n, role: 1n, local_addr: '127.0.0.1', remote_port: 8080n, bytes_sent: 18n, bytes_received: 2000n, events: 2n });
    expect(conn.opened_at).toBe(T0 + 10n);
    expect(conn.closed_at).toBe(T0 + 30n);
    const proc = db.prepare('SELECT * FROM processes').get() as any;
    expect(Number(conn.process_id)).toBe(proc.id);
    expect(JSON.parse(proc.argv)).toEqual(['curl', 'http://localhost:8080/']);

    // one block per commit: the stop committed both batches together
    const blocks = db.prepare('SELECT * FROM event_blocks').all() as any[];
    expect(blocks.map((b) => [b.first_record, b.records, b.events])).toEqual([[0, 6, 2]]);
    expect(db.prepare('SELECT conn_id FROM conn_blocks').pluck().all()).toEqual([9]);

    const events = [...new EventReader(db).events()];
    expect(events.map((e) => [e.id, e.ts, e.ret, e.payload.toString('latin1')])).toEqual([
      [2, T0 + 12n, 18, 'GET / HTTP/1.1\r\n\r\n'],
      [3, T0 + 20n, 2000, 'HTTP/1.1 200 OK\r\n'],
    ]);
    expect(events[1].flags & DataFlag.TRUNCATED).toBeTruthy();
    expect(events[1].flags & DataFlag.LAST).toBe(0);

    const meta = Object.fromEntries((db.prepare('SELECT key, value FROM meta').all() as any[]).map((r) => [r.key, JSON.parse(r.value)]));
    expect(meta.stop_reason).toBe('signal');
    expect(meta.counts).toMatchObject({ events: 2, captured_bytes: 35 });
    expect(meta.drops.records).toBe(0);
  });

  it('records the kernel drop counters in the file', async () => {
    const out = join(dir, 'd.tinytap');
    const binding = fakeBinding();
    const cap = new Capture(options(out), binding);
    cap.start();
    binding.last!.stats_ = [17, 4096, 3, 0, 2, 1, 5, 6, 7, 8];
    await cap.stop('signal');
    db = new Database(out, { readonly: true });
    const drops = JSON.parse((db.prepare("SELECT value FROM meta WHERE key = 'drops'").get() as any).value);
    expect(drops).toEqual({
      records: 17,
      bytes: 4096,
      events: 3,
      read_failures: 0,
      untracked: 2,
      walks_cut: 1,
      unnamed_sharers: 5,
      fd_walks_cut: 6,
      tls_unjoined: 7,
      tls_mismatch: 8,
    });
  });

  it('refuses to overwrite an existing file without force', () => {
    const out = join(dir, 'exists.tinytap');
    writeFileSync(out, 'precious');
    expect(() => new Capture(options(out), fakeBinding())).toThrow(FileError);
    expect(() => new Capture(options(out, { create: { force: true } }), fakeBinding())).not.toThrow();
  });

  it('commits what it has before stop, so a killed recorder leaves it readable', async () => {
    const out = join(dir, 'k.tinytap');
    const binding = fakeBinding();
    const cap = new Capture(options(out, { commitMs: 20 }), binding);
    cap.start();
    binding.last!.onBatch(batchOf([encodeConn({ connId: 1 }), encodeData({ connId: 1, ret: 3, data: 'abc' })]));
    await new Promise((r) => setTimeout(r, 100));
    // a second connection reads the committed state while the writer still holds the file
    const reader = new Database(out, { readonly: true });
    expect([...new EventReader(reader).events()].map((e) => e.payload.toString())).toEqual(['abc']);
    reader.close();
    await cap.stop('signal');
  });

  it('reads one connection without decoding the others', async () => {
    const out = join(dir, 'c.tinytap');
    const binding = fakeBinding();
    const cap = new Capture(options(out, { commitMs: 10 }), binding);
    cap.start();
    binding.last!.onBatch(batchOf([encodeConn({ connId: 1 }), encodeData({ connId: 1, ret: 1, data: 'a' })]));
    await new Promise((r) => setTimeout(r, 40));
    binding.last!.onBatch(batchOf([encodeConn({ connId: 2 }), encodeData({ connId: 2, ret: 1, data: 'b' })]));
    await cap.stop('signal');
    db = new Database(out, { readonly: true });
    expect(db.prepare('SELECT count(*) FROM event_blocks').pluck().get()).toBe(2);
    const reader = new EventReader(db);
    expect([...reader.events({ connIds: [2] })].map((e) => e.payload.toString())).toEqual(['b']);
    expect([...reader.events({ connIds: [1] })].map((e) => e.payload.toString())).toEqual(['a']);
  });
  it('a PROC record in the batch after its connection still names the process, commits in between', async () => {
    // a pid no live process has: /proc cannot answer for it, as for a client that already exited
    const pid = 4_194_000;
    const out = join(dir, 'p.tinytap');
    const binding = fakeBinding();
    const cap = new Capture(options(out, { commitMs: 5 }), binding);
    cap.start();
    binding.last!.onBatch(batchOf([encodeConn({ pid, comm: 'python3', connId: 1, tsNs: T0 })]));
    await new Promise((r) => setTimeout(r, 50));
    binding.last!.onBatch(
      batchOf([
        encodeProc({ pid, comm: 'python3', argv: ['python3', 'client.py'], tsNs: T0 + 1n }),
        encodeConn({ pid, comm: 'python3', connId: 2, tsNs: T0 + 2n }),
      ]),
    );
    await cap.stop('signal');
    db = new Database(out, { readonly: true });
    const rows = db
      .prepare('SELECT c.id, p.comm, p.argv FROM connections c JOIN processes p ON p.id = c.process_id ORDER BY c.id')
      .all();
    expect(rows).toEqual([
      { id: 1, comm: 'python3', argv: '["python3","client.py"]' },
      { id: 2, comm: 'python3', argv: '["python3","client.py"]' },
    ]);
    expect(db.prepare('SELECT count(*) FROM processes').pluck().get()).toBe(1);
  });

  it('a process whose PROC record never came is described at stop, and its connection names it', async () => {
    const pid = 4_194_001;
    const out = join(dir, 'q.tinytap');
    const binding = fakeBinding();
    const cap = new Capture(options(out), binding);
    cap.start();
    binding.last!.onBatch(batchOf([encodeConn({ pid, comm: 'gone', connId: 1, tsNs: T0 })]));
    await cap.stop('signal');
    db = new Database(out, { readonly: true });
    expect(db.prepare('SELECT p.pid, p.comm FROM connections c JOIN processes p ON p.id = c.process_id').all()).toEqual([
      { pid, comm: '?' },
    ]);
  });
  it('a block of many batches, small and large, reads back record for record and compresses as one', async () => {
    const out = join(dir, 'b.tinytap');
    const binding = fakeBinding();
    const cap = new Capture(options(out), binding);
    cap.start();
    const batches: Buffer[] = [batchOf([encodeConn({ connId: 1 })])];
    const sent: string[] = [];
    const request = (i: number) => `GET /items/${i} HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n`;
    // 300 one-record batches (a light load flushes every few ms), then batches over a MiB (a busy
    // one), then small ones again: one block, since nothing commits before the stop
    for (let i = 0; i < 300; i++) sent.push(request(i));
    for (let i = 0; i < 300; i++) batches.push(batchOf([encodeData({ connId: 1, ret: sent[i].length, data: sent[i] })]));
    for (let b = 0; b < 3; b++) {
      const records: Buffer[] = [];
      for (let i = 0; i < 12_000; i++) {
        const text = request(1000 + b * 12_000 + i);
        sent.push(text);
        records.push(encodeData({ connId: 1, ret: text.length, data: text }));
      }
      batches.push(batchOf(records));
    }
    for (let i = 0; i < 50; i++) {
      const text = request(100_000 + i);
      sent.push(text);
      batches.push(batchOf([encodeData({ connId: 1, ret: text.length, data: text })]));
    }
    expect(batches.slice(301, 304).every((b) => b.length > 1 << 20)).toBe(true);
    for (const b of batches) binding.last!.onBatch(b);
    await cap.stop('signal');

    db = new Database(out, { readonly: true });
    const blocks = db.prepare('SELECT codec, raw_len, length(data) AS size FROM event_blocks').all() as any[];
    const raw = Buffer.concat(batches);
    expect(blocks).toHaveLength(1);
    expect(blocks[0]).toMatchObject({ codec: CODEC_ZSTD, raw_len: raw.length });
    // the small batches were compressed together, not each in a frame of its own (which would
    // make this several times larger): within 10% of one frame for the whole block (each 1 MiB
    // part's frame starts without the history of the parts before it: 7% here)
    expect(blocks[0].size).toBeLessThan(zstdCompress(raw).length * 1.1);
    expect([...new EventReader(db).events()].map((e) => e.payload.toString('latin1'))).toEqual(sent);
  });
});
