/**
 * Writing the derived tables (formats/exchanges.sql): flows, exchanges, their text and, for
 * live builds, the search index row by row (a full build rebuilds the index once at the end).
 */
import type Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { pack } from 'msgpackr';

import { ALL_COLUMNS, fieldOf } from '../model/exchange-table.js';
import type { ExchangeText } from '../reconstruct/exchange-row.js';
import type { ExchangeFields } from '../model/exchange-table.js';
import type { BuiltMessages, FlowRow } from '../reconstruct/flow-builder.js';
import { WS_MESSAGE_COLUMNS, type WsMessageRow } from '../model/ws-message.js';

/** The flows table's columns (formats/exchanges.sql) and where each value comes from. */
const FLOW_COLUMNS: [string, (f: FlowRow) => unknown][] = [
  ['client_conn', (f) => f.clientConn],
  ['server_conn', (f) => f.serverConn],
  ['client_pid', (f) => f.clientPid],
  ['client_comm', (f) => f.clientComm],
  ['server_pid', (f) => f.serverPid],
  ['server_comm', (f) => f.serverComm],
  ['transport', (f) => f.transport],
  ['client_addr', (f) => f.clientAddr],
  ['client_port', (f) => f.clientPort],
  ['server_addr', (f) => f.serverAddr],
  ['server_port', (f) => f.serverPort],
  ['protocol', (f) => f.protocol],
  ['started_at', (f) => f.startedAt],
  ['ended_at', (f) => f.endedAt],
  ['bytes_c2s', (f) => f.bytesC2s],
  ['bytes_s2c', (f) => f.bytesS2c],
  ['exchanges', (f) => f.exchanges],
  ['error', (f) => f.error],
  ['client_processes', (f) => (f.clientProcesses ? JSON.stringify(f.clientProcesses) : null)],
  ['server_processes', (f) => (f.serverProcesses ? JSON.stringify(f.serverProcesses) : null)],
  ['tls', (f) => f.tls],
  ['tls_server_name', (f) => f.tlsServerName],
  ['tls_alpn', (f) => f.tlsAlpn],
  ['tls_version', (f) => f.tlsVersion],
];

/**
 * Where each exchanges column's value comes from, in table order (model/exchange-table.ts): the
 * built row's field, or what exchange() makes (id, digest, the packed detail).
 *
 * The parameters are `?` in that same order rather than named: better-sqlite3 binding an object
 * by name made building 50,000 exchanges 19% slower (measured), and the order is the
 * definition's, kept by no hand.
 */
const SOURCES = ALL_COLUMNS.map((c) => [c, fieldOf(c) as keyof ExchangeFields | undefined] as const);
const INSERT_EXCHANGE = `INSERT INTO exchanges (${ALL_COLUMNS.join(', ')}) VALUES (${ALL_COLUMNS.map(() => '?').join(', ')})`;

const INSERT_WS_MESSAGE = `INSERT INTO ws_messages (exchange_id, ${WS_MESSAGE_COLUMNS.map(([c]) => c).join(', ')}) VALUES (?${', ?'.repeat(WS_MESSAGE_COLUMNS.length)})`;

function wsMessageValues(exchangeId: number, m: WsMessageRow): unknown[] {
  return [exchangeId, ...WS_MESSAGE_COLUMNS.map(([, field]) => (field === 'flaws' ? (m.flaws.length ? JSON.stringify(m.flaws) : null) : m[field]))];
}

/** Characters of a WebSocket's messages added to its upgrade's search text, each way (as for a body). */
const WS_SEARCH_CHARS = 1 << 20;

/**
 * A WebSocket's text messages become its upgrade exchange's searchable text once they are all
 * there: what the client sent as its request body's, what the server sent as its response's.
 */
const WS_SEARCH_TEXT = `UPDATE exchange_text SET
  req_body = req_body || coalesce((SELECT substr(group_concat(text, char(10)), 1, ${WS_SEARCH_CHARS})
    FROM (SELECT text FROM ws_messages WHERE exchange_id = @id AND dir = 'c2s' AND text IS NOT NULL ORDER BY seq)), ''),
  resp_body = resp_body || coalesce((SELECT substr(group_concat(text, char(10)), 1, ${WS_SEARCH_CHARS})
    FROM (SELECT text FROM ws_messages WHERE exchange_id = @id AND dir = 's2c' AND text IS NOT NULL ORDER BY seq)), '')
  WHERE id = @id`;

function flowValues(f: FlowRow): unknown[] {
  return FLOW_COLUMNS.map(([, value]) => value(f));
}

/** 64 bits of a hash of what an exchange says, to count what a rebuild changed. */
function digest(parts: unknown[]): bigint {
  const h = createHash('sha1');
  for (const p of parts) h.update(p instanceof Uint8Array ? p : String(p)).update('\0');
  return h.digest().readBigInt64LE(0);
}

export class DerivedWriter {
  private readonly insertFlow: Database.Statement;
  private readonly insertExchange: Database.Statement;
  private readonly insertText: Database.Statement;
  private readonly insertFts: Database.Statement | null;
  private readonly updateFlow: Database.Statement;
  private nextExchangeId: number;
  private readonly insertWsMessage: Database.Statement;
  private readonly wsSearchText: Database.Statement;
  private readonly ftsForget: Database.Statement | null;
  private readonly ftsAdd: Database.Statement | null;
  /** The id of each upgrade exchange whose WebSocket messages may still come, by flow and seq. */
  private readonly openWebSockets = new Map<string, number>();

  constructor(
    db: Database.Database,
    opts: { indexEachRow?: boolean; firstId?: number } = {},
  ) {
    this.nextExchangeId = opts.firstId ?? 1;
    this.insertFts = opts.indexEachRow
      ? db.prepare(
          'INSERT INTO exchange_fts (rowid, url, req_headers, resp_headers, req_body, resp_body) VALUES (?, ?, ?, ?, ?, ?)',
        )
      : null;
    const columns = FLOW_COLUMNS.map(([name]) => name);
    this.updateFlow = db.prepare(`UPDATE flows SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`);
    this.insertFlow = db.prepare(`INSERT INTO flows (${columns.join(', ')}, id) VALUES (${columns.map(() => '?').join(', ')}, ?)`);
    this.insertExchange = db.prepare(INSERT_EXCHANGE);
    this.insertText = db.prepare(
      'INSERT INTO exchange_text (id, url, req_headers, resp_headers, req_body, resp_body) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.insertWsMessage = db.prepare(INSERT_WS_MESSAGE);
    this.wsSearchText = db.prepare(WS_SEARCH_TEXT);
    const text = 'url, req_headers, resp_headers, req_body, resp_body';
    this.ftsForget = opts.indexEachRow
      ? db.prepare(`INSERT INTO exchange_fts (exchange_fts, rowid, ${text}) SELECT 'delete', id, ${text} FROM exchange_text WHERE id = ?`)
      : null;
    this.ftsAdd = opts.indexEachRow ? db.prepare(`INSERT INTO exchange_fts (rowid, ${text}) SELECT id, ${text} FROM exchange_text WHERE id = ?`) : null;
  }

  /** WebSocket messages of an upgrade exchange written before; the last batch makes them searchable. */
  messages(m: BuiltMessages): void {
    const key = `${m.flowId}:${m.upgradeSeq}`;
    const id = this.openWebSockets.get(key);
    if (id === undefined) return;
    for (const message of m.messages) this.insertWsMessage.run(wsMessageValues(id, message));
    if (!m.final) return;
    this.openWebSockets.delete(key);
    this.ftsForget?.run(id);
    this.wsSearchText.run({ id });
    this.ftsAdd?.run(id);
  }

  /** Write one exchange of any protocol; returns its id. */
  exchange(r: ExchangeFields & { detail: unknown }, t: ExchangeText): number {
    const id = this.nextExchangeId++;
    const detail = pack(r.detail);
    const sum = digest([r.protocol, r.operation, r.url, r.status, r.reqSize, r.respSize, r.flags, r.error, r.errorCode, r.rows, detail]);
    const made: Record<string, unknown> = { id, digest: sum, detail };
    this.insertExchange.run(SOURCES.map(([column, field]) => (field ? r[field] : made[column])));
    this.insertText.run(id, t.url, t.reqHeaders, t.respHeaders, t.reqBody, t.respBody);
    this.insertFts?.run(id, t.url, t.reqHeaders, t.respHeaders, t.reqBody, t.respBody);
    if (r.upgrade === 'websocket') this.openWebSockets.set(`${r.flowId}:${r.seq}`, id);
    return id;
  }

  flow(id: number, f: FlowRow): void {
    this.insertFlow.run(...flowValues(f), id);
  }

  /** Insert a flow, or update it if it is there (live builds write a flow when it starts). */
  upsertFlow(id: number, f: FlowRow): void {
    const values = flowValues(f);
    if (this.updateFlow.run(...values, id).changes === 0) this.insertFlow.run(...values, id);
  }

  /** Exchanges written so far (by this writer, from firstId). */
  get exchanges(): number {
    return this.nextExchangeId - 1;
  }
}

