/**
 * Writing the derived tables (formats/exchanges.sql): flows, exchanges, their text and its
 * search index, row by row. What needs no database (packing, the rows' values) is done apart, by
 * prepare(), so that a parallel build does it in its worker (parallel-build.ts).
 */
import type Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { pack } from 'msgpackr';

import { ALL_COLUMNS, fieldOf } from '../model/exchange-table.js';
import type { ExchangeText } from '../reconstruct/exchange-row.js';
import type { ExchangeFields } from '../model/exchange-table.js';
import { type Built, type BuiltMessages, type FlowRow, isMessages } from '../reconstruct/flow-builder.js';
import { type CallLinker, argsHash } from '../reconstruct/call-links.js';
import { ExchangeFlag } from '../model/exchange-flags.js';
import { WS_MESSAGE_COLUMNS, type WsMessageRow } from '../model/ws-message.js';
import { TEXT_FIELDS } from '../model/text-sql.js';
import { TextWriter } from './exchange-text.js';

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

function wsMessageValues(m: WsMessageRow): unknown[] {
  return WS_MESSAGE_COLUMNS.map(([, field]) => (field === 'flaws' ? (m.flaws.length ? JSON.stringify(m.flaws) : null) : m[field]));
}

/** Characters of a WebSocket's messages added to its upgrade's search text, each way (as for a body). */
const WS_SEARCH_CHARS = 1 << 20;

/**
 * A WebSocket's text messages become its upgrade exchange's searchable text once they are all
 * there: what the client sent as its request body's, what the server sent as its response's.
 */
const WS_MESSAGES_TEXT = `SELECT
  coalesce((SELECT substr(group_concat(text, char(10)), 1, ${WS_SEARCH_CHARS})
    FROM (SELECT text FROM ws_messages WHERE exchange_id = @id AND dir = 'c2s' AND text IS NOT NULL ORDER BY seq)), '') AS c2s,
  coalesce((SELECT substr(group_concat(text, char(10)), 1, ${WS_SEARCH_CHARS})
    FROM (SELECT text FROM ws_messages WHERE exchange_id = @id AND dir = 's2c' AND text IS NOT NULL ORDER BY seq)), '') AS s2c`;

function flowValues(f: FlowRow): unknown[] {
  return FLOW_COLUMNS.map(([, value]) => value(f));
}

/** What an exchange's digest is made of: the fields that say what it was, its packed detail. */
const DIGEST_FIELDS: (keyof ExchangeFields | 'detail')[] = ['protocol', 'operation', 'url', 'status', 'reqSize', 'respSize', 'flags', 'error', 'errorCode', 'rows', 'detail'];
const DIGEST_AT = DIGEST_FIELDS.map((f) => {
  const at = f === 'detail' ? ALL_COLUMNS.indexOf('detail') : ALL_COLUMNS.findIndex((c) => fieldOf(c) === f);
  if (at < 0) throw new Error(`no exchanges column holds ${f}`);
  return at;
});

/**
 * 64 bits of a hash of what an exchange says (its row's values), to count what a rebuild changed.
 * Taken by the thread that writes: in a parallel build the parsing worker is the busier thread.
 */
function digest(values: unknown[]): bigint {
  const h = createHash('sha1');
  for (const at of DIGEST_AT) {
    const p = values[at];
    h.update(p instanceof Uint8Array ? p : String(p)).update('\0');
  }
  return h.digest().readBigInt64LE(0);
}

/**
 * What the call linker (call-links.ts) needs of an exchange, but its id: an HTTP exchange a
 * local process served, or a database call a local process made.
 */
export type LinkNote =
  | { served: true; pid: number; start: number; end: number | null }
  | { served: false; pid: number; start: number; durationNs: number | null; shape: string | null; args: number };

function linkNote(r: ExchangeFields & { detail: unknown }, baseNs: bigint): LinkNote | null {
  const rel = (ns: bigint | null) => (ns === null ? null : Number(ns - baseNs));
  // a pid is known only for an end that was captured: the server's here, the client's there
  const detail = r.detail as unknown[];
  if (detail[0] !== 'call') {
    return r.serverPid === null ? null : { served: true, pid: r.serverPid, start: rel(r.reqStarted)!, end: rel(r.respStarted ?? r.respEnded) };
  }
  if (r.clientPid === null || r.flags & ExchangeFlag.ONE_WAY) return null;
  const call = detail[3] as { text: string; params?: unknown };
  return { served: false, pid: r.clientPid, start: rel(r.reqStarted)!, durationNs: r.durationNs, shape: r.shape, args: argsHash(`${call.text}\0${JSON.stringify(call.params ?? null)}`) };
}

export function addLinkNote(linker: CallLinker, id: number, n: LinkNote): void {
  if (n.served) linker.addServed(id, n.pid, n.start, n.end);
  else linker.addCall(id, n.pid, n.start, n.durationNs, n.shape, n.args);
}

/**
 * An exchange made ready to write: everything the writer does that needs no database, so a
 * parallel build (parallel-build.ts) does it beside the thread that writes. Plain values only
 * (they cross threads by structured clone).
 */
export interface PreparedExchange {
  /** The exchanges row in ALL_COLUMNS order, its id and digest left null: both are made as rows are written. */
  values: unknown[];
  /** exchange_text's url, req_headers, resp_headers, req_body, resp_body. */
  text: [string, string, string, string, string];
  /** flow:seq of a WebSocket upgrade, whose messages come later. */
  webSocket: string | null;
  link: LinkNote | null;
}

/** WebSocket messages made ready to write: ws_messages rows but the exchange id. */
export interface PreparedMessages {
  webSocket: string;
  rows: unknown[][];
  final: boolean;
}

export type Prepared = PreparedExchange | PreparedMessages;

export function isPreparedMessages(p: Prepared): p is PreparedMessages {
  return 'rows' in p;
}

const ID_AT = ALL_COLUMNS.indexOf('id');
const DIGEST_VALUE_AT = ALL_COLUMNS.indexOf('digest');

export function prepareExchange(r: ExchangeFields & { detail: unknown }, t: ExchangeText, baseNs: bigint): PreparedExchange {
  const made: Record<string, unknown> = { id: null, digest: null, detail: pack(r.detail) };
  return {
    values: SOURCES.map(([column, field]) => (field ? r[field] : made[column])),
    text: [t.url, t.reqHeaders, t.respHeaders, t.reqBody, t.respBody],
    webSocket: r.upgrade === 'websocket' ? `${r.flowId}:${r.seq}` : null,
    link: linkNote(r, baseNs),
  };
}

export function prepareMessages(m: BuiltMessages): PreparedMessages {
  return { webSocket: `${m.flowId}:${m.upgradeSeq}`, rows: m.messages.map(wsMessageValues), final: m.final };
}

/** A flow builder's output made ready to write, in order. */
export function prepare(built: Built[], baseNs: bigint): Prepared[] {
  return built.map((x) => (isMessages(x) ? prepareMessages(x) : prepareExchange(x.row, x.text, baseNs)));
}

export class DerivedWriter {
  private readonly insertFlow: Database.Statement;
  private readonly insertExchange: Database.Statement;
  private readonly insertFts: Database.Statement;
  private readonly updateFlow: Database.Statement;
  private nextExchangeId: number;
  private readonly insertWsMessage: Database.Statement;
  private readonly wsMessagesText: Database.Statement;
  private readonly ftsForget: Database.Statement;
  private readonly text: TextWriter;
  private readonly indexText: boolean;
  /** Each upgrade exchange whose WebSocket messages may still come, by flow and seq: its id and text. */
  private readonly openWebSockets = new Map<string, { id: number; text: readonly string[] }>();

  /**
   * `indexText`: fill the search index as rows are written (default); false leaves it for the
   * first search (Session.ensureTextIndex), which a full build does (SPEC.md §3.6, derived_meta
   * text_index). `compressText`: train the file's text dictionary and compress the searchable
   * text with it (exchange-text.ts), which a build into the file does.
   */
  constructor(db: Database.Database, opts: { indexText?: boolean; compressText?: boolean } = {}) {
    this.indexText = opts.indexText ?? true;
    this.text = new TextWriter(db, !!opts.compressText);
    this.nextExchangeId = 1;
    // FTS5 merges its segments 4 at a time by default, which rewrote the index again and again:
    // indexing a million exchanges' text row by row took 25.8 s so, 18.2 s merging 16 at a time,
    // and searches were no slower (2 ms for a rare string, 40 ms for a common one, the same
    // size). The setting is kept in the index: its 'rebuild' on the first search merges so too.
    db.exec("INSERT INTO exchange_fts (exchange_fts, rank) VALUES ('automerge', 16)");
    this.insertFts = db.prepare('INSERT INTO exchange_fts (rowid, url, req_headers, resp_headers, req_body, resp_body) VALUES (?, ?, ?, ?, ?, ?)');
    const columns = FLOW_COLUMNS.map(([name]) => name);
    this.updateFlow = db.prepare(`UPDATE flows SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`);
    this.insertFlow = db.prepare(`INSERT INTO flows (${columns.join(', ')}, id) VALUES (${columns.map(() => '?').join(', ')}, ?)`);
    this.insertExchange = db.prepare(INSERT_EXCHANGE);
    this.insertWsMessage = db.prepare(INSERT_WS_MESSAGE);
    this.wsMessagesText = db.prepare(WS_MESSAGES_TEXT);
    // the index keeps no copy of the text (contentless): a row is taken out with the values it was indexed with
    this.ftsForget = db.prepare(`INSERT INTO exchange_fts (exchange_fts, rowid, ${TEXT_FIELDS.join(', ')}) VALUES ('delete', ?, ?, ?, ?, ?, ?)`);
  }

  /** WebSocket messages of an upgrade exchange written before; the last batch makes them searchable. */
  messages(m: PreparedMessages): void {
    const open = this.openWebSockets.get(m.webSocket);
    if (open === undefined) return;
    const { id, text } = open;
    for (const row of m.rows) this.insertWsMessage.run(id, ...row);
    if (!m.final) return;
    this.openWebSockets.delete(m.webSocket);
    const sent = this.wsMessagesText.get({ id }) as { c2s: string; s2c: string };
    const [url, reqHeaders, respHeaders, reqBody, respBody] = text;
    const now = [url, reqHeaders, respHeaders, reqBody + sent.c2s, respBody + sent.s2c];
    if (this.indexText) this.ftsForget.run(id, ...text);
    this.text.rewrite(id, now);
    if (this.indexText) this.insertFts.run(id, ...now);
  }

  /** The text rows still waiting for the dictionary are written: the build has handed out every exchange. */
  finish(): void {
    this.text.flush();
  }

  /** Write one exchange of any protocol; returns its id. */
  exchange(p: PreparedExchange): number {
    const id = this.nextExchangeId++;
    p.values[ID_AT] = id;
    p.values[DIGEST_VALUE_AT] = digest(p.values);
    this.insertExchange.run(p.values);
    this.text.write(id, p.text);
    if (this.indexText) this.insertFts.run(id, ...p.text);
    if (p.webSocket !== null) this.openWebSockets.set(p.webSocket, { id, text: p.text });
    return id;
  }

  /** Write what a flow builder handed out, in order; the linker hears of each exchange. */
  write(items: Prepared[], linker: CallLinker | null): void {
    for (const p of items) {
      if (isPreparedMessages(p)) this.messages(p);
      else {
        const id = this.exchange(p);
        if (linker && p.link) addLinkNote(linker, id, p.link);
      }
    }
  }

  flow(id: number, f: FlowRow): void {
    this.insertFlow.run(...flowValues(f), id);
  }

  /** Insert a flow, or update it if it is there (live builds write a flow when it starts). */
  upsertFlow(id: number, f: FlowRow): void {
    const values = flowValues(f);
    if (this.updateFlow.run(...values, id).changes === 0) this.insertFlow.run(...values, id);
  }

  /** Exchanges written so far. */
  get exchanges(): number {
    return this.nextExchangeId - 1;
  }
}

