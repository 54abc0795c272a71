/**
 * A filter in its normal text form: one spelling per meaning (`~m post` → `method:POST`,
 * `status:400-499` → `status:4xx`), quotes only where needed, parentheses only where the
 * grammar needs them. parseFilter(describeFilter(ast)) gives `ast` back.
 */
import type { FilterAst, PathPattern, Regex, StringPattern, Term } from './ast.js';
import { tokensOf, usesRegexSyntax } from './lexer.js';
import { continuesTime, formatTime } from './time-values.js';
import { formatDuration, formatGrpcStatus, formatSize, formatStatus } from './values.js';

/**
 * A word printed bare must leave no '(' open: the lexer keeps a word's parentheses in it, so
 * `a(` before a group's ')' would take that ')' too.
 */
function balanced(text: string): boolean {
  let depth = 0;
  for (const c of text) if (c === '(') depth++;
  else if (c === ')') depth--;
  return depth === 0;
}

function quote(text: string): string {
  return `"${text.replace(/[\\"]/g, '\\$&')}"`;
}

/** `key:text`, quoted when the bare text would read as something else (a regex, two words...). */
function keyed(key: string, text: string, quoteIf?: (t: string) => boolean): string {
  const bare = `${key}:${text}`;
  const tokens = tokensOf(bare);
  const t = tokens?.length === 1 ? tokens[0] : null;
  const same = t?.kind === 'keyed' && t.value.kind === 'word' && t.value.text === text;
  return same && balanced(text) && !quoteIf?.(text) ? bare : `${key}:${quote(text)}`;
}

function bareText(text: string): string {
  const tokens = tokensOf(text);
  const t = tokens?.length === 1 ? tokens[0] : null;
  return t?.kind === 'word' && t.text === text && balanced(text) && !continuesTime(text) ? text : quote(text);
}

function regex(r: Regex, needsSyntax = false): string {
  // path:/users/ is a path: a pattern without regex syntax gets some that means nothing
  const source = needsSyntax && !usesRegexSyntax(r.source) ? `(?:${r.source})` : r.source;
  return `/${source}/${r.flags}`;
}

function pattern(key: string, p: StringPattern | PathPattern, quoteIf?: (t: string) => boolean): string {
  return p.kind === 'regex' ? `${key}:${regex(p.regex, key === 'path')}` : keyed(key, p.value, quoteIf);
}

function term(t: Term): string {
  switch (t.type) {
    case 'text':
      return t.scope === 'all' ? bareText(t.text) : keyed(t.scope, t.text);
    case 'text-regex':
      return t.scope === 'url' ? regex(t.regex) : `${t.scope}:${regex(t.regex)}`;
    case 'method':
      return `method:${t.methods.join(',')}`;
    case 'method-regex':
      return `method:${regex(t.regex)}`;
    case 'status':
      return `status:${formatStatus(t.ranges)}`;
    case 'host':
      return pattern('host', t.match);
    case 'path':
      return pattern('path', t.match);
    case 'process': {
      const key = t.side === 'any' ? (t.match.kind === 'pid' ? 'pid' : 'comm') : t.side;
      if (t.match.kind === 'pid') return `${key}:${t.match.pid}`;
      // client:123 would be a pid: a name made of digits is quoted
      return pattern(key, t.match, (text) => t.side !== 'any' && /^\d+$/.test(text));
    }
    case 'port':
      return `port:${t.port}`;
    case 'size':
      return `${t.cmp === '>' ? 'larger-than' : 'smaller-than'}:${formatSize(t.bytes)}`;
    case 'duration':
      return `duration:${t.cmp === '>=' ? '' : t.cmp}${formatDuration(t.ns)}`;
    case 'time':
      return keyed(t.bound, formatTime(t.at));
    case 'header':
      return keyed(t.scope, t.contains === null ? t.name : `${t.name}=${t.contains}`);
    case 'header-regex':
      return `${t.scope}:${regex(t.regex)}`;
    case 'mime':
      return pattern('mime', t.match);
    case 'type':
      return keyed('type', t.text);
    case 'is':
      return `is:${t.what}`;
    case 'tls':
      return `tls:${t.decrypted}`;
    case 'scheme':
      return keyed('scheme', t.scheme);
    case 'proto':
      return `proto:${t.protocols.join(',')}`;
    case 'sql':
      return keyed('sql', t.text);
    case 'names':
      return pattern(t.of, t.match);
    case 'cmd':
      return keyed('cmd', t.commands.join(','));
    case 'db':
      return pattern('db', t.match);
    case 'grpc':
      return pattern(`grpc.${t.of}`, t.match);
    case 'grpc-status':
      return `grpc.status:${formatGrpcStatus(t.codes)}`;
    case 'count':
      return `${t.of}:${t.cmp === '>=' ? '' : t.cmp}${t.count}`;
  }
}

export function describeFilter(ast: FilterAst): string {
  switch (ast.type) {
    case 'all':
      return '';
    case 'not':
      return `-${ast.item.type === 'and' || ast.item.type === 'or' ? `(${describeFilter(ast.item)})` : describeFilter(ast.item)}`;
    case 'and':
      return ast.items.map((i) => (i.type === 'or' ? `(${describeFilter(i)})` : describeFilter(i))).join(' ');
    case 'or':
      return ast.items.map(describeFilter).join(' or ');
    default:
      return term(ast);
  }
}
