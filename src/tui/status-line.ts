/**
 * The status line: the file, how many rows are shown of how many, the active filter and search,
 * the sort, drops if the session has any, whether it is still being recorded, and the last
 * message. Parts are left out, least useful first, until it fits the width.
 */
import { formatCount } from '../render/format.js';
import { safeText } from '../render/terminal-text.js';
import { type Line, fitLine, lineWidth, seg } from './styled-text.js';

export interface StatusInfo {
  file: string;
  view: 'exchanges' | 'connections';
  /** Rows matching the filter and search; null while being counted. */
  shown: number | null;
  /** Rows in the session; null while being counted. */
  total: number | null;
  filter: string;
  search: string;
  sort: string;
  drops: number;
  recording: boolean;
  message: string | null;
}

interface Part {
  line: Line;
  /** Lower goes first when the line is too long. */
  keep: number;
}

const n = (v: number | null) => (v === null ? '…' : formatCount(v));

export function statusLine(s: StatusInfo, width: number): Line {
  const noun = (s.view === 'exchanges' ? 'exchange' : 'connection') + (s.total === 1 ? '' : 's');
  const counted = s.view === 'exchanges' && (s.filter || s.search) ? `${n(s.shown)} / ${n(s.total)} ${noun}` : `${n(s.total)} ${noun}`;
  const parts: Part[] = [
    { line: [seg(safeText(s.file), { bold: true })], keep: 6 },
    { line: [seg(counted)], keep: 9 },
  ];
  if (s.view === 'exchanges' && s.filter) parts.push({ line: [seg('filter ', { dim: true }), seg(safeText(s.filter), { color: 'cyan' })], keep: 8 });
  if (s.view === 'exchanges' && s.search) parts.push({ line: [seg('search ', { dim: true }), seg(`"${safeText(s.search)}"`, { color: 'cyan' })], keep: 7 });
  if (s.view === 'exchanges') parts.push({ line: [seg('sort ', { dim: true }), seg(s.sort)], keep: 2 });
  if (s.drops > 0) parts.push({ line: [seg(`drops: ${formatCount(s.drops)} records lost`, { color: 'red', bold: true })], keep: 10 });
  if (s.recording) parts.push({ line: [seg('● recording', { color: 'red' })], keep: 10 });
  if (s.message) parts.push({ line: [seg(s.message, { color: 'yellow' })], keep: 11 });
  else parts.push({ line: [seg('? help', { dim: true })], keep: 1 });
  const join = (ps: Part[]) => ps.flatMap((p, i) => (i === 0 ? p.line : [seg(' │ ', { dim: true }), ...p.line]));
  let kept = parts;
  while (lineWidth(join(kept)) > width && kept.length > 2) {
    const lowest = kept.reduce((a, b) => (b.keep < a.keep ? b : a));
    kept = kept.filter((p) => p !== lowest);
  }
  return fitLine(join(kept), width);
}
