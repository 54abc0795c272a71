/**
 * Builds the derived tables (formats/exchanges.sql) from a session's raw records: one pass over
 * the record blocks in capture order, each event handed to the builder of its flow, exchanges
 * written as they complete. Idempotent: the derived tables are replaced as a whole, in one
 * transaction, and derived_meta records which parser version built them from how many records.
 */
import type Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { pack } from 'msgpackr';

import { EventAssembler, type AssembledEvent } from '../events/event-assembler.js';
import { Kind } from '../events/layout.js';
import { HTTP1_PARSER_VERSION } from '../protocols/http1/index.js';
import type { ExchangeRow, ExchangeText } from '../reconstruct/exchange-row.js';
import { type BuiltExchange, FlowBuilder, type FlowRow } from '../reconstruct/flow-builder.js';
import { type ConnInfo, planFlows } from '../reconstruct/flow-plan.js';
import { EventReader, toSessionEvent } from './event-reader.js';
import { formatsFile } from './format.js';

/** Bumped with any change to how exchanges are derived (the HTTP parser's version is included). */
export const DERIVED_VERSION = `http1-${HTTP1_PARSER_VERSION}.build-1`;

export interface BuildStats {
  flows: number;
  exchanges: number;
  /** Compared with what was there before, by flow and position: */
  added: number;
  removed: number;
  changed: number;
  unchanged: number;
}

export interface BuildOptions {
  /** Called now and then with records processed so far and in all. */
  onProgress?: (done: number, total: number) => void;
}

const DERIVED_TABLES = ['exchange_fts', 'exchange_text', 'exchanges', 'flows', 'derived_meta'];

export function totalRecords(db: Database.Database): number {
  return (db.prepare('SELECT coalesce(sum(records), 0) FROM event_blocks').pluck().get() as number) ?? 0;
}

function tableExists(db: Database.Database, name: string): boolean {
  return !!db.prepare("SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?").get(name);
}

/** Are the derived tables there, built by this version, from every record the file holds? */
export function exchangesAreCurrent(db: Database.Database): boolean {
  if (!tableExists(db, 'derived_meta')) return false;
  const rows = db.prepare('SELECT key, value FROM derived_meta').all() as { key: string; value: string }[];
  const meta = new Map(rows.map((r) => [r.key, JSON.parse(r.value)]));
  return meta.get('version') === DERIVED_VERSION && meta.get('records') === totalRecords(db);
}

export function loadConnInfo(db: Database.Database): ConnInfo[] {
  const rows = db
    .prepare(
      `SELECT c.id, c.pid, p.comm, c.family, c.type, c.role, c.cause, c.local_addr, c.local_port,
              c.remote_addr, c.remote_port, c.local_path, c.peer_path, c.sock, c.peer_sock,
              c.opened_at, c.closed_at
       FROM connections c LEFT JOIN processes p ON p.id = c.process_id ORDER BY c.id`,
    )
    .safeIntegers(true)
    .all() as Record<string, bigint | string | null>[];
  const num = (v: unknown) => (v === null ? null : Number(v));
  return rows.map((r) => ({
    id: Number(r.id),
    pid: Number(r.pid),
    comm: r.comm as string | null,
    family: Number(r.family),
    type: Number(r.type),
    role: Number(r.role),
    cause: Number(r.cause),
    localAddr: r.local_addr as string | null,
    localPort: num(r.local_port),
    remoteAddr: r.remote_addr as string | null,
    remotePort: num(r.remote_port),
    localPath: r.local_path as string | null,
    peerPath: r.peer_path as string | null,
    sock: r.sock as string | null,
    peerSock: r.peer_sock as string | null,
    openedAt: r.opened_at as bigint,
    closedAt: r.closed_at as bigint | null,
  }));
}

function sessionStart(db: Database.Database): bigint {
  const row = db.prepare("SELECT value FROM meta WHERE key = 'started_at'").get() as { value: string } | undefined;
  if (row) return BigInt(JSON.parse(row.value));
  const first = db.prepare('SELECT min(first_ts) FROM event_blocks').pluck().safeIntegers(true).get() as bigint | null;
  return first ?? 0n;
}

/** What identifies an exchange across rebuilds, and a digest of what it says. */
function previousDigests(db: Database.Database): Map<string, string> {
  const out = new Map<string, string>();
  if (!tableExists(db, 'exchanges') || !tableExists(db, 'flows')) return out;
  const rows = db
    .prepare(
      `SELECT f.client_conn, f.server_conn, x.seq, x.method, x.url, x.status, x.req_size, x.resp_size,
              x.flags, x.error, x.detail
       FROM exchanges x JOIN flows f ON f.id = x.flow_id`,
    )
    .raw()
    .all() as unknown[][];
  for (const r of rows) out.set(`${r[0]}:${r[1]}:${r[2]}`, digest(r.slice(3)));
  return out;
}

function digest(parts: unknown[]): string {
  const h = createHash('sha1');
  for (const p of parts) h.update(p instanceof Uint8Array ? p : String(p)).update('\0');
  return h.digest('hex');
}

class DerivedWriter {
  private readonly insertFlow: Database.Statement;
  private readonly insertExchange: Database.Statement;
  private readonly insertText: Database.Statement;
  private nextExchangeId = 1;
  readonly digests = new Map<string, string>();

  constructor(private readonly db: Database.Database) {
    this.insertFlow = db.prepare(
      `INSERT INTO flows (id, client_conn, server_conn, client_pid, client_comm, server_pid, server_comm,
         transport, client_addr, client_port, server_addr, server_port, protocol, started_at, ended_at,
         bytes_c2s, bytes_s2c, exchanges, error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertExchange = db.prepare(
      `INSERT INTO exchanges (id, flow_id, seq, client_pid, client_comm, server_pid, server_comm, server_port,
         client_port, method, scheme, host, path, query, url, http_version, status, reason, req_started,
         req_ended, resp_started, resp_ended, duration_ns, ttfb_ns, req_body_size, resp_body_size, req_size,
         resp_size, req_type, resp_type, resp_encoding, flags, upgrade, error, error_dir, error_offset,
         first_event, last_event, detail)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertText = db.prepare(
      'INSERT INTO exchange_text (id, url, req_headers, resp_headers, req_body, resp_body) VALUES (?, ?, ?, ?, ?, ?)',
    );
  }

  exchange(r: ExchangeRow, t: ExchangeText, flowKey: string): void {
    const id = this.nextExchangeId++;
    const detail = pack(r.detail);
    const values = [
      id, r.flowId, r.seq, r.clientPid, r.clientComm, r.serverPid, r.serverComm, r.serverPort, r.clientPort,
      r.method, r.scheme, r.host, r.path, r.query, r.url, r.httpVersion, r.status, r.reason, r.reqStarted,
      r.reqEnded, r.respStarted, r.respEnded, r.durationNs, r.ttfbNs, r.reqBodySize, r.respBodySize, r.reqSize,
      r.respSize, r.reqType, r.respType, r.respEncoding, r.flags, r.upgrade, r.error, r.errorDir, r.errorOffset,
      r.firstEvent, r.lastEvent, detail,
    ];
    this.insertExchange.run(values);
    this.insertText.run(id, t.url, t.reqHeaders, t.respHeaders, t.reqBody, t.respBody);
    this.digests.set(`${flowKey}:${r.seq}`, digest([r.method, r.url, r.status, r.reqSize, r.respSize, r.flags, r.error, detail]));
  }

  flow(id: number, f: FlowRow): void {
    this.insertFlow.run(
      id, f.clientConn, f.serverConn, f.clientPid, f.clientComm, f.serverPid, f.serverComm, f.transport,
      f.clientAddr, f.clientPort, f.serverAddr, f.serverPort, f.protocol, f.startedAt, f.endedAt, f.bytesC2s,
      f.bytesS2c, f.exchanges, f.error,
    );
  }

  get exchanges(): number {
    return this.nextExchangeId - 1;
  }
}

function compareDigests(before: Map<string, string>, after: Map<string, string>): Pick<BuildStats, 'added' | 'removed' | 'changed' | 'unchanged'> {
  let added = 0;
  let changed = 0;
  let unchanged = 0;
  for (const [k, d] of after) {
    const old = before.get(k);
    if (old === undefined) added++;
    else if (old === d) unchanged++;
    else changed++;
  }
  let removed = 0;
  for (const k of before.keys()) if (!after.has(k)) removed++;
  return { added, removed, changed, unchanged };
}

/** Rebuild every derived table from the raw records. */
export function buildExchanges(db: Database.Database, opts: BuildOptions = {}): BuildStats {
  const before = previousDigests(db);
  const total = totalRecords(db);
  const baseNs = sessionStart(db);
  const plans = planFlows(loadConnInfo(db));
  const builders = new Map<number, FlowBuilder>(); // conn id -> its flow's builder
  const flowKeys = new Map<FlowBuilder, string>();
  const all: FlowBuilder[] = [];
  for (const plan of plans) {
    const b = new FlowBuilder(plan, plan.index + 1, baseNs);
    all.push(b);
    flowKeys.set(b, `${plan.client?.id ?? null}:${plan.server?.id ?? null}`);
    if (plan.client) builders.set(plan.client.id, b);
    if (plan.server) builders.set(plan.server.id, b);
  }

  const run = db.transaction(() => {
    for (const t of DERIVED_TABLES) db.exec(`DROP TABLE IF EXISTS ${t}`);
    db.exec(formatsFile('exchanges.sql'));
    const out = new DerivedWriter(db);
    const write = (b: FlowBuilder, built: BuiltExchange[]) => {
      for (const x of built) out.exchange(x.row, x.text, flowKeys.get(b)!);
    };
    const assembler = new EventAssembler();
    const onEvent = (ev: AssembledEvent) => {
      const e = toSessionEvent(ev);
      const b = builders.get(e.connId);
      if (b) write(b, b.push(e));
    };
    let done = 0;
    for (const { n, rec } of new EventReader(db).records()) {
      if (rec.kind === Kind.DATA) assembler.push(rec, onEvent, n);
      else if (rec.kind === Kind.CLOSE) {
        const b = builders.get(rec.connId);
        if (b) write(b, b.close(rec.connId, rec.tsNs, n));
      }
      if (++done % 65536 === 0) opts.onProgress?.(done, total);
    }
    assembler.flush(onEvent);
    for (const b of all) {
      write(b, b.finish());
      out.flow(b.flowId, b.row());
    }
    db.exec("INSERT INTO exchange_fts(exchange_fts) VALUES ('rebuild')");
    const meta = db.prepare('INSERT OR REPLACE INTO derived_meta (key, value) VALUES (?, ?)');
    meta.run('version', JSON.stringify(DERIVED_VERSION));
    meta.run('records', JSON.stringify(total));
    meta.run('built_at', JSON.stringify(new Date().toISOString()));
    meta.run('exchanges', JSON.stringify(out.exchanges));
    opts.onProgress?.(total, total);
    return out;
  });
  const out = run();
  return { flows: all.length, exchanges: out.exchanges, ...compareDigests(before, out.digests) };
}
