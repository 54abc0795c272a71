// record --dir: the rotation policy (pure), then a Capture writing a chain of files through the
// stand-in for the addon: every record in exactly one file, each file readable alone.
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

import { batchOf, encodeClose, encodeConn, encodeData, encodeProc } from '../../src/events/encode-records.js';
import { Capture, type Rotated, defaultCaptureOptions } from '../../src/record/capture.js';
import { compareChainNames, nextChainName, sessionFileName } from '../../src/files/chain-names.js';
import { type ChainFile, type RotationPlan, overBudget, rotationDue } from '../../src/record/rotation.js';
import { EventReader } from '../../src/session/event-reader.js';
import { SessionWriter } from '../../src/record/session-writer.js';
import { fakeBinding } from '../helpers/fake-binding.js';

const plan = (extra: Partial<RotationPlan> = {}): RotationPlan => ({ dir: '/x', everyMs: null, everyBytes: null, keepMs: null, keepBytes: null, ...extra });

describe('rotation policy', () => {
  it('is due at the time or the size, whichever comes first', () => {
    expect(rotationDue(plan({ everyMs: 1000 }), 999, 1 << 30)).toBe(false);
    expect(rotationDue(plan({ everyMs: 1000 }), 1000, 0)).toBe(true);
    expect(rotationDue(plan({ everyMs: 1000, everyBytes: 100 }), 5, 100)).toBe(true);
    expect(rotationDue(plan(), 1e12, 1e12)).toBe(false);
  });

  it('names files by their start, -2, -3 within a second, and sorts them in that order', () => {
    const at = new Date(2026, 11, 3, 9, 5, 7);
    expect(sessionFileName(at)).toBe('tinytap-20261203-090507.tinytap');
    const taken = new Set(['tinytap-20261203-090507.tinytap', 'tinytap-20261203-090507-2.tinytap']);
    expect(nextChainName(at, (n) => taken.has(n))).toBe('tinytap-20261203-090507-3.tinytap');
    const names = ['tinytap-20261203-090507-10.tinytap', 'tinytap-20261203-090508.tinytap', 'tinytap-20261203-090507-2.tinytap', 'tinytap-20261203-090507.tinytap'];
    expect(names.sort(compareChainNames)).toEqual([
      'tinytap-20261203-090507.tinytap',
      'tinytap-20261203-090507-2.tinytap',
      'tinytap-20261203-090507-10.tinytap',
      'tinytap-20261203-090508.tinytap',
    ]);
  });

  it('deletes the oldest past the budget, never the file being written nor one open elsewhere', () => {
    const f = (s: number, bytes: number, open = false): ChainFile => ({ name: `tinytap-20261203-0900${String(s).padStart(2, '0')}.tinytap`, bytes, endedMs: s * 1000, open });
    const files = [f(4, 100), f(1, 100), f(2, 100, true), f(3, 100), f(5, 100)];
    const current = files[4].name;
    // by size: 500 in all, 250 kept; the open one counts but stays
    expect(overBudget(files, plan({ keepBytes: 250 }), 5000, current)).toEqual([f(1, 0).name, f(3, 0).name, f(4, 0).name]);
    // by age: ended more than 2.5 s before 5 s
    expect(overBudget(files, plan({ keepMs: 2500 }), 5000, current)).toEqual([f(1, 0).name]);
    expect(overBudget(files, plan(), 5000, current)).toEqual([]);
  });
});

const T0 = 1_800_000_000_000_000_000n;

function rowsOf(file: string, sql: string): unknown[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}

function payloads(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return [...new EventReader(db).events()].map((e) => `${e.connId}:${e.payload.toString()}`);
  } finally {
    db.close();
  }
}

describe('Capture into a chain of files', () => {
  it('puts every record in exactly one file, and starts each file with the processes and connections still open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tinytap-chain-'));
    const first = join(dir, sessionFileName(new Date(2026, 0, 1)));
    const binding = fakeBinding();
    const rotations: Rotated[] = [];
    let rotated: () => void = () => {};
    const cap = new Capture(
      // a file at every commit: each batch below lands in a file of its own
      defaultCaptureOptions(first, { commitMs: 5, rotation: plan({ dir, everyBytes: 1 }) }),
      binding,
      { onRotate: (r) => (rotations.push(r), rotated()) },
    );
    const nextRotation = () => new Promise<void>((resolve) => (rotated = resolve));
    cap.start();
    const feed = async (records: Buffer[]) => {
      const done = nextRotation();
      binding.last!.onBatch(batchOf(records));
      await done;
    };
    await feed([
      encodeConn({ pid: 4242, comm: 'curl', connId: 9, tsNs: T0 + 10n }),
      encodeProc({ pid: 4242, comm: 'curl', argv: ['curl', 'http://localhost:8080/'], tsNs: T0 + 11n }),
      encodeData({ pid: 4242, comm: 'curl', connId: 9, ret: 18, data: 'GET / HTTP/1.1\r\n\r\n', tsNs: T0 + 12n }),
    ]);
    await feed([encodeData({ pid: 4242, comm: 'curl', connId: 9, ret: 19, data: 'HTTP/1.1 200 OK\r\n\r\n', dir: 2, syscall: 1, tsNs: T0 + 20n })]);
    await feed([encodeClose({ pid: 4242, connId: 9, tsNs: T0 + 30n })]);
    await cap.stop('signal');

    const files = [first, ...rotations.map((r) => r.opened)];
    expect(rotations.map((r) => r.closed)).toEqual(files.slice(0, -1));
    expect(readdirSync(dir).sort()).toEqual(files.map((f) => f.slice(dir.length + 1)).sort());
    // every record once, in order, across the chain
    expect(files.flatMap(payloads)).toEqual(['9:GET / HTTP/1.1\r\n\r\n', '9:HTTP/1.1 200 OK\r\n\r\n']);
    // the second file reads alone: curl and its connection, opened before the file began
    expect(rowsOf(files[1], 'SELECT pid, comm FROM processes')).toEqual([{ pid: 4242, comm: 'curl' }]);
    expect(rowsOf(files[1], 'SELECT id, pid, opened_at = ' + (T0 + 10n) + ' AS carried, closed_at FROM connections')).toEqual([
      { id: 9, pid: 4242, carried: 1, closed_at: null },
    ]);
    // closed in the third; the fourth starts without it
    expect(rowsOf(files[2], 'SELECT closed_at FROM connections')).toEqual([{ closed_at: Number(T0 + 30n) }]);
    expect(rowsOf(files[3], 'SELECT id FROM connections')).toEqual([]);
    // each file says where it stands in the chain, and why it ended
    const chain = files.map((f) => {
      const meta = Object.fromEntries((rowsOf(f, 'SELECT key, value FROM meta') as { key: string; value: string }[]).map((r) => [r.key, JSON.parse(r.value)]));
      return { ...(meta.chain as { id: string }), stop: meta.stop_reason as string };
    });
    const names = files.map((f) => f.slice(dir.length + 1));
    // named by the recorder's clock, the one each file's started_at is read from (the fake's stands still)
    const startedAt = new Date(1_795_000_000_000);
    expect(names.slice(1)).toEqual([sessionFileName(startedAt), sessionFileName(startedAt, '-2'), sessionFileName(startedAt, '-3')]);
    chain.forEach((c, i) => expect(c).toMatchObject({ sequence: i + 1, previous: names[i - 1] ?? null, next: names[i + 1] ?? null, stop: i < files.length - 1 ? 'rotated' : 'signal' }));
    expect(new Set(chain.map((c) => c.id)).size).toBe(1);
  });

  it('names the next file in the closing commit only once that file is there', async () => {
    // a follower (open --follow DIR) moves on when it reads chain.next: named before it was made,
    // the follower found no file and stayed on the closed one for good
    const dir = mkdtempSync(join(tmpdir(), 'tinytap-chain-'));
    const binding = fakeBinding();
    const rotations: Rotated[] = [];
    const seen: { next: string; there: boolean }[] = [];
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called with its writer as this, below
    const close = SessionWriter.prototype.close;
    const spy = vi.spyOn(SessionWriter.prototype, 'close').mockImplementation(function (this: SessionWriter) {
      const file = this.db.name;
      close.call(this);
      // what a reader sees the moment the closing commit is in
      const next = (JSON.parse(rowsOf(file, "SELECT value FROM meta WHERE key = 'chain'").map((r) => (r as { value: string }).value)[0]) as { next: string | null }).next;
      if (next) seen.push({ next, there: existsSync(join(dir, next)) });
    });
    try {
      const cap = new Capture(defaultCaptureOptions(join(dir, sessionFileName(new Date(2026, 0, 1))), { commitMs: 5, rotation: plan({ dir, everyBytes: 1 }) }), binding, {
        onRotate: (r) => rotations.push(r),
      });
      cap.start();
      while (rotations.length < 3) await new Promise((r) => setTimeout(r, 5));
      await cap.stop('signal');
    } finally {
      spy.mockRestore();
    }
    expect(seen.length).toBeGreaterThanOrEqual(3);
    for (const s of seen) expect(s).toEqual({ next: s.next, there: true });
  });

  it('keeps the budget: the oldest files go, never the one being written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tinytap-chain-'));
    // an older file of another run (the oldest: the first to go), and a file not of a chain (left alone)
    writeFileSync(join(dir, 'tinytap-20200101-000000.tinytap'), Buffer.alloc(50_000));
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    const binding = fakeBinding();
    const rotations: Rotated[] = [];
    const cap = new Capture(
      defaultCaptureOptions(join(dir, sessionFileName(new Date(2026, 0, 1))), { commitMs: 5, rotation: plan({ dir, everyBytes: 1, keepBytes: 100_000 }) }),
      binding,
      { onRotate: (r) => rotations.push(r) },
    );
    cap.start();
    while (rotations.length < 4) await new Promise((r) => setTimeout(r, 5));
    await cap.stop('signal');
    const deleted = rotations.flatMap((r) => r.deleted);
    expect(deleted[0]).toBe('tinytap-20200101-000000.tinytap');
    expect(existsSync(join(dir, 'notes.txt'))).toBe(true);
    for (const r of rotations) expect(r.deleted).not.toContain(r.opened.slice(dir.length + 1));
    expect(existsSync(cap.currentFile)).toBe(true);
  });
});
