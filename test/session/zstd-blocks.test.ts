// Codec 2 (SPEC.md §3.2): zstd frames laid end to end, read back exactly or named as damage; and
// a schema-2 file of deflate blocks (every recording before zstd) still reads.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';

import { inflateBlock } from '../../src/session/damage.js';
import { EventReader } from '../../src/session/event-reader.js';
import { CODEC_DEFLATE, CODEC_ZSTD } from '../../src/session/format.js';
import { openSessionDb } from '../../src/session/open-session.js';
import { zstdCompress, zstdDecompress } from '../../src/session/zstd.js';
import { makeSmallSession, tempDir } from '../helpers/session-files.js';

const entry = (rawLen: number) => ({ id: 7, firstRecord: 0, records: 0, codec: CODEC_ZSTD, rawLen });
const text = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => `GET /items/${i} HTTP/1.1\r\nHost: localhost\r\n\r\n`).join(''));

describe('zstd blocks', () => {
  it('reads frames laid end to end as one run of bytes', () => {
    const a = text(2000);
    const b = text(10);
    const data = Buffer.concat([zstdCompress(a), zstdCompress(b), zstdCompress(Buffer.alloc(0))]);
    expect(inflateBlock(entry(a.length + b.length), data)).toEqual(Buffer.concat([a, b]));
    // repetitive records: a frame is a small fraction of its part
    expect(zstdCompress(a).length).toBeLessThan(a.length / 10);
  });

  it('names a block that holds more or less than its raw_len, without reading past it', () => {
    const a = text(100);
    expect(inflateBlock(entry(a.length - 1), zstdCompress(a))).toBe(
      `block 7: does not decompress to its raw_len of ${a.length - 1} bytes (more than raw_len bytes)`,
    );
    expect(inflateBlock(entry(a.length + 1), zstdCompress(a))).toBe(
      `block 7: does not decompress to its raw_len of ${a.length + 1} bytes (${a.length} bytes, not raw_len)`,
    );
  });

  it('names a block whose bytes changed (each frame carries a checksum) or that is not zstd at all', () => {
    const a = text(100);
    const frame = zstdCompress(a);
    // the last four bytes are the checksum of the content
    frame[frame.length - 2] ^= 1;
    expect(inflateBlock(entry(a.length), frame)).toMatch(/^block 7: does not decompress to its raw_len of \d+ bytes \(.*checksum.*\)$/i);
    expect(inflateBlock(entry(10), Buffer.from('not zstd at all'))).toMatch(/^block 7: does not decompress/);
    expect(inflateBlock(entry(0), Buffer.alloc(0))).toEqual(Buffer.alloc(0));
  });

  it('throws EZSTD from the binding itself, and takes no length it cannot allocate', () => {
    expect(() => zstdDecompress(Buffer.from('x'), -1)).toThrow(expect.objectContaining({ code: 'EZSTD' }));
    expect(() => zstdDecompress(Buffer.from('x'), Number.NaN)).toThrow(expect.objectContaining({ code: 'EZSTD' }));
  });
});

describe('a schema-2 file of deflate blocks, as recorders before zstd wrote them', () => {
  const dir = tempDir('tinytap-zstd-');
  const zstdFile = join(dir, 'new.tinytap');
  const oldFile = join(dir, 'old.tinytap');
  beforeAll(async () => {
    await makeSmallSession(zstdFile);
    await makeSmallSession(oldFile);
    // rewrite its blocks as the recorder of schema 2 did: one raw DEFLATE stream each
    const db = new Database(oldFile);
    const blocks = db.prepare('SELECT id, codec, raw_len, data FROM event_blocks').all() as { id: number; codec: number; raw_len: number; data: Buffer }[];
    expect(blocks.length).toBeGreaterThan(0);
    for (const b of blocks) {
      expect(b.codec).toBe(CODEC_ZSTD);
      const raw = zstdDecompress(b.data, b.raw_len);
      db.prepare('UPDATE event_blocks SET codec = ?, data = ? WHERE id = ?').run(CODEC_DEFLATE, deflateRawSync(raw, { level: 1 }), b.id);
    }
    db.pragma('user_version = 2');
    db.close();
  });

  it('reads the same events from both', () => {
    const read = (path: string) => {
      const db = openSessionDb(path, { readonly: true });
      try {
        const reader = new EventReader(db);
        const events = [...reader.events()].map((e) => [e.id, e.connId, e.dir, e.payload.toString('latin1')]);
        expect(reader.damage.examples).toEqual([]);
        return events;
      } finally {
        db.close();
      }
    };
    const events = read(zstdFile);
    expect(events.length).toBeGreaterThan(0);
    expect(read(oldFile)).toEqual(events);
  });
});
