/**
 * Everything that differs between two matched exchanges: the status, whether there was a
 * response, and the headers and bodies of the request and of the response, after the ignore
 * rules. Values are cut to a size a report can hold. Pure.
 */
import type { BodyKind } from '../render/body.js';
import type { Exchange } from '../model/exchange.js';
import { type BodyDigest, type BodyDiffLimits, DEFAULT_BODY_LIMITS, diffBodies } from './body-diff.js';
import { diffHeaders } from './header-diff.js';
import type { IgnoreRules } from './ignore-rules.js';
import type { JsonChangeKind } from './json-diff.js';
import type { WsDifference } from './ws-diff.js';

export type MessageSide = 'request' | 'response';

export type PairDifference =
  | { kind: 'status'; a: number; b: number }
  /** The response is in one recording only (`removed`: A had one, B did not). */
  | { kind: 'response'; change: 'added' | 'removed' }
  | { kind: 'header'; message: MessageSide; change: 'added' | 'removed' | 'changed'; name: string; a: string | null; b: string | null }
  | { kind: 'body-json'; message: MessageSide; change: JsonChangeKind; path: string; a?: unknown; b?: unknown }
  /** More JSON changes than a body's limit: how many were not listed. */
  | { kind: 'body-json-omitted'; message: MessageSide; count: number }
  | {
      kind: 'body-text';
      message: MessageSide;
      removed: string[];
      added: string[];
      linesRemoved: number | null;
      linesAdded: number | null;
    }
  | { kind: 'body-binary'; message: MessageSide; a: BodyDigest; b: BodyDigest }
  | { kind: 'body-type'; message: MessageSide; a: BodyKind; b: BodyKind }
  | { kind: 'body-partial'; message: MessageSide; a: { size: number; captured: number }; b: { size: number; captured: number } }
  /** What differs in the messages of a WebSocket the two exchanges upgraded to (ws-diff.ts). */
  | WsDifference;

const MAX_VALUE_CHARS = 1000;

/** A value small enough to report: long ones are cut, as `{"$truncated": "<the start of its JSON>…"}`. */
export function reportableValue(v: unknown): unknown {
  if (v === null || typeof v === 'number' || typeof v === 'boolean') return v;
  let text: string;
  try {
    text = JSON.stringify(v);
  } catch {
    return { $truncated: '(nested too deep to show)' };
  }
  if (text.length <= MAX_VALUE_CHARS) return v;
  if (typeof v === 'string') return { $truncated: v.slice(0, MAX_VALUE_CHARS) + '…' };
  return { $truncated: text.slice(0, MAX_VALUE_CHARS) + '…' };
}

const cut = (s: string | null) => (s !== null && s.length > MAX_VALUE_CHARS ? s.slice(0, MAX_VALUE_CHARS) + '…' : s);

/**
 * `requests: false` compares the responses only: a replay's requests are the recording's with
 * the changes the replay itself made (the target's Host, carried-over values), which it reports.
 */
export function compareExchanges(a: Exchange, b: Exchange, rules: IgnoreRules, limits: BodyDiffLimits = DEFAULT_BODY_LIMITS, requests = true): PairDifference[] {
  const out: PairDifference[] = [];
  if (requests) compareMessage('request', a.request, b.request, rules, limits, out);
  if (a.response && b.response) {
    if (a.response.status !== b.response.status) out.push({ kind: 'status', a: a.response.status, b: b.response.status });
    compareMessage('response', a.response, b.response, rules, limits, out);
  } else if (a.response || b.response) {
    out.push({ kind: 'response', change: a.response ? 'removed' : 'added' });
  }
  return out;
}

function compareMessage(
  message: MessageSide,
  a: Exchange['request'] | NonNullable<Exchange['response']>,
  b: Exchange['request'] | NonNullable<Exchange['response']>,
  rules: IgnoreRules,
  limits: BodyDiffLimits,
  out: PairDifference[],
): void {
  for (const h of diffHeaders(a.headers, b.headers, rules)) out.push({ kind: 'header', message, ...h, a: cut(h.a), b: cut(h.b) });
  const body = diffBodies(a.body, b.body, rules, limits);
  if (!body) return;
  switch (body.format) {
    case 'json':
      for (const c of body.changes) {
        const d: PairDifference = { kind: 'body-json', message, change: c.change, path: c.path };
        if ('a' in c) d.a = reportableValue(c.a);
        if ('b' in c) d.b = reportableValue(c.b);
        out.push(d);
      }
      if (body.omitted) out.push({ kind: 'body-json-omitted', message, count: body.omitted });
      break;
    case 'text':
      out.push({
        kind: 'body-text',
        message,
        removed: body.removed.map((l) => cut(l)!),
        added: body.added.map((l) => cut(l)!),
        linesRemoved: body.linesRemoved,
        linesAdded: body.linesAdded,
      });
      break;
    case 'binary':
      out.push({ kind: 'body-binary', message, a: body.a, b: body.b });
      break;
    case 'type':
      out.push({ kind: 'body-type', message, a: body.a, b: body.b });
      break;
    case 'partial':
      out.push({ kind: 'body-partial', message, a: body.a, b: body.b });
      break;
  }
}
