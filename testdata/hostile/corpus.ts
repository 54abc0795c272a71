/**
 * The hostile corpus: session files as a sender could craft them ("send me your .tinytap"),
 * written by code so that each one is readable here and reviewable in a diff. Each case starts
 * from a real session (recorded through the real writer with a fake addon), changes it the way
 * its line says, and states what every reader must do with it (SPEC.md §4.1):
 *
 * - `refused`: every command fails with one line saying why (`says`), and changes nothing;
 * - `read`: commands read what can be read; `damaged` says `tinytap info` must not call the file
 *   complete; `derivedBroken` says the commands reading exchanges stop with one line pointing at
 *   `tinytap reparse` (the derived tables are the sender's, not rebuilt unless stale).
 *
 * test/security/hostile-files.test.ts runs every command over every case.
 */
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants, deflateRawSync } from 'node:zlib';

import { batchOf, encodeConn, encodeData, encodeUnknownKind } from '../../src/events/encode-records.js';
import { ConnLayout, DataLayout, Direction, HeaderLayout } from '../../src/events/layout.js';
import { Session } from '../../src/session/session.js';
import { CODEC_ZSTD } from '../../src/session/format.js';
import { zstdCompress } from '../../src/session/zstd.js';
import { CURL, NODE, ScriptedSession } from '../../test/helpers/scripted-session.js';

export interface HostileCase {
  name: string;
  /** What it exercises, in one line. */
  exercises: string;
  /** 'built': a session whose exchanges are built (derived tables there); 'raw': not built yet; 'none': made from nothing. */
  from: 'built' | 'raw' | 'none';
  outcome: 'refused' | 'read';
  /** refused: what the one line says. */
  says?: RegExp;
  /** read: info must say it is damaged, not complete. */
  damaged?: boolean;
  /** read: the derived rows are the sender's and broken: commands reading exchanges stop, pointing at reparse. */
  derivedBroken?: 'exchanges' | 'flows';
  make(path: string, dir: string): void;
}

/** The file as its sender can change it: no defensive mode, no foreign keys, no checks. */
function senderDb(path: string): Database.Database {
  const db = new Database(path);
  db.unsafeMode(true);
  db.pragma('foreign_keys = OFF');
  return db;
}

/** Run SQL on a file as its sender could. */
function sql(path: string, statements: string, ...params: unknown[]): void {
  const db = senderDb(path);
  if (params.length) db.prepare(statements).run(...params);
  else db.exec(statements);
  db.close();
}

/** Replace the CREATE statement SQLite keeps for `name` (what a hex editor or writable_schema does). */
function editSchema(path: string, name: string, edit: (sql: string) => string): void {
  const db = senderDb(path);
  const old = db.prepare('SELECT sql FROM sqlite_master WHERE name = ?').pluck().get(name) as string;
  db.pragma('writable_schema = ON');
  db.prepare('UPDATE sqlite_master SET sql = ? WHERE name = ?').run(edit(old), name);
  db.close();
}

function setMeta(path: string, key: string, rawValue: string | null): void {
  if (rawValue === null) sql(path, 'DELETE FROM meta WHERE key = ?', key);
  else sql(path, 'INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', key, rawValue);
}

interface BlockSpec {
  records?: Buffer[];
  /** The block's data as stored (default: `records` framed and deflated). */
  data?: Buffer | string;
  codec?: number;
  rawLen?: number;
  recordCount?: number;
  firstRecord?: number;
  id?: number;
  /** Connections whose conn_blocks list it (default 1 and 2, the base session's exchange). */
  conns?: number[];
}

/** Append a block after the file's last one, numbered after its last record unless told otherwise. */
function addBlock(path: string, b: BlockSpec): void {
  const raw = batchOf(b.records ?? []);
  const db = senderDb(path);
  const last = db.prepare('SELECT coalesce(max(id), 0) AS id, coalesce(max(first_record + records), 0) AS next FROM event_blocks').get() as {
    id: number;
    next: number;
  };
  const id = b.id ?? last.id + 1;
  db.prepare('INSERT INTO event_blocks (id, first_record, records, events, first_ts, last_ts, codec, raw_len, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
    BigInt(id),
    BigInt(b.firstRecord ?? last.next),
    BigInt(b.recordCount ?? (b.records ?? []).length),
    (b.records ?? []).length,
    1_795_000_000_100_000_000n,
    1_795_000_000_200_000_000n,
    b.codec ?? 1,
    BigInt(b.rawLen ?? raw.length),
    b.data ?? deflateRawSync(raw),
  );
  for (const c of b.conns ?? [1, 2]) db.prepare('INSERT OR IGNORE INTO conn_blocks (conn_id, block_id) VALUES (?, ?)').run(c, BigInt(id));
  db.close();
}

/** A DATA record on the base session's client connection (conn 1), after its bytes. */
function data(fields: Partial<Parameters<typeof encodeData>[0]> = {}): Buffer {
  return encodeData({ pid: 4121, comm: 'curl', connId: 1, ret: 5, data: 'hello', streamOff: 10_000, tsNs: 1_795_000_000_150_000_000n, ...fields });
}

/**
 * 1 GiB of zeros as raw DEFLATE in about 1 MB: one 1 MiB chunk compressed with a full flush
 * (byte-aligned, no back-references across it) repeated, then an empty final block.
 */
export function deflateBomb(mib = 1024): Buffer {
  const chunk = deflateRawSync(Buffer.alloc(1 << 20), { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  return Buffer.concat([...Array<Buffer>(mib).fill(chunk), Buffer.from([0x03, 0x00])]);
}

/** 1 GiB of zeros as zstd frames in a few hundred kB: one 1 MiB frame repeated. */
export function zstdBomb(mib = 1024): Buffer {
  return Buffer.concat(Array<Buffer>(mib).fill(zstdCompress(Buffer.alloc(1 << 20), 19)));
}

/** A zstd block of `records` with one byte of its compressed data changed. */
function zstdFlipped(records: Buffer[]): Buffer {
  const frame = zstdCompress(batchOf(records));
  frame[frame.length >> 1] ^= 0x55;
  return frame;
}

function bootId(): string {
  return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
}

const ESC = '\x1b';
/** What a terminal runs if it is printed: set the clipboard (OSC 52), retitle, clear the screen, a C1 CSI. */
const HOSTILE_TEXT = `${ESC}]52;c;cHduZWQ=\x07${ESC}]0;owned\x07${ESC}[2J\u009b31m`;

export const HOSTILE_CASES: HostileCase[] = [
  // ---- not a session at all -------------------------------------------------------------
  { name: 'empty', exercises: 'an empty file', from: 'none', outcome: 'refused', says: /is empty/, make: (p) => writeFileSync(p, '') },
  {
    name: 'not-sqlite',
    exercises: 'a text file named .tinytap',
    from: 'none',
    outcome: 'refused',
    says: /not an SQLite database/,
    make: (p) => writeFileSync(p, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(20)),
  },
  {
    name: 'truncated',
    exercises: 'a session cut short while being copied',
    from: 'built',
    outcome: 'refused',
    says: /truncated/,
    make: (p) => truncateSync(p, Math.floor(readFileSync(p).length / 2)),
  },
  {
    name: 'garbage-schema-page',
    exercises: 'the schema page overwritten with garbage',
    from: 'built',
    outcome: 'refused',
    says: /corrupt|not as tinytap wrote it/,
    make: (p) => {
      const bytes = readFileSync(p);
      bytes.fill(0xa5, 100, 4096);
      writeFileSync(p, bytes);
    },
  },
  {
    name: 'foreign-sqlite',
    exercises: 'an SQLite database of another application',
    from: 'none',
    outcome: 'refused',
    says: /not a tinytap session/,
    make: (p) => sql(p, 'CREATE TABLE t (x); INSERT INTO t VALUES (1)'),
  },
  // ---- versions -------------------------------------------------------------------------
  { name: 'schema-99', exercises: 'user_version 99: a newer schema', from: 'built', outcome: 'refused', says: /newer tinytap.*upgrade/, make: (p) => sql(p, 'PRAGMA user_version = 99') },
  { name: 'schema-0', exercises: 'user_version 0: no schema version', from: 'built', outcome: 'refused', says: /no schema version/, make: (p) => sql(p, 'PRAGMA user_version = 0') },
  { name: 'layout-99', exercises: 'meta layout_version 99: a newer record layout', from: 'built', outcome: 'refused', says: /record layout 99.*upgrade/, make: (p) => setMeta(p, 'layout_version', '99') },
  { name: 'layout-not-json', exercises: 'meta layout_version that is not JSON', from: 'built', outcome: 'refused', says: /unreadable layout_version/, make: (p) => setMeta(p, 'layout_version', 'two') },
  // ---- the sender's SQL -----------------------------------------------------------------
  {
    name: 'trigger-cascade',
    exercises: 'a trigger behind a foreign key that cascades when a build drops the derived tables',
    from: 'built',
    outcome: 'refused',
    says: /trigger "t"/,
    make: (p) =>
      sql(p, `CREATE TABLE pwned (x); CREATE TABLE x (id REFERENCES flows(id) ON DELETE CASCADE); INSERT INTO x SELECT id FROM flows;
        CREATE TRIGGER t AFTER DELETE ON x BEGIN INSERT INTO pwned VALUES (1); END;`),
  },
  {
    name: 'trigger-on-meta',
    exercises: 'a trigger on a raw table (never written by readers, refused all the same)',
    from: 'raw',
    outcome: 'refused',
    says: /trigger "m"/,
    make: (p) => sql(p, "CREATE TRIGGER m AFTER UPDATE ON meta BEGIN DELETE FROM meta; END"),
  },
  {
    name: 'meta-view-recursive',
    exercises: 'meta replaced by a view with an endless recursive query: hung every reader, even info',
    from: 'built',
    outcome: 'refused',
    says: /view "meta"/,
    make: (p) =>
      sql(p, `ALTER TABLE meta RENAME TO meta_real; CREATE VIEW meta AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r)
        SELECT key, value FROM meta_real UNION ALL SELECT 'k' || n, '1' FROM r`),
  },
  {
    name: 'view-recursive',
    exercises: 'an extra view with an endless recursive query',
    from: 'built',
    outcome: 'refused',
    says: /view "summary"/,
    make: (p) => sql(p, 'CREATE VIEW summary AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT n FROM r'),
  },
  {
    name: 'exchanges-view',
    exercises: 'the derived exchanges table replaced by a view with an endless recursive query',
    from: 'built',
    outcome: 'refused',
    says: /view "exchanges"/,
    make: (p) =>
      sql(p, `DROP TABLE exchanges; CREATE VIEW exchanges AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r)
        SELECT n AS id FROM r`),
  },
  {
    name: 'virtual-table',
    exercises: 'a virtual table of a kind tinytap never writes (rtree)',
    from: 'built',
    outcome: 'refused',
    says: /virtual table "r"/,
    make: (p) => sql(p, 'CREATE VIRTUAL TABLE r USING rtree(id, a, b)'),
  },
  {
    name: 'expression-index',
    exercises: 'an expression index that is costly to check (info --check evaluates it per row)',
    from: 'built',
    outcome: 'refused',
    says: /index "e"/,
    make: (p) => sql(p, "CREATE INDEX e ON event_blocks(length(printf('%.*c', 300000000, 'x')))"),
  },
  {
    name: 'check-constraint',
    exercises: 'a CHECK constraint edited into a raw table',
    from: 'built',
    outcome: 'refused',
    says: /table "processes" is not as tinytap writes it/,
    make: (p) => editSchema(p, 'processes', (s) => s.replace('id          INTEGER PRIMARY KEY', "id INTEGER PRIMARY KEY CHECK (length(printf('%.*c', 300000000, 'x')))")),
  },
  {
    name: 'generated-column',
    exercises: 'a generated column edited into a raw table (it would run on every read)',
    from: 'built',
    outcome: 'refused',
    says: /table "event_blocks" is not as tinytap writes it/,
    make: (p) => editSchema(p, 'event_blocks', (s) => s.replace(/\)$/, ", g AS (length(printf('%.*c', 300000000, 'x'))))")),
  },
  // ---- a schema that is not tinytap's -----------------------------------------------------
  { name: 'missing-table', exercises: 'a raw table missing', from: 'built', outcome: 'refused', says: /no table "connections"/, make: (p) => sql(p, 'DROP TABLE connections') },
  {
    name: 'wrong-column-type',
    exercises: 'a raw column declared with another type',
    from: 'built',
    outcome: 'refused',
    says: /table "connections" is not as tinytap writes it/,
    make: (p) => editSchema(p, 'connections', (s) => s.replace('opened_at   INTEGER NOT NULL', 'opened_at   TEXT NOT NULL')),
  },
  {
    name: 'malformed-schema-sql',
    exercises: 'schema SQL SQLite cannot parse (one line, not twenty)',
    from: 'built',
    outcome: 'refused',
    says: /corrupt/,
    make: (p) => {
      const db = senderDb(p);
      db.pragma('writable_schema = ON');
      db.prepare("INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) VALUES ('table', 'broken', 'broken', 0, ?)").run(
        'CREATE TABLE broken (\n' + 'x INTEGER,\n'.repeat(20) + '!!!',
      );
      db.close();
    },
  },
  {
    name: 'escape-in-name',
    exercises: 'a table whose name holds terminal escape sequences: the refusal quotes it escaped',
    from: 'built',
    outcome: 'refused',
    says: /table "\\x1b\]52;c;cHduZWQ=\\x07/,
    make: (p) => sql(p, `CREATE TABLE "${HOSTILE_TEXT}" (x)`),
  },
  // ---- files read, damage skipped and counted -----------------------------------------------
  {
    name: 'wal-mode',
    exercises: 'a session left in WAL mode (a killed recorder) without its -wal file',
    from: 'raw',
    outcome: 'read',
    make: (p) => sql(p, 'PRAGMA journal_mode = WAL'),
  },
  {
    name: 'sqlite-stat',
    exercises: 'ANALYZE run on it (SQLite\'s own statistics tables are allowed)',
    from: 'built',
    outcome: 'read',
    make: (p) => sql(p, 'ANALYZE'),
  },
  {
    name: 'no-records',
    exercises: 'a session with no records at all',
    from: 'none',
    outcome: 'read',
    make: () => {},
  },
  {
    name: 'bomb-declared',
    exercises: 'a 1 MB block that inflates to 1 GiB and says so in raw_len (above the most a block holds)',
    from: 'raw',
    outcome: 'read',
    damaged: true,
    make: (p) => addBlock(p, { data: deflateBomb(), rawLen: 1 << 30, recordCount: 1 }),
  },
  {
    name: 'bomb-lying',
    exercises: 'a 1 MB block that inflates to 1 GiB but says 4 kB: crashed every reader after 4.4 GB RSS',
    from: 'raw',
    outcome: 'read',
    damaged: true,
    make: (p) => addBlock(p, { data: deflateBomb(), rawLen: 4096, recordCount: 1 }),
  },
  {
    name: 'zstd-bomb-lying',
    exercises: 'a zstd block of 1 GiB of zeros that says 4 kB',
    from: 'raw',
    outcome: 'read',
    damaged: true,
    make: (p) => addBlock(p, { data: zstdBomb(), codec: CODEC_ZSTD, rawLen: 4096, recordCount: 1 }),
  },
  {
    name: 'zstd-flipped',
    exercises: 'a zstd block with a byte changed (its frame checksum no longer matches)',
    from: 'raw',
    outcome: 'read',
    damaged: true,
    make: (p) => {
      const records = [data(), data({ streamOff: 10_005 })];
      addBlock(p, { records, data: zstdFlipped(records), codec: CODEC_ZSTD });
    },
  },
  {
    name: 'zstd-short',
    exercises: 'a zstd block whose frames hold less than its raw_len',
    from: 'raw',
    outcome: 'read',
    damaged: true,
    make: (p) => addBlock(p, { data: zstdCompress(batchOf([data()])), codec: CODEC_ZSTD, rawLen: batchOf([data()]).length + 8 }),
  },
  { name: 'unknown-codec', exercises: 'a block of codec 7', from: 'raw', outcome: 'read', damaged: true, make: (p) => addBlock(p, { records: [data()], codec: 7 }) },
  {
    name: 'data-not-blob',
    exercises: 'a block whose data is text, not a blob',
    from: 'raw',
    outcome: 'read',
    damaged: true,
    make: (p) => addBlock(p, { data: 'not a blob at all', codec: 0, rawLen: 17, recordCount: 0 }),
  },
  {
    name: 'stored-length-lies',
    exercises: 'a stored (codec 0) block whose raw_len is not its length',
    from: 'raw',
    outcome: 'read',
    damaged: true,
    make: (p) => addBlock(p, { data: batchOf([data()]), codec: 0, rawLen: 100_000 }),
  },
  {
    name: 'negative-lengths',
    exercises: 'a block with a negative raw_len and a negative record count',
    from: 'raw',
    outcome: 'read',
    damaged: true,
    make: (p) => addBlock(p, { records: [data()], rawLen: -1, recordCount: -5 }),
  },
  {
    name: 'huge-numbers',
    exercises: 'a block id and record number past 2^53 (rounded by a reader that trusts them)',
    from: 'raw',
    outcome: 'read',
    damaged: true,
    make: (p) => {
      addBlock(p, { records: [data()], id: 100, firstRecord: 2 ** 62 });
      addBlock(p, { records: [data()], id: 2 ** 53 + 1 });
    },
  },
  {
    name: 'first-record-backwards',
    exercises: 'a block numbered from record 0 again: two records would share a number',
    from: 'raw',
    outcome: 'read',
    damaged: true,
    make: (p) => addBlock(p, { records: [data(), data({ streamOff: 10_005 })], firstRecord: 0 }),
  },
  {
    name: 'frame-overruns-block',
    exercises: "a record frame whose length runs past its block's end",
    from: 'raw',
    outcome: 'read',
    damaged: true,
    make: (p) => {
      const raw = batchOf([data(), data({ streamOff: 10_005 })]);
      raw.writeUInt32LE(0x7fff_fff0, (raw.readUInt32LE(0) + 7 + 8) & ~7);
      addBlock(p, { data: deflateRawSync(raw), rawLen: raw.length, recordCount: 2 });
    },
  },
  {
    name: 'record-count-lies',
    exercises: 'a block that says it holds 4 records and holds 2',
    from: 'raw',
    outcome: 'read',
    damaged: true,
    make: (p) => addBlock(p, { records: [data(), data({ streamOff: 10_005 })], recordCount: 4 }),
  },
  {
    name: 'record-version-99',
    exercises: 'a record of layout version 99 in a layout-2 file',
    from: 'raw',
    outcome: 'read',
    damaged: true,
    make: (p) => addBlock(p, { records: [data({ version: 99 }), data({ streamOff: 10_005 })] }),
  },
  {
    name: 'unknown-kind',
    exercises: 'a record of a kind added later (passed over, SPEC.md §4: not damage)',
    from: 'raw',
    outcome: 'read',
    make: (p) => addBlock(p, { records: [encodeUnknownKind(9, 64), data()] }),
  },
  {
    name: 'huge-chunk-len',
    exercises: 'a DATA record whose chunk_len says 4 GB',
    from: 'raw',
    outcome: 'read',
    damaged: true,
    make: (p) => {
      const rec = data();
      rec.writeUInt32LE(0xffff_ffff, DataLayout.chunkLen);
      addBlock(p, { records: [rec] });
    },
  },
  {
    name: 'unix-path-len',
    exercises: 'a CONN record whose unix path length is longer than its field',
    from: 'raw',
    outcome: 'read',
    damaged: true,
    make: (p) => {
      const rec = encodeConn({ pid: 4121, comm: 'curl', connId: 77, family: 1, type: 1, protocol: 0, localPath: '/tmp/s' });
      rec.writeUInt16LE(4000, ConnLayout.localPathLen);
      addBlock(p, { records: [rec], conns: [77] });
    },
  },
  {
    name: 'absurd-stream-offsets',
    exercises: 'DATA records with a stream offset past 2^53 (damage) and one at 2^50 (a gap of a petabyte)',
    from: 'raw',
    outcome: 'read',
    damaged: true,
    make: (p) => addBlock(p, { records: [data({ streamOff: 2 ** 60 }), data({ streamOff: 2 ** 50, dir: Direction.EGRESS })] }),
  },
  {
    name: 'endless-chunks',
    exercises: 'one syscall of 2,000 chunks never marked last (32 MB): joined up to the 16 MiB a syscall can hold',
    from: 'raw',
    outcome: 'read',
    make: (p) => {
      const chunk = Buffer.alloc(16_384, 0x61);
      const records = Array.from({ length: 2000 }, (_, i) =>
        data({ tid: 999, ret: 2000 * 16_384, chunkOff: i * 16_384, data: chunk, flags: 0, streamOff: 20_000 }),
      );
      // several blocks, as the recorder seals them
      for (let i = 0; i < records.length; i += 400) addBlock(p, { records: records.slice(i, i + 400) });
    },
  },
  {
    name: 'header-only-record',
    exercises: 'a DATA record cut to its 40-byte header',
    from: 'raw',
    outcome: 'read',
    damaged: true,
    make: (p) => addBlock(p, { records: [data().subarray(0, HeaderLayout.size), data()] }),
  },
  // ---- rows and meta values of the wrong shape ---------------------------------------------
  {
    name: 'dangling-process',
    exercises: "a connection whose process_id names no process",
    from: 'raw',
    outcome: 'read',
    damaged: true,
    make: (p) => sql(p, 'UPDATE connections SET process_id = 999 WHERE id = 1'),
  },
  {
    name: 'wrong-value-types',
    exercises: 'values of the wrong type in raw rows: text times, a real pid, argv not JSON, a blob comm',
    from: 'raw',
    outcome: 'read',
    damaged: true,
    make: (p) =>
      sql(p, `UPDATE connections SET opened_at = 'yesterday' WHERE id = 2; UPDATE connections SET pid = 1.5 WHERE id = 3;
        UPDATE processes SET argv = 'not json', comm = x'1b5b324a'`),
  },
  {
    name: 'meta-not-json',
    exercises: 'meta values that are not JSON or not their shape (started_at, counts, command_line, filters, drops, host, stop_reason)',
    from: 'built',
    outcome: 'read',
    damaged: true,
    make: (p) => {
      setMeta(p, 'started_at', 'yesterday');
      setMeta(p, 'counts', '[1, 2]');
      setMeta(p, 'command_line', '7');
      setMeta(p, 'filters', '{"pids": "x", "comms": [], "ports": [], "command": null}');
      setMeta(p, 'drops', '"lots"');
      setMeta(p, 'host', '{"a": 1}');
      setMeta(p, 'stop_reason', '5');
    },
  },
  {
    name: 'recorder-fifo',
    exercises: "meta recorder whose pid is a path to a FIFO (a local user's file would hang root's info while it read it)",
    from: 'built',
    outcome: 'read',
    damaged: true,
    make: (p, dir) => {
      mkdirSync(join(dir, 'fifo-dir'), { recursive: true });
      try {
        execFileSync('mkfifo', [join(dir, 'fifo-dir', 'stat')]);
      } catch {
        // already there
      }
      setMeta(p, 'stopped_at', null);
      setMeta(p, 'recorder', JSON.stringify({ pid: `../${join(dir, 'fifo-dir').replace(/^\//, '')}`, start_time: '1', boot_id: bootId() }));
    },
  },
  {
    name: 'derived-garbage',
    exercises: "the sender's derived rows, marked current: an exchange with a status of text and a detail that does not decode, and searchable text that does not unpack",
    from: 'built',
    outcome: 'read',
    derivedBroken: 'exchanges',
    make: (p) => sql(p, "UPDATE exchanges SET status = 'two hundred', detail = x'c1c1c1'; UPDATE exchange_text SET data = x'00ff' WHERE id = 2"),
  },
  {
    name: 'derived-text-garbage',
    exercises:
      "the sender's searchable text, marked current: a frame that does not decompress with a dictionary that is not one, and a row whose values are not text at all",
    from: 'built',
    outcome: 'read',
    make: (p) =>
      sql(
        p,
        `UPDATE exchange_text SET codec = 2, data = x'28b52ffd2000ffff' WHERE id = 1;
         UPDATE exchange_text SET codec = 'text', data = 7 WHERE id = 2;
         INSERT OR REPLACE INTO text_dictionary (id, data) VALUES (1, x'0102030405')`,
      ),
  },
  {
    name: 'derived-flow-garbage',
    exercises: "the sender's flows rows, marked current: holders that are not JSON",
    from: 'built',
    outcome: 'read',
    derivedBroken: 'flows',
    make: (p) => sql(p, "UPDATE flows SET client_processes = 'not json'"),
  },
  {
    name: 'hostile-strings',
    exercises: 'escape sequences (OSC 52, title, clear screen, C1 CSI) in meta values, process names and argv',
    from: 'raw',
    outcome: 'read',
    make: (p) => {
      for (const key of ['host', 'kernel', 'tinytap_version']) setMeta(p, key, JSON.stringify(HOSTILE_TEXT));
      setMeta(p, 'command_line', JSON.stringify(['tinytap', 'record', HOSTILE_TEXT]));
      sql(p, 'UPDATE processes SET comm = ?, argv = ?', HOSTILE_TEXT, JSON.stringify([HOSTILE_TEXT]));
    },
  },
];

/** The session every case starts from: a GET and a POST over loopback, and a refused connect. */
async function baseSession(path: string): Promise<void> {
  const s = new ScriptedSession(path);
  const c = s.tcp(CURL, NODE);
  c.send('c2s', 'GET /x?q=1 HTTP/1.1\r\nHost: api.local\r\nAuthorization: Bearer s3cret\r\n\r\n');
  c.send('s2c', 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello');
  c.send('c2s', 'POST /items HTTP/1.1\r\nHost: api.local\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{"name":"x"}');
  c.send('s2c', 'HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n');
  c.close();
  s.refusedLater(CURL, 9);
  await s.finish();
}

/**
 * Not hostile, only long to read: `exchanges` keep-alive exchanges over a few connections, so
 * that a first build takes seconds (for the Ctrl-C tests).
 */
export async function writeBusySession(path: string, exchanges: number): Promise<void> {
  const s = new ScriptedSession(path);
  for (let conn = 0; conn < 10; conn++) {
    const c = s.tcp(CURL, NODE);
    for (let i = 0; i < exchanges / 10; i++) {
      c.send('c2s', `GET /item/${i} HTTP/1.1\r\nHost: api.local\r\n\r\n`);
      c.send('s2c', `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{"item":${String(i % 10000).padStart(4, '0')}}`);
    }
    c.close();
  }
  await s.finish();
}

async function emptySession(path: string): Promise<void> {
  await new ScriptedSession(path).finish();
}

/**
 * Write every case (or those named in `only`) into `dir` (CASE.tinytap), and the good session
 * they start from (good.tinytap, built). Returns the path of each case by name.
 */
export async function writeCorpus(dir: string, only?: string[]): Promise<{ good: string; cases: Map<string, string> }> {
  const raw = join(dir, 'base-raw.tinytap');
  const good = join(dir, 'good.tinytap');
  await baseSession(raw);
  copyFileSync(raw, good);
  Session.open(good).close();
  const cases = new Map<string, string>();
  for (const c of HOSTILE_CASES) {
    if (only && !only.includes(c.name)) continue;
    const path = join(dir, `${c.name}.tinytap`);
    if (c.from === 'built') copyFileSync(good, path);
    else if (c.from === 'raw') copyFileSync(raw, path);
    else if (c.name === 'no-records') await emptySession(path);
    c.make(path, dir);
    cases.set(c.name, path);
  }
  return { good, cases };
}
