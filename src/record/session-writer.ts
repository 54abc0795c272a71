/**
 * Writes a .tinytap session file (formats/session.sql) with better-sqlite3: WAL mode, batched
 * transactions the caller commits (so another process can open the file while it grows, and a
 * SIGKILL loses at most the open transaction), and a checkpoint on a clean close so the session
 * ends as one self-contained file.
 *
 * The kernel's records are stored as they arrive, many per compressed block: a row per event
 * costs about 3 µs in SQLite, more than everything else the recorder does for that event, and
 * HTTP headers repeat and every loopback byte is captured twice, so a block compresses far
 * better than any single payload (see BENCHMARKS.md).
 */
import Database from 'better-sqlite3';

import { APPLICATION_ID, BLOCK_SEAL_BYTES, CODEC_ZSTD, SCHEMA_VERSION, sessionSchemaSql } from '../session/format.js';
import { zstdCompress } from '../session/zstd.js';
import { type BatchScan, emptyScan } from './batch-scan.js';
import type { CloseRecord, ConnRecord, SockAddr } from '../events/decode-records.js';
import { CloseFlag, ConnCause } from '../events/layout.js';
import type { FileOwner } from '../files/owner.js';
import { FileError, diskFull, isDiskFull } from '../files/private-file.js';
import { SessionFiles } from '../files/session-files.js';

/** TLS plaintext tokens remembered while they wait for their join (listJoinedPlaintext). */
const MAX_TOKEN_BLOCKS = 65536;

export interface ProcessRow {
  pid: number;
  ppid: number | null;
  uid: number | null;
  comm: string;
  argv: string[];
  argsTruncated: boolean;
  exe: string | null;
  cgroup: string | null;
  cgroupId: bigint | null;
  startTime: bigint | null;
  firstSeen: bigint;
  source: 'proc' | 'kernel';
}

/** A block is sealed at this size even inside a transaction, to bound memory (readers rely on it). */
const BLOCK_MAX_RAW_BYTES = BLOCK_SEAL_BYTES;

/**
 * A block's records are compressed part by part as they arrive, each part a zstd frame of its
 * own: frames laid end to end are one input to a decompressor (RFC 8878 §3.1), which gives the
 * records in order. Compared with gluing a block's 8 MiB of records together and compressing
 * that: no copy of the records under load (the drain hands over 1 MiB batches), a raw batch is
 * garbage as soon as it is compressed, and the compressor's work comes in 1 MiB steps instead
 * of one long pause of the recorder (measured in bench/NOTES.md). Smaller batches (a light load
 * flushes every few ms) wait until they make a part of PART_BYTES: a frame per tiny batch would
 * lose the repetition between them. zstd rather than the deflate of older files (codec 1, still
 * read): at its level 1 it is two to three times as fast on these records and the files are smaller
 * (bench/NOTES.md, "Recording overhead"), and the compressor is what the recorder takes from the
 * processes it watches, and what makes it fall behind when they send large bodies.
 */
const PART_BYTES = 1 << 20;

function addrText(a: SockAddr): string | null {
  return a.family === 2 || a.family === 10 ? a.addr : null;
}

export interface CreateOptions {
  /** --force: replace the invoking user's own file at that name. */
  force?: boolean;
  /** Under sudo, the invoking user should own their session file. */
  owner?: FileOwner | null;
}

/**
 * A new session's first pages: the identity pragmas and the raw tables, with the header's file
 * format bytes (18 and 19) at 2, "WAL" (https://www.sqlite.org/fileformat2.html#database_header).
 * Written by us into the file we create (files/session-files.ts says why SQLite must not
 * create anything itself), so that SQLite opens it in WAL mode straight away.
 */
function firstPages(): Buffer {
  const mem = new Database(':memory:');
  try {
    mem.pragma(`application_id = ${APPLICATION_ID}`);
    mem.pragma(`user_version = ${SCHEMA_VERSION}`);
    mem.exec(sessionSchemaSql());
    const image = mem.serialize();
    image[18] = 2;
    image[19] = 2;
    return image;
  } finally {
    mem.close();
  }
}

/** How long closing waits for readers to let go before it leaves the file in WAL mode. */
const CLOSE_WAIT_MS = 100;

const isBusy = (err: unknown) => {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(code);
};

export class SessionWriter {
  readonly db: Database.Database;
  private inTransaction = false;
  /** The open block's records not yet compressed, and their size. */
  private raw: Buffer[] = [];
  private rawBytes = 0;
  /** The open block's records compressed so far, a zstd frame per part. */
  private packed: Buffer[] = [];
  /** How many bytes of records the open block holds (raw and packed). */
  private pendingBytes = 0;
  private scan: BatchScan = emptyScan();
  /** The block each not-yet-joined TLS plaintext token was written in. */
  private readonly tokenBlocks = new Map<number, number>();
  private nextBlockId = 1;
  private nextRecord = 0;
  private readonly stmt: {
    process: Database.Statement;
    conn: Database.Statement;
    connFailed: Database.Statement;
    user: Database.Statement;
    close: Database.Statement;
    userLetGo: Database.Statement;
    connProcess: Database.Statement;
    userProcess: Database.Statement;
    block: Database.Statement;
    connBlock: Database.Statement;
    counters: Database.Statement;
    meta: Database.Statement;
  };

  /**
   * Create the session file (and its -wal, -shm, -journal: files/session-files.ts) and open it;
   * a refusal or a failure is a FileError, and leaves no file behind.
   */
  static create(path: string, opts: CreateOptions = {}): SessionWriter {
    const files = SessionFiles.create(path, firstPages(), opts);
    let db: Database.Database | null = null;
    try {
      db = new Database(path);
      return new SessionWriter(db, files);
    } catch (err) {
      db?.close();
      files.removeAll();
      if (isDiskFull(err, path)) throw diskFull(path);
      throw new FileError('EFILE', `cannot open ${path} to record into it: ${(err as Error).message}`);
    }
  }

  private constructor(
    db: Database.Database,
    private readonly files: SessionFiles,
  ) {
    this.db = db;
    // born in WAL mode (firstPages): this only checks that SQLite sees it so
    if (db.pragma('journal_mode', { simple: true }) !== 'wal') throw new Error('the new session is not in WAL mode');
    // WAL + NORMAL: a commit survives the recorder being killed (it is in the OS's cache),
    // without an fsync per batch
    db.pragma('synchronous = NORMAL');
    this.stmt = {
      process: db.prepare(
        `INSERT INTO processes (pid, ppid, uid, comm, argv, args_truncated, exe, cgroup, cgroup_id,
           start_time, first_seen, source)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      conn: db.prepare(
        `INSERT OR IGNORE INTO connections (id, process_id, pid, fd, family, type, protocol, role,
           cause, error, local_addr, local_port, remote_addr, remote_port, local_path, peer_path,
           sock, peer_sock, opened_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      // a non-blocking connect that failed later: its connection becomes a failed connect
      connFailed: db.prepare('UPDATE connections SET cause = 3, error = ? WHERE id = ?'),
      user: db.prepare(
        `INSERT OR IGNORE INTO connection_users (conn_id, pid, process_id, fd, cause, since) VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      close: db.prepare('UPDATE connections SET closed_at = ?, closed_how = ? WHERE id = ?'),
      userLetGo: db.prepare('UPDATE connection_users SET let_go_at = ? WHERE conn_id = ? AND pid = ?'),
      connProcess: db.prepare('UPDATE connections SET process_id = ? WHERE pid = ? AND process_id IS NULL'),
      userProcess: db.prepare('UPDATE connection_users SET process_id = ? WHERE pid = ? AND process_id IS NULL'),
      block: db.prepare(
        `INSERT INTO event_blocks (id, first_record, records, events, first_ts, last_ts, codec, raw_len, data)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      connBlock: db.prepare('INSERT OR IGNORE INTO conn_blocks (conn_id, block_id) VALUES (?, ?)'),
      counters: db.prepare(
        `UPDATE connections SET bytes_sent = bytes_sent + ?, bytes_received = bytes_received + ?,
           events = events + ?, last_ts = ? WHERE id = ?`,
      ),
      meta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
    };
  }

  private begin(): void {
    if (!this.inTransaction) {
      this.db.exec('BEGIN');
      this.inTransaction = true;
    }
  }

  setMeta(key: string, value: unknown): void {
    this.begin();
    this.stmt.meta.run(key, JSON.stringify(value));
  }

  /** Returns the new processes.id. */
  addProcess(p: ProcessRow): number {
    this.begin();
    const info = this.stmt.process.run(
      p.pid,
      p.ppid,
      p.uid,
      p.comm,
      JSON.stringify(p.argv),
      p.argsTruncated ? 1 : 0,
      p.exe,
      p.cgroup,
      p.cgroupId,
      p.startTime,
      p.firstSeen,
      p.source,
    );
    const id = Number(info.lastInsertRowid);
    // connections recorded before their process (its PROC record was dropped and came later)
    this.stmt.connProcess.run(id, p.pid);
    this.stmt.userProcess.run(id, p.pid);
    return id;
  }

  /**
   * A CONN record: a new connection, another process going on with a known one (SHARED), or
   * the later failure of a non-blocking connect (CONNECT_FAILED naming a known connection).
   * Returns whether it was a new connection.
   */
  addConnection(rec: ConnRecord, processId: number | null): boolean {
    this.begin();
    if (rec.cause === ConnCause.SHARED) {
      this.stmt.user.run(rec.connId, rec.pid, processId, rec.fd, rec.cause, rec.tsNs);
      return false;
    }
    if (rec.cause === ConnCause.CONNECT_FAILED && this.stmt.connFailed.run(rec.error, rec.connId).changes > 0) return false;
    const added = this.insertConnection(rec, processId);
    if (added && rec.cause !== ConnCause.CONNECT_FAILED) this.stmt.user.run(rec.connId, rec.pid, processId, rec.fd, rec.cause, rec.tsNs);
    return added;
  }

  private insertConnection(rec: ConnRecord, processId: number | null): boolean {
    return (
      this.stmt.conn.run(
      rec.connId,
      processId,
      rec.pid,
      rec.fd,
      rec.family,
      rec.type,
      rec.protocol,
      rec.role,
      rec.cause,
      rec.error,
      addrText(rec.local),
      rec.family === 1 ? null : rec.local.port,
      addrText(rec.remote),
      rec.family === 1 ? null : rec.remote.port,
      rec.localPath,
      rec.peerPath,
      rec.ino.toString(),
      rec.peerIno ? rec.peerIno.toString() : null,
      rec.tsNs,
    ).changes > 0
    );
  }

  /** A CLOSE record: the connection ended, or (STILL_OPEN) one of its holders let go. */
  closeConnection(rec: CloseRecord): void {
    this.begin();
    this.stmt.userLetGo.run(rec.tsNs, rec.connId, rec.pid);
    if (!(rec.flags & CloseFlag.STILL_OPEN)) this.stmt.close.run(rec.tsNs, rec.how, rec.connId);
  }

  /**
   * Keep a batch of records (already scanned: `scan` holds what it says) until the next commit
   * writes it into a block.
   */
  addRecords(batch: Buffer, scan: BatchScan): void {
    this.begin();
    this.raw.push(batch);
    this.rawBytes += batch.length;
    this.pendingBytes += batch.length;
    this.mergeScan(scan);
    if (this.pendingBytes >= BLOCK_MAX_RAW_BYTES) this.sealBlock();
    else if (this.rawBytes >= PART_BYTES) this.packPart();
  }

  /** Compress the records waiting in `raw` as the open block's next part. */
  private packPart(): void {
    if (this.raw.length === 0) return;
    const part = this.raw.length === 1 ? this.raw[0] : Buffer.concat(this.raw, this.rawBytes);
    this.packed.push(zstdCompress(part));
    this.raw = [];
    this.rawBytes = 0;
  }

  private mergeScan(s: BatchScan): void {
    const into = this.scan;
    if (into.records === 0) into.firstTs = s.firstTs;
    into.lastTs = s.lastTs;
    into.records += s.records;
    into.events += s.events;
    into.tlsTokens.push(...s.tlsTokens);
    into.tlsJoins.push(...s.tlsJoins);
    for (const [connId, t] of s.conns) {
      const u = into.conns.get(connId);
      if (!u) into.conns.set(connId, { ...t });
      else {
        u.sent += t.sent;
        u.received += t.received;
        u.events += t.events;
        u.lastTs = t.lastTs;
      }
    }
  }

  private sealBlock(): void {
    if (this.pendingBytes === 0) return;
    this.packPart();
    const packed = Buffer.concat(this.packed);
    const s = this.scan;
    const id = this.nextBlockId++;
    this.stmt.block.run(
      id,
      this.nextRecord,
      s.records,
      s.events,
      s.firstTs,
      s.lastTs,
      CODEC_ZSTD,
      this.pendingBytes,
      packed,
    );
    for (const [connId, t] of s.conns) {
      this.stmt.connBlock.run(connId, id);
      if (t.events || t.sent || t.received) this.stmt.counters.run(t.sent, t.received, t.events, t.lastTs, connId);
    }
    this.listJoinedPlaintext(s, id);
    this.nextRecord += s.records;
    this.packed = [];
    this.pendingBytes = 0;
    this.scan = emptyScan();
  }

  /**
   * TLS plaintext written before its socket was known sits in the block it was written in, not
   * necessarily the block of its join: that block is listed for the joined connection too, so a
   * read of the connection's blocks finds it (event-reader.ts).
   */
  private listJoinedPlaintext(s: BatchScan, blockId: number): void {
    for (const token of s.tlsTokens) {
      this.tokenBlocks.set(token, blockId);
      // a join comes within an event-loop turn: only the latest tokens are worth keeping
      if (this.tokenBlocks.size > MAX_TOKEN_BLOCKS) this.tokenBlocks.delete(this.tokenBlocks.keys().next().value!);
    }
    for (const j of s.tlsJoins) {
      const block = this.tokenBlocks.get(j.token);
      if (block !== undefined && block !== blockId) this.stmt.connBlock.run(j.connId, block);
      this.tokenBlocks.delete(j.token);
    }
  }

  /** Make everything written so far durable: a reader (or a crash) sees all of it or none. */
  commit(): void {
    if (!this.inTransaction) return;
    this.sealBlock();
    this.db.exec('COMMIT');
    this.inTransaction = false;
  }

  /** After an error (disk full): drop the open transaction so the file stays consistent. */
  rollback(): void {
    if (this.inTransaction && this.db.inTransaction) this.db.exec('ROLLBACK');
    this.inTransaction = false;
    this.raw = [];
    this.rawBytes = 0;
    this.packed = [];
    this.pendingBytes = 0;
    this.scan = emptyScan();
    const last = this.db.prepare('SELECT max(id) AS id, max(first_record + records) AS next FROM event_blocks').get() as {
      id: number | null;
      next: number | null;
    };
    this.nextBlockId = (last.id ?? 0) + 1;
    this.nextRecord = last.next ?? 0;
  }

  /**
   * Commit, fold the WAL into the main file and leave WAL mode, so the session is one
   * self-contained file that read-only readers can open without creating -wal/-shm files.
   */
  close(): void {
    this.commit();
    try {
      // Folding the log in and leaving WAL mode need every other connection gone. A reader may
      // be there (open --follow, ls of a record --dir directory as the chain moves on): waiting
      // for it would stall the capture and end in SQLITE_BUSY. The file then stays in WAL mode,
      // which every reader reads, and the last connection that may write folds the log in.
      this.db.pragma(`busy_timeout = ${CLOSE_WAIT_MS}`);
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.db.pragma('journal_mode = DELETE');
    } catch (err) {
      if (!isBusy(err)) throw err;
    } finally {
      this.db.close();
      this.files.tidy();
    }
  }

  /** Recording never started: remove the files rather than leave an empty session behind. */
  discard(): void {
    this.db.close();
    this.files.removeAll();
  }

  /**
   * The disk is full: give back the space the session's files hold in reserve, so that what is
   * written next (why the recording ended) still fits.
   */
  releaseReserve(): void {
    this.files.releaseReserve();
  }

  /** Close without committing (after a failure the caller already reported). */
  abandon(): void {
    try {
      this.rollback();
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // the disk may still be full: the WAL stays and SQLite folds it in on next open
    }
    this.db.close();
    this.files.tidy();
  }
}
