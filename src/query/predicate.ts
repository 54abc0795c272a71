/**
 * The same filter evaluated in memory, on one exchange: for the live TUI (exchanges arriving
 * while recording) and as the oracle the SQL compiler is tested against.
 */
import type { Exchange } from '../model/exchange.js';
import { readableBytes } from '../render/body.js';
import { compiledRegex, headerHas } from './functions.js';
import type { FilterAst } from './parser.js';
import type { NumberColumn, StringColumn, StringMatch, Term, TextColumn } from './terms.js';

/** What a filter can look at: the exchanges row's values and the searchable text. */
export interface FilterSubject {
  method: string | null;
  status: number | null;
  host: string | null;
  path: string | null;
  url: string;
  client_comm: string | null;
  server_comm: string | null;
  resp_type: string | null;
  client_pid: number | null;
  server_pid: number | null;
  server_port: number | null;
  client_port: number | null;
  resp_body_size: number | null;
  duration_ns: number | null;
  req_started: bigint;
  flags: number;
  error: string | null;
  text: Record<TextColumn, string>;
}

function globToRegex(glob: string, nocase: boolean): RegExp {
  const body = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[\\s\\S]*');
  return new RegExp(`^${body}$`, nocase ? 'i' : '');
}

function stringMatches(value: string | null, m: StringMatch): boolean {
  if (value === null) return false;
  switch (m.kind) {
    case 'eq':
      return m.nocase ? value.toLowerCase() === m.value.toLowerCase() : value === m.value;
    case 'glob':
      return globToRegex(m.value, m.nocase).test(value);
    case 'regex':
      return compiledRegex(m.pattern.source, m.pattern.flags).test(value);
    case 'contains':
      return value.toLowerCase().includes(m.value);
    case 'pathPrefix': {
      const dir = m.value.endsWith('/') ? m.value : `${m.value}/`;
      return value === m.value || value.startsWith(dir);
    }
  }
}

function compare(a: bigint, cmp: string, b: bigint): boolean {
  switch (cmp) {
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    default:
      return a === b;
  }
}

function numberOf(s: FilterSubject, c: NumberColumn): bigint | null {
  const v = s[c];
  return v === null ? null : BigInt(v);
}

function termMatches(t: Term, s: FilterSubject): boolean {
  switch (t.t) {
    case 'text': {
      const needle = t.text.toLowerCase();
      return t.columns.some((c) => s.text[c].toLowerCase().includes(needle));
    }
    case 'textRegex':
      return t.columns.some((c) => compiledRegex(t.pattern.source, t.pattern.flags).test(s.text[c]));
    case 'string':
      return t.columns.some((c) => stringMatches(s[c as StringColumn], t.match));
    case 'number':
      return t.columns.some((c) => {
        const v = numberOf(s, c);
        return v !== null && compare(v, t.cmp, t.value);
      });
    case 'status':
      return s.status !== null && t.ranges.some(([lo, hi]) => s.status! >= lo && s.status! <= hi);
    case 'header':
      return t.columns.some((c) => headerHas(s.text[c], t.name, t.contains));
    case 'flags':
      return (s.flags & t.mask) !== 0;
    case 'error':
      return (s.status !== null && s.status >= 400) || s.error !== null;
    case 'response':
      return (s.status !== null) === t.present;
  }
}

export function matchesExchange(ast: FilterAst, s: FilterSubject): boolean {
  switch (ast.type) {
    case 'all':
      return true;
    case 'term':
      return termMatches(ast.term, s);
    case 'not':
      return !matchesExchange(ast.item, s);
    case 'and':
      return ast.items.every((i) => matchesExchange(i, s));
    case 'or':
      return ast.items.some((i) => matchesExchange(i, s));
  }
}

const headerText = (hs: { name: string; value: string }[]) => hs.map((h) => `${h.name}: ${h.value}`).join('\n');
const bodyText = (b: Exchange['request']['body']) => Buffer.from(readableBytes(b)).toString('utf8');

/** The subject of a whole exchange (the model every view holds). */
export function subjectFromExchange(ex: Exchange, flags = 0): FilterSubject {
  const r = ex.response;
  return {
    method: ex.request.method || null,
    status: r?.status ?? null,
    host: ex.request.host || null,
    path: ex.request.path,
    url: ex.request.url,
    client_comm: ex.client.comm,
    server_comm: ex.server.comm,
    resp_type: r?.body.mimeType ?? null,
    client_pid: ex.client.pid,
    server_pid: ex.server.pid,
    server_port: ex.server.port,
    client_port: ex.client.port,
    resp_body_size: r?.body.size ?? null,
    duration_ns: ex.timings.totalNs,
    req_started: ex.request.startedNs,
    flags,
    error: ex.error?.message ?? null,
    text: {
      url: ex.request.url,
      req_headers: headerText(ex.request.headers),
      resp_headers: r ? headerText([...ex.informational.flatMap((i) => i.headers), ...r.headers]) : '',
      req_body: bodyText(ex.request.body),
      resp_body: r ? bodyText(r.body) : '',
    },
  };
}
