/**
 * The detail pane's data: one whole exchange (bodies read back from the capture), and each tab
 * as rows for a width, built when first looked at and kept while the exchange is shown. Pure
 * enough to test without ink; the component only picks the rows on screen.
 */
import { safeText } from '../render/terminal-text.js';
import type { CallExchange, Exchange } from '../model/exchange.js';
import { formatCall, formatChildCalls } from '../render/call-format.js';
import type { SessionEvent } from '../session/event-reader.js';
import type { ExchangeSummary, Session } from '../session/session.js';
import { type TextMatch, findMatches } from '../session/text-search.js';
import { bodyTab } from './detail-body.js';
import { connectionTab } from './detail-connection.js';
import { headersTab } from './detail-headers.js';
import { MESSAGES_DISPLAY_LIMIT, grpcMessagesTab, messagesTab } from './detail-messages.js';
import { RAW_EVENT_LIMIT, rawTab } from './detail-raw.js';
import { timingTab } from './detail-timing.js';
import type { SessionQueries } from '../session/session-queries.js';
import { type RowMaker, hasMark, rowMaker } from './row-maker.js';
import { type Line, seg } from './styled-text.js';

export const TABS = ['Headers', 'Request body', 'Response body', 'Timing', 'Connection', 'Raw'] as const;
/** An HTTP exchange that made database calls has one more tab; a call has its own two. */
export const DATABASE_TAB = 'Database';
/** A WebSocket upgrade or a gRPC call has its messages' tab, beside its headers as in DevTools. */
export const MESSAGES_TAB = 'Messages';
export const CALL_TABS = ['Call', 'Raw'] as const;
export type TabName = (typeof TABS)[number] | typeof DATABASE_TAB | typeof MESSAGES_TAB | (typeof CALL_TABS)[number];

/** Plain lines (already escaped by the formatter, without colour) as rows. */
function textRows(text: string, rows: RowMaker): Line[] {
  return text.split('\n').flatMap((l) => rows.wrap([seg(l)], 2));
}

/** Exchanges of the same connection listed in the Connection tab. */
const SIBLING_LIMIT = 200;

/** The detail of a database call: the call as `show` prints it, and its raw events. */
export class CallDetail {
  private readonly built = new Map<string, Line[]>();
  readonly tabs: readonly TabName[] = CALL_TABS;

  constructor(
    private readonly session: Session,
    private readonly queries: SessionQueries,
    readonly call: CallExchange,
  ) {}

  get id(): number {
    return this.call.id;
  }

  rows(tab: TabName, width: number, search = ''): Line[] {
    const key = `${tab}\u0000${width}\u0000${search}`;
    let rows = this.built.get(key);
    if (!rows) {
      const maker = rowMaker(width, safeText(search));
      if (tab === 'Raw') {
        const events = rawEventsOf(this.session, this.call);
        rows = rawTab(events.events, events.more, maker);
      } else {
        // the pane's title line says what the first line would
        rows = textRows(formatCall(this.call, false).text.split('\n').slice(1).join('\n'), maker);
      }
      this.built.set(key, rows);
    }
    return rows;
  }

  matches(search: string): TextMatch[] {
    if (!search) return [];
    const row = this.queries.exchangeText(this.call.id);
    return row ? findMatches(row, search, 40, 1000) : [];
  }
}

/** The first RAW_EVENT_LIMIT events holding an exchange's bytes. */
function rawEventsOf(session: Session, ex: Pick<Exchange, 'events' | 'flowId'>): { events: SessionEvent[]; more: boolean } {
  const events: SessionEvent[] = [];
  for (const ev of session.rawEvents(ex)) {
    if (events.length === RAW_EVENT_LIMIT) return { events, more: true };
    events.push(ev);
  }
  return { events, more: false };
}

/** The detail pane's data, whatever the protocol. */
export type AnyDetail = ExchangeDetail | CallDetail;

/** The detail of exchange `id`: an HTTP exchange's or a database call's. */
export function loadDetail(session: Session, queries: SessionQueries, id: number): AnyDetail | null {
  const ex = ExchangeDetail.load(session, queries, id);
  if (ex) return ex;
  const call = session.call(id);
  return call ? new CallDetail(session, queries, call) : null;
}

export class ExchangeDetail {
  private readonly built = new Map<string, Line[]>();
  private calls: ExchangeSummary[] | null = null;

  private constructor(
    private readonly session: Session,
    private readonly queries: SessionQueries,
    readonly exchange: Exchange,
  ) {}

  /** The detail of HTTP exchange `id` (loadDetail: of any exchange). */
  static load(session: Session, queries: SessionQueries, id: number): ExchangeDetail | null {
    const ex = session.exchange(id);
    return ex ? new ExchangeDetail(session, queries, ex) : null;
  }

  get id(): number {
    return this.exchange.id;
  }

  /** Its database calls, looked up once. */
  private childCalls(): ExchangeSummary[] {
    this.calls ??= this.session.childCalls(this.exchange.id);
    return this.calls;
  }

  get tabs(): readonly TabName[] {
    const tabs: TabName[] = [...TABS];
    if (this.exchange.websocket || this.exchange.grpc) tabs.splice(1, 0, MESSAGES_TAB);
    if (this.childCalls().length) tabs.push(DATABASE_TAB);
    return tabs;
  }

  /** The tab as rows of `width`, the hits of `search` marked. */
  rows(tab: TabName, width: number, search = ''): Line[] {
    const key = `${tab}\u0000${width}\u0000${search}`;
    let rows = this.built.get(key);
    if (!rows) {
      rows = this.build(tab, rowMaker(width, safeText(search)));
      this.built.set(key, rows);
    }
    return rows;
  }

  private build(tab: TabName, rows: RowMaker): Line[] {
    const ex = this.exchange;
    switch (tab) {
      case 'Headers':
        return headersTab(ex, rows);
      case 'Request body':
        return bodyTab(ex, 'request', rows);
      case 'Response body':
        return bodyTab(ex, 'response', rows);
      case 'Timing':
        return timingTab(ex, rows);
      case 'Connection': {
        const siblings = this.siblings();
        return connectionTab(ex, siblings.rows, siblings.total, rows);
      }
      case 'Raw': {
        const events = rawEventsOf(this.session, this.exchange);
        return rawTab(events.events, events.more, rows);
      }
      case 'Database':
        return textRows(formatChildCalls(this.childCalls(), false).text, rows);
      case 'Messages':
        if (ex.grpc) return grpcMessagesTab(ex.grpc, ex.request.startedNs, rows);
        return ex.websocket ? messagesTab(ex.id, ex.websocket, this.session.wsMessages(ex.id, 0, MESSAGES_DISPLAY_LIMIT), rows) : [];
      case 'Call':
        return [];
    }
  }

  private siblings(): { rows: ExchangeSummary[]; total: number } {
    const q = { where: 'x.flow_id = ?', params: [this.exchange.flowId] };
    const rows = this.session.exchanges({ ...q, orderBy: 'req_started', limit: SIBLING_LIMIT });
    const total = rows.length < SIBLING_LIMIT ? rows.length : this.session.countExchanges(q.where, q.params);
    return { rows, total };
  }

  /** Where the search text occurs in the exchange's indexed text (URL, headers, bodies). */
  matches(search: string): TextMatch[] {
    if (!search) return [];
    const row = this.queries.exchangeText(this.exchange.id);
    return row ? findMatches(row, search, 40, 1000) : [];
  }
}

/** "3 matches: response body ×2, url ×1". */
export function matchSummary(matches: TextMatch[]): string {
  if (matches.length === 0) return 'no match in the indexed text';
  const byField = new Map<string, number>();
  for (const m of matches) byField.set(m.field, (byField.get(m.field) ?? 0) + 1);
  const parts = [...byField].map(([field, n]) => `${field} ×${n}`);
  return `${matches.length} match${matches.length === 1 ? '' : 'es'}: ${parts.join(', ')}`;
}

/** Indices of the rows holding a search hit. */
export function matchingRows(rows: Line[]): number[] {
  const out: number[] = [];
  rows.forEach((r, i) => {
    if (hasMark(r)) out.push(i);
  });
  return out;
}
