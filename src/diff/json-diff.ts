/**
 * The structural difference of two JSON values: the paths of the fields that changed, appeared
 * or disappeared. Objects are compared key by key, arrays index by index (an item inserted at
 * the front shows as every later index changing: what a client reading `items[2]` would see).
 * Pure.
 */
import { type PathStep, formatPath } from './json-path.js';

export type JsonChangeKind = 'changed' | 'added' | 'removed' | 'type';

export interface JsonChange {
  change: JsonChangeKind;
  /** `$.items[2].price`. */
  path: string;
  /** The value in A (absent for `added`). */
  a?: unknown;
  /** The value in B (absent for `removed`). */
  b?: unknown;
}

export interface JsonDiffResult {
  changes: JsonChange[];
  /** Changes found beyond `limit` (counted, not kept). */
  omitted: number;
}

export interface JsonDiffOptions {
  /** Paths left out, with everything under them. */
  ignore?: (path: readonly PathStep[]) => boolean;
  /** A path left out where the two values differed (what the rule silenced). */
  onIgnored?: (path: readonly PathStep[]) => void;
  /** Whether two different values of one place are noise by their values: the rule's name, or null. */
  noise?: (a: unknown, b: unknown) => string | null;
  /** A change a noise rule silenced. */
  onNoise?: (rule: string) => void;
  /** Keep at most this many changes. */
  limit?: number;
}

export type JsonType = 'null' | 'array' | 'object' | 'string' | 'number' | 'boolean';

export function jsonType(v: unknown): JsonType {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v as JsonType;
}

const MAX_DEPTH = 256;

/** Deep equality with a stack of its own, for what lies below MAX_DEPTH. */
function sameValue(a: unknown, b: unknown): boolean {
  const stack: [unknown, unknown][] = [[a, b]];
  while (stack.length) {
    const [x, y] = stack.pop()!;
    const tx = jsonType(x);
    if (tx !== jsonType(y)) return false;
    if (tx === 'array') {
      const xs = x as unknown[];
      const ys = y as unknown[];
      if (xs.length !== ys.length) return false;
      for (let i = 0; i < xs.length; i++) stack.push([xs[i], ys[i]]);
    } else if (tx === 'object') {
      const ox = x as Record<string, unknown>;
      const oy = y as Record<string, unknown>;
      const keys = Object.keys(ox);
      if (keys.length !== Object.keys(oy).length) return false;
      for (const k of keys) {
        if (!Object.hasOwn(oy, k)) return false;
        stack.push([ox[k], oy[k]]);
      }
    } else if (x !== y) return false;
  }
  return true;
}

export function diffJson(a: unknown, b: unknown, opts: JsonDiffOptions = {}): JsonDiffResult {
  const limit = opts.limit ?? Infinity;
  const ignore = opts.ignore ?? (() => false);
  const result: JsonDiffResult = { changes: [], omitted: 0 };
  const path: PathStep[] = [];
  const report = (c: JsonChange) => {
    if (result.changes.length < limit) result.changes.push(c);
    else result.omitted++;
  };

  const child = (step: PathStep, inA: boolean, va: unknown, inB: boolean, vb: unknown) => {
    path.push(step);
    if (!ignore(path)) {
      if (!inB) report({ change: 'removed', path: formatPath(path), a: va });
      else if (!inA) report({ change: 'added', path: formatPath(path), b: vb });
      else walk(va, vb);
    } else if (opts.onIgnored && !(inA && inB && sameValue(va, vb))) opts.onIgnored(path);
    path.pop();
  };

  const walk = (va: unknown, vb: unknown) => {
    if (path.length > MAX_DEPTH) {
      // a pathological nesting would overflow the stack: compare what is below as a whole
      if (!sameValue(va, vb)) report({ change: 'changed', path: formatPath(path), a: va, b: vb });
      return;
    }
    const ta = jsonType(va);
    const tb = jsonType(vb);
    if (ta !== tb) {
      report({ change: 'type', path: formatPath(path), a: va, b: vb });
      return;
    }
    if (ta === 'array') {
      const xa = va as unknown[];
      const xb = vb as unknown[];
      for (let i = 0; i < Math.max(xa.length, xb.length); i++) child(i, i < xa.length, xa[i], i < xb.length, xb[i]);
      return;
    }
    if (ta === 'object') {
      const oa = va as Record<string, unknown>;
      const ob = vb as Record<string, unknown>;
      for (const k of Object.keys(oa)) child(k, true, oa[k], Object.hasOwn(ob, k), ob[k]);
      for (const k of Object.keys(ob)) if (!Object.hasOwn(oa, k)) child(k, false, undefined, true, ob[k]);
      return;
    }
    if (va === vb) return;
    const rule = opts.noise?.(va, vb) ?? null;
    if (rule) opts.onNoise?.(rule);
    else report({ change: 'changed', path: formatPath(path), a: va, b: vb });
  };

  walk(a, b);
  return result;
}
