/**
 * The values of the filter language's keys: status codes, sizes, durations, header specs (times
 * are in time-values.ts). Each reader takes the value's text and its token (for error positions)
 * and either returns the meaning or throws a FilterError pointing at the bad part; each has its
 * printer beside it (describe.ts), and printing then reading a value gives the same value back.
 */
import type { Cmp, StatusRange } from './ast.js';
import { FilterError } from './errors.js';
import type { TextToken } from './lexer.js';
import { asciiLower } from './regex.js';
import { GRPC_STATUS_NAMES, statusName } from '../protocols/grpc/status.js';


/** Offsets of text[from, to) in the input: exact for words; quoted values point at the whole value. */
function span(v: TextToken, from: number, to: number): [number, number] {
  return v.kind === 'word' ? [v.start + from, v.start + to] : [v.start, v.end];
}

/** Throws a FilterError for text[from, to) of the value. */
export function fail(v: TextToken, problem: string, hint: string, from = 0, to = v.text.length): never {
  const [start, end] = span(v, from, to);
  throw new FilterError(problem, start, end, hint);
}

// ---------------------------------------------------------------------------------------------
// status

const STATUS_HINT = 'use a code (404), a class (5xx), a range (400-499), a comparison (>=500), or a list (4xx,5xx)';

function statusPart(part: string): StatusRange | null {
  let m: RegExpExecArray | null;
  if ((m = /^([1-5])xx$/i.exec(part))) return [Number(m[1]) * 100, Number(m[1]) * 100 + 99];
  if ((m = /^(\d{1,3})-(\d{1,3})$/.exec(part))) return Number(m[1]) <= Number(m[2]) ? [Number(m[1]), Number(m[2])] : null;
  if ((m = /^(>=|<=|>|<)(\d{1,3})$/.exec(part))) {
    const n = Number(m[2]);
    const range: StatusRange = m[1] === '>=' ? [n, 999] : m[1] === '>' ? [n + 1, 999] : m[1] === '<=' ? [0, n] : [0, n - 1];
    return range[0] <= range[1] ? range : null;
  }
  if (/^\d{1,3}$/.test(part)) return [Number(part), Number(part)];
  return null;
}

export function readStatus(v: TextToken): StatusRange[] {
  const ranges: StatusRange[] = [];
  let at = 0;
  for (const part of v.text.split(',')) {
    const range = statusPart(part);
    if (!range) fail(v, part ? `bad status '${part}'` : 'empty status in the list', STATUS_HINT, at, at + Math.max(part.length, 1));
    ranges.push(range);
    at += part.length + 1;
  }
  return ranges;
}

const GRPC_STATUS_HINT = `a gRPC status is a name (${GRPC_STATUS_NAMES.slice(0, 3).join(', ')}, ...) or a code (0 to 16), e.g. grpc.status:NOT_FOUND,UNAVAILABLE`;

/** `NOT_FOUND`, `not_found,14`: gRPC status codes by name (any case) or number. */
export function readGrpcStatus(v: TextToken): number[] {
  const codes: number[] = [];
  let at = 0;
  for (const part of v.text.split(',')) {
    const byName = GRPC_STATUS_NAMES.indexOf(part.toUpperCase().replace(/-/g, '_') as (typeof GRPC_STATUS_NAMES)[number]);
    const code = byName >= 0 ? byName : /^\d{1,10}$/.test(part) && Number(part) <= 0x7fffffff ? Number(part) : null;
    if (code === null) fail(v, part ? `bad gRPC status '${part}'` : 'empty gRPC status in the list', GRPC_STATUS_HINT, at, at + Math.max(part.length, 1));
    codes.push(code);
    at += part.length + 1;
  }
  return codes;
}

/** Codes by their names where gRPC names them. */
export function formatGrpcStatus(codes: number[]): string {
  return codes.map((c) => statusName(c) ?? String(c)).join(',');
}

export function formatStatus(ranges: StatusRange[]): string {
  return ranges
    .map(([lo, hi]) => {
      if (lo === hi) return String(lo);
      if (lo % 100 === 0 && hi === lo + 99 && lo >= 100 && lo <= 500) return `${lo / 100}xx`;
      if (hi === 999) return `>=${lo}`;
      if (lo === 0) return `<=${hi}`;
      return `${lo}-${hi}`;
    })
    .join(',');
}

// ---------------------------------------------------------------------------------------------
// method

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** `GET`, `get,head`: methods are tokens; upper-cased, since clients send them upper case. */
export function readMethods(v: TextToken): string[] {
  const out: string[] = [];
  let at = 0;
  for (const part of v.text.split(',')) {
    if (!TOKEN.test(part)) fail(v, part ? `bad method '${part}'` : 'empty method in the list', 'use a method like GET, or a list like GET,HEAD', at, at + Math.max(part.length, 1));
    out.push(part.toUpperCase());
    at += part.length + 1;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// numbers

export function readPid(v: TextToken, what: string): number {
  if (!/^\d{1,10}$/.test(v.text) || Number(v.text) > 0xffffffff) fail(v, `bad ${what} '${v.text}'`, 'use a process id, like 4121');
  return Number(v.text);
}

export function readPort(v: TextToken): number {
  if (!/^\d{1,5}$/.test(v.text) || Number(v.text) < 1 || Number(v.text) > 65535) fail(v, `bad port '${v.text}'`, 'use a number from 1 to 65535');
  return Number(v.text);
}

// 1024-based, as DevTools' larger-than: means them
const SIZE_UNITS: [string, number][] = [
  ['g', 1024 ** 3],
  ['m', 1024 ** 2],
  ['k', 1024],
];
const SIZE_UNIT: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };

export function readSize(v: TextToken): number {
  const m = /^(\d+(?:\.\d+)?)([a-z]*)$/i.exec(v.text);
  const unit = m && Object.hasOwn(SIZE_UNIT, m[2].toLowerCase()) ? SIZE_UNIT[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    const bad = m ? `unit '${m[2]}'` : `'${v.text}'`;
    fail(v, `bad size ${bad}`, 'use bytes, or k, m or g (1024-based), like 10k or 1.5m', m ? m[1].length : 0);
  }
  const bytes = Math.round(Number(m[1]) * unit);
  if (!Number.isSafeInteger(bytes)) fail(v, `size '${v.text}' is too large`, 'use at most a few petabytes');
  return bytes;
}

export function formatSize(bytes: number): string {
  for (const [unit, n] of SIZE_UNITS) if (bytes !== 0 && bytes % n === 0) return `${bytes / n}${unit}`;
  return String(bytes);
}

const DURATION_UNITS: [string, number][] = [
  ['h', 3600e9],
  ['m', 60e9],
  ['s', 1e9],
  ['ms', 1e6],
  ['us', 1e3],
  ['ns', 1],
];
const DURATION_UNIT: Record<string, number> = { ...Object.fromEntries(DURATION_UNITS), µs: 1e3 };
const DURATION_HINT = 'use a number and a unit (ns, us, ms, s, m, h) after an optional >, >=, <, <= or =, like >100ms';

/** `>100ms`, `1.5s` (a plain duration means at least that long), `=0ns`. */
export function readDuration(v: TextToken): { cmp: Cmp; ns: number } {
  const m = /^(>=|<=|>|<|=)?(\d+(?:\.\d+)?)([a-zµ]*)$/i.exec(v.text);
  if (!m) fail(v, `bad duration '${v.text}'`, DURATION_HINT);
  const unit = Object.hasOwn(DURATION_UNIT, m[3].toLowerCase()) ? DURATION_UNIT[m[3].toLowerCase()] : undefined;
  const unitAt = (m[1] ?? '').length + m[2].length;
  if (!m[3]) fail(v, `duration '${v.text}' needs a unit`, DURATION_HINT, unitAt, v.text.length);
  if (unit === undefined) fail(v, `bad duration unit '${m[3]}'`, DURATION_HINT, unitAt, v.text.length);
  const ns = Math.round(Number(m[2]) * unit);
  if (!Number.isSafeInteger(ns)) fail(v, `duration '${v.text}' is too long`, 'use at most about 100 days');
  return { cmp: (m[1] as Cmp | undefined) ?? '>=', ns };
}

/** `>10`, `5` (a plain count means at least that many), `=0`. */
export function readCount(v: TextToken, what: string): { cmp: Cmp; count: number } {
  const m = /^(>=|<=|>|<|=)?(\d+)$/.exec(v.text);
  if (!m) fail(v, `bad ${what} count '${v.text}'`, `use a whole number after an optional >, >=, <, <= or =, like ${what}:>10`);
  const count = Number(m[2]);
  if (!Number.isSafeInteger(count)) fail(v, `${what} count '${v.text}' is too large`, 'use a smaller number');
  return { cmp: (m[1] as Cmp | undefined) ?? '>=', count };
}

/**
 * The protocols by every name a filter may use for them (`proto:pg`), and the name each is
 * stored under (exchanges.protocol).
 */
export const PROTOCOL_NAMES: Record<string, string> = {
  http: 'http',
  https: 'http',
  postgresql: 'postgresql',
  postgres: 'postgresql',
  pg: 'postgresql',
  mysql: 'mysql',
  mariadb: 'mysql',
  redis: 'redis',
};

/** `pg,redis` → the protocols' stored names. */
export function readProtocols(v: TextToken): string[] {
  const out: string[] = [];
  for (const name of v.text.split(',')) {
    const lower = name.toLowerCase();
    const p = Object.hasOwn(PROTOCOL_NAMES, lower) ? PROTOCOL_NAMES[lower] : undefined;
    if (p === undefined) fail(v, `unknown protocol '${name}'`, `use ${Object.keys(PROTOCOL_NAMES).join(', ')}`);
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

export function formatDuration(ns: number): string {
  for (const [unit, n] of DURATION_UNITS) if (ns !== 0 && ns % n === 0) return `${ns / n}${unit}`;
  return `${ns}ns`;
}

// ---------------------------------------------------------------------------------------------
// headers

/** `x-request-id`, `x-request-id=abc`, `"x-request-id: abc"`: a name (lower case), and text its value contains. */
export function readHeader(v: TextToken): { name: string; contains: string | null } {
  const m = /^([^:=\s]*)\s*[:=]\s*(.*)$/s.exec(v.text);
  const name = m ? m[1] : v.text;
  if (!TOKEN.test(name))
    fail(v, name ? `bad header name '${name}'` : 'missing header name', 'use a name (header:x-request-id), a name and text (header:x-request-id=abc), or a /regex/', 0, Math.max(name.length, 1));
  const contains = m && m[2] !== '' ? asciiLower(m[2]) : null;
  return { name: name.toLowerCase(), contains };
}
