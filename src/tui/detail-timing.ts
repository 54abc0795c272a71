/**
 * The Timing tab: the phases of the exchange in ms, each with a bar placed after the one before
 * it (DevTools' timing view): sending the request, waiting for the first response byte,
 * receiving the rest.
 */
import { durationText } from '../render/exchange-format.js';
import { formatDateTime } from '../render/format.js';
import type { Exchange } from '../model/exchange.js';
import type { RowMaker } from './row-maker.js';
import { type Line, seg } from './styled-text.js';

const LABEL = 10;
const VALUE = 10;

function bar(offset: number, length: number, total: number, width: number, color: string): Line {
  if (total <= 0 || width <= 0) return [];
  const from = Math.min(width - 1, Math.floor((offset / total) * width));
  const to = Math.max(from + 1, Math.min(width, Math.ceil(((offset + length) / total) * width)));
  return [seg(' '.repeat(from)), seg('█'.repeat(to - from), { color })];
}

export function timingTab(ex: Exchange, rows: RowMaker): Line[] {
  const width = rows.width;
  const t = ex.timings;
  const phases: [string, number | null, string][] = [
    ['Send', t.sendNs, 'cyan'],
    ['Wait', t.waitNs, 'green'],
    ['Receive', t.receiveNs, 'blue'],
  ];
  const total = t.totalNs ?? phases.reduce((a, [, ns]) => a + (ns ?? 0), 0);
  const barWidth = Math.max(0, width - LABEL - VALUE - 2);
  const out: Line[] = [[seg('Started'.padEnd(LABEL), { dim: true }), seg(formatDateTime(ex.request.startedNs))], []];
  let offset = 0;
  for (const [label, ns, color] of phases) {
    const line: Line = [seg(label.padEnd(LABEL), { dim: true }), seg(durationText(ns).padStart(VALUE - 2).padEnd(VALUE))];
    if (ns !== null) line.push(...bar(offset, ns, total, barWidth, color));
    out.push(line);
    offset += ns ?? 0;
  }
  out.push([seg('Total'.padEnd(LABEL), { bold: true }), seg(durationText(t.totalNs).padStart(VALUE - 2), { bold: true })]);
  if (ex.informational.length) {
    out.push([]);
    for (const i of ex.informational)
      out.push([seg(String(i.status).padEnd(LABEL), { dim: true }), seg(`at +${durationText(Number(i.ns - ex.request.startedNs))}`)]);
  }
  if (ex.response === null) out.push([], [seg('no response: the times stop at the end of the request', { dim: true })]);
  return out;
}
