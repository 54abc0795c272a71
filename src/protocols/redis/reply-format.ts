/**
 * A reply as a call shows it: the one line redis-cli would print first ('OK', '(integer) 5',
 * '"value"', '3 elements'), the error's code and message, the searchable text of its values,
 * and the small tree kept in `detail`.
 */
import { DB_SAMPLE_ROWS, DB_TEXT_LIMIT } from '../db-call.js';
import { REDIS_LIMITS } from './limits.js';
import { cutText } from '../db-text.js';
import { quoted, valueText } from './text.js';
import type { RedisReplyNode, RespScalar, RespValue } from './types.js';

/** The reply's first line as redis-cli prints it (errors as '(error) CODE message'). */
export function replyLine(value: RespValue): string {
  return cutText(oneLine(value), false, REDIS_LIMITS.resultChars);
}

function oneLine(value: RespValue): string {
  if (value.kind === 'aggregate') {
    const n = value.count;
    switch (value.type) {
      case 'map':
      case 'attribute':
        return n === 0 ? '(empty map)' : `${n} ${n === 1 ? 'entry' : 'entries'}`;
      case 'set':
        return n === 0 ? '(empty set)' : `${n} ${n === 1 ? 'member' : 'members'}`;
      default:
        return n === 0 ? '(empty array)' : `${n} ${n === 1 ? 'element' : 'elements'}`;
    }
  }
  const text = (): string => value.bytes.toString('latin1');
  switch (value.type) {
    case 'simple-string':
      return valueText(value.bytes, value.length) ?? '';
    case 'simple-error':
    case 'bulk-error':
      return `(error) ${valueText(value.bytes, value.length) ?? ''}`;
    case 'integer':
      return `(integer) ${text()}`;
    case 'null':
      return '(nil)';
    case 'double':
      return `(double) ${text()}`;
    case 'boolean':
      return value.bytes[0] === 0x74 ? '(true)' : '(false)';
    case 'big-number':
      return `(big number) ${text()}`;
    case 'verbatim-string': {
      const { bytes, length } = scalarBytes(value);
      return quoted(bytes, length);
    }
    default:
      return quoted(value.bytes, value.length);
  }
}

/** RESP3 verbatim strings start with a three-letter format and a colon ("txt:"). */
function verbatimBody(bytes: Buffer): Buffer {
  return bytes.length >= 4 && bytes[3] === 0x3a ? bytes.subarray(4) : bytes;
}

/** A scalar's value bytes and their length as sent: a verbatim string's without its format prefix. */
function scalarBytes(value: RespScalar): { bytes: Buffer; length: number } {
  if (value.type !== 'verbatim-string') return { bytes: value.bytes, length: value.length };
  const bytes = verbatimBody(value.bytes);
  return { bytes, length: value.length - (value.bytes.length - bytes.length) };
}

/** A scalar's value as text: booleans as true/false, the rest as DbValue text. */
function scalarText(value: RespScalar, limit = DB_TEXT_LIMIT): string {
  if (value.type === 'boolean') return value.bytes[0] === 0x74 ? 'true' : 'false';
  const { bytes, length } = scalarBytes(value);
  return valueText(bytes.subarray(0, limit * 4), length, limit) ?? '';
}

function valueTextLength(bytes: Buffer): number {
  return (valueText(bytes, bytes.length, Infinity) ?? '').length;
}

/** An error reply's code (its first word: 'ERR', 'WRONGTYPE') and the rest of its message. */
export function replyError(value: RespValue): { code: string; message: string } | undefined {
  if (value.kind !== 'scalar' || (value.type !== 'simple-error' && value.type !== 'bulk-error')) return undefined;
  const text = valueText(value.bytes, value.length) ?? '';
  const space = text.indexOf(' ');
  return space < 0 ? { code: text, message: '' } : { code: text.slice(0, space), message: text.slice(space + 1) };
}

/** The reply's string values (all kept scalars, depth first), one per line, cut at DB_TEXT_LIMIT. */
export function replyText(values: RespValue[]): string | undefined {
  const parts: string[] = [];
  let size = 0;
  const visit = (v: RespValue): boolean => {
    if (size > DB_TEXT_LIMIT) return false;
    if (v.kind === 'aggregate') return v.items.every(visit);
    if (v.type === 'null') return true;
    const text = scalarText(v);
    parts.push(text);
    size += text.length + 1;
    return true;
  };
  values.forEach(visit);
  if (parts.length === 0) return undefined;
  return cutText(parts.join('\n'));
}

/**
 * The reply as detail keeps it: DB_SAMPLE_ROWS elements per aggregate (entries for maps), strings
 * cut, and aggregates below REDIS_LIMITS.detailDepth levels with their count only.
 */
export function replyTree(value: RespValue, depth = 0): RedisReplyNode {
  const node: RedisReplyNode = { type: value.type };
  if (value.kind === 'aggregate') {
    node.count = value.count;
    const perEntry = value.type === 'map' || value.type === 'attribute' ? 2 : 1;
    if (depth < REDIS_LIMITS.detailDepth) {
      node.items = value.items.slice(0, DB_SAMPLE_ROWS * perEntry).map((item) => replyTree(item, depth + 1));
    }
  } else if (value.type !== 'null') {
    const { bytes, length } = scalarBytes(value);
    node.value = scalarText(value, REDIS_LIMITS.detailStringChars);
    if (length > bytes.length || node.value.length < valueTextLength(bytes)) node.length = length;
    if (value.gap) node.gap = true;
  } else {
    node.value = null;
  }
  if (value.attributes) node.attributes = replyTree(value.attributes, depth + 1);
  return node;
}

/** RESP3-only types: a reply holding one was read as RESP3. */
export function isResp3Only(value: RespValue): boolean {
  switch (value.type) {
    case 'map':
    case 'set':
    case 'push':
    case 'attribute':
    case 'double':
    case 'boolean':
    case 'big-number':
    case 'bulk-error':
    case 'verbatim-string':
      return true;
    default:
      return value.attributes !== undefined;
  }
}

/** A reply's elements as text (for pub/sub messages and pushes): null for nested aggregates. */
export function elementTexts(value: RespValue): (string | null)[] {
  if (value.kind !== 'aggregate') return [];
  return value.items.map((v) => (v.kind === 'scalar' && v.type !== 'null' ? valueText(v.bytes, v.length) : null));
}
