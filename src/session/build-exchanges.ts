/**
 * Builds the derived tables (formats/exchanges.sql) from a session's raw records: one pass over
 * the record blocks in capture order, each event handed to the builder of its flow (build-pass.ts;
 * in a worker thread for a large file, parallel-build.ts), exchanges written as they complete,
 * secondary indexes made once the rows are all there. Idempotent: the derived tables are replaced
 * as a whole, in one transaction, and derived_meta records which parser version built them from
 * how many records.
 */
import type Database from 'better-sqlite3';
import { basename } from 'node:path';

import { HTTP1_PARSER_VERSION } from '../protocols/http1/index.js';
import { HTTP2_PARSER_VERSION } from '../protocols/http2/index.js';
import { WEBSOCKET_PARSER_VERSION } from '../protocols/websocket/index.js';
import { GRPC_READER_VERSION } from '../protocols/grpc/index.js';
import { DB_PARSER_VERSIONS } from '../protocols/db-parsers.js';
import { CallLinker, N_PLUS_ONE_DEFAULT } from '../reconstruct/call-links.js';
import { ExchangeFlag } from '../model/exchange-flags.js';
import { type ConnInfo, type ConnUser, type FlowPlan, planFlows } from '../reconstruct/flow-plan.js';
import { BuildPass, type PassChain, type PassResult } from './build-pass.js';
import { type BuildParts, CARRIED_IN_KEY, CARRY_OUT_KEY, type CarriedFlow, carryInto, chainOf, passChainOf } from './chain-carry-in.js';
import { type CarriedRecord, writeCarriedBlocks } from './carried-blocks.js';
import { DerivedWriter, type Prepared } from './derived-writer.js';
import { EventReader } from './event-reader.js';
import { derivedSchemaParts } from './format.js';
import { WorkerPass } from './parallel-build.js';
import { BUILD_SCRATCH, derivedShape, dropDerivedObjects, storedColumns } from './schema-check.js';
import { type Damage, RowCheck, exactNumber, parsedJson } from './damage.js';
import { startedAtNs } from './meta.js';
import { TlsLibraryNames } from './tls-library-names.js';
import { loadTextDictionary, textCodec } from './exchange-text.js';
import { TEXT_FIELDS } from '../model/text-sql.js';

const WEBSOCKET_VERSION = `ws-${WEBSOCKET_PARSER_VERSION}`;

/** Bumped with any change to how exchanges are derived (the HTTP parser's version is included). */
export const DERIVED_VERSION = `http1-${HTTP1_PARSER_VERSION}.h2-${HTTP2_PARSER_VERSION}.grpc-${GRPC_READER_VERSION}.${DB_PARSER_VERSIONS}.${WEBSOCKET_VERSION}.build-17`;

export interface BuildStats {
  flows: number;
  exchanges: number;
  /** Compared with what was there before, by flow and position: */
  added: number;
  removed: number;
  changed: number;
  unchanged: number;
  /** What could not be read and was skipped (damage.ts): the exchanges are built from the rest. */
  damage: Damage;
}

export interface BuildOptions {
  /** Called now and then with records processed so far and in all. */
  onProgress?: (done: number, total: number) => void;
  /** Called when the records are all read, with each step left: what it does, in a few words. */
  onStage?: (what: string) => void;
  /**
   * 'temp': build into the connection's own temp tables, leaving the file as it is (a file that
   * is being recorded; recorder-alive.ts). Default 'main', the file itself.
   */
  schema?: 'main' | 'temp';
  /** A query shape run this many times in one request is N+1 (call-links.ts). Default 5. */
  nPlusOne?: number;
  /**
   * Parse in a worker thread while this one writes (parallel-build.ts); the exchanges are the
   * same either way. Default: when the file holds enough records to be worth a thread.
   */
  parallel?: boolean;
  /** The worker's script, for tests that run the TypeScript sources (default: build-worker.js beside parallel-build.js). */
  workerScript?: string;
  /**
   * Fill the search index now. Default false: it is left for the first search
   * (Session.ensureTextIndex), so a first `ls` does not wait for it: it was about half of the
   * writing thread's time (18-28 s of a million exchanges).
   */
  textIndex?: boolean;
}

/** derived_meta key saying the search index is empty until the first search fills it. */
export const TEXT_INDEX_PENDING = 'text_index_pending';

export const DERIVED_TABLES = ['exchange_fts', 'exchange_text', 'text_dictionary', 'ws_messages', 'exchanges', 'flows', 'derived_meta', 'carried_blocks'];

/** Records the blocks say they hold (total(), not sum(): a hostile file's counts may pass 64 bits). */
export function totalRecords(db: Database.Database): number {
  return db.prepare('SELECT total(records) FROM event_blocks').pluck().get() as number;
}

function tableExists(db: Database.Database, name: string): boolean {
  return !!db.prepare("SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?").get(name);
}

/**
 * Are the derived tables there, shaped as this version builds them (schema-check.ts), built by
 * this version, from every record the file holds?
 */
export function exchangesAreCurrent(db: Database.Database): boolean {
  if (derivedShape(db) !== 'current') return false;
  const rows = db.prepare('SELECT key, value FROM main.derived_meta').all() as { key: unknown; value: unknown }[];
  const meta = new Map(rows.map((r) => [r.key, parsedJson(r.value)]));
  // a build made before the file was closed for the next of its chain kept what it now hands on
  const handsOn = !!chainOf(db)?.next === meta.has(CARRY_OUT_KEY);
  return meta.get('version') === DERIVED_VERSION && meta.get('records') === totalRecords(db) && handsOn;
}

/** A process's name from a joined processes row: text, or unknown. */
const commOf = (v: unknown) => (typeof v === 'string' ? v : null);

const userCheck = RowCheck.declared('connection_users', ['conn_id', 'pid', 'cause']);

/**
 * Every process that used each connection, in order (schema 2; schema 1 names one per
 * connection). Rows that cannot be right are skipped and counted (damage.ts).
 */
function loadConnUsers(db: Database.Database, afterId: number, damage: Damage | null): Map<number, ConnUser[]> {
  const users = new Map<number, ConnUser[]>();
  if (!tableExists(db, 'connection_users')) return users;
  const rows = db
    .prepare(
      `SELECT u.conn_id, u.pid, u.cause, p.comm FROM connection_users u LEFT JOIN processes p ON p.id = u.process_id
       WHERE u.conn_id > ? ORDER BY u.conn_id, u.since, u.pid`,
    )
    .safeIntegers(true)
    .all(afterId) as Record<string, unknown>[];
  for (const r of rows) {
    const [connId, pid, cause] = [exactNumber(r.conn_id), exactNumber(r.pid), exactNumber(r.cause)];
    if (userCheck.problem(r) || connId === null || pid === null || cause === null) {
      damage?.note('rows', `a connection_users row of connection ${String(r.conn_id)} cannot be read`);
      continue;
    }
    const list = users.get(connId) ?? users.set(connId, []).get(connId)!;
    list.push({ pid, comm: commOf(r.comm), cause });
  }
  return users;
}

const CONN_COLUMNS = [
  'id', 'pid', 'family', 'type', 'role', 'cause', 'local_addr', 'local_port', 'remote_addr', 'remote_port',
  'local_path', 'peer_path', 'sock', 'peer_sock', 'opened_at', 'closed_at',
];
const connCheck = RowCheck.declared('connections', CONN_COLUMNS);

/**
 * The connections after `afterId`, as the flow planner takes them. A row that cannot be right
 * is skipped and counted (damage.ts): its connection's events then belong to no flow.
 */
export function loadConnInfo(db: Database.Database, afterId = 0, damage: Damage | null = null): ConnInfo[] {
  const users = loadConnUsers(db, afterId, damage);
  const rows = db
    .prepare(
      `SELECT ${CONN_COLUMNS.map((c) => `c.${c}`).join(', ')}, p.comm
       FROM connections c LEFT JOIN processes p ON p.id = c.process_id WHERE c.id > ? ORDER BY c.id`,
    )
    .safeIntegers(true)
    .all(afterId) as Record<string, unknown>[];
  const out: ConnInfo[] = [];
  for (const r of rows) {
    const small = ['id', 'pid', 'family', 'type', 'role', 'cause'].map((c) => exactNumber(r[c]));
    const ports = [r.local_port, r.remote_port].map((v) => (v === null ? null : exactNumber(v)));
    if (connCheck.problem(r) || small.includes(null) || ports.some((p, i) => p === null && [r.local_port, r.remote_port][i] !== null)) {
      damage?.note('rows', `connection ${String(r.id)}: a value of the wrong type`);
      continue;
    }
    const [id, pid, family, type, role, cause] = small as number[];
    const opener: ConnUser = { pid, comm: commOf(r.comm), cause };
    const all = users.get(id) ?? [opener];
    // the last to take it over moved its bytes (a forked child serving what its parent accepted)
    const mover = all[all.length - 1];
    out.push({
      id,
      pid: mover.pid,
      comm: mover.comm,
      users: all,
      family,
      type,
      role,
      cause,
      localAddr: r.local_addr as string | null,
      localPort: ports[0],
      remoteAddr: r.remote_addr as string | null,
      remotePort: ports[1],
      localPath: r.local_path as string | null,
      peerPath: r.peer_path as string | null,
      sock: r.sock as string | null,
      peerSock: r.peer_sock as string | null,
      openedAt: r.opened_at as bigint,
      closedAt: r.closed_at as bigint | null,
    });
  }
  return out;
}

/** Wall-clock ns the session began: meta started_at, else its first record's time, else 0. */
export function sessionStart(db: Database.Database): bigint {
  const started = startedAtNs(db);
  if (started !== null) return started;
  const first = db.prepare("SELECT min(first_ts) FROM event_blocks WHERE typeof(first_ts) = 'integer'").pluck().safeIntegers(true).get();
  return typeof first === 'bigint' ? first : 0n;
}

/**
 * What a rebuild changed, by flow (its two connections) and position on it, compared with the
 * previous build kept aside as old_exchanges/old_flows. Done in SQL: a million exchanges need
 * no map in memory.
 */
function compareWithOld(db: Database.Database, hadOld: boolean): Pick<BuildStats, 'added' | 'removed' | 'changed' | 'unchanged'> {
  const total = db.prepare('SELECT count(*) FROM exchanges').pluck().get() as number;
  if (!hadOld) return { added: total, removed: 0, changed: 0, unchanged: 0 };
  const key = (x: string, f: string) => `${f}.client_conn IS ${x}f.client_conn AND ${f}.server_conn IS ${x}f.server_conn`;
  const counts = db
    .prepare(
      `SELECT count(*) AS matched, coalesce(sum(n.digest = o.digest), 0) AS same
       FROM exchanges n JOIN flows nf ON nf.id = n.flow_id
       JOIN old_flows of ON ${key('n', 'of')}
       JOIN old_exchanges o ON o.flow_id = of.id AND o.seq = n.seq`,
    )
    .get() as { matched: number; same: number };
  const before = db.prepare('SELECT count(*) FROM old_exchanges').pluck().get() as number;
  return {
    added: total - counts.matched,
    removed: before - counts.matched,
    changed: counts.matched - counts.same,
    unchanged: counts.same,
  };
}

/** This connection may write into the file: opened writable, and not kept to reading (open-session.ts). */
export function mayWriteFile(db: Database.Database): boolean {
  return !db.readonly && !db.pragma('query_only', { simple: true });
}

/** The exchanges queries read are in this connection's temp tables (a file being recorded, or not writable). */
export function derivedInTemp(db: Database.Database): boolean {
  return !!db.prepare("SELECT 1 FROM temp.sqlite_master WHERE name = 'exchanges'").get();
}

/**
 * Whether the search index of the derived tables that queries read (temp's before main's) was
 * left for the first search.
 */
export function textIndexPending(db: Database.Database): boolean {
  // a session opened without building may have no derived tables at all
  if (!tableExists(db, 'derived_meta') && !db.prepare("SELECT 1 FROM temp.sqlite_master WHERE name = 'derived_meta'").get()) return false;
  return !!db.prepare('SELECT 1 FROM derived_meta WHERE key = ?').get(TEXT_INDEX_PENDING);
}

/**
 * Fill the search index that a build left for the first search, from exchange_text, in the
 * schema the derived tables are in. False when it cannot be written there (a file this process
 * may not write): the caller builds everything again in temp, index and all.
 */
export function fillTextIndex(db: Database.Database): boolean {
  const schema = derivedInTemp(db) ? 'temp' : 'main';
  if (schema === 'main' && !mayWriteFile(db)) return false;
  const codec = textCodec(db);
  // the index keeps no copy of the text (contentless): it is handed each row's fields, decoded
  // here once a row (through tinytap_text in SQL it was once a field, 60% slower)
  const page = db.prepare(`SELECT id, codec, data FROM ${schema}.exchange_text WHERE id > ? ORDER BY id LIMIT 4096`);
  const add = db.prepare(`INSERT INTO ${schema}.exchange_fts (rowid, ${TEXT_FIELDS.join(', ')}) VALUES (?, ?, ?, ?, ?, ?)`);
  db.transaction(() => {
    for (let after = -Infinity; ; ) {
      const rows = page.all(after) as { id: number; codec: unknown; data: unknown }[];
      if (rows.length === 0) break;
      for (const r of rows) add.run(r.id, ...(codec.decode(r.codec, r.data) ?? [null, null, null, null, null]));
      after = rows[rows.length - 1].id;
    }
    db.prepare(`DELETE FROM ${schema}.derived_meta WHERE key = ?`).run(TEXT_INDEX_PENDING);
  })();
  return true;
}

/** The links and per-request totals, written onto the rows just built (call-links.ts). */
export function writeLinks(db: Database.Database, linker: CallLinker, schema: 'main' | 'temp'): void {
  const { links, requests } = linker.result();
  const link = db.prepare(`UPDATE ${schema}.exchanges SET parent_id = ?, link = ?, flags = flags | ? WHERE id = ?`);
  for (const l of links) link.run(l.parentId, l.link, l.nPlusOne ? ExchangeFlag.N_PLUS_ONE : 0, l.callId);
  const totals = db.prepare(`UPDATE ${schema}.exchanges SET queries = ?, db_ns = ?, flags = flags | ? WHERE id = ?`);
  for (const r of requests) totals.run(r.queries, r.dbNs, r.nPlusOne ? ExchangeFlag.N_PLUS_ONE : 0, r.id);
}

/** Rebuild every derived table from the raw records. */
/**
 * How many rows each index of the exchanges narrows to, for SQLite's query planner: without it a
 * filter on a partial index (is:n+1, queries:>10) walked all the exchanges in time order instead
 * of its 2% of them (0.77 s against 0.05 s on a million). Whole, not sampled: only then are the
 * sqlite_stat4 samples made, which judge a range by the filter's own value (queries:>0 is half
 * the requests, queries:>5 a few); 1.7 s on a million rows, 1% of the build.
 */
export function countForPlanner(db: Database.Database, schema: 'main' | 'temp'): void {
  db.exec(`PRAGMA analysis_limit = 0; ANALYZE ${schema}.exchanges`);
}

/**
 * Records below which a build runs on one thread: starting a worker and loading its modules
 * costs about what parsing this many records does.
 */
const PARALLEL_FROM_RECORDS = 50_000;

/**
 * The pass over every record, writing what it makes as it comes: in a worker beside this thread
 * (parallel-build.ts) when `parallel` and it can start one, else here. The flows' rows at the end.
 */
function runPass(
  reader: EventReader,
  input: { plans: FlowPlan[]; baseNs: bigint; tlsNames: TlsLibraryNames; chain: PassChain | null },
  write: (items: Prepared[]) => void,
  parallel: { script?: string } | null,
  progress: (done: number) => void,
): PassResult {
  const worker = parallel
    ? WorkerPass.start({ plans: input.plans, baseNs: input.baseNs, tlsNames: input.tlsNames.known(), chain: input.chain }, write, parallel.script)
    : null;
  if (!worker) {
    const pass = new BuildPass(input.plans, input.baseNs, (auxFd) => input.tlsNames.name(auxFd), write, input.chain);
    let done = 0;
    for (const { n, rec } of reader.records()) {
      pass.record(rec, n);
      if (++done % 65536 === 0) progress(done);
    }
    return pass.finish();
  }
  try {
    for (const { entry, data } of reader.storedBlocks()) {
      worker.block(entry, data);
      progress(entry.firstRecord + entry.records);
    }
    const end = worker.finish();
    reader.damage.merge(end.damage);
    return { flows: end.flows, carry: end.carry };
  } finally {
    worker.stop();
  }
}

/** How this tinytap builds, for chain-carry-in.ts to work out what a file not built handed on. */
const BUILD_PARTS: BuildParts = {
  isCurrent: (db) => exchangesAreCurrent(db),
  plans: (db) => planFlows(loadConnInfo(db)),
  start: (db) => sessionStart(db),
};

/** What the flows still open hand on, each with where its first byte in flight was recorded. */
function carriedOut(db: Database.Database, carry: PassResult['carry'], carried: readonly CarriedRecord[]): CarriedFlow[] {
  const file = basename(db.name);
  return carry.map((f) => ({
    ...f,
    from: f.at === null ? null : f.at < 0 ? (carried[f.at + carried.length]?.origin ?? null) : { file, record: f.at },
  }));
}

export function buildExchanges(db: Database.Database, opts: BuildOptions = {}): BuildStats {
  const total = totalRecords(db);
  const baseNs = sessionStart(db);
  const tlsNames = new TlsLibraryNames(db);
  // before the transaction: it reads the file before in the chain, never this one's derived tables
  const carryIn = carryInto(db, BUILD_PARTS);
  const chain = passChainOf(db, carryIn);

  const run = db.transaction(() => {
    // the previous build stays aside until the new one is compared with it
    const schema = opts.schema ?? 'main';
    // the file's previous build is compared with as far as it holds plain stored columns: it may
    // be an older tinytap's, or the sender's (a generated column would run the sender's SQL)
    const hadOld =
      schema === 'main' &&
      storedColumns(db, 'exchanges', ['flow_id', 'seq', 'digest']) &&
      storedColumns(db, 'flows', ['id', 'client_conn', 'server_conn']);
    if (schema === 'main') {
      for (const t of BUILD_SCRATCH) db.exec(`DROP TABLE IF EXISTS main.${t}`);
      if (hadOld) {
        db.exec('CREATE TABLE main.old_exchanges AS SELECT flow_id, seq, digest FROM main.exchanges');
        db.exec('CREATE TABLE main.old_flows AS SELECT id, client_conn, server_conn FROM main.flows');
      }
      // whatever shape they have (an older tinytap's, a damaged or a hostile file's)
      dropDerivedObjects(db, BUILD_SCRATCH);
    } else for (const t of DERIVED_TABLES) db.exec(`DROP TABLE IF EXISTS temp.${t}`);
    const parts = derivedSchemaParts(schema);
    const tables = parts.tables;
    // a temp build is this connection's alone, and gone with it: every index at once
    const indexes = schema === 'temp' ? [...parts.indexes, ...parts.firstUse.map((i) => i.sql)] : parts.indexes;
    db.exec(tables);
    writeCarriedBlocks(db, schema, carryIn.records);
    // made after carried_blocks, so that it reads them before the file's own records
    const reader = new EventReader(db);
    const plans = planFlows(loadConnInfo(db, 0, reader.damage));
    const out = new DerivedWriter(db, { indexText: !!opts.textIndex, compressText: schema === 'main' });
    const linker = new CallLinker(opts.nPlusOne ?? N_PLUS_ONE_DEFAULT);
    const parallel = (opts.parallel ?? total >= PARALLEL_FROM_RECORDS) ? { script: opts.workerScript } : null;
    const { flows, carry } = runPass(reader, { plans, baseNs, tlsNames, chain }, (items) => out.write(items, linker), parallel, (done) => opts.onProgress?.(done, total));
    out.finish();
    for (const f of flows) out.flow(f.id, f.row);
    opts.onStage?.('indexing');
    writeLinks(db, linker, schema);
    for (const index of indexes) db.exec(index);
    countForPlanner(db, schema);
    const meta = db.prepare('INSERT OR REPLACE INTO derived_meta (key, value) VALUES (?, ?)');
    meta.run('version', JSON.stringify(DERIVED_VERSION));
    meta.run('records', JSON.stringify(total));
    meta.run('built_at', JSON.stringify(new Date().toISOString()));
    meta.run('exchanges', JSON.stringify(out.exchanges));
    meta.run('n_plus_one', JSON.stringify(opts.nPlusOne ?? N_PLUS_ONE_DEFAULT));
    // what reading every block found (tinytap info shows it without reading them again)
    meta.run('damage', JSON.stringify({ blocks: reader.damage.counts.blocks, records: reader.damage.counts.records }));
    if (!opts.textIndex) meta.run(TEXT_INDEX_PENDING, 'true');
    const next = chainOf(db)?.next;
    if (next) meta.run(CARRY_OUT_KEY, JSON.stringify({ next, flows: carriedOut(db, carry, carryIn.records) }));
    if (carryIn.file)
      meta.run(CARRIED_IN_KEY, JSON.stringify({ file: carryIn.file, note: carryIn.note, records: carryIn.records.length, flows: carryIn.flows }));
    if (hadOld) opts.onStage?.('comparing with the previous build');
    const changes = compareWithOld(db, hadOld);
    if (hadOld) db.exec('DROP TABLE main.old_exchanges; DROP TABLE main.old_flows');
    return { exchanges: out.exchanges, changes, flows: plans.length, damage: reader.damage };
  });
  let result: ReturnType<typeof run>;
  try {
    result = run();
  } finally {
    // the build trained a text dictionary for what it wrote; rolled back, the file keeps its own
    if ((opts.schema ?? 'main') === 'main') loadTextDictionary(db);
  }
  const { exchanges, changes, flows, damage } = result;
  return { flows, exchanges, ...changes, damage };
}
