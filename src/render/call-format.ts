/**
 * How database calls look as text, in `ls`, `show` and the TUI: one call whole, an HTTP
 * exchange's calls under it (with N+1 and slow calls marked), and the short forms a list needs.
 * Every value that came from capture goes through term`` (escaped).
 */
import type { CallExchange } from '../model/exchange.js';
import type { ExchangeSummary } from '../model/exchange-table.js';
import { ExchangeFlag } from '../model/exchange-flags.js';
import { formatDateTime, formatDurationMs, paint } from './format.js';
import { type TerminalText, type TextPart, joinText, term } from './terminal-text.js';
import { redisReplyLines } from './redis-reply.js';
import { otherHolders, where, who } from './endpoint-text.js';

const SHORT: Record<string, string> = { http: 'http', postgresql: 'pg', mysql: 'mysql', redis: 'redis' };

/** The protocol as a list shows it: 'pg', 'redis', 'https'. */
export function protocolText(x: Pick<ExchangeSummary, 'protocol' | 'scheme'>): string {
  if (x.protocol === 'http') return x.scheme === 'https' ? 'https' : 'http';
  return Object.hasOwn(SHORT, x.protocol) ? SHORT[x.protocol] : x.protocol;
}

/** Whitespace runs as one space: a multi-line SQL statement on one list line. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** A database call's outcome in a list: its error code, 'ok', or '—' with no reply. */
export function callStatusText(x: Pick<ExchangeSummary, 'flags' | 'error_code' | 'resp_started' | 'protocol'>): string {
  const flags = Number(x.flags);
  if (flags & ExchangeFlag.ONE_WAY) return 'msg';
  // Redis's error codes are words (WRONGTYPE) that say "error" already; SQLSTATEs are not
  if (flags & ExchangeFlag.DB_ERROR) return x.error_code ? (x.protocol === 'redis' ? x.error_code : `ERR ${x.error_code}`) : 'ERR';
  if (x.resp_started === null) return '—';
  return 'ok';
}

export function callStatusColor(x: Pick<ExchangeSummary, 'flags' | 'resp_started'>): string {
  const flags = Number(x.flags);
  if (flags & ExchangeFlag.DB_ERROR) return '31';
  if (flags & ExchangeFlag.ONE_WAY) return '35';
  return x.resp_started === null ? '2' : '32';
}

/** "47 queries · 31.2 ms" for an HTTP exchange that made database calls; '' for one that made none. */
export function queriesText(x: Pick<ExchangeSummary, 'queries' | 'db_ns' | 'flags'>): string {
  if (x.queries === null) return '';
  const n = Number(x.queries);
  const nPlusOne = Number(x.flags) & ExchangeFlag.N_PLUS_ONE ? ' N+1' : '';
  return `${n} ${n === 1 ? 'query' : 'queries'} · ${formatDurationMs(Number(x.db_ns ?? 0n) / 1e6)}${nPlusOne}`;
}

const ms = (ns: number | bigint | null) => (ns === null ? '—' : formatDurationMs(Number(ns) / 1e6));

/** A value as a list shows it: NULL, or the text. */
function value(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x));
}

const isList = (v: unknown): v is unknown[] => Array.isArray(v);

/** Sample rows under their column names, cut to a width a terminal takes. */
function rowsTable(columns: string[], rows: unknown[][]): TextPart[] {
  const cell = (v: unknown) => {
    const t = oneLine(value(v));
    return t.length > 40 ? `${t.slice(0, 39)}…` : t;
  };
  const cells = [columns.map(cell), ...rows.map((r) => r.map(cell))];
  const widths = columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => term`  ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`);
}

/** What only the protocol says (CallExchange.more), as lines: the known parts first, the rest as key: value. */
function moreLines(more: Record<string, unknown>): TextPart[] {
  const out: TextPart[] = [];
  const columns = isList(more.columns) ? more.columns.map(value) : null;
  const rows = isList(more.rows) ? more.rows.filter(isList) : null;
  if (columns && columns.length && rows) {
    out.push(term`Rows (${rows.length} shown)`);
    out.push(...rowsTable(columns, rows));
  } else if (columns && columns.length) out.push(term`Columns  ${columns.join(', ')}`);
  const notices = isList(more.notices) ? more.notices : [];
  for (const n of notices) out.push(term`Notice  ${oneLine(value(n))}`);
  for (const [k, v] of Object.entries(more)) {
    if (k === 'columns' || k === 'rows' || k === 'notices' || k === 'reply' || v === undefined) continue;
    const text = value(v);
    out.push(term`${k}  ${text.length > 300 ? `${text.slice(0, 299)}…` : text}`);
  }
  return out;
}

/** One call whole, for `show` and the TUI's detail pane. */
/** `opts.label`: the id as the user names it (`TAG/ID` in a history of several files). */
export function formatCall(c: CallExchange, color: boolean, opts: { slowNs?: number; parentLine?: string | null; label?: string } = {}): TerminalText {
  const proto = SHORT[c.protocol] ?? c.protocol;
  const outcome =
    c.status === 'error'
      ? paint(color, '31', `error${c.errorCode ? ` ${c.errorCode}` : ''}`)
      : c.oneWay
        ? paint(color, '35', 'message')
        : c.status === 'none'
          ? paint(color, '2', 'no reply')
          : paint(color, '32', c.result ?? 'ok');
  const slow = opts.slowNs !== undefined && c.timings.totalNs !== null && c.timings.totalNs >= opts.slowNs ? paint(color, '31', '  SLOW') : '';
  const out: TextPart[] = [];
  out.push(term`${paint(color, '1', `#${opts.label ?? c.id}`)}  ${proto} ${c.operation}  →  ${outcome}  (${ms(c.timings.totalNs)})${slow}`);
  out.push(term`client      ${who(c.client)}  ${where(c.client)}`);
  out.push(term`server      ${who(c.server)}  ${where(c.server)}`);
  if (c.server.others.length) out.push(term`            ${otherHolders(c.server)}`);
  out.push(term`connection  flow ${c.flowId} (${c.transport}), call ${c.seq + 1} on it`);
  if (c.database !== null || c.user !== null) out.push(term`database    ${c.database ?? '—'}${c.user !== null ? term`  as ${c.user}` : ''}`);
  if (c.tls) out.push(term`tls         decrypted by tinytap from ${c.tls.decryptedFrom}`);
  out.push(
    term`timing      started ${formatDateTime(c.startedNs)}  send ${ms(c.timings.sendNs)}  wait ${ms(c.timings.waitNs)}  receive ${ms(c.timings.receiveNs)}  total ${ms(c.timings.totalNs)}`,
  );
  if (opts.parentLine) out.push(term`made for    ${opts.parentLine}`);
  if (c.flags & ExchangeFlag.N_PLUS_ONE) out.push(term`${paint(color, '33', 'N+1')}         this query's shape ran N+1 times in that request`);
  out.push('');
  out.push(paint(color, '1', c.protocol === 'redis' ? 'Command' : 'Query'));
  if (c.text) out.push(...c.text.split('\n').map((l) => term`  ${l}`));
  else out.push(term`  (${c.operation})`);
  if (c.params?.length) {
    out.push(paint(color, '1', 'Parameters'));
    c.params.forEach((p, i) => out.push(term`  ${c.protocol === 'postgresql' ? `$${i + 1}` : `${i + 1}.`} ${p === null ? 'NULL' : p}`));
  }
  out.push('');
  out.push(paint(color, '1', c.protocol === 'redis' ? 'Reply' : 'Result'));
  if (c.status === 'error') out.push(term`  ${paint(color, '31', `${c.errorCode ?? 'error'}: ${c.errorMessage ?? ''}`)}`);
  else if (c.protocol === 'redis' && c.more.reply !== undefined) out.push(...redisReplyLines(c.more.reply).map((l) => term`  ${l}`));
  else if (c.result !== null) out.push(term`  ${c.result}${c.rows !== null ? term`  (${c.rows} ${c.rows === 1 ? 'row' : 'rows'})` : ''}`);
  else out.push(term`  ${c.oneWay ? 'none expected: a message nobody asked for' : 'no reply was captured'}`);
  const more = moreLines(c.more);
  if (more.length) {
    out.push('');
    out.push(...more);
  }
  if (c.error) {
    out.push('');
    out.push(paint(color, '33', 'Notes'));
    out.push(term`  parse error in the ${c.error.direction} at stream offset ${c.error.offset}: ${c.error.message}`);
  }
  return joinText(out);
}

/** Calls of one shape repeated in a request: the shape and how often. */
export interface RepeatedShape {
  shape: string;
  count: number;
}

/** The shapes flagged N+1 among an HTTP exchange's calls, most repeated first. */
export function nPlusOneShapes(calls: ExchangeSummary[]): RepeatedShape[] {
  const counts = new Map<string, number>();
  for (const c of calls) if (Number(c.flags) & ExchangeFlag.N_PLUS_ONE && c.shape !== null) counts.set(c.shape, (counts.get(c.shape) ?? 0) + 1);
  return [...counts].map(([shape, count]) => ({ shape, count })).sort((a, b) => b.count - a.count);
}

/** An HTTP exchange's database calls, for `show`: totals, N+1, then one line per call. */
export function formatChildCalls(calls: ExchangeSummary[], color: boolean, opts: { slowNs?: number; link?: string | null } = {}): TerminalText {
  if (!calls.length) return joinText([]);
  const total = calls.reduce((s, c) => s + Number(c.duration_ns ?? 0n), 0);
  const out: TextPart[] = [];
  out.push(paint(color, '1', `Database  ${calls.length} ${calls.length === 1 ? 'query' : 'queries'}, ${formatDurationMs(total / 1e6)} in the database`));
  if (calls.some((c) => c.link === 'overlap')) out.push(term`  (other requests were open in the same process at the time: these links are a best guess)`);
  for (const s of nPlusOneShapes(calls)) out.push(term`  ${paint(color, '33', `N+1: ${s.count} ×`)} ${s.shape}`);
  for (const c of calls) {
    const slow = opts.slowNs !== undefined && c.duration_ns !== null && Number(c.duration_ns) >= opts.slowNs;
    const mark = Number(c.flags) & ExchangeFlag.N_PLUS_ONE ? paint(color, '33', 'N+1 ') : '';
    const slowMark = slow ? paint(color, '31', 'SLOW ') : '';
    const text = oneLine(c.target ?? c.operation ?? '');
    out.push(
      term`  #${String(c.id).padEnd(6)} ${protocolText(c).padEnd(5)} ${ms(c.duration_ns).padStart(9)}  ${paint(color, callStatusColor(c), callStatusText(c).padEnd(9))}  ${slowMark}${mark}${text.length > 200 ? `${text.slice(0, 199)}…` : text}`,
    );
  }
  return joinText(out);
}
