/**
 * Header changes between two messages: names compared case-insensitively, a repeated header
 * (Set-Cookie, Vary...) compared as its list of values in order, the ignore rules applied.
 * Pure.
 */
import type { HeaderField } from '../model/exchange.js';
import type { IgnoreRules } from './ignore-rules.js';

export interface HeaderChange {
  change: 'added' | 'removed' | 'changed';
  /** As B sent it (as A did, for a removed header). */
  name: string;
  /** A's values joined with ", " (null: absent). */
  a: string | null;
  b: string | null;
}

interface Values {
  name: string;
  values: string[];
}

function byName(headers: readonly HeaderField[], rules: IgnoreRules): Map<string, Values> {
  const m = new Map<string, Values>();
  for (const h of headers) {
    const key = h.name.toLowerCase();
    // HTTP/2's pseudo-header fields are the request and status lines, compared as such (an
    // HTTP/2 recording beside an HTTP/1.1 one differs in them and nowhere else)
    if (key.startsWith(':') || rules.ignoresHeader(key)) continue;
    const v = m.get(key);
    if (v) v.values.push(h.value);
    else m.set(key, { name: h.name, values: [h.value] });
  }
  return m;
}

function sameValues(key: string, a: string[], b: string[], rules: IgnoreRules): boolean {
  if (a.length !== b.length) return false;
  return a.every((v, i) => rules.headerShape(key, v.trim()) === rules.headerShape(key, b[i].trim()));
}

/** Headers the rules leave out whose values differ: counted under their rule. */
function countIgnored(a: readonly HeaderField[], b: readonly HeaderField[], rules: IgnoreRules): void {
  const values = (hs: readonly HeaderField[], key: string) => hs.filter((h) => h.name.toLowerCase() === key).map((h) => h.value.trim()).join('\n');
  const keys = new Set([...a, ...b].map((h) => h.name.toLowerCase()).filter((k) => rules.ignoresHeader(k)));
  for (const key of keys) if (values(a, key) !== values(b, key)) rules.silence(rules.headerRule(key));
}

export function diffHeaders(a: readonly HeaderField[], b: readonly HeaderField[], rules: IgnoreRules): HeaderChange[] {
  countIgnored(a, b, rules);
  const ma = byName(a, rules);
  const mb = byName(b, rules);
  const out: HeaderChange[] = [];
  for (const [key, va] of ma) {
    const vb = mb.get(key);
    if (!vb) out.push({ change: 'removed', name: va.name, a: va.values.join(', '), b: null });
    else if (!sameValues(key, va.values, vb.values, rules))
      out.push({ change: 'changed', name: vb.name, a: va.values.join(', '), b: vb.values.join(', ') });
  }
  for (const [key, vb] of mb) if (!ma.has(key)) out.push({ change: 'added', name: vb.name, a: null, b: vb.values.join(', ') });
  return out;
}
