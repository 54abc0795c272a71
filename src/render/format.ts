/** Formatting shared by the commands' plain-text output and the TUI: sizes, counts, times, colour. */
import { constants as osConstants } from 'node:os';

import { type TerminalText, type TextPart, sgr, term } from './terminal-text.js';

export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = -1;
  do {
    v /= 1000;
    i++;
  } while (v >= 1000 && i < units.length - 1);
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatDurationMs(ms: number): string {
  if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`;
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - m * 60)).padStart(2, '0')}s`;
}

/** Local wall-clock time of day with milliseconds, from epoch nanoseconds. */
export function formatClock(wallNs: bigint): string {
  const d = new Date(Number(wallNs / 1_000_000n));
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function formatDateTime(wallNs: bigint): string {
  const d = new Date(Number(wallNs / 1_000_000n));
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${formatClock(wallNs)}`;
}

/** Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  return !!stream.isTTY && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '') && process.env.TERM !== 'dumb';
}

/** `text` (escaped unless it is TerminalText already) in a colour, when `enabled`. */
export function paint(enabled: boolean, code: string, text: TextPart): TerminalText {
  return enabled ? sgr(code, text) : term`${text}`;
}

const ERRNO_NAMES = new Map(Object.entries(osConstants.errno).map(([name, n]) => [n, name]));

/** Why a connect failed, by its errno: ECONNREFUSED, ... and "abandoned" for ECANCELED, which
 * tinytap records when the process closed the socket before its non-blocking connect ended. */
export function connectError(errno: number): string {
  if (errno === osConstants.errno.ECANCELED) return 'abandoned';
  return ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
}
