/**
 * One exchange as one row of the list: the columns that fit the terminal's width, each cell cut
 * to its column, the status coloured by class, and the waterfall bar. Captured text (URL,
 * method, process names) goes through safeText: it must never reach the terminal raw.
 */
import { durationText, exchangeStatusColor, methodText, sizeText, statusText, target } from '../render/exchange-format.js';
import { formatClock } from '../render/format.js';
import { callStatusColor, callStatusText, oneLine, protocolText } from '../render/call-format.js';
import { ExchangeFlag } from '../model/exchange-flags.js';
import { safeText } from '../render/terminal-text.js';
import type { ExchangeSummary } from '../session/session.js';
import type { SortOrder } from './exchange-pages.js';
import type { TimeSpan } from '../session/session-queries.js';
import { type Line, type Segment, fitLine, lineWidth, seg } from './styled-text.js';
import { waterfallBar } from './waterfall.js';

export interface SortColumn {
  column: string;
  label: string;
}

/** The columns `o` cycles through, each with an index (bench: a page in about a ms), but url. */
export const SORT_COLUMNS: SortColumn[] = [
  { column: 'req_started', label: 'time' },
  { column: 'client_comm', label: 'client' },
  { column: 'server_comm', label: 'server' },
  { column: 'method', label: 'method' },
  // no index: each page is a scan of the table (about 0.4 s at a million exchanges)
  { column: 'url', label: 'host/path' },
  { column: 'status', label: 'status' },
  { column: 'resp_body_size', label: 'size' },
  { column: 'duration_ns', label: 'duration' },
];

/** The column `o` sorts by next. */
export function nextSortColumn(column: string): string {
  const at = SORT_COLUMNS.findIndex((c) => c.column === column);
  return SORT_COLUMNS[(at + 1) % SORT_COLUMNS.length].column;
}

export function sortLabel(order: SortOrder): string {
  const label = SORT_COLUMNS.find((c) => c.column === order.column)?.label ?? order.column;
  return `${label} ${order.descending ? '↓' : '↑'}`;
}

export interface ExchangeLayout {
  time: number;
  parties: number;
  method: number;
  target: number;
  status: number;
  size: number;
  duration: number;
  waterfall: number;
}

/** The marker column: the selected row starts with '›', visible without colour or inverse. */
export const MARKER_WIDTH = 2;

export function exchangeLayout(width: number): ExchangeLayout {
  const wide = width >= 100;
  const l: ExchangeLayout = {
    time: wide ? 12 : 8,
    parties: width >= 160 ? 30 : width >= 120 ? 24 : width >= 100 ? 18 : width >= 80 ? 13 : 0,
    method: wide ? 7 : 6,
    target: 0,
    status: wide ? 6 : 3,
    size: wide ? 7 : 6,
    duration: wide ? 7 : 6,
    waterfall: width >= 160 ? 24 : width >= 120 ? 16 : width >= 100 ? 10 : width >= 80 ? 8 : 0,
  };
  const fixed = [l.time, l.parties, l.method, l.status, l.size, l.duration, l.waterfall].filter((w) => w > 0);
  // a space after every column but the last
  l.target = Math.max(8, width - MARKER_WIDTH - fixed.reduce((a, b) => a + b, 0) - fixed.length);
  return l;
}

/** "curl 4121 → node 5001", or without the pids when that does not fit. */
export interface Parties {
  client_pid: bigint | number | null;
  client_comm: string | null;
  server_pid: bigint | number | null;
  server_comm: string | null;
}

export function partiesText(x: Parties, width: number): string {
  const side = (pid: bigint | number | null, comm: string | null, withPid: boolean) => {
    if (pid === null && comm === null) return '?';
    const name = safeText(comm ?? '?');
    return withPid && pid !== null ? `${name} ${pid}` : name;
  };
  const full = `${side(x.client_pid, x.client_comm, true)} → ${side(x.server_pid, x.server_comm, true)}`;
  if ([...full].length <= width) return full;
  const client = side(x.client_pid, x.client_comm, false);
  const server = side(x.server_pid, x.server_comm, false);
  // each side gets half, and what the other does not need
  const room = Math.max(2, width - 3);
  const forClient = Math.min([...client].length, Math.max(Math.ceil(room / 2), room - [...server].length));
  const cut = (s: string, n: number) => ([...s].length <= n ? s : [...s].slice(0, Math.max(0, n - 1)).join('') + '…');
  return `${cut(client, forClient)} → ${cut(server, room - forClient)}`;
}

/** ink colour names of the SGR codes statusColor gives (one colour scheme for ls and the TUI). */
const SGR_COLORS: Record<string, string> = { '31': 'red', '33': 'yellow', '36': 'cyan', '32': 'green', '35': 'magenta' };

/** A database call's outcome in the list: 'ok', its error code, '—' with no reply. */
function callStatusSegment(x: ExchangeSummary): Segment {
  const code = callStatusColor(x);
  return seg(callStatusText(x), code === '2' ? { dim: true } : { color: SGR_COLORS[code] });
}

export function statusSegment(x: Pick<ExchangeSummary, 'status' | 'upgrade' | 'error' | 'flags'> & Partial<Pick<ExchangeSummary, 'grpc_status'>>, width: number): Segment {
  const code = exchangeStatusColor(x);
  let text = statusText(x);
  if (text === 'error' && width < 5) text = 'err';
  return seg(text, code === '2' ? { dim: true } : { color: SGR_COLORS[code ?? ''] });
}

export function cell(text: string | Segment | Line, width: number, right = false): Line {
  const line: Line = typeof text === 'string' ? [seg(text)] : Array.isArray(text) ? text : [text];
  const fitted = fitLine(line, width);
  const used = lineWidth(fitted);
  const gap = seg(' '.repeat(Math.max(0, width - used)));
  return right ? [gap, ...fitted] : [...fitted, gap];
}

/** A row of the list, `width` columns wide (before the marker). */
export function exchangeRow(x: ExchangeSummary, l: ExchangeLayout, span: TimeSpan | null): Line {
  const cells: Line[] = [cell(formatClock(x.req_started).slice(0, l.time), l.time)];
  if (l.parties) cells.push(cell(partiesText(x, l.parties), l.parties));
  if (x.protocol === 'http') {
    cells.push(cell(safeText(methodText(x)), l.method));
    // an HTTP exchange that ran a query shape N+1 times says so before its URL
    const nPlusOne = Number(x.flags) & ExchangeFlag.N_PLUS_ONE ? [seg('N+1 ', { color: 'yellow', bold: true })] : [];
    cells.push(cell([...nPlusOne, seg(safeText(target(x)))], l.target));
    cells.push(cell(statusSegment(x, l.status), l.status, true));
    cells.push(cell(sizeText(x.resp_body_size), l.size, true));
  } else {
    // a database call: its operation, then the protocol and its SQL or command line
    cells.push(cell(safeText(x.operation ?? '—'), l.method));
    const nPlusOne = Number(x.flags) & ExchangeFlag.N_PLUS_ONE ? [seg('N+1 ', { color: 'yellow' })] : [];
    cells.push(cell([seg(`${protocolText(x)} `, { dim: true }), ...nPlusOne, seg(safeText(oneLine(x.target ?? '')))], l.target));
    cells.push(cell(callStatusSegment(x), l.status, true));
    cells.push(cell(x.rows === null ? sizeText(x.resp_size) : `${x.rows}r`, l.size, true));
  }
  cells.push(cell(durationText(x.duration_ns), l.duration, true));
  if (l.waterfall) cells.push(waterfallBar(span, { start: x.req_started, firstByte: x.resp_started, end: x.resp_ended ?? x.req_ended }, l.waterfall));
  return joinCells(cells);
}

export function joinCells(cells: Line[]): Line {
  const out: Line = [];
  cells.forEach((c, i) => {
    if (i > 0) out.push(seg(' '));
    out.push(...c);
  });
  return out;
}

/** The column titles, the sorted one with its arrow. */
export function exchangeHeader(l: ExchangeLayout, order: SortOrder): Line {
  const arrow = order.descending ? '↓' : '↑';
  const title = (text: string, column: string | string[], width: number, right = false) => {
    const sorted = (Array.isArray(column) ? column : [column]).includes(order.column);
    // the arrow always shows: the title gives way to it
    const shown = sorted ? `${[...text].slice(0, Math.max(1, width - 1)).join('')}${arrow}` : text;
    return cell(seg(shown, { bold: true, underline: sorted }), width, right);
  };
  const cells: Line[] = [title('TIME', 'req_started', l.time)];
  if (l.parties) cells.push(title(l.parties > 15 ? 'CLIENT → SERVER' : 'CLIENT→SERVER', ['client_comm', 'server_comm'], l.parties));
  cells.push(title('METHOD', 'method', l.method));
  cells.push(title('HOST/PATH', 'url', l.target));
  cells.push(title(l.status >= 5 ? 'STATUS' : 'ST', 'status', l.status, true));
  cells.push(title('SIZE', 'resp_body_size', l.size, true));
  cells.push(title('DUR', 'duration_ns', l.duration, true));
  if (l.waterfall) cells.push(cell(seg(l.waterfall > 9 ? 'WATERFALL' : 'TIMELINE', { bold: true }), l.waterfall));
  return joinCells(cells);
}
