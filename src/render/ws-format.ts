/**
 * The messages of a WebSocket connection under its upgrade exchange, as DevTools' Messages tab
 * lists them: time, direction, kind, size, content. Every captured byte goes through the
 * terminal-text escaping.
 */
import type { WebSocketFacts, WebSocketMessage } from '../model/ws-message.js';
import { formatBytes, formatClock, paint } from './format.js';
import { type TerminalText, escaped, term } from './terminal-text.js';

/** Messages `show` lists before saying how many more there are (all with --full). */
export const SHOWN_MESSAGES = 200;
/** Characters of a message's content on its line (all of it with --full). */
const PREVIEW_CHARS = 160;

const ARROW = { c2s: '→', s2c: '←' } as const;

function hex(bytes: Uint8Array, max: number): string {
  const shown = Buffer.from(bytes.subarray(0, max)).toString('hex').replace(/(..)(?!$)/g, '$1 ');
  return bytes.length > max ? `${shown} …` : shown;
}

/** A ping's or pong's payload is usually text someone chose; shown as such when it is printable. */
function printable(bytes: Uint8Array): string | null {
  const text = Buffer.from(bytes).toString('utf8');
  return /^[\x20-\x7e]*$/.test(text) ? text : null;
}

/** What a message holds, in one line (or whole, for a text with `full`). */
export function messageContent(m: WebSocketMessage, full: boolean): string {
  const cutText = (s: string) => (full || s.length <= PREVIEW_CHARS ? s : `${s.slice(0, PREVIEW_CHARS)}…`);
  if (m.type === 'close') {
    if (!m.close || m.close.code === null) return '(no status code)';
    return m.close.reason ? `${m.close.code} ${m.close.reason}` : String(m.close.code);
  }
  if (m.text !== null) return cutText(m.text);
  if (m.payload.length === 0) return '';
  if (m.type === 'ping' || m.type === 'pong') {
    const p = printable(m.payload);
    if (p !== null) return cutText(p);
  }
  return hex(m.payload, full ? Infinity : 48);
}

/** The size as DevTools shows it: the payload's (after inflating). */
function sizeText(m: WebSocketMessage): string {
  return m.length === null ? '? B' : formatBytes(m.length);
}

/** What is not plain about a message: how it was sent, and what the recording could not keep. */
function remarks(m: WebSocketMessage): string[] {
  const out: string[] = [];
  if (m.compressed) out.push(`${formatBytes(m.wireLength)} compressed`);
  if (m.frames > 1) out.push(`${m.frames} frames`);
  if (m.cut === 'message-limit') out.push(`${formatBytes(m.payload.length)} kept`);
  if (m.cut === 'connection-budget') out.push("not kept: the connection's budget was spent");
  if (m.gap) out.push('bytes missing from the capture');
  else if (!m.complete) out.push('incomplete: the capture ended inside it');
  if (m.length === null && m.compressed) out.push('could not be inflated');
  return out;
}

export function formatMessage(m: WebSocketMessage, color: boolean, full: boolean): TerminalText[] {
  const arrow = paint(color, m.dir === 'c2s' ? '32' : '36', ARROW[m.dir]);
  const more = remarks(m);
  const lines = [
    term`  ${formatClock(m.startedNs)}  ${arrow} ${m.type.padEnd(6)} ${sizeText(m).padStart(8)}  ${escaped(messageContent(m, full))}${more.length ? `  (${more.join(', ')})` : ''}`,
  ];
  for (const f of m.flaws) lines.push(term`      ${paint(color, '33', `! ${f.message}`)}`);
  return lines;
}

/** The section `show` adds to an upgrade exchange: a title, then its messages. */
export function formatMessages(
  facts: WebSocketFacts,
  messages: WebSocketMessage[],
  color: boolean,
  full: boolean,
  /** Where the rest are, when not all are listed. */
  rest = 'use --full, or --json',
): TerminalText[] {
  const ext = facts.extensions ? ` · ${facts.extensions}` : '';
  const out: TerminalText[] = [
    paint(color, '1', term`WebSocket  ${String(facts.messages)} message${facts.messages === 1 ? '' : 's'} (${String(facts.sent)} sent by the client, ${String(facts.received)} by the server)${escaped(ext)}`),
  ];
  for (const m of messages) out.push(...formatMessage(m, color, full));
  if (messages.length < facts.messages) out.push(term`  … ${String(facts.messages - messages.length)} more (${rest})`);
  return out;
}
