/**
 * JSON paths as the diff names places in a body (`$.items[2].price`, `$["content-type"]`), and
 * the patterns users ignore them with: `$.meta.generatedAt`, `$.items[*].price` (`*`: any one key
 * or index), `$..requestId` (`..`: any depth, JSONPath's descendant step). Pure.
 */

export type PathStep = string | number;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function formatStep(step: PathStep): string {
  if (typeof step === 'number') return `[${step}]`;
  return IDENTIFIER.test(step) ? `.${step}` : `[${JSON.stringify(step)}]`;
}

export function formatPath(steps: readonly PathStep[]): string {
  return '$' + steps.map(formatStep).join('');
}

type PatternStep = { kind: 'key'; name: string } | { kind: 'index'; index: number } | { kind: 'any' } | { kind: 'descend' };

export class JsonPathPatternError extends Error {
  readonly code = 'EUSAGE';
}

export interface JsonPathPattern {
  text: string;
  steps: PatternStep[];
}

/** Parse `$.a.b[0]["c d"][*].*..e`; a pattern without the leading `$` is taken from the root. */
export function parsePathPattern(input: string): JsonPathPattern {
  const text = input.trim();
  const src = text.startsWith('$') ? text.slice(1) : text.startsWith('.') || text.startsWith('[') ? text : `.${text}`;
  const steps: PatternStep[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new JsonPathPatternError(`bad JSON path '${input}': ${why} (use e.g. $.meta.generatedAt, $.items[*].price or $..requestId)`);
  };
  while (i < src.length) {
    if (src.startsWith('..', i)) {
      steps.push({ kind: 'descend' });
      i += 2;
      // `$..name`: the name follows without a dot of its own
      if (i < src.length && src[i] !== '[' && src[i] !== '.') i = readName(src, i, steps, fail);
      continue;
    }
    if (src[i] === '.') {
      i = readName(src, i + 1, steps, fail);
      continue;
    }
    if (src[i] === '[') {
      const close = findClose(src, i, fail);
      const inner = src.slice(i + 1, close).trim();
      if (inner === '*') steps.push({ kind: 'any' });
      else if (/^\d+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) });
      else if (/^(".*"|'.*')$/s.test(inner)) steps.push({ kind: 'key', name: unquote(inner, fail) });
      else fail(`'[${inner}]' is not an index, * or a quoted key`);
      i = close + 1;
      continue;
    }
    fail(`unexpected '${src[i]}' at ${i + (text.startsWith('$') ? 1 : 0)}`);
  }
  if (steps.length === 0) fail('it names the whole body');
  if (steps[steps.length - 1].kind === 'descend') fail("'..' must be followed by a name");
  return { text, steps };
}

function readName(src: string, at: number, steps: PatternStep[], fail: (why: string) => never): number {
  let end = at;
  while (end < src.length && src[end] !== '.' && src[end] !== '[') end++;
  const name = src.slice(at, end);
  if (name === '') fail('a step has no name');
  steps.push(name === '*' ? { kind: 'any' } : { kind: 'key', name });
  return end;
}

function findClose(src: string, open: number, fail: (why: string) => never): number {
  let quote: string | null = null;
  for (let i = open + 1; i < src.length; i++) {
    const c = src[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ']') return i;
  }
  return fail("a '[' is not closed");
}

function unquote(inner: string, fail: (why: string) => never): string {
  const body = inner.slice(1, -1);
  if (inner[0] === "'") return body.replace(/\\(.)/g, '$1');
  try {
    return JSON.parse(inner) as string;
  } catch {
    return fail(`${inner} is not a valid quoted key`);
  }
}

/** Does the pattern name exactly this path? (A match ignores the path and everything under it.) */
export function matchesPath(pattern: JsonPathPattern, path: readonly PathStep[]): boolean {
  return matchFrom(pattern.steps, 0, path, 0);
}

function matchFrom(steps: PatternStep[], s: number, path: readonly PathStep[], p: number): boolean {
  if (s === steps.length) return p === path.length;
  const step = steps[s];
  if (step.kind === 'descend') {
    for (let q = p; q <= path.length; q++) if (matchFrom(steps, s + 1, path, q)) return true;
    return false;
  }
  if (p === path.length) return false;
  const at = path[p];
  const ok =
    step.kind === 'any' ||
    (step.kind === 'key' && typeof at === 'string' && at === step.name) ||
    (step.kind === 'index' && typeof at === 'number' && at === step.index);
  return ok && matchFrom(steps, s + 1, path, p + 1);
}
