/**
 * Writes a .tinytap session file (formats/session.sql) with better-sqlite3: WAL mode, batched
 * transactions the caller commits (so another process can open the file while it grows, and a
 * SIGKILL loses at most the open transaction), and a checkpoint on a clean close so the session
 * ends as one self-contained file.
 */
import Database from 'better-sqlite3';
import { chownSync, closeSync, existsSync, openSync, rmSync } from 'node:fs';

import { APPLICATION_ID, FLAG_RECORDS_LOST, SCHEMA_VERSION, sessionSchemaSql } from '../session/format.js';
import type { ConnRecord, ProcRecord, SockAddr } from './decode-records.js';
import type { AssembledEvent } from './event-assembler.js';
import { DataFlag, Direction } from './layout.js';
import { PayloadBlockBuilder } from './payload-blocks.js';

export class OutputExistsError extends Error {
  readonly code = 'EEXIST';
}

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

interface ConnCounters {
  sent: number;
  received: number;
  events: number;
}

/** Block size at which a payload block is sealed even inside a transaction. */
const BLOCK_TARGET_BYTES = 512 * 1024;

function addrText(a: SockAddr): string | null {
  return a.family === 2 || a.family === 10 ? a.addr : null;
}

function peerText(a: SockAddr | null): string | null {
  if (!a || !a.family) return null;
  return a.family === 10 ? `[${a.addr}]:${a.port}` : `${a.addr}:${a.port}`;
}

export interface CreateOptions {
  force?: boolean;
  /** Under sudo, the invoking user should own their session file. */
  owner?: { uid: number; gid: number } | null;
}

export class SessionWriter {
  readonly db: Database.Database;
  private readonly blocks: PayloadBlockBuilder;
  private readonly comms = new Map<string, number>();
  private readonly counters = new Map<number, ConnCounters>();
  private inTransaction = false;
  private readonly stmt: {
    comm: Database.Statement;
    process: Database.Statement;
    conn: Database.Statement;
    close: Database.Statement;
    connProcess: Database.Statement;
    event: Database.Statement;
    block: Database.Statement;
    counters: Database.Statement;
    meta: Database.Statement;
  };

  static create(path: string, opts: CreateOptions = {}): SessionWriter {
    if (existsSync(path)) {
      if (!opts.force) throw new OutputExistsError(`${path} already exists: choose another name with -o, or add --force to overwrite it`);
      for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
    }
    // created 0600 before SQLite opens it: sessions hold request bodies, tokens, cookies
    closeSync(openSync(path, 'wx', 0o600));
    if (opts.owner) chownSync(path, opts.owner.uid, opts.owner.gid);
    return new SessionWriter(new Database(path), true);
  }

  private constructor(db: Database.Database, fresh: boolean) {
    this.db = db;
    if (fresh) {
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
      db.pragma('journal_mode = WAL');
      db.exec(sessionSchemaSql());
    }
    // WAL + NORMAL: a commit survives the recorder being killed (it is in the OS's cache),
    // without an fsync per batch
    db.pragma('synchronous = NORMAL');
    // checkpoints happen at close; until then the WAL may grow
    db.pragma('wal_autocheckpoint = 10000');
    this.blocks = new PayloadBlockBuilder(1);
    this.stmt = {
      comm: db.prepare('INSERT INTO comms (id, name) VALUES (?, ?)'),
      process: db.prepare(
        `INSERT INTO processes (pid, ppid, uid, comm, argv, args_truncated, exe, cgroup, cgroup_id,
           start_time, first_seen, source)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      conn: db.prepare(
        `INSERT OR REPLACE INTO connections (id, process_id, pid, fd, family, type, protocol, role,
           cause, error, local_addr, local_port, remote_addr, remote_port, local_path, peer_path,
           sock, peer_sock, opened_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      close: db.prepare('UPDATE connections SET closed_at = ? WHERE id = ?'),
      connProcess: db.prepare('UPDATE connections SET process_id = ? WHERE pid = ? AND process_id IS NULL'),
      event: db.prepare(
        `INSERT INTO events (ts, conn_id, pid, tid, comm_id, fd, syscall, dir, flags, ret,
           stream_off, captured, aux_fd, msg_index, peer, block_id, block_off)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      block: db.prepare('INSERT INTO payload_blocks (id, codec, raw_len, data) VALUES (?, ?, ?, ?)'),
      counters: db.prepare(
        `UPDATE connections SET bytes_sent = bytes_sent + ?, bytes_received = bytes_received + ?,
           events = events + ? WHERE id = ?`,
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

  private commId(name: string): number {
    let id = this.comms.get(name);
    if (id === undefined) {
      id = this.comms.size + 1; // ids are dense: rows are only ever added
      this.stmt.comm.run(id, name);
      this.comms.set(name, id);
    }
    return id;
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
    // connections recorded before their process (the kernel writes CONN before PROC)
    this.stmt.connProcess.run(id, p.pid);
    return id;
  }

  addConnection(rec: ConnRecord, processId: number | null, openedAt: bigint): void {
    this.begin();
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
      rec.sock.toString(16),
      rec.peerSock ? rec.peerSock.toString(16) : null,
      openedAt,
    );
  }

  closeConnection(connId: number, at: bigint): void {
    this.begin();
    this.stmt.close.run(at, connId);
  }

  addEvent(ev: AssembledEvent, ts: bigint): void {
    this.begin();
    const r = ev.first;
    let blockId: number | null = null;
    let blockOff: number | null = null;
    if (ev.payload.length > 0) {
      const at = this.blocks.append(ev.payload);
      blockId = at.blockId;
      blockOff = at.offset;
    }
    const flags = (r.flags & ~DataFlag.LAST) | (ev.lost ? FLAG_RECORDS_LOST : 0);
    this.stmt.event.run(
      ts,
      r.connId,
      r.pid,
      r.tid,
      this.commId(r.comm),
      r.fd,
      r.syscall,
      r.dir,
      flags,
      r.ret,
      r.streamOff,
      ev.payload.length,
      r.auxFd >= 0 ? r.auxFd : null,
      r.msgIndex || null,
      peerText(r.peer),
      blockId,
      blockOff,
    );
    let c = this.counters.get(r.connId);
    if (!c) this.counters.set(r.connId, (c = { sent: 0, received: 0, events: 0 }));
    c.events++;
    if (r.ret > 0) {
      if (r.dir === Direction.EGRESS) c.sent += r.ret;
      else c.received += r.ret;
    }
    if (this.blocks.pendingBytes >= BLOCK_TARGET_BYTES) this.sealBlock();
  }

  private sealBlock(): void {
    const b = this.blocks.seal();
    if (b) this.stmt.block.run(b.id, b.codec, b.rawLen, b.data);
  }

  /** Make everything written so far durable: a reader (or a crash) sees all of it or none. */
  commit(): void {
    if (!this.inTransaction) return;
    this.sealBlock();
    for (const [connId, c] of this.counters) this.stmt.counters.run(c.sent, c.received, c.events, connId);
    this.counters.clear();
    this.db.exec('COMMIT');
    this.inTransaction = false;
  }

  /** After an error (disk full): drop the open transaction so the file stays consistent. */
  rollback(): void {
    if (this.inTransaction && this.db.inTransaction) this.db.exec('ROLLBACK');
    this.inTransaction = false;
    this.counters.clear();
    this.blocks.seal();
    // names inserted by the rolled-back transaction are gone: forget what we thought we wrote
    this.comms.clear();
    for (const row of this.db.prepare('SELECT id, name FROM comms').all() as { id: number; name: string }[])
      this.comms.set(row.name, row.id);
  }

  /**
   * Commit, fold the WAL into the main file and leave WAL mode, so the session is one
   * self-contained file that read-only readers can open without creating -wal/-shm files.
   */
  close(): void {
    this.commit();
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.db.pragma('journal_mode = DELETE');
    } finally {
      this.db.close();
    }
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
  }
}
