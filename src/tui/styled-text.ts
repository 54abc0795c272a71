/**
 * Lines of styled text, built by pure functions and drawn by LineView: a line is a list of
 * segments, each one run of text with one style. Every text here has been made terminal-safe
 * (safeText) by whoever built it; these functions only cut, wrap and mark it.
 */
import { displayWidth } from '../render/text-width.js';

export interface Style {
  /** An ink colour name; dropped when colour is off (NO_COLOR). */
  color?: string;
  bold?: boolean;
  dim?: boolean;
  inverse?: boolean;
  underline?: boolean;
  /** A search hit. */
  mark?: boolean;
}

export interface Segment extends Style {
  text: string;
}

export type Line = Segment[];

export function seg(text: string, style: Style = {}): Segment {
  return { text, ...style };
}

export function lineText(line: Line): string {
  return line.map((s) => s.text).join('');
}

export function lineWidth(line: Line): number {
  return line.reduce((w, s) => w + displayWidth(s.text), 0);
}

/** The first characters of `text` that fit in `width` columns, and the columns they take. */
function take(text: string, width: number): { head: string; used: number; rest: string } {
  let used = 0;
  let i = 0;
  for (const ch of text) {
    const w = displayWidth(ch);
    if (used + w > width) break;
    used += w;
    i += ch.length;
  }
  return { head: text.slice(0, i), used, rest: text.slice(i) };
}

/** Cut to `width` columns, ending with '…' when cut; padded with spaces to `width` if `pad`. */
export function fitLine(line: Line, width: number, pad = false): Line {
  const total = lineWidth(line);
  const out: Line = [];
  if (total <= width) {
    out.push(...line);
    if (pad && total < width) out.push(seg(' '.repeat(width - total)));
    return out;
  }
  let room = Math.max(0, width - 1);
  for (const s of line) {
    if (room <= 0) break;
    const { head, used } = take(s.text, room);
    if (head) out.push({ ...s, text: head });
    room -= used;
    if (head.length < s.text.length) break;
  }
  if (width > 0) out.push(seg('…', { dim: true }));
  const w = lineWidth(out);
  if (pad && w < width) out.push(seg(' '.repeat(width - w)));
  return out;
}

/** Split into rows of at most `width` columns; rows after the first start with `indent` spaces. */
export function wrapLine(line: Line, width: number, indent = 0): Line[] {
  if (width <= 0) return [line];
  if (lineWidth(line) <= width) return [line];
  const rows: Line[] = [];
  let row: Line = [];
  let room = width;
  let empty = true;
  const next = () => {
    rows.push(row);
    row = indent > 0 ? [seg(' '.repeat(indent))] : [];
    room = Math.max(1, width - indent);
    empty = true;
  };
  for (const s of line) {
    let text = s.text;
    while (text.length > 0) {
      if (room <= 0) next();
      const { head, used, rest } = take(text, room);
      if (head) {
        row.push({ ...s, text: head });
        room -= used;
        text = rest;
        empty = false;
      } else if (!empty) {
        next();
      } else {
        // a character wider than a whole row still goes somewhere
        const ch = [...text][0];
        row.push({ ...s, text: ch });
        room = 0;
        text = text.slice(ch.length);
        empty = false;
      }
    }
  }
  if (!empty || rows.length === 0) rows.push(row);
  return rows;
}

/** Positions of `needle` in `text`, any case, as [start, end) pairs. */
export function findAll(text: string, needle: string): [number, number][] {
  if (!needle) return [];
  const hay = text.toLowerCase();
  const n = needle.toLowerCase();
  const out: [number, number][] = [];
  for (let at = hay.indexOf(n); at >= 0; at = hay.indexOf(n, at + n.length)) out.push([at, at + n.length]);
  return out;
}

/** The line with every occurrence of `needle` (any case) in segments of their own, marked. */
export function markMatches(line: Line, needle: string): Line {
  const text = lineText(line);
  const hits = findAll(text, needle);
  if (hits.length === 0) return line;
  const out: Line = [];
  let pos = 0;
  let h = 0;
  for (const s of line) {
    const end = pos + s.text.length;
    let at = pos;
    while (at < end) {
      while (h < hits.length && hits[h][1] <= at) h++;
      const hit = hits[h];
      if (!hit || hit[0] >= end) {
        out.push({ ...s, text: s.text.slice(at - pos) });
        at = end;
      } else if (hit[0] > at) {
        out.push({ ...s, text: s.text.slice(at - pos, hit[0] - pos) });
        at = hit[0];
      } else {
        const stop = Math.min(hit[1], end);
        out.push({ ...s, text: s.text.slice(at - pos, stop - pos), mark: true });
        at = stop;
      }
    }
    pos = end;
  }
  return out;
}

/** Tabs as spaces to the next multiple of `size`: a tab's width is up to the terminal. */
export function expandTabs(text: string, size = 4): string {
  if (!text.includes('\t')) return text;
  let out = '';
  for (const ch of text) out += ch === '\t' ? ' '.repeat(size - (out.length % size)) : ch;
  return out;
}
