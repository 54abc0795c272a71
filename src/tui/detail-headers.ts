/** The Headers tab: the request line and fields, then each response (1xx ones first) with its fields. */
import { safeText } from '../render/terminal-text.js';
import type { Exchange, HeaderField } from '../model/exchange.js';
import { statusSegment } from './exchange-columns.js';
import type { RowMaker } from './row-maker.js';
import { type Line, seg } from './styled-text.js';

function fieldLines(fields: HeaderField[], r: RowMaker): Line[] {
  return fields.flatMap((h) => r.wrap([seg(`${safeText(h.name)}:`, { color: 'cyan' }), seg(` ${safeText(h.value)}`)], 4));
}

export function headersTab(ex: Exchange, rows: RowMaker): Line[] {
  const r = ex.request;
  const out: Line[] = [];
  if (r.method) {
    out.push(...rows.wrap([seg(`${safeText(r.method)} ${safeText(r.target)} ${safeText(r.httpVersion)}`, { bold: true })], 4));
    out.push(...fieldLines(r.headers, rows));
    if (r.trailers.length) out.push([seg('trailers', { dim: true })], ...fieldLines(r.trailers, rows));
  } else {
    out.push([seg('(the request was not captured)', { dim: true })]);
  }
  for (const i of ex.informational) {
    out.push([]);
    out.push(rows.fit([seg(`${i.status} ${safeText(i.reason)}`, { bold: true }), seg('  (informational)', { dim: true })]));
    out.push(...fieldLines(i.headers, rows));
  }
  out.push([]);
  const s = ex.response;
  if (!s) {
    out.push([seg('(no response captured)', { dim: true })]);
    return out;
  }
  const status = statusSegment({ status: BigInt(s.status), upgrade: null, error: null, flags: 0n }, 5);
  out.push(rows.fit([seg(`${safeText(s.httpVersion)} `, { bold: true }), { ...status, text: String(s.status), bold: true }, seg(` ${safeText(s.reason)}`, { bold: true })]));
  out.push(...fieldLines(s.headers, rows));
  if (s.trailers.length) out.push([seg('trailers', { dim: true })], ...fieldLines(s.trailers, rows));
  return out;
}
