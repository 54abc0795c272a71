/**
 * What each key of the filter language means: `key:value` text turned into a Term that both the
 * SQL compiler and the in-memory predicate understand. One table of keys, so `tinytap ls`, the
 * exports and the TUI cannot disagree about what `status:5xx` means.
 */
import { FilterError, type ValueToken } from './lexer.js';

export type TextColumn = 'url' | 'req_headers' | 'resp_headers' | 'req_body' | 'resp_body';
export const ALL_TEXT: TextColumn[] = ['url', 'req_headers', 'resp_headers', 'req_body', 'resp_body'];
export const BODIES: TextColumn[] = ['req_body', 'resp_body'];
export const HEADERS: TextColumn[] = ['req_headers', 'resp_headers'];

export interface Pattern {
  source: string;
  flags: string;
}

/** How a string column is compared. */
export type StringMatch =
  | { kind: 'eq'; value: string; nocase: boolean }
  | { kind: 'glob'; value: string; nocase: boolean }
  | { kind: 'regex'; pattern: Pattern }
  | { kind: 'contains'; value: string }
  | { kind: 'pathPrefix'; value: string };

export type StringColumn = 'method' | 'host' | 'path' | 'url' | 'resp_type' | 'client_comm' | 'server_comm';
export type NumberColumn = 'resp_body_size' | 'duration_ns' | 'req_started' | 'client_pid' | 'server_pid' | 'server_port' | 'client_port';
export type Cmp = '=' | '>' | '>=' | '<' | '<=';

export type Term =
  | { t: 'text'; text: string; columns: TextColumn[] }
  | { t: 'textRegex'; pattern: Pattern; columns: TextColumn[] }
  | { t: 'string'; columns: StringColumn[]; match: StringMatch }
  | { t: 'number'; columns: NumberColumn[]; cmp: Cmp; value: bigint }
  | { t: 'status'; ranges: [number, number][] }
  | { t: 'header'; name: string; contains: string | null; columns: TextColumn[] }
  | { t: 'flags'; mask: number }
  | { t: 'error' }
  | { t: 'response'; present: boolean };

/** exchanges.flags bits the filter knows (src/reconstruct/exchange-row.ts ExchangeFlag). */
const FLAG = {
  partial: 1 | 2,
  zerocopy: 4,
  noResponse: 8,
  incomplete: 16,
  upgrade: 32,
  parseError: 64,
  truncated: 512,
} as const;

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1 << 20, mb: 1 << 20, g: 1 << 30, gb: 1 << 30 };
const DURATION_NS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

type V = ValueToken;

function fail(v: V, message: string): never {
  throw new FilterError(message, v.start, v.end);
}

function textOf(v: V): string {
  if (v.kind === 'regex') fail(v, 'a regular expression is not allowed here');
  return v.text;
}

function patternOf(v: V): Pattern | null {
  return v.kind === 'regex' ? { source: v.source, flags: v.flags } : null;
}

/** `>=500` → ['>=', '500']; a bare value is '='. */
function splitCmp(text: string): [Cmp, string] {
  const m = /^(>=|<=|>|<|=)?(.*)$/.exec(text)!;
  return [(m[1] as Cmp | undefined) ?? '=', m[2]];
}

function parseStatus(v: V): Term {
  const text = textOf(v).toLowerCase();
  const ranges: [number, number][] = [];
  for (const part of text.split(',')) {
    let m: RegExpExecArray | null;
    if ((m = /^([1-5])xx$/.exec(part))) ranges.push([Number(m[1]) * 100, Number(m[1]) * 100 + 99]);
    else if ((m = /^(\d{3})-(\d{3})$/.exec(part))) ranges.push([Number(m[1]), Number(m[2])]);
    else if ((m = /^(>=|<=|>|<)(\d{3})$/.exec(part))) {
      const n = Number(m[2]);
      ranges.push(m[1] === '>=' ? [n, 999] : m[1] === '>' ? [n + 1, 999] : m[1] === '<=' ? [0, n] : [0, n - 1]);
    } else if (/^\d{3}$/.test(part)) ranges.push([Number(part), Number(part)]);
    else fail(v, `bad status '${part}': use a code (404), a class (5xx), a range (400-499) or a comparison (>=500)`);
  }
  return { t: 'status', ranges };
}

function parseSize(v: V, column: NumberColumn, cmp: Cmp): Term {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(textOf(v));
  const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) fail(v, `bad size '${textOf(v)}': use bytes or a unit, like 10k or 2m`);
  return { t: 'number', columns: [column], cmp, value: BigInt(Math.round(Number(m[1]) * unit)) };
}

export function parseDurationNs(v: V, text: string): bigint {
  const m = /^(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s|m|h)?$/i.exec(text);
  if (!m) fail(v, `bad duration '${text}': use a number with a unit, like 100ms, 1.5s or 250us`);
  return BigInt(Math.round(Number(m[1]) * DURATION_NS[(m[2] ?? 'ms').toLowerCase()]));
}

function parseDuration(v: V): Term {
  const [cmp, rest] = splitCmp(textOf(v));
  // a bare duration means "at least": duration:100ms are the slow ones
  return { t: 'number', columns: ['duration_ns'], cmp: cmp === '=' && !textOf(v).startsWith('=') ? '>=' : cmp, value: parseDurationNs(v, rest) };
}

/** A time of day today, a date, a date and time, or "5m" (ago), as wall-clock ns. */
export function parseWhen(v: V, now: Date): bigint {
  const text = textOf(v);
  let m: RegExpExecArray | null;
  let ms: number;
  if ((m = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(text))) {
    const unit = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[m[2] as 's' | 'm' | 'h' | 'd'];
    ms = now.getTime() - Number(m[1]) * unit;
  } else if ((m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(text))) {
    const d = new Date(now);
    d.setHours(Number(m[1]), Number(m[2]), Number(m[3] ?? 0), 0);
    ms = d.getTime();
  } else if ((m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(text))) {
    ms = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)).getTime();
  } else {
    fail(v, `bad time '${text}': use 10:30, 2026-11-20, 2026-11-20T10:30, or 5m (five minutes ago)`);
  }
  if (Number.isNaN(ms)) fail(v, `bad time '${text}'`);
  return BigInt(ms) * 1_000_000n;
}

function stringMatch(v: V, opts: { nocase: boolean; plain: 'eq' | 'contains' | 'pathPrefix' }): StringMatch {
  const p = patternOf(v);
  if (p) return { kind: 'regex', pattern: p };
  const text = textOf(v);
  if (text.includes('*')) return { kind: 'glob', value: text, nocase: opts.nocase };
  if (opts.plain === 'contains') return { kind: 'contains', value: text.toLowerCase() };
  if (opts.plain === 'pathPrefix') return { kind: 'pathPrefix', value: text };
  return { kind: 'eq', value: text, nocase: opts.nocase };
}

function parseInt32(v: V, what: string): bigint {
  const text = textOf(v);
  if (!/^\d{1,10}$/.test(text)) fail(v, `bad ${what} '${text}': use a number`);
  return BigInt(text);
}

/** `header:name`, `header:"name: text"` or `header:name=text`. */
function parseHeader(v: V, columns: TextColumn[]): Term {
  const p = patternOf(v);
  if (p) return { t: 'textRegex', pattern: p, columns };
  const text = textOf(v);
  const m = /^([^:=\s]+)\s*[:=]\s*(.*)$/.exec(text);
  if (m) return { t: 'header', name: m[1].toLowerCase(), contains: m[2].toLowerCase() || null, columns };
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(text)) fail(v, `bad header name '${text}'`);
  return { t: 'header', name: text.toLowerCase(), contains: null, columns };
}

function textTerm(v: V, columns: TextColumn[]): Term {
  const p = patternOf(v);
  if (p) return { t: 'textRegex', pattern: p, columns };
  if (textOf(v) === '') fail(v, 'empty text: put something between the quotes');
  return { t: 'text', text: textOf(v), columns };
}

export const IS_VALUES: Record<string, Term> = {
  error: { t: 'error' },
  incomplete: { t: 'flags', mask: FLAG.incomplete | FLAG.noResponse },
  truncated: { t: 'flags', mask: FLAG.partial },
  sendfile: { t: 'flags', mask: FLAG.zerocopy },
  upgrade: { t: 'flags', mask: FLAG.upgrade },
  'parse-error': { t: 'flags', mask: FLAG.parseError },
  'no-response': { t: 'response', present: false },
};

type KeyParser = (v: V, now: Date) => Term;

/** key → meaning. Aliases (mitmproxy's ~m etc.) map onto these in parser.ts. */
export const KEYS: Record<string, KeyParser> = {
  method: (v) => {
    const p = patternOf(v);
    // methods are case-sensitive and conventionally upper case: method:post means POST
    return { t: 'string', columns: ['method'], match: p ? { kind: 'regex', pattern: p } : { kind: 'eq', value: textOf(v).toUpperCase(), nocase: false } };
  },
  status: (v) => parseStatus(v),
  host: (v) => ({ t: 'string', columns: ['host'], match: stringMatch(v, { nocase: true, plain: 'eq' }) }),
  domain: (v) => ({ t: 'string', columns: ['host'], match: stringMatch(v, { nocase: true, plain: 'eq' }) }),
  path: (v) => ({ t: 'string', columns: ['path'], match: stringMatch(v, { nocase: false, plain: 'pathPrefix' }) }),
  url: (v) => ({ t: 'string', columns: ['url'], match: stringMatch(v, { nocase: true, plain: 'contains' }) }),
  pid: (v) => ({ t: 'number', columns: ['client_pid', 'server_pid'], cmp: '=', value: parseInt32(v, 'pid') }),
  comm: (v) => ({ t: 'string', columns: ['client_comm', 'server_comm'], match: stringMatch(v, { nocase: false, plain: 'eq' }) }),
  client: (v) =>
    v.kind === 'word' && /^\d+$/.test(v.text)
      ? { t: 'number', columns: ['client_pid'], cmp: '=', value: BigInt(v.text) }
      : { t: 'string', columns: ['client_comm'], match: stringMatch(v, { nocase: false, plain: 'eq' }) },
  server: (v) =>
    v.kind === 'word' && /^\d+$/.test(v.text)
      ? { t: 'number', columns: ['server_pid'], cmp: '=', value: BigInt(v.text) }
      : { t: 'string', columns: ['server_comm'], match: stringMatch(v, { nocase: false, plain: 'eq' }) },
  port: (v) => {
    const n = parseInt32(v, 'port');
    if (n < 1n || n > 65535n) fail(v, `bad port '${textOf(v)}': use a number from 1 to 65535`);
    return { t: 'number', columns: ['server_port', 'client_port'], cmp: '=', value: n };
  },
  'larger-than': (v) => parseSize(v, 'resp_body_size', '>'),
  'smaller-than': (v) => parseSize(v, 'resp_body_size', '<'),
  duration: (v) => parseDuration(v),
  since: (v, now) => ({ t: 'number', columns: ['req_started'], cmp: '>=', value: parseWhen(v, now) }),
  until: (v, now) => ({ t: 'number', columns: ['req_started'], cmp: '<=', value: parseWhen(v, now) }),
  body: (v) => textTerm(v, BODIES),
  'req-body': (v) => textTerm(v, ['req_body']),
  'resp-body': (v) => textTerm(v, ['resp_body']),
  header: (v) => parseHeader(v, HEADERS),
  'req-header': (v) => parseHeader(v, ['req_headers']),
  'resp-header': (v) => parseHeader(v, ['resp_headers']),
  mime: (v) => ({ t: 'string', columns: ['resp_type'], match: stringMatch(v, { nocase: true, plain: 'eq' }) }),
  type: (v) => ({ t: 'string', columns: ['resp_type'], match: stringMatch(v, { nocase: true, plain: 'contains' }) }),
  is: (v) => {
    const term = IS_VALUES[textOf(v).toLowerCase()];
    if (!term) fail(v, `unknown is:${textOf(v)}: use one of ${Object.keys(IS_VALUES).join(', ')}`);
    return term;
  },
};

/** A bare word or quoted phrase: full-text over URL, headers and bodies. A bare /regex/: the URL. */
export function bareTerm(v: V): Term {
  const p = patternOf(v);
  if (p) return { t: 'string', columns: ['url'], match: { kind: 'regex', pattern: p } };
  return textTerm(v, ALL_TEXT);
}
