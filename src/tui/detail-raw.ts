/**
 * The Raw tab: the syscalls that carried the exchange's bytes, as captured: when, which process,
 * which syscall, which way, how many bytes, and the start of the payload with every control
 * character escaped.
 */
import { formatBytes } from '../render/format.js';
import { safeText } from '../render/terminal-text.js';
import { DataFlag, Direction, SYSCALL_NAMES } from '../events/layout.js';
import { EVENT_RECORDS_LOST, type SessionEvent } from '../session/event-reader.js';
import type { RowMaker } from './row-maker.js';
import { type Line, seg } from './styled-text.js';

/** The Raw tab lists at most this many events (a long upload may have thousands). */
export const RAW_EVENT_LIMIT = 2000;
/** Payload bytes previewed per event. */
const PREVIEW = 512;

function flagNotes(ev: SessionEvent): string[] {
  const notes: string[] = [];
  if (ev.flags & DataFlag.ERROR) notes.push(`error ${ev.ret}`);
  if (ev.flags & DataFlag.TRUNCATED) notes.push('truncated');
  if (ev.flags & DataFlag.ZEROCOPY) notes.push('zero-copy');
  if (ev.flags & DataFlag.BODY_SOURCE) notes.push('sendfile body');
  if (ev.flags & EVENT_RECORDS_LOST) notes.push('records lost');
  if (ev.ret === 0 && !(ev.flags & DataFlag.ERROR)) notes.push('end of stream');
  return notes;
}

function elapsed(ns: bigint): string {
  const ms = Number(ns) / 1e6;
  return `+${ms.toFixed(3)} ms`;
}

export function rawRow(ev: SessionEvent, t0: bigint, rows: RowMaker): Line {
  const out = ev.dir === Direction.EGRESS;
  const moved = ev.ret > 0 ? formatBytes(ev.ret) : '';
  const captured = ev.ret > 0 && ev.payload.length < ev.ret ? ` (${formatBytes(ev.payload.length)} captured)` : '';
  const notes = flagNotes(ev);
  const line: Line = [
    seg(elapsed(ev.ts - t0).padStart(13), { dim: true }),
    seg(`  ${safeText(ev.comm)} ${ev.pid}`.padEnd(18)),
    seg(` ${(SYSCALL_NAMES[ev.syscall] ?? `syscall ${ev.syscall}`).padEnd(9)}`),
    seg(out ? ' → sent ' : ' ← recv ', { color: out ? 'cyan' : 'green' }),
    seg(`${moved}${captured}`.padStart(9)),
  ];
  if (notes.length) line.push(seg(`  ${notes.join(', ')}`, { color: 'yellow' }));
  if (ev.payload.length) line.push(seg(`  ${safeText(ev.payload.subarray(0, PREVIEW).toString('latin1'))}`));
  return rows.fit(line);
}

export function rawTab(events: SessionEvent[], more: boolean, rows: RowMaker): Line[] {
  if (events.length === 0) return [[seg('(no captured events: this exchange has no bytes in the capture)', { dim: true })]];
  const t0 = events[0].ts;
  const out: Line[] = [
    [seg(`${events.length}${more ? '+' : ''} syscalls; times from the first; payloads escaped (\\r \\n \\xHH)`, { dim: true })],
    [],
    ...events.map((ev) => rawRow(ev, t0, rows)),
  ];
  if (more) out.push([seg(`… more events after these ${RAW_EVENT_LIMIT} (tinytap show --raw prints the bytes)`, { dim: true })]);
  return out;
}
