/**
 * Every `key:` of the filter language and every mitmproxy `~x` operator, in one table each, so
 * `ls`, the exports and the TUI cannot disagree about what `status:5xx` or `~u` means.
 */
import type { FilterAst, HeaderScope, PathPattern, Regex, StringPattern, Term, TextScope } from './ast.js';
import { FilterError } from './errors.js';
import type { TextToken, ValueToken } from './lexer.js';
import { asciiLower, canonicalSource, regexFilterError } from './regex.js';
import { readCount, readDuration, readGrpcStatus, readHeader, readMethods, readPid, readPort, readProtocols, readSize, readStatus } from './values.js';
import { readTime } from './time-values.js';
import { sqlShape } from '../model/query-shape.js';

type KeyReader = (v: ValueToken, key: string) => FilterAst;

function regexOf(v: ValueToken): Regex | null {
  return v.kind === 'regex' ? { source: v.source, flags: v.flags } : null;
}

/** The value as text; a regex is refused with a hint. */
function text(v: ValueToken, key: string, instead = ''): TextToken {
  if (v.kind === 'regex') throw new FilterError(`'${key}:' takes no regular expression`, v.start, v.end, instead || `write ${key}:value`);
  return v;
}

function stringPattern(v: ValueToken): StringPattern {
  const regex = regexOf(v);
  if (regex) return { kind: 'regex', regex };
  const t = (v as TextToken).text;
  return t.includes('*') ? { kind: 'glob', value: t } : { kind: 'exact', value: t };
}

function pathPattern(v: ValueToken): PathPattern {
  const regex = regexOf(v);
  if (regex) return { kind: 'regex', regex };
  const t = (v as TextToken).text;
  return t.includes('*') ? { kind: 'glob', value: t } : { kind: 'prefix', value: t };
}

function textTerm(scope: Exclude<TextScope, 'all'>): KeyReader {
  return (v) => {
    const regex = regexOf(v);
    return regex ? { type: 'text-regex', scope, regex } : { type: 'text', scope, text: (v as TextToken).text };
  };
}

function headerTerm(scope: HeaderScope): KeyReader {
  return (v) => {
    const regex = regexOf(v);
    return regex ? { type: 'header-regex', scope, regex } : { type: 'header', scope, ...readHeader(v as TextToken) };
  };
}

/** `client:`/`server:`: a number is a pid, anything else the process name. */
function sideTerm(side: 'client' | 'server'): KeyReader {
  return (v) =>
    v.kind === 'word' && /^\d+$/.test(v.text)
      ? { type: 'process', side, match: { kind: 'pid', pid: readPid(v, 'pid') } }
      : { type: 'process', side, match: stringPattern(v) };
}

const IS_VALUES = ['error', 'incomplete', 'no-response', 'truncated', 'sendfile', 'upgrade', 'parse-error', 'n+1', 'one-way', 'reset', 'unknown-fields'] as const;

/** key → reader. The first name of each meaning is the one describeFilter prints. */
export const KEYS: Record<string, KeyReader> = {
  method: (v) => {
    const regex = regexOf(v);
    return regex ? { type: 'method-regex', regex } : { type: 'method', methods: readMethods(v as TextToken) };
  },
  status: (v, key) => ({ type: 'status', ranges: readStatus(text(v, key)) }),
  host: (v) => ({ type: 'host', match: stringPattern(v) }),
  path: (v) => ({ type: 'path', match: pathPattern(v) }),
  url: textTerm('url'),
  pid: (v, key) => ({ type: 'process', side: 'any', match: { kind: 'pid', pid: readPid(text(v, key), 'pid') } }),
  comm: (v) => ({ type: 'process', side: 'any', match: stringPattern(v) }),
  client: sideTerm('client'),
  server: sideTerm('server'),
  port: (v, key) => ({ type: 'port', port: readPort(text(v, key)) }),
  'larger-than': (v, key) => ({ type: 'size', cmp: '>', bytes: readSize(text(v, key)) }),
  'smaller-than': (v, key) => ({ type: 'size', cmp: '<', bytes: readSize(text(v, key)) }),
  duration: (v, key) => ({ type: 'duration', ...readDuration(text(v, key)) }),
  since: (v, key) => ({ type: 'time', bound: 'since', at: readTime(text(v, key)) }),
  until: (v, key) => ({ type: 'time', bound: 'until', at: readTime(text(v, key)) }),
  body: textTerm('body'),
  'req-body': textTerm('req-body'),
  'resp-body': textTerm('resp-body'),
  header: headerTerm('header'),
  'req-header': headerTerm('req-header'),
  'resp-header': headerTerm('resp-header'),
  mime: (v) => ({ type: 'mime', match: stringPattern(v) }),
  type: (v, key) => ({ type: 'type', text: asciiLower(text(v, key, 'for a pattern use mime:/…/').text) }),
  // tls:true: read from TLS plaintext (https); tls:false: the rest
  tls: (v, key) => {
    const t = asciiLower(text(v, key).text);
    if (!['true', 'false', 'yes', 'no'].includes(t)) throw new FilterError(`tls: takes true or false, not ${(v as TextToken).text}`, v.start, v.end, 'write tls:true or tls:false');
    return { type: 'tls', decrypted: t === 'true' || t === 'yes' };
  },
  scheme: (v, key) => ({ type: 'scheme', scheme: asciiLower(text(v, key).text) }),
  proto: (v, key) => ({ type: 'proto', protocols: readProtocols(text(v, key)) }),
  sql: (v, key) => ({ type: 'sql', text: sqlShape(text(v, key, 'for a pattern over the SQL text use body:/…/').text) }),
  table: (v) => ({ type: 'names', of: 'table', match: stringPattern(v) }),
  key: (v) => ({ type: 'names', of: 'key', match: stringPattern(v) }),
  cmd: (v, key) => ({
    type: 'cmd',
    commands: text(v, key)
      .text.split(',')
      .map((c) => c.trim().toUpperCase())
      .filter(Boolean),
  }),
  db: (v) => ({ type: 'db', match: stringPattern(v) }),
  'grpc.service': (v) => ({ type: 'grpc', of: 'service', match: stringPattern(v) }),
  'grpc.method': (v) => ({ type: 'grpc', of: 'method', match: stringPattern(v) }),
  'grpc.status': (v, key) => ({ type: 'grpc-status', codes: readGrpcStatus(text(v, key)) }),
  queries: (v, key) => ({ type: 'count', of: 'queries', ...readCount(text(v, key), key) }),
  rows: (v, key) => ({ type: 'count', of: 'rows', ...readCount(text(v, key), key) }),
  // error:true is is:error; error:false its negation
  error: (v, key) => {
    const t = asciiLower(text(v, key).text);
    if (!['true', 'false', 'yes', 'no'].includes(t)) throw new FilterError(`error: takes true or false, not ${(v as TextToken).text}`, v.start, v.end, 'write error:true or error:false');
    const term: Term = { type: 'is', what: 'error' };
    return t === 'true' || t === 'yes' ? term : { type: 'not', item: term };
  },
  is: (v, key) => {
    const what = asciiLower(text(v, key).text);
    if (!(IS_VALUES as readonly string[]).includes(what))
      throw new FilterError(`unknown is:${(v as TextToken).text}`, v.start, v.end, `use one of ${IS_VALUES.map((w) => `is:${w}`).join(', ')}`);
    return { type: 'is', what: what as (typeof IS_VALUES)[number] };
  },
};

/** Other names for keys: DevTools' spellings. */
export const KEY_ALIASES: Record<string, string> = {
  protocol: 'proto',
  command: 'cmd',
  database: 'db',
  domain: 'host',
  'status-code': 'status',
  'mime-type': 'mime',
  'has-response-header': 'resp-header',
};

export const KNOWN_KEYS = Object.keys(KEYS);

/**
 * mitmproxy's filter expressions that map cleanly onto ours. As in mitmproxy, the value is a
 * regular expression written without slashes (`~u /api/` matches URLs containing "/api/"), and
 * ~m, ~d, ~u and ~t ignore case.
 */
export type MitmOperator = { help: string } & ({ value: true; read: (v: TextToken) => FilterAst } | { value: false; read: () => FilterAst });

function mitmRegex(v: TextToken, flags: string): Regex {
  // a word is the input's own characters: a problem can point inside it; quotes cannot
  const sourceAt = v.kind === 'word' ? v.start : null;
  const problem = regexFilterError(v.text, flags, { start: v.start, end: v.end, sourceAt }, 'mitmproxy operators take a regular expression');
  if (problem) throw problem;
  return { source: canonicalSource(v.text), flags };
}

const mitmValue = (help: string, read: (v: TextToken) => FilterAst): MitmOperator => ({ help, value: true, read });

export const MITM: Record<string, MitmOperator> = {
  // `~m post` is method:POST (indexed); anything else a case-insensitive regex
  '~m': mitmValue('method', (v) => (/^[A-Za-z]+$/.test(v.text) ? { type: 'method', methods: [v.text.toUpperCase()] } : { type: 'method-regex', regex: mitmRegex(v, 'i') })),
  '~c': mitmValue('status code', (v) => ({ type: 'status', ranges: readStatus(v) })),
  '~d': mitmValue('domain', (v) => ({ type: 'host', match: { kind: 'regex', regex: mitmRegex(v, 'i') } })),
  '~u': mitmValue('URL', (v) => ({ type: 'text-regex', scope: 'url', regex: mitmRegex(v, 'i') })),
  '~h': mitmValue('header', (v) => ({ type: 'header-regex', scope: 'header', regex: mitmRegex(v, '') })),
  '~hq': mitmValue('request header', (v) => ({ type: 'header-regex', scope: 'req-header', regex: mitmRegex(v, '') })),
  '~hs': mitmValue('response header', (v) => ({ type: 'header-regex', scope: 'resp-header', regex: mitmRegex(v, '') })),
  '~b': mitmValue('body', (v) => ({ type: 'text-regex', scope: 'body', regex: mitmRegex(v, '') })),
  '~bq': mitmValue('request body', (v) => ({ type: 'text-regex', scope: 'req-body', regex: mitmRegex(v, '') })),
  '~bs': mitmValue('response body', (v) => ({ type: 'text-regex', scope: 'resp-body', regex: mitmRegex(v, '') })),
  '~t': mitmValue('content type', (v) => ({ type: 'mime', match: { kind: 'regex', regex: mitmRegex(v, 'i') } })),
  '~ts': mitmValue('response content type', (v) => ({ type: 'mime', match: { kind: 'regex', regex: mitmRegex(v, 'i') } })),
  '~q': { help: 'request with no response', value: false, read: () => ({ type: 'is', what: 'no-response' }) },
  '~s': { help: 'has a response', value: false, read: () => ({ type: 'not', item: { type: 'is', what: 'no-response' } }) },
};

/** table[key] if the table itself has it: `constructor:` is not a key because objects have one. */
export function own<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
