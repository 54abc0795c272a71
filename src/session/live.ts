/**
 * Following a session that is still being recorded (`tinytap open --follow`, `record --tui`):
 * exchanges are built as their records arrive, with the flow builders kept in memory between
 * polls, so every query the TUI makes sees them. The recorder commits at least every 250 ms;
 * this polls for new blocks.
 *
 * The live exchanges go into the derived tables of the connection's `temp` schema, never into
 * the file: the recorder holds the file's write lock for most of every commit interval, and a
 * follower that wrote there would wait for it (and fail with "database is locked" on a busy
 * machine), or hold it through a long catch-up build and stall the recorder. SQLite looks up
 * unqualified table names in `temp` first, so the queries need not know. Following needs only
 * read access, and the file is left as the recorder wrote it: the next plain open builds it.
 */
import type Database from 'better-sqlite3';

import { ConnCause, Kind } from '../events/layout.js';
import { CallLinker, N_PLUS_ONE_DEFAULT } from '../reconstruct/call-links.js';
import { type ConnInfo, planFlows } from '../reconstruct/flow-plan.js';
import { BuildPass } from './build-pass.js';
import { loadConnInfo, sessionStart, writeLinks } from './build-exchanges.js';
import { NOTHING, passChainOf } from './chain-carry-in.js';
import { DerivedWriter } from './derived-writer.js';
import { EventReader } from './event-reader.js';
import { derivedSchemaSql } from './format.js';
import { startedAtNs } from './meta.js';
import { isBeingRecorded } from './recorder-alive.js';
import { Session } from './session.js';
import { TlsLibraryNames } from './tls-library-names.js';

export interface LiveUpdate {
  exchanges: number;
  records: number;
  /** The recorder has not written its stop time yet. */
  recording: boolean;
}

export interface LiveSession {
  readonly session: Session;
  onUpdate(cb: (u: LiveUpdate) => void): () => void;
  stop(): void;
}

/**
 * The incremental build: the pass of a full build (build-pass.ts), kept between polls and handed
 * each block as it is committed, and each flow as its connections appear. Its exchanges are a
 * full build's, ids included (test/session/incremental-build.test.ts); what a follower does not
 * do is carry in what the file before in a chain had in flight (it reads no other file).
 */
export class LiveBuild {
  private readonly writer: DerivedWriter;
  private readonly linker = new CallLinker(N_PLUS_ONE_DEFAULT);
  /** Made at the first poll that can know the session's start (live.ts makePass). */
  private pass: BuildPass | null = null;
  private readonly reader: EventReader;
  private readonly libraries: TlsLibraryNames;
  private lastConn = 0;
  private lastBlock = 0;
  private nextFlowId = 1;
  records = 0;

  constructor(private readonly db: Database.Database) {
    db.exec(derivedSchemaSql('temp'));
    db.prepare('INSERT OR REPLACE INTO temp.derived_meta (key, value) VALUES (?, ?)').run('version', JSON.stringify('live'));
    this.writer = new DerivedWriter(db);
    this.reader = new EventReader(db);
    this.libraries = new TlsLibraryNames(db);
  }

  /**
   * The pass, once the session's start is known: times are kept relative to it, as a full build
   * keeps them (its meta started_at, else its first record's time: a file whose meta cannot be
   * read has no start until its first block is committed).
   */
  private makePass(): BuildPass | null {
    if (startedAtNs(this.db) === null && this.reader.blocksAfter(0).length === 0) return null;
    // a connection that opened before the file's first record began in the file before; with
    // no record yet, before the recorder started this file
    const chain = passChainOf(this.db, NOTHING);
    if (chain) chain.firstTs ??= startedAtNs(this.db);
    const pass = new BuildPass([], sessionStart(this.db), (auxFd) => this.libraries.name(auxFd), (items) => this.writer.write(items, this.linker), chain);
    pass.onRetired = (id, row) => this.writer.upsertFlow(id, row);
    return pass;
  }

  get exchanges(): number {
    return this.writer.exchanges;
  }

  private addConnections(pass: BuildPass, fresh: ConnInfo[]): void {
    if (fresh.length === 0) return;
    // a connection that has no data yet may be the other end of one that just appeared
    const unfed = pass.unfedFlows();
    const flowOf = new Map<number, number>();
    for (const f of unfed) for (const c of [f.plan.client, f.plan.server]) if (c) flowOf.set(c.id, f.id);
    const candidates = [...fresh, ...unfed.flatMap((f) => [f.plan.client, f.plan.server].filter((c): c is ConnInfo => c !== null))];
    for (const plan of planFlows(candidates)) {
      const conns = [plan.client?.id, plan.server?.id].filter((c): c is number => c !== undefined);
      // a flow planned again with a partner keeps its id; one it absorbed goes away
      const previous = [...new Set(conns.map((c) => flowOf.get(c)).filter((id): id is number => id !== undefined))];
      for (const id of previous) pass.dropUnfed(id);
      for (const id of previous.slice(1)) this.db.prepare('DELETE FROM flows WHERE id = ?').run(id);
      const id = previous[0] ?? this.nextFlowId++;
      this.writer.upsertFlow(id, pass.addFlow(plan, id).row());
    }
  }

  /** A process's name as the file knows it (its PROC record comes before its first CONN). */
  private commOf(pid: number): string | null {
    const comm = this.db.prepare('SELECT comm FROM processes WHERE pid = ? ORDER BY id DESC LIMIT 1').pluck().get(pid);
    return typeof comm === 'string' ? comm : null;
  }

  /** Take in whatever was committed since the last poll. Returns whether anything was. */
  poll(): boolean {
    // one read snapshot for both: blocks committed after the connections were read could hold
    // records of connections this poll has not seen
    return this.db.transaction(() => {
      const pass = (this.pass ??= this.makePass());
      if (!pass) return false;
      const fresh = loadConnInfo(this.db, this.lastConn, this.reader.damage);
      const blocks = this.reader.blocksAfter(this.lastBlock);
      if (fresh.length === 0 && blocks.length === 0) return false;
      this.addConnections(pass, fresh);
      if (fresh.length) this.lastConn = fresh[fresh.length - 1].id;
      for (const block of blocks) {
        for (const { n, rec } of this.reader.blockRecords(block)) {
          this.records++;
          // a full build knows every process that used a connection from its row; a follower
          // learns of one that took a connection over from the record that says so
          if (rec.kind === Kind.CONN && rec.cause === ConnCause.SHARED)
            pass.builderOf(rec.connId)?.addHolder(rec.connId, { pid: rec.pid, comm: this.commOf(rec.pid) ?? rec.comm, cause: rec.cause });
          pass.record(rec, n);
        }
        this.lastBlock = block;
      }
      // flows still open show their progress (bytes, exchanges so far)
      for (const f of pass.openRows()) this.writer.upsertFlow(f.id, f.row);
      return true;
    })();
  }

  /** The recording ended: whatever is unfinished is written as incomplete, and calls linked to the requests they served. */
  finish(): void {
    this.db.transaction(() => {
      this.pass ??= this.makePass();
      for (const f of this.pass?.finish().flows ?? []) this.writer.upsertFlow(f.id, f.row);
      this.writer.finish();
      writeLinks(this.db, this.linker, 'temp');
    })();
  }
}

export function followSession(path: string, opts: { intervalMs?: number } = {}): LiveSession {
  const session = Session.open(path, { build: false });
  const build = new LiveBuild(session.db);
  const listeners = new Set<(u: LiveUpdate) => void>();
  let finished = false;
  const tick = () => {
    const recording = isBeingRecorded(session.db);
    const changed = build.poll();
    if (!recording && !finished) {
      build.finish();
      finished = true;
    }
    if (changed || finished) {
      const u = { exchanges: build.exchanges, records: build.records, recording };
      for (const l of listeners) l(u);
    }
    if (finished) clearInterval(timer);
  };
  const timer = setInterval(tick, opts.intervalMs ?? 250);
  tick();
  return {
    session,
    onUpdate(cb) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    stop() {
      clearInterval(timer);
    },
  };
}
