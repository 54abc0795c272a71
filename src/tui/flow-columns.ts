/**
 * One connection as one row of the Connections view: HTTP or not (tcp/redis, udp/dns, tls...),
 * with the bytes each way, so no traffic of the session is invisible in the TUI.
 */
import { durationText } from '../render/exchange-format.js';
import { formatBytes, formatClock } from '../render/format.js';
import { safeText } from '../render/terminal-text.js';
import type { FlowSummary } from '../session/session.js';
import { MARKER_WIDTH, cell, exchangeLayout, joinCells, partiesText } from './exchange-columns.js';
import type { TimeSpan } from '../session/session-queries.js';
import { type Line, seg } from './styled-text.js';
import { waterfallBar } from './waterfall.js';

export interface FlowLayout {
  time: number;
  parties: number;
  proto: number;
  server: number;
  sent: number;
  received: number;
  duration: number;
  exchanges: number;
  waterfall: number;
}

export function flowLayout(width: number): FlowLayout {
  const x = exchangeLayout(width);
  const wide = width >= 100;
  const l: FlowLayout = {
    time: x.time,
    parties: x.parties,
    proto: wide ? 14 : 12,
    server: 0,
    sent: x.size,
    received: x.size,
    duration: x.duration,
    exchanges: wide ? 5 : 4,
    waterfall: width >= 120 ? x.waterfall : 0,
  };
  const fixed = [l.time, l.parties, l.proto, l.sent, l.received, l.duration, l.exchanges, l.waterfall].filter((w) => w > 0);
  l.server = Math.max(8, width - MARKER_WIDTH - fixed.reduce((a, b) => a + b, 0) - fixed.length);
  return l;
}

export function endpointText(addr: string | null, port: number | null): string {
  if (!addr) return '—';
  if (port === null) return safeText(addr);
  return addr.includes(':') ? `[${safeText(addr)}]:${port}` : `${safeText(addr)}:${port}`;
}

/** "tcp/http/1.1", "tcp/redis", "udp/dns". */
export function protocolText(f: Pick<FlowSummary, 'transport' | 'protocol'>): string {
  return `${safeText(f.transport)}/${safeText(f.protocol)}`;
}

export function flowRow(f: FlowSummary, l: FlowLayout, span: TimeSpan | null): Line {
  const http = /^http\//.test(f.protocol);
  const cells: Line[] = [cell(formatClock(f.started_at).slice(0, l.time), l.time)];
  if (l.parties) cells.push(cell(partiesText(f, l.parties), l.parties));
  cells.push(cell(seg(protocolText(f), http ? {} : { color: 'magenta' }), l.proto));
  cells.push(cell(endpointText(f.server_addr, f.server_port), l.server));
  cells.push(cell(formatBytes(f.bytes_c2s), l.sent, true));
  cells.push(cell(formatBytes(f.bytes_s2c), l.received, true));
  cells.push(cell(durationText(f.ended_at === null ? null : f.ended_at - f.started_at), l.duration, true));
  cells.push(cell(f.exchanges ? String(f.exchanges) : '', l.exchanges, true));
  if (l.waterfall) cells.push(waterfallBar(span, { start: f.started_at, firstByte: f.started_at, end: f.ended_at ?? span?.endNs ?? null }, l.waterfall));
  return joinCells(cells);
}

export function flowHeader(l: FlowLayout): Line {
  const title = (text: string, width: number, right = false) => cell(seg(text, { bold: true }), width, right);
  const cells: Line[] = [title('START', l.time)];
  if (l.parties) cells.push(title(l.parties > 15 ? 'CLIENT → SERVER' : 'CLIENT→SERVER', l.parties));
  cells.push(title('PROTOCOL', l.proto), title('SERVER', l.server), title('SENT', l.sent, true), title('RECV', l.received, true));
  cells.push(title('DUR', l.duration, true), title('EXCH', l.exchanges, true));
  if (l.waterfall) cells.push(title(l.waterfall > 9 ? 'WATERFALL' : 'TIMELINE', l.waterfall));
  return joinCells(cells);
}
