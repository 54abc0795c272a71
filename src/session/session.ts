/**
 * A session file opened for reading: identity checked (open-session.ts), exchanges built on
 * first use of a freshly recorded file (build-exchanges.ts), and the queries every command and
 * the TUI share. The only SQL outside src/record/ lives in src/session/.
 */
import type { WebSocketMessage } from '../model/ws-message.js';
import type Database from 'better-sqlite3';

import type { CallExchange, Exchange } from '../model/exchange.js';
import { type ExchangeSummary, SORTABLE, SUMMARY_COLUMNS, columnTypes } from '../model/exchange-table.js';
import { type BuildStats, buildExchanges, derivedInTemp, exchangesAreCurrent, fillTextIndex, textIndexPending } from './build-exchanges.js';
import { RowCheck, derivedDamage, exactNumber } from './damage.js';
import { EXCHANGE_ROW_COLUMNS, ExchangeLoader, SharedRows, checkedFlow, rowMaker, summaryFromArray } from './exchange-loader.js';
import { startedAtNs } from './meta.js';
import { corruptError, isCorruptionError, openSessionDb } from './open-session.js';
import { isBeingBorn, isBeingRecorded } from './recorder-alive.js';
import { makeIndexesFor } from './first-use-indexes.js';

export interface OpenOptions {
  /** Build the exchanges if they are missing or stale (needs write access). Default true. */
  build?: boolean;
  onBuildProgress?: (done: number, total: number) => void;
  /** Each step of the build after the records are read (build-exchanges.ts onStage). */
  onBuildStage?: (what: string) => void;
}

export type { ExchangeSummary } from '../model/exchange-table.js';

export interface ExchangeQuery {
  /** SQL boolean expression over `exchanges` aliased `x` (src/query compiles filters to this). */
  where?: string;
  params?: unknown[];
  /** Column of exchanges to sort by, and direction. */
  orderBy?: string;
  descending?: boolean;
  limit?: number;
  offset?: number;
}

export { SORTABLE } from '../model/exchange-table.js';

export interface FlowSummary {
  id: number;
  client_conn: number | null;
  server_conn: number | null;
  client_pid: number | null;
  client_comm: string | null;
  server_pid: number | null;
  server_comm: string | null;
  transport: string;
  client_addr: string | null;
  client_port: number | null;
  server_addr: string | null;
  server_port: number | null;
  protocol: string;
  started_at: bigint;
  ended_at: bigint | null;
  bytes_c2s: number;
  bytes_s2c: number;
  exchanges: number;
  error: string | null;
  /** JSON [{pid, comm, cause}] of every process that held the end, when more than one did. */
  client_processes: string | null;
  server_processes: string | null;
  /** The TLS library whose plaintext was read; and what the handshake said (SNI, ALPN, version). */
  tls: string | null;
  tls_server_name: string | null;
  tls_alpn: string | null;
  tls_version: string | null;
}

const SUMMARY_LIST = SUMMARY_COLUMNS.map((c) => `x.${c}`).join(', ');

const summaryCheck = new RowCheck(columnTypes(SUMMARY_COLUMNS));

/** The query behind every exchange list: a filter, an indexed order (then id), a page. */
function listSql(columns: string, q: ExchangeQuery): string {
  const order = q.orderBy && SORTABLE.has(q.orderBy) ? q.orderBy : 'req_started';
  const dir = q.descending ? 'DESC' : 'ASC';
  return `SELECT ${columns} FROM exchanges x WHERE ${q.where ?? '1'}
    ORDER BY x.${order} ${dir}, x.id ${dir} LIMIT ? OFFSET ?`;
}

export class Session {
  private loader: ExchangeLoader | null = null;
  /** Rows shared by the loads of one read (inOneRead), looked up once. */
  private shared: SharedRows | null = null;
  /** What the last build did, if opening this session built the exchanges. */
  built: BuildStats | null = null;

  private constructor(
    readonly db: Database.Database,
    readonly path: string,
  ) {}

  static open(path: string, opts: OpenOptions = {}): Session {
    const build = opts.build ?? true;
    const db = openSessionDb(path, { readonly: !build });
    const s = new Session(db, path);
    try {
      if (build && !exchangesAreCurrent(db)) {
        // a recorder is writing the file (or has just made it), or it cannot be written: build
        // beside it, in this connection's temp tables (SQLite reads them before the file's own)
        const schema = db.readonly || isBeingRecorded(db) || isBeingBorn(db) ? 'temp' : 'main';
        s.built = buildExchanges(db, { onProgress: opts.onBuildProgress, onStage: opts.onBuildStage, schema });
      }
    } catch (err) {
      db.close();
      if (isCorruptionError(err)) throw corruptError(path, err);
      throw err;
    }
    return s;
  }

  /**
   * The search index, filled now if the build left it for the first search (SPEC.md §3.6). A
   * file this process cannot write has its exchanges built again in temp, index and all.
   */
  ensureTextIndex(onStage?: (what: string) => void): void {
    if (!textIndexPending(this.db)) return;
    onStage?.('indexing the text for search');
    if (!fillTextIndex(this.db)) this.built = buildExchanges(this.db, { schema: 'temp', textIndex: true, onStage });
  }

  /**
   * What a query needs made first: the search index filled when it searches text (the commands
   * do it first, with a progress line; this is the net), the indexes left to first use that it
   * filters or sorts on (first-use-indexes.ts).
   */
  private readyFor(where: string | undefined, orderBy?: string): void {
    if (where?.includes('exchange_fts')) this.ensureTextIndex();
    makeIndexesFor(this.db, [where ?? '', orderBy ?? '']);
  }

  private listSql(columns: string, q: ExchangeQuery): string {
    this.readyFor(q.where, q.orderBy);
    return listSql(columns, q);
  }

  close(): void {
    this.db.close();
  }

  /**
   * The exchanges are in this connection's temp tables, beside a file that is being recorded
   * (recorder-alive.ts): no other connection sees them.
   */
  derivedInTemp(): boolean {
    return derivedInTemp(this.db);
  }

  private get exchangeLoader(): ExchangeLoader {
    this.loader ??= new ExchangeLoader(this.db);
    return this.loader;
  }

  exchanges(q: ExchangeQuery = {}): ExchangeSummary[] {
    const rows = this.db
      .prepare(this.listSql(SUMMARY_LIST, q))
      .safeIntegers(true)
      .raw()
      .all(...(q.params ?? []), q.limit ?? -1, q.offset ?? 0) as unknown[][];
    return rows.map((r) => this.checkedSummary(r));
  }

  /** Iterate without holding the whole result (exports of a million exchanges). */
  *iterateExchanges(q: ExchangeQuery = {}): Generator<ExchangeSummary> {
    const rows = this.db
      .prepare(this.listSql(SUMMARY_LIST, q))
      .safeIntegers(true)
      .raw()
      .iterate(...(q.params ?? []), q.limit ?? -1, q.offset ?? 0) as Iterable<unknown[]>;
    for (const r of rows) yield this.checkedSummary(r);
  }

  /**
   * Only `columns` of the exchanges a query lists, in list order, checked as every row is: what
   * needs a few of the fifty (diff matches exchanges by a dozen; reading them all was a sixth of
   * a 100,000-pair diff).
   */
  *iterateColumns<C extends keyof ExchangeSummary>(columns: readonly C[], q: ExchangeQuery = {}): Generator<Pick<ExchangeSummary, C>> {
    const check = new RowCheck(columnTypes(columns));
    const make = rowMaker(columns);
    const rows = this.db
      .prepare(this.listSql(columns.map((c) => `x.${c}`).join(', '), q))
      .safeIntegers(true)
      .raw()
      .iterate(...(q.params ?? []), q.limit ?? -1, q.offset ?? 0) as Iterable<unknown[]>;
    for (const r of rows) yield this.checked(check, r, make) as Pick<ExchangeSummary, C>;
  }

  /**
   * A summary row read as an array (raw: better-sqlite3 building 50-column objects was most of
   * what `ls` of many rows cost), its values checked against formats/exchanges.sql (damage.ts).
   */
  private checkedSummary(r: unknown[]): ExchangeSummary {
    return this.checked(summaryCheck, r, summaryFromArray);
  }

  /** A row of exchanges read as an array, checked against `check`, made into an object. */
  private checked<T>(check: RowCheck, r: unknown[], make: (r: unknown[]) => T): T {
    const bad = check.problemAt(r);
    if (bad) throw derivedDamage(this.path, `exchange ${String(r[0])} holds a ${bad} of the wrong type`);
    return make(r);
  }

  /**
   * Whole exchanges, bodies and all, in list order, without holding the result: for exports of
   * a million exchanges. One query gives each row once (iterateExchanges + exchange(id) reads
   * every row twice).
   */
  *iterateWholeExchanges(q: ExchangeQuery = {}): Generator<Exchange> {
    // HTTP exchanges only: what takes whole ones (HAR, curl, Postman, diff) is HTTP's
    const sql = this.listSql(EXCHANGE_ROW_COLUMNS, { ...q, where: `(${q.where ?? '1'}) AND x.protocol = 'http'` });
    // the statement's read transaction lasts the whole iteration: flows and processes cannot
    // change meanwhile, so each is looked up once
    const shared = new SharedRows();
    for (const row of this.db.prepare(sql).safeIntegers(true).raw().iterate(...(q.params ?? []), q.limit ?? -1, q.offset ?? 0))
      yield this.exchangeLoader.fromRow(this.exchangeLoader.checkedRow(row as unknown[]), shared);
  }

  countExchanges(where = '1', params: unknown[] = []): number {
    this.readyFor(where);
    return Number(this.db.prepare(`SELECT count(*) FROM exchanges x WHERE ${where}`).pluck().get(...params));
  }

  /**
   * The whole HTTP exchange, bodies read back from the capture; null if there is no such id, or
   * it is not HTTP (protocolOf says what it is; call() loads a database call).
   */
  exchange(id: number): Exchange | null {
    const row = this.exchangeLoader.row(id);
    return row?.protocol === 'http' ? this.exchangeLoader.fromRow(row, this.shared) : null;
  }

  /**
   * `fn`, with every query it makes inside one read transaction: all of them see the file as it
   * was when the first began, and each is spared SQLite taking and checking the file's lock
   * again (outside a transaction every statement does, with a system call or two: a
   * 100,000-pair diff spent 40% of its time there), and the flow and process rows many
   * exchanges share are looked up once. For a run of many loads by id (diff, replay).
   */
  inOneRead<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    this.db.exec('BEGIN');
    this.shared = new SharedRows();
    try {
      return fn();
    } finally {
      this.shared = null;
      // a read transaction has nothing to keep; an error may already have ended it
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
    }
  }

  /**
   * The WebSocket messages of upgrade exchange `id` in connection order, from the `offset`-th, at
   * most `limit` (all when negative); none when it upgraded to nothing tinytap reads.
   */
  wsMessages(id: number, offset = 0, limit = -1): WebSocketMessage[] {
    return this.exchangeLoader.webSockets.messages(id, offset, limit);
  }

  /** Wall-clock ns of the first exchange's start and the last one's end; null when there are none. */
  exchangeTimeRange(): { first: bigint; last: bigint } | null {
    const r = this.db
      .prepare('SELECT min(req_started) AS first, max(coalesce(resp_ended, req_started)) AS last FROM exchanges')
      .safeIntegers(true)
      .get() as { first: unknown; last: unknown };
    return typeof r.first === 'bigint' && typeof r.last === 'bigint' ? { first: r.first, last: r.last } : null;
  }

  /** A database call; null if there is no such id, or it is HTTP. */
  call(id: number): CallExchange | null {
    const p = this.protocolOf(id);
    return p !== null && p !== 'http' ? this.exchangeLoader.loadCall(id) : null;
  }

  /** The protocol of exchange `id` ('http', 'postgresql', 'mysql', 'redis'), or null if there is none. */
  protocolOf(id: number): string | null {
    const p: unknown = this.db.prepare('SELECT protocol FROM exchanges WHERE id = ?').pluck().get(id);
    return typeof p === 'string' ? p : null;
  }

  /** Exchanges of any protocol whose parent (call-links.ts) is `id`, in time order: an HTTP exchange's database calls. */
  childCalls(id: number): ExchangeSummary[] {
    return this.exchanges({ where: 'x.parent_id = ?', params: [id] });
  }

  exchangeFromSummary(row: ExchangeSummary): Exchange | null {
    return this.exchange(Number(row.id));
  }

  /** A database call's request and reply as they crossed the socket. */
  callWireBytes(id: number): { request: Buffer; response: Buffer } | null {
    return this.exchangeLoader.callWireBytes(id);
  }

  wireBytes(id: number) {
    return this.exchangeLoader.wireBytes(id);
  }

  rawEvents(ex: Pick<Exchange, 'events' | 'flowId'>) {
    return this.exchangeLoader.rawEvents(ex);
  }

  flows(): FlowSummary[] {
    return this.db
      .prepare('SELECT * FROM flows ORDER BY started_at, id')
      .safeIntegers(true)
      .all()
      .map((r) => checkedFlow(this.path, r as Record<string, unknown>));
  }

  /** connect() calls that failed: connections that never were, but a user wants to see. */
  failedConnects(): { id: number; pid: number; comm: string | null; remote: string; error: number; at: bigint }[] {
    const rows = this.db
      .prepare(
        `SELECT c.id, c.pid, p.comm, coalesce(c.remote_addr || ':' || c.remote_port, c.peer_path, '?') AS remote,
                c.error, c.opened_at AS at
         FROM connections c LEFT JOIN processes p ON p.id = c.process_id WHERE c.cause = 3 ORDER BY c.opened_at`,
      )
      .safeIntegers(true)
      .all() as Record<string, unknown>[];
    const out = [];
    // a row of the wrong types is skipped (SPEC.md §4.1; tinytap info counts them)
    for (const r of rows) {
      const [id, pid, error] = [exactNumber(r.id), exactNumber(r.pid), exactNumber(r.error)];
      if (id === null || pid === null || error === null || typeof r.at !== 'bigint' || typeof r.remote !== 'string') continue;
      out.push({ id, pid, comm: typeof r.comm === 'string' ? r.comm : null, remote: r.remote, error, at: r.at });
    }
    return out;
  }

  sessionStartNs(): bigint {
    return startedAtNs(this.db) ?? 0n;
  }
}
