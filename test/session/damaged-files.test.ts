// Absurd values in a session file (SPEC.md §4.1): a block, record, row or meta value that cannot
// be right is skipped and counted, never a crash, a hang, an allocation the size of a lie, or a
// silent misreading; the rest of the file is read. Files from testdata/hostile/corpus.ts.
import Database from 'better-sqlite3';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { EventAssembler, MAX_EVENT_PAYLOAD } from '../../src/events/event-assembler.js';
import { encodeData } from '../../src/events/encode-records.js';
import { decodeRecord } from '../../src/events/decode-records.js';
import { buildExchanges } from '../../src/session/build-exchanges.js';
import { checkedDetail } from '../../src/session/damage.js';
import { EventReader } from '../../src/session/event-reader.js';
import { openSessionDb } from '../../src/session/open-session.js';
import { liveRecorder } from '../../src/session/recorder-alive.js';
import { sessionInfo } from '../../src/session/session-info.js';
import { Session } from '../../src/session/session.js';
import { writeCorpus } from '../../testdata/hostile/corpus.js';
import { SessionQueries } from '../../src/session/session-queries.js';
import { tempDir, textHits } from '../helpers/session-files.js';

const dir = tempDir('tinytap-damaged-');
let corpus: Awaited<ReturnType<typeof writeCorpus>>;

beforeAll(async () => {
  corpus = await writeCorpus(dir);
}, 120_000);

/** A fresh copy of a corpus case (commands may build into it). */
function copyOf(name: string): string {
  const path = join(dir, `copy-${name}-${Math.random().toString(36).slice(2, 8)}.tinytap`);
  copyFileSync(corpus.cases.get(name)!, path);
  return path;
}

/** The payloads of every event the file's blocks hold, and what the reader skipped. */
function readAll(path: string): { payloads: string[]; reader: EventReader } {
  const db = openSessionDb(path, { readonly: true });
  try {
    const reader = new EventReader(db);
    return { payloads: [...reader.events()].map((e) => e.payload.toString('latin1')), reader };
  } finally {
    db.close();
  }
}

const GOOD_PAYLOADS = 8;

describe('blocks (item 8: a decompression bomb; item 9: lying lengths and numbers)', () => {
  it('stops inflating a lying block at its raw_len: no gigabyte, the block skipped and named', () => {
    const before = process.memoryUsage().arrayBuffers;
    let peak = before;
    const db = openSessionDb(copyOf('bomb-lying'), { readonly: true });
    try {
      const reader = new EventReader(db);
      const payloads: string[] = [];
      for (const e of reader.events()) {
        payloads.push(e.payload.toString());
        peak = Math.max(peak, process.memoryUsage().arrayBuffers);
      }
      expect(payloads).toHaveLength(GOOD_PAYLOADS);
      expect(reader.damage.counts).toMatchObject({ blocks: 1, records: 0 });
      expect(reader.damage.examples[0]).toMatch(/^block \d+: inflates past its raw_len of 4096 bytes$/);
    } finally {
      db.close();
    }
    // the old reader inflated all of it: 1 GiB
    expect(peak - before).toBeLessThan(64 << 20);
  });

  it.each([
    ['bomb-declared', /raw_len 1073741824 is not a length of 0 to 67108864 bytes/],
    ['zstd-bomb-lying', /does not decompress to its raw_len of 4096 bytes \(more than raw_len bytes\)/],
    ['zstd-flipped', /does not decompress to its raw_len of \d+ bytes \(.+\)/],
    ['zstd-short', /does not decompress to its raw_len of \d+ bytes \(\d+ bytes, not raw_len\)/],
    ['unknown-codec', /unknown codec/],
    ['data-not-blob', /its data is not a blob/],
    ['stored-length-lies', /bytes stored, raw_len says 100000/],
    ['negative-lengths', /raw_len -1 is not a length/],
    ['first-record-backwards', /numbered from 0, before the end of the block before it/],
  ])('skips the block of %s, reads the others', (name, says) => {
    const { payloads, reader } = readAll(copyOf(name));
    expect(payloads).toHaveLength(GOOD_PAYLOADS);
    expect(reader.damage.counts.blocks).toBe(1);
    expect(reader.damage.examples.join('\n')).toMatch(says);
  });

  it('never rounds a block id or a record number past 2^53', () => {
    const { payloads, reader } = readAll(copyOf('huge-numbers'));
    expect(reader.damage.counts.blocks).toBe(2);
    expect(reader.damage.examples.join('\n')).toMatch(/block 9007199254740992: its id is out of range/);
    expect(payloads).toHaveLength(GOOD_PAYLOADS);
  });
});

describe('records (item 9)', () => {
  it.each([
    ['record-version-99', 1, 1, /a layout version this file cannot hold/],
    ['huge-chunk-len', 1, 0, /shorter than its chunk/],
    ['header-only-record', 1, 1, /40 bytes, shorter than its kind/],
    ['unix-path-len', 1, 0, /unix path of 4000 bytes/],
    ['absurd-stream-offsets', 1, 1, /stream_off out of range/],
    ['record-count-lies', 2, 2, /holds 2 whole records, not 4/],
    ['frame-overruns-block', 1, 1, /holds 1 whole records, not 2/],
  ])('%s: skips and counts what cannot be right, reads the rest of its block', (name, records, more, says) => {
    const { payloads, reader } = readAll(copyOf(name));
    expect(reader.damage.counts).toMatchObject({ blocks: 0, records });
    expect(reader.damage.examples.join('\n')).toMatch(says);
    expect(payloads).toHaveLength(GOOD_PAYLOADS + more);
  });

  it('passes over a record of an unknown kind (SPEC.md §4) without calling it damage', () => {
    const { payloads, reader } = readAll(copyOf('unknown-kind'));
    expect(reader.damage.counts).toMatchObject({ blocks: 0, records: 0 });
    expect(payloads).toHaveLength(GOOD_PAYLOADS + 1);
  });

  it('joins a syscall of endless chunks up to the 16 MiB one syscall can hold', () => {
    const { payloads } = readAll(copyOf('endless-chunks'));
    expect(Math.max(...payloads.map((p) => p.length))).toBe(MAX_EVENT_PAYLOAD);
  });

  it('gives up the oldest unfinished syscalls when together they hold too much', () => {
    const assembler = new EventAssembler({ eventPayload: 64, pending: 100 });
    const lost: number[] = [];
    // three threads, each in a syscall that never ends: 40 bytes at a time
    for (let i = 0; i < 4; i++)
      for (const tid of [1, 2, 3]) {
        const rec = decodeRecord(encodeData({ tid, connId: 1, ret: 1000, chunkOff: i * 40, data: Buffer.alloc(40), flags: 0 }), 0, 152);
        if (rec?.kind === 1) assembler.push(rec, (ev) => lost.push(ev.first.tid));
      }
    // each joined up to 40 bytes (the next chunk would pass 64); 120 bytes pending were too many:
    // thread 1's syscall was given up (its later chunks wait again, joining nothing)
    expect(lost).toEqual([1]);
    expect(assembler.pendingCount).toBe(3);
  });
});

describe('rows and meta values (item 9)', () => {
  it('builds around raw rows of the wrong type and a process that is not there, counting them', () => {
    const db = openSessionDb(copyOf('wrong-value-types'));
    try {
      const stats = buildExchanges(db);
      expect(stats.damage.counts.rows).toBe(2);
      const info = sessionInfo(db, 'x', 0);
      expect(info.damage.rows).toBeGreaterThanOrEqual(2);
      expect(info.complete).toBe(false);
    } finally {
      db.close();
    }
    const s = Session.open(copyOf('dangling-process'));
    try {
      expect(s.exchanges()).not.toHaveLength(0);
      expect(sessionInfo(s.db, 'x', 0).damage.rows).toBe(1);
    } finally {
      s.close();
    }
  });

  it('reads meta values of the wrong shape as absent, and counts them', () => {
    const db = openSessionDb(copyOf('meta-not-json'), { readonly: true });
    try {
      const info = sessionInfo(db, 'x', 0);
      expect(info).toMatchObject({ startedAt: null, commandLine: [], filters: null, host: null, stopReason: null, capturedBytes: 0, complete: false });
      expect(info.damage.meta).toBe(7);
    } finally {
      db.close();
    }
  });

  it('never takes a recorder pid that is a path: reading it could block on a FIFO', () => {
    const db = openSessionDb(copyOf('recorder-fifo'), { readonly: true });
    try {
      expect(liveRecorder(db)).toBeNull();
      expect(sessionInfo(db, 'x', 0).damage.meta).toBe(1);
    } finally {
      db.close();
    }
  });
});

describe('derived rows (item 9)', () => {
  it('stops with one line pointing at reparse when a derived row or its detail is wrong; reparse rebuilds them', () => {
    const path = copyOf('derived-garbage');
    const s = Session.open(path);
    try {
      expect(() => s.exchanges()).toThrow(/status of the wrong type.*tinytap reparse/);
      expect(() => s.exchange(1)).toThrow(/tinytap reparse/);
    } finally {
      s.close();
    }
    const db = openSessionDb(path);
    buildExchanges(db);
    db.close();
    const rebuilt = Session.open(path);
    try {
      expect(rebuilt.exchanges().map((x) => x.path)).toContain('/x');
    } finally {
      rebuilt.close();
    }
  });

  it('reads searchable text that does not decompress or unpack as no text: searches find nothing in it', () => {
    const s = Session.open(copyOf('derived-text-garbage'));
    try {
      const queries = new SessionQueries(s);
      for (const id of [1, 2]) expect(queries.exchangeText(id)).toBeNull();
      expect(s.exchanges().map((x) => x.path)).toEqual(['/x', '/items']);
      s.ensureTextIndex();
      expect(textHits(s.db, 'hello')).toEqual([]);
      expect(textHits(s.db, '/x')).toEqual([]);
    } finally {
      s.close();
    }
  });

  it('checks every field of a detail before a position is read from it', () => {
    const good = new Database(corpus.good, { readonly: true });
    const detail = good.prepare('SELECT detail FROM exchanges LIMIT 1').pluck().get() as Buffer;
    good.close();
    expect(typeof checkedDetail(detail)).toBe('object');
    expect(checkedDetail(Buffer.from([0xc1]))).toMatch(/does not decode|unknown version/);
    expect(checkedDetail(Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff]))).toBe('its detail does not decode');
    expect(checkedDetail('text')).toBe('its detail is not a blob');
    // a position that is not a number of bytes
    expect(checkedDetail(Buffer.from([0x98, 0x02, 0x92, 0xc0, 0xc0, 0x92, 0xc0, 0xc0, 0x99, 0xff, 0, 0, 0, 0, 0, 0xc0, 0x90, 0x90, 0xc0, 0x90, 0xc0, 0x90]))).toMatch(/does not hold/);
  });
});
