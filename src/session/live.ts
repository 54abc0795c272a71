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
import { TlsLibraryNames } from './tls-library-names.js';
import type Database from 'better-sqlite3';

import type { AssembledEvent } from '../events/event-assembler.js';
import { EventStream } from '../events/event-stream.js';
import { endsConnection } from '../events/decode-records.js';
import { ConnCause, Kind } from '../events/layout.js';
import { type Built, FlowBuilder } from '../reconstruct/flow-builder.js';
import { type ConnInfo, planFlows } from '../reconstruct/flow-plan.js';
import { loadConnInfo, sessionStart } from './build-exchanges.js';
import { chainOf } from './chain-carry-in.js';
import { DerivedWriter, prepare } from './derived-writer.js';
import { EventReader, toSessionEvent } from './event-reader.js';
import { derivedSchemaSql } from './format.js';
import { isBeingRecorded } from './recorder-alive.js';
import { Session } from './session.js';

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

interface FlowState {
  builder: FlowBuilder;
  conns: number[];
  closed: Set<number>;
  /** A builder that has seen no data may still be re-planned with a partner that appears later. */
  fed: boolean;
}

/** The incremental build: state that survives between polls. */
export class LiveBuild {
  private readonly writer: DerivedWriter;
  private readonly byConn = new Map<number, FlowState>();
  private readonly events = new EventStream((ev) => this.onEvent(ev));
  private readonly libraries: TlsLibraryNames;
  private readonly reader: EventReader;
  private lastConn = 0;
  private lastBlock = 0;
  private nextFlowId = 1;
  records = 0;
  private readonly baseNs: bigint;
  /** A file of a record --dir chain: the connections it starts with began in the file before. */
  private readonly inChain: boolean;

  constructor(private readonly db: Database.Database) {
    db.exec(derivedSchemaSql('temp'));
    db.prepare('INSERT OR REPLACE INTO temp.derived_meta (key, value) VALUES (?, ?)').run('version', JSON.stringify('live'));
    this.writer = new DerivedWriter(db);
    this.reader = new EventReader(db);
    this.baseNs = sessionStart(db);
    this.inChain = chainOf(db) !== null;
    this.libraries = new TlsLibraryNames(db);
  }

  get exchanges(): number {
    return this.writer.exchanges;
  }

  private addConnections(fresh: ConnInfo[]): void {
    if (fresh.length === 0) return;
    // a connection that has no data yet may be the other end of one that just appeared
    const open = [...new Set(this.byConn.values())].filter((f) => !f.fed);
    const candidates = [...fresh, ...open.flatMap((f) => [f.builder.plan.client, f.builder.plan.server].filter((c): c is ConnInfo => !!c))];
    for (const plan of planFlows(candidates)) {
      const conns = [plan.client?.id, plan.server?.id].filter((c): c is number => c !== undefined);
      // a flow re-planned with a partner keeps its id; one it absorbed (no data yet) goes away
      const previous = [...new Set(conns.map((c) => this.byConn.get(c)).filter((f): f is FlowState => !!f))];
      const id = previous[0]?.builder.flowId ?? this.nextFlowId++;
      for (const p of previous.slice(1)) this.db.prepare('DELETE FROM flows WHERE id = ?').run(p.builder.flowId);
      // a connection a chain's file started with (a keep-alive client across the switch): what
      // was in flight is in the file before, so it is read from the first request this file holds
      const midway = this.inChain && [plan.client, plan.server].every((c) => c === null || c.openedAt < this.baseNs);
      const builder = new FlowBuilder({ ...plan, index: id - 1 }, id, this.baseNs, (auxFd) => this.libraries.name(auxFd), { midway });
      const state: FlowState = { builder, conns, closed: new Set(), fed: false };
      for (const c of conns) this.byConn.set(c, state);
      this.writer.upsertFlow(id, state.builder.row());
    }
  }

  /** A process's name as the file knows it (its PROC record comes before its first CONN). */
  private commOf(pid: number): string | null {
    const comm = this.db.prepare('SELECT comm FROM processes WHERE pid = ? ORDER BY id DESC LIMIT 1').pluck().get(pid);
    return typeof comm === 'string' ? comm : null;
  }

  private onEvent(ev: AssembledEvent): void {
    const f = this.byConn.get(ev.first.connId);
    if (!f) return;
    f.fed = true;
    this.write(f.builder.push(toSessionEvent(ev)));
  }

  private write(built: Built[]): void {
    // live builds link no calls (a full build does, when the recording has stopped)
    this.writer.write(prepare(built, this.baseNs), null);
  }

  private finishFlow(f: FlowState): void {
    this.write(f.builder.finish());
    this.writer.upsertFlow(f.builder.flowId, f.builder.row());
    for (const c of f.conns) this.byConn.delete(c);
  }

  /** Take in whatever was committed since the last poll. Returns whether anything was. */
  poll(): boolean {
    // one read snapshot for both: blocks committed after the connections were read could hold
    // records of connections this poll has not seen
    return this.db.transaction(() => {
      const fresh = loadConnInfo(this.db, this.lastConn, this.reader.damage);
      const blocks = this.reader.blocksAfter(this.lastBlock);
      if (fresh.length === 0 && blocks.length === 0) return false;
      this.addConnections(fresh);
      if (fresh.length) this.lastConn = fresh[fresh.length - 1].id;
      for (const block of blocks) {
        for (const { n, rec } of this.reader.blockRecords(block)) {
          this.records++;
          if (rec.kind === Kind.CONN && rec.cause === ConnCause.SHARED)
            this.byConn.get(rec.connId)?.builder.addHolder(rec.connId, { pid: rec.pid, comm: this.commOf(rec.pid) ?? rec.comm, cause: rec.cause });
          else if (rec.kind === Kind.CLOSE && endsConnection(rec)) {
            const f = this.byConn.get(rec.connId);
            if (!f) continue;
            this.write(f.builder.close(rec.connId, rec.tsNs, n));
            f.closed.add(rec.connId);
            if (f.conns.every((c) => f.closed.has(c))) this.finishFlow(f);
          } else this.events.push(rec, n);
        }
        this.lastBlock = block;
      }
      // flows still open show their progress (bytes, exchanges so far)
      for (const f of new Set(this.byConn.values())) if (f.fed) this.writer.upsertFlow(f.builder.flowId, f.builder.row());
      return true;
    })();
  }

  /** The recording ended: whatever is unfinished is written as incomplete. */
  finish(): void {
    this.db.transaction(() => {
      this.events.flush();
      for (const f of new Set(this.byConn.values())) this.finishFlow(f);
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
