/**
 * The Connection tab: both processes (pid, command line, cgroup), the address tuple, and the
 * other exchanges of the same connection (keep-alive), the shown one marked.
 */
import { durationText, sizeText, statusText } from '../render/exchange-format.js';
import { formatClock } from '../render/format.js';
import { http2Line, http2Notes, tlsLine } from '../render/exchange-facts.js';
import { safeText } from '../render/terminal-text.js';
import type { Endpoint, Exchange } from '../model/exchange.js';
import type { ExchangeSummary } from '../session/session.js';
import { statusSegment } from './exchange-columns.js';
import { endpointText } from './flow-columns.js';
import type { RowMaker } from './row-maker.js';
import { type Line, seg } from './styled-text.js';

const LABEL = 11;

function label(text: string): Line[number] {
  return seg(text.padEnd(LABEL), { dim: true });
}

function party(title: string, e: Endpoint, rows: RowMaker): Line[] {
  if (e.pid === null && e.comm === null)
    return [rows.fit([label(title), seg('not captured (filtered out, or on another host)', { dim: true }), seg(`  ${endpointText(e.addr, e.port)}`)])];
  const out: Line[] = [rows.fit([label(title), seg(`${safeText(e.comm ?? '?')}`, { bold: true }), seg(` pid ${e.pid ?? '?'}  ${endpointText(e.addr, e.port)}`)])];
  if (e.argv?.length) out.push(...rows.wrap([label('  command'), seg(safeText(e.argv.join(' ')))], LABEL));
  for (const o of e.others) out.push(rows.fit([label('  also'), seg(`${safeText(o.comm ?? '?')} pid ${o.pid}, which ${o.how} it`)]));
  if (e.cgroup) out.push(...rows.wrap([label('  cgroup'), seg(safeText(e.cgroup))], LABEL));
  return out;
}

export function siblingRow(x: ExchangeSummary, current: number, rows: RowMaker): Line {
  const mine = Number(x.id) === current;
  const line: Line = [
    seg(mine ? '› ' : '  ', { bold: true }),
    seg(`#${x.id}`.padEnd(8), { bold: mine }),
    seg(formatClock(x.req_started) + '  '),
    seg(`${safeText(x.method ?? '—')} `),
    { ...statusSegment(x, 5), text: statusText(x).padStart(5) },
    seg(`  ${sizeText(x.resp_body_size).padStart(7)}  ${durationText(x.duration_ns).padStart(7)}  `),
    seg(safeText(x.path ?? x.url)),
  ];
  return rows.fit(line);
}

export function connectionTab(ex: Exchange, siblings: ExchangeSummary[], totalOnFlow: number, rows: RowMaker): Line[] {
  const out: Line[] = [...party('Client', ex.client, rows), ...party('Server', ex.server, rows), []];
  out.push([label('Transport'), seg(safeText(ex.transport))]);
  out.push(rows.fit([label('Tuple'), seg(`${endpointText(ex.client.addr, ex.client.port)} → ${endpointText(ex.server.addr, ex.server.port)}`)]));
  out.push([label('Connection'), seg(`flow ${ex.flowId}, exchange ${ex.seq + 1} of ${totalOnFlow} on it`)]);
  if (ex.tls) out.push(...rows.wrap([label('TLS'), seg(safeText(tlsLine(ex.tls)))], LABEL));
  if (ex.http2) {
    out.push(rows.fit([label('HTTP/2'), seg(safeText(http2Line(ex.http2)))]));
    for (const note of http2Notes(ex.http2)) out.push(...rows.wrap([label(''), seg(note, { color: 'yellow' })], LABEL));
  }
  if (ex.upgrade) out.push(rows.fit([label('Upgrade'), seg(`switched to ${safeText(ex.upgrade)} after this exchange`, { color: 'yellow' })]));
  out.push([], [seg('Exchanges on this connection', { bold: true })]);
  for (const x of siblings) out.push(siblingRow(x, ex.id, rows));
  if (totalOnFlow > siblings.length) out.push([seg(`  … and ${totalOnFlow - siblings.length} more (tinytap ls shows them all)`, { dim: true })]);
  return out;
}
