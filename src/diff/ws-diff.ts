/**
 * Two WebSocket conversations compared by the shape of their messages, not their position: a
 * chat or a price feed sends the same kinds of message in a different interleaving every run, so
 * messages are grouped by shape (who sent it, its kind and, for JSON, its top-level members) and
 * the n-th of a shape in A is compared with the n-th of that shape in B. What differs: shapes one
 * side sent more (or only) of, and the values of paired JSON messages after the ignore rules.
 * Pure.
 */
import type { WebSocketMessage } from '../model/ws-message.js';
import type { IgnoreRules } from './ignore-rules.js';
import { looksLikeJson } from '../model/text-sniff.js';
import { jsonRules } from './body-diff.js';
import { type JsonChangeKind, diffJson } from './json-diff.js';

/** Messages compared per conversation; the rest are counted (`ws-omitted`). */
export const DIFF_MESSAGE_LIMIT = 10_000;
/** JSON changes kept per pair of messages. */
const CHANGES_PER_MESSAGE = 20;
const TEXT_CHARS = 200;

export type WsDifference =
  /** More messages of a shape in one conversation than in the other (`removed`: more in A). */
  | { kind: 'ws-messages'; change: 'added' | 'removed'; shape: string; count: number }
  | { kind: 'ws-json'; shape: string; change: JsonChangeKind; path: string; a?: unknown; b?: unknown }
  /** A paired message that is not JSON holds something else. */
  | { kind: 'ws-content'; shape: string; a: string; b: string }
  /** Messages past DIFF_MESSAGE_LIMIT in either conversation, not compared. */
  | { kind: 'ws-omitted'; count: number };

interface Read {
  shape: string;
  json?: unknown;
  content: string;
}

function parsedJson(text: string): { value: unknown } | null {
  if (!looksLikeJson(text)) return null;
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return null;
  }
}

/** `{id,op}` for an object (members sorted), `[]` for an array. */
function jsonShape(v: unknown): string {
  if (Array.isArray(v)) return '[]';
  if (v !== null && typeof v === 'object') return `{${Object.keys(v).sort().join(',')}}`;
  return typeof v;
}

const cut = (s: string) => (s.length > TEXT_CHARS ? `${s.slice(0, TEXT_CHARS)}…` : s);

function readMessage(m: WebSocketMessage): Read {
  const who = m.dir === 'c2s' ? 'sent' : 'received';
  if (m.type === 'close') return { shape: `${who} close ${m.close?.code ?? ''}`.trimEnd(), content: m.close?.reason ?? '' };
  if (m.text !== null) {
    const json = parsedJson(m.text);
    if (json) return { shape: `${who} json ${jsonShape(json.value)}`, json: json.value, content: cut(m.text) };
    return { shape: `${who} ${m.type}`, content: cut(m.text) };
  }
  return { shape: `${who} ${m.type}`, content: `${m.payload.length} B ${Buffer.from(m.payload.subarray(0, 32)).toString('hex')}` };
}

function byShape(messages: WebSocketMessage[]): Map<string, Read[]> {
  const out = new Map<string, Read[]>();
  for (const m of messages.slice(0, DIFF_MESSAGE_LIMIT)) {
    const r = readMessage(m);
    const list = out.get(r.shape) ?? out.set(r.shape, []).get(r.shape)!;
    list.push(r);
  }
  return out;
}

export function compareWebSockets(a: WebSocketMessage[], b: WebSocketMessage[], rules: IgnoreRules): WsDifference[] {
  const out: WsDifference[] = [];
  const sa = byShape(a);
  const sb = byShape(b);
  for (const shape of new Set([...sa.keys(), ...sb.keys()])) {
    const xs = sa.get(shape) ?? [];
    const ys = sb.get(shape) ?? [];
    if (xs.length !== ys.length) out.push({ kind: 'ws-messages', change: xs.length > ys.length ? 'removed' : 'added', shape, count: Math.abs(xs.length - ys.length) });
    for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
      const [x, y] = [xs[i], ys[i]];
      if ('json' in x && 'json' in y) {
        const r = diffJson(x.json, y.json, { ...jsonRules(rules), limit: CHANGES_PER_MESSAGE });
        for (const c of r.changes) out.push({ kind: 'ws-json', shape, ...c });
      } else if (x.content !== y.content) out.push({ kind: 'ws-content', shape, a: x.content, b: y.content });
    }
  }
  const omitted = Math.max(0, a.length - DIFF_MESSAGE_LIMIT) + Math.max(0, b.length - DIFF_MESSAGE_LIMIT);
  if (omitted) out.push({ kind: 'ws-omitted', count: omitted });
  return out;
}
