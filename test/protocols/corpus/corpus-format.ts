/**
 * Reads one corpus case of a protocol's corpus directory (the format is described in testdata/http/README.md):
 * the stream items of both directions, in capture order, and the expected output text.
 */
import { readFileSync } from 'node:fs';
import type { GapReason, StreamDirection, StreamItem } from '../../../src/protocols/stream.js';
import { unescapeBytes } from './escape.js';

export interface CorpusCase {
  /** The first line: what the case exercises. */
  title: string;
  items: StreamItem[];
  /** Expected output, one line per fact (see summarize.ts). */
  expected: string;
  /** Split positions the runner tries: every byte, none, or every n-th byte. */
  splitEvery: number;
  /** The later `#` lines, without the '# ' (where it was captured; what a parser is told, e.g. the negotiated extensions). */
  notes: string[];
}

export const EXPECT_MARKER = '=== expect';

interface OpenSegment {
  dir: StreamDirection;
  ts: number;
  gap?: { reason: GapReason; size: number };
  lost: number;
  bytes: number[];
}

export function loadCase(path: string): CorpusCase {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  if (!lines[0].startsWith('# ')) throw new Error(`${path}: the first line must say what the case exercises ("# ...")`);
  const title = lines[0].slice(2).trim();
  const items: StreamItem[] = [];
  const offsets: Record<StreamDirection, number> = { c2s: 0, s2c: 0 };
  let eventId = 1;
  let open: OpenSegment | undefined;
  let splitEvery = 1;
  let expectAt = -1;
  const notes: string[] = [];

  const flush = (): void => {
    if (!open) return;
    const { dir, ts, gap, lost } = open;
    offsets[dir] += lost;
    const bytes = Uint8Array.from(open.bytes);
    const length = bytes.length + (gap?.size ?? 0);
    items.push({ kind: 'data', dir, ts, offset: offsets[dir], length, bytes, gap: gap?.reason, eventId: eventId++ });
    offsets[dir] += length;
    open = undefined;
  };

  for (let n = 1; n < lines.length; n++) {
    const line = lines[n];
    const where = `${path}:${n + 1}`;
    if (line === EXPECT_MARKER) {
      expectAt = n;
      break;
    }
    if (line.startsWith('#')) notes.push(line.replace(/^# ?/, ''));
    if (line.trim() === '' || line.startsWith('#')) continue;
    if (/[ \t]$/.test(line)) throw new Error(`${where}: trailing whitespace is invisible; write it as \\x20`);
    if (!line.startsWith('> ')) {
      if (!open) throw new Error(`${where}: data before any "> c2s" or "> s2c" line`);
      open.bytes.push(...unescapeBytes(line));
      continue;
    }
    const words = line.slice(2).split(/\s+/);
    switch (words[0]) {
      case 'c2s':
      case 's2c':
        flush();
        open = { dir: words[0], ts: numberOf(words[1], where), lost: 0, bytes: [] };
        for (const option of words.slice(2)) {
          const [key, value] = option.split('=');
          if (key === 'lost') open.lost = numberOf(value, where);
          else if (key === 'gap') {
            const [reason, size] = value.split(':');
            if (reason !== 'truncated' && reason !== 'zerocopy' && reason !== 'lost') throw new Error(`${where}: gap reason`);
            open.gap = { reason, size: numberOf(size, where) };
          } else throw new Error(`${where}: unknown option ${option}`);
        }
        break;
      case 'repeat': {
        const m = /^> repeat (\d+) (.+)$/.exec(line);
        if (!m || !open) throw new Error(`${where}: "> repeat N TEXT" inside a segment`);
        const unit = unescapeBytes(m[2]);
        for (let k = Number(m[1]); k > 0; k--) for (const b of unit) open.bytes.push(b);
        break;
      }
      case 'end': {
        flush();
        const dir = words[1];
        if (dir !== 'c2s' && dir !== 's2c') throw new Error(`${where}: end of which direction?`);
        const reason = (words[3] ?? 'eof') as 'eof' | 'close' | 'error';
        items.push({ kind: 'end', dir, ts: numberOf(words[2], where), offset: offsets[dir], reason, eventId: eventId++ });
        break;
      }
      case 'split':
        splitEvery = words[1] === 'none' ? 0 : numberOf(words[1], where);
        break;
      default:
        throw new Error(`${where}: unknown directive ${words[0]}`);
    }
  }
  flush();
  if (expectAt < 0) throw new Error(`${path}: no "${EXPECT_MARKER}" line`);
  const expected = lines.slice(expectAt + 1).join('\n').trim();
  return { title, items, expected, splitEvery, notes };
}

function numberOf(text: string | undefined, where: string): number {
  const n = Number(text);
  if (text === undefined || !Number.isFinite(n)) throw new Error(`${where}: expected a number, found ${text}`);
  return n;
}
