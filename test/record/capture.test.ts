import Database from 'better-sqlite3';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { Capture, type CaptureOptions } from '../../src/record/capture.js';
import { DataFlag } from '../../src/record/layout.js';
import { OutputExistsError } from '../../src/record/session-writer.js';
import { APPLICATION_ID } from '../../src/session/format.js';
import { batchOf, encodeClose, encodeConn, encodeData, encodeProc } from '../helpers/encode-records.js';
import { fakeBinding } from '../helpers/fake-binding.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tinytap-capture-'));
});

function options(output: string, extra: Partial<CaptureOptions> = {}): CaptureOptions {
  return {
    output,
    maxPayload: 262144,
    ringBytes: 1 << 22,
    pids: [],
    comms: [],
    ports: [],
    filterPids: false,
    sendfileBodies: true,
    verbose: false,
    commandLine: ['tinytap', 'record'],
    commitMs: 1_000_000,
    ...extra,
  };
}

function payloadOf(db: Database.Database, eventId: number): string {
  const ev = db.prepare('SELECT block_id, block_off, captured FROM events WHERE id = ?').get(eventId) as any;
  const block = db.prepare('SELECT codec, data FROM payload_blocks WHERE id = ?').get(ev.block_id) as any;
  const raw = block.codec === 1 ? inflateRawSync(block.data) : block.data;
  return raw.subarray(ev.block_off, ev.block_off + ev.captured).toString('latin1');
}

describe('Capture', () => {
  let db: Database.Database | null = null;
  afterEach(() => db?.close());

  it('writes processes, connections, events and payloads, and closes cleanly', async () => {
    const out = join(dir, 's.tinytap');
    const binding = fakeBinding();
    const cap = new Capture(options(out), binding);
    cap.start();
    const mono = 1_000_000_000n;
    binding.last!.onBatch(
      batchOf([
        encodeConn({ pid: 4242, comm: 'curl', connId: 9, tsNs: mono + 10n }),
        encodeProc({ pid: 4242, comm: 'curl', argv: ['curl', 'http://localhost:8080/'], tsNs: mono + 11n }),
        encodeData({ pid: 4242, comm: 'curl', connId: 9, ret: 18, data: 'GET / HTTP/1.1\r\n\r\n', tsNs: mono + 12n }),
        encodeData({ pid: 4242, comm: 'curl', connId: 9, ret: 2000, data: 'HTTP/1.1 200 OK', dir: 2, syscall: 1, tsNs: mono + 20n, flags: DataFlag.LAST | DataFlag.TRUNCATED, streamOff: 0 }),
        encodeClose({ pid: 4242, connId: 9, tsNs: mono + 30n }),
      ]),
    );
    const counts = await cap.stop('signal');
    expect(counts).toMatchObject({ events: 2, bytes: 2018, capturedBytes: 33, connections: 1, processes: 1, droppedRecords: 0 });
    expect(binding.last!.stopped).toBe(true);

    // one file: no WAL left behind, private to its owner
    expect(() => statSync(out + '-wal')).toThrow();
    expect(statSync(out).mode & 0o777).toBe(0o600);

    db = new Database(out, { readonly: true });
    expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
    const conn = db.prepare('SELECT * FROM connections').get() as any;
    expect(conn).toMatchObject({ id: 9, pid: 4242, role: 1, local_addr: '127.0.0.1', remote_port: 8080, bytes_sent: 18, bytes_received: 2000, events: 2 });
    const proc = db.prepare('SELECT * FROM processes').get() as any;
    expect(conn.process_id).toBe(proc.id);
    expect(JSON.parse(proc.argv)).toEqual(['curl', 'http://localhost:8080/']);
    const evs = db.prepare('SELECT * FROM events ORDER BY id').safeIntegers(true).all() as any[];
    // wall clock = monotonic + (realtime - monotonic) from the fake clocks
    expect(evs[0].ts).toBe(1_800_000_000_000_000_012n);
    expect(Number(evs[1].flags) & DataFlag.TRUNCATED).toBeTruthy();
    expect(Number(evs[1].flags) & DataFlag.LAST).toBe(0);
    expect(payloadOf(db, 1)).toBe('GET / HTTP/1.1\r\n\r\n');
    expect(payloadOf(db, 2)).toBe('HTTP/1.1 200 OK');
    expect((db.prepare('SELECT closed_at FROM connections').safeIntegers(true).get() as any).closed_at).toBe(1_800_000_000_000_000_030n);
    const meta = Object.fromEntries((db.prepare('SELECT key, value FROM meta').all() as any[]).map((r) => [r.key, JSON.parse(r.value)]));
    expect(meta.stop_reason).toBe('signal');
    expect(meta.counts.events).toBe(2);
    expect(meta.drops.records).toBe(0);
  });

  it('records the kernel drop counters in the file', async () => {
    const out = join(dir, 'd.tinytap');
    const binding = fakeBinding();
    const cap = new Capture(options(out), binding);
    cap.start();
    binding.last!.stats_ = [17, 4096, 3, 0, 0, 0, 0, 0];
    await cap.stop('signal');
    db = new Database(out, { readonly: true });
    const drops = JSON.parse((db.prepare("SELECT value FROM meta WHERE key = 'drops'").get() as any).value);
    expect(drops).toEqual({ records: 17, bytes: 4096, events: 3, read_failures: 0 });
  });

  it('refuses to overwrite an existing file without force', () => {
    const out = join(dir, 'exists.tinytap');
    writeFileSync(out, 'precious');
    expect(() => new Capture(options(out), fakeBinding())).toThrow(OutputExistsError);
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
    expect(reader.prepare('SELECT count(*) FROM events').pluck().get()).toBe(1);
    reader.close();
    await cap.stop('signal');
  });
});
