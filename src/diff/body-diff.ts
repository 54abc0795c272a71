/**
 * How two bodies differ, by what they hold: JSON structurally (json-diff.ts), text line by line,
 * anything else by size and hash. Content-encoding is removed first (a gzip and a plain copy of
 * one text are the same body). Pure.
 */
import { createHash } from 'node:crypto';
// jsdiff: a maintained Myers line diff with an edit-length bound, so two very different large
// texts cost a bounded amount of work instead of O(N·D)
import { diffLines } from 'diff';

import type { Body } from '../model/exchange.js';
import { type BodyKind, classifyBody, readableBytes } from '../render/body.js';
import type { IgnoreRules } from './ignore-rules.js';
import { type JsonChange, type JsonDiffOptions, diffJson } from './json-diff.js';

export interface BodyDigest {
  size: number;
  sha256: string;
}

export type BodyChange =
  | { format: 'json'; changes: JsonChange[]; omitted: number }
  | {
      format: 'text';
      /** The first removed and added lines (without their line ends). */
      removed: string[];
      added: string[];
      /** All of them; null when the texts were too different (or too large) to line-diff. */
      linesRemoved: number | null;
      linesAdded: number | null;
    }
  | { format: 'binary'; a: BodyDigest; b: BodyDigest }
  /** The body changed what it is: JSON became HTML, a body appeared or went away. */
  | { format: 'type'; a: BodyKind; b: BodyKind }
  /** One body was not wholly captured: only its length and the captured bytes could be compared. */
  | { format: 'partial'; a: { size: number; captured: number }; b: { size: number; captured: number } };

export interface BodyDiffLimits {
  /** JSON changes kept per body. */
  jsonChanges: number;
  /** Lines of each side kept for a text change. */
  textLines: number;
  /** Larger texts are compared by hash only. */
  textBytes: number;
  /** Line-diff edit distance beyond which two texts are "too different". */
  maxEdit: number;
}

export const DEFAULT_BODY_LIMITS: BodyDiffLimits = { jsonChanges: 100, textLines: 20, textBytes: 1 << 20, maxEdit: 2000 };

function isPartial(body: Body): boolean {
  return body.missing !== null || body.captured.length < body.size || (!body.complete && body.size > 0);
}

function prefixesAgree(a: Uint8Array, b: Uint8Array): boolean {
  const n = Math.min(a.length, b.length);
  return Buffer.from(a.buffer, a.byteOffset, n).equals(Buffer.from(b.buffer, b.byteOffset, n));
}

/** The ignore rules as diffJson takes them, counting what they silence. */
export function jsonRules(rules: IgnoreRules): Pick<JsonDiffOptions, 'ignore' | 'onIgnored' | 'noise' | 'onNoise'> {
  return {
    ignore: (p) => rules.ignoresJsonPath(p),
    onIgnored: (p) => rules.silence(rules.jsonPathRule(p)),
    noise: (a, b) => rules.noiseOf(a, b),
    onNoise: (rule) => rules.silence(rule),
  };
}

export function digest(bytes: Uint8Array): BodyDigest {
  return { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

export function diffBodies(a: Body, b: Body, rules: IgnoreRules, limits: BodyDiffLimits = DEFAULT_BODY_LIMITS): BodyChange | null {
  if (isPartial(a) || isPartial(b)) {
    if (a.size === b.size && prefixesAgree(a.captured, b.captured)) return null;
    return { format: 'partial', a: { size: a.size, captured: a.captured.length }, b: { size: b.size, captured: b.captured.length } };
  }
  const ba = readableBytes(a);
  const bb = readableBytes(b);
  if (Buffer.from(ba.buffer, ba.byteOffset, ba.length).equals(bb)) return null;
  const ca = classifyBody(a);
  const cb = classifyBody(b);
  const ka = ca.kind;
  const kb = cb.kind;
  if (ka !== kb) return { format: 'type', a: ka, b: kb };
  if (ka === 'json') {
    const r = diffJson(ca.json, cb.json, { ...jsonRules(rules), limit: limits.jsonChanges });
    return r.changes.length || r.omitted ? { format: 'json', changes: r.changes, omitted: r.omitted } : null;
  }
  if (ka === 'text') return diffText(ba, bb, limits);
  return { format: 'binary', a: digest(ba), b: digest(bb) };
}

function diffText(a: Uint8Array, b: Uint8Array, limits: BodyDiffLimits): BodyChange {
  const text = (x: Uint8Array) => Buffer.from(x.buffer, x.byteOffset, x.length).toString('utf8');
  const unknown = { format: 'text' as const, removed: [], added: [], linesRemoved: null, linesAdded: null };
  if (a.length > limits.textBytes || b.length > limits.textBytes) return unknown;
  const parts = diffLines(text(a), text(b), { maxEditLength: limits.maxEdit });
  if (!parts) return unknown;
  const removed: string[] = [];
  const added: string[] = [];
  let linesRemoved = 0;
  let linesAdded = 0;
  for (const p of parts) {
    if (!p.added && !p.removed) continue;
    const lines = p.value.replace(/\r?\n$/, '').split(/\r?\n/);
    const into = p.added ? added : removed;
    for (const l of lines) if (into.length < limits.textLines) into.push(l);
    if (p.added) linesAdded += lines.length;
    else linesRemoved += lines.length;
  }
  return { format: 'text', removed, added, linesRemoved, linesAdded };
}
