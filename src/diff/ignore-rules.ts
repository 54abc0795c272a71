/**
 * What the diff ignores: the noise that differs between any two runs of the same thing (dates,
 * request and trace ids, validators, cookies' values, tokens), so that what is left is what
 * changed. Default rules can be extended (`--ignore-header`, `--ignore-json-path`) or switched
 * off (`--no-default-ignores`). Pure.
 */
import { type TimeWindow, isTimeValue } from './noise-values.js';
import { type JsonPathPattern, type PathStep, matchesPath, parsePathPattern } from './json-path.js';

/**
 * Headers ignored entirely by default, in both requests and responses (lower case; a trailing
 * `*` matches any suffix).
 */
export const DEFAULT_IGNORED_HEADERS: readonly string[] = [
  // times and validators: differ on every run
  'date',
  'age',
  'expires',
  'last-modified',
  'etag',
  'if-none-match',
  'if-modified-since',
  // the connection and the framing (a replay's server may choose chunked where the recorded one
  // sent a length): the body comparison reports what changed in the body, and its length with it
  'keep-alive',
  'connection',
  'content-length',
  'transfer-encoding',
  // request, correlation and trace ids
  'x-request-id',
  'request-id',
  'x-correlation-id',
  'correlation-id',
  'x-trace-id',
  'x-span-id',
  'traceparent',
  'tracestate',
  'baggage',
  'b3',
  'x-b3-*',
  'uber-trace-id',
  'sentry-trace',
  'x-amzn-requestid',
  'x-amzn-trace-id',
  'x-amz-request-id',
  'x-amz-id-2',
  'x-amz-cf-id',
  'x-cloud-trace-context',
  'cf-ray',
  // timings the server reports about itself
  'server-timing',
  'x-response-time',
  'x-runtime',
  'x-timer',
  'x-envoy-upstream-service-time',
  // per-session anti-forgery tokens
  'x-csrf-token',
  'x-xsrf-token',
];

/**
 * Headers compared by their shape only, by default: which cookies are set and with which
 * attributes, which authentication scheme is used; not the secret or session-specific values.
 */
const SHAPE_ONLY_HEADERS: Record<string, (value: string) => string> = {
  'set-cookie': setCookieShape,
  cookie: (v) =>
    v
      .split(';')
      .map((c) => c.trim().split('=', 1)[0])
      .filter(Boolean)
      .join('; '),
  authorization: credentialsShape,
  'proxy-authorization': credentialsShape,
};

/** `sid=abc; Path=/; Expires=...; HttpOnly` → `sid=…; Path=/; HttpOnly`: the dates go too. */
function setCookieShape(value: string): string {
  const [pair, ...attrs] = value.split(';').map((p) => p.trim());
  const name = pair.split('=', 1)[0];
  const kept = attrs.filter((a) => !/^(expires|max-age)\s*(=|$)/i.test(a));
  return [`${name}=…`, ...kept].join('; ');
}

/** `Bearer eyJ...` → `Bearer …`. */
function credentialsShape(value: string): string {
  const scheme = value.trim().split(/\s+/, 1)[0];
  return `${scheme} …`;
}

/**
 * JSON fields ignored by default wherever they are, by name: the names that say "the time of
 * this response" or "the id of this request or trace", compared ignoring case, `_` and `-`
 * (`request_id`, `requestId` and `Request-Id` are one name). Deliberately short: `createdAt`,
 * `updatedAt`, `date` or `id` are data a change to which matters.
 */
export const DEFAULT_IGNORED_JSON_FIELDS: readonly string[] = [
  'timestamp',
  'generatedAt',
  'serverTime',
  'requestId',
  'traceId',
  'spanId',
  'correlationId',
];

const fieldKey = (name: string) => name.toLowerCase().replace(/[-_]/g, '');
const DEFAULT_FIELD_KEYS = new Set(DEFAULT_IGNORED_JSON_FIELDS.map(fieldKey));

export interface IgnoreOptions {
  /** Header names (case-insensitive; `x-b3-*` style suffix wildcards). */
  headers?: string[];
  /** JSON path patterns (json-path.ts). */
  jsonPaths?: string[];
  /** The default rules above; true unless switched off. */
  defaults?: boolean;
  /** When the recordings were made: a time within it is noise by its value (noise-values.ts). */
  timeWindow?: TimeWindow;
}

/** The names the report counts silenced differences under. */
export const NOISE_RULE = { time: 'times by value', randomId: 'random ids differing on every pair' } as const;

export class IgnoreRules {
  private readonly exactHeaders = new Set<string>();
  private readonly headerPrefixes: string[] = [];
  private readonly paths: JsonPathPattern[];
  readonly defaults: boolean;
  private readonly window: TimeWindow | null;
  /**
   * Differences the rules left out of the comparisons made with them, by rule: the report says
   * what was silenced, so nothing is hidden silently.
   */
  readonly silenced = new Map<string, number>();

  constructor(opts: IgnoreOptions = {}) {
    this.defaults = opts.defaults ?? true;
    this.window = opts.timeWindow ?? null;
    const names = [...(this.defaults ? DEFAULT_IGNORED_HEADERS : []), ...(opts.headers ?? [])];
    for (const n of names.map((x) => x.trim().toLowerCase()).filter(Boolean)) {
      if (n.endsWith('*')) this.headerPrefixes.push(n.slice(0, -1));
      else this.exactHeaders.add(n);
    }
    this.paths = (opts.jsonPaths ?? []).map(parsePathPattern);
    this.pathTexts = opts.jsonPaths ?? [];
  }

  private readonly pathTexts: string[];

  silence(rule: string, count = 1): void {
    this.silenced.set(rule, (this.silenced.get(rule) ?? 0) + count);
  }

  /** The rule that leaves out this header (call only for one it does). */
  headerRule(name: string): string {
    return `header ${name.toLowerCase()}`;
  }

  /** The rule that leaves out this place in a JSON body (call only for one it does). */
  jsonPathRule(path: readonly PathStep[]): string {
    const last = path[path.length - 1];
    if (this.defaults && typeof last === 'string' && DEFAULT_FIELD_KEYS.has(fieldKey(last))) return `field ${last}`;
    const i = this.paths.findIndex((p) => matchesPath(p, path));
    return `--ignore-json-path ${this.pathTexts[i] ?? '?'}`;
  }

  /** Two different values that are noise by what they are (default rules only): the rule, or null. */
  noiseOf(a: unknown, b: unknown): string | null {
    if (!this.defaults || !this.window) return null;
    return isTimeValue(a, this.window) && isTimeValue(b, this.window) ? NOISE_RULE.time : null;
  }

  ignoresHeader(name: string): boolean {
    const n = name.toLowerCase();
    return this.exactHeaders.has(n) || this.headerPrefixes.some((p) => n.startsWith(p));
  }

  /** The part of a header's value the comparison looks at. */
  headerShape(name: string, value: string): string {
    if (!this.defaults) return value;
    const shape = SHAPE_ONLY_HEADERS[name.toLowerCase()];
    return shape ? shape(value) : value;
  }

  /** Is this place in a JSON body (and everything under it) left out of the comparison? */
  ignoresJsonPath(path: readonly PathStep[]): boolean {
    const last = path[path.length - 1];
    if (this.defaults && typeof last === 'string' && DEFAULT_FIELD_KEYS.has(fieldKey(last))) return true;
    return this.paths.some((p) => matchesPath(p, path));
  }
}
