/**
 * A Redis reply as redis-cli prints it (`1) "user"`, `(integer) 5`, `(nil)`), from the tree the
 * parser keeps in a call's detail (protocols/redis/types.ts RedisReplyNode): what a Redis user
 * reads without thinking. Values are returned as plain strings; the caller escapes them.
 */
import type { RedisReplyNode } from '../protocols/redis/types.js';

/** Lines deeper than this are not drawn (the parser keeps 8 levels at most anyway). */
const MAX_DEPTH = 8;

function isNode(v: unknown): v is RedisReplyNode {
  return typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string';
}

function quoted(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function scalar(n: RedisReplyNode): string {
  const v = n.value ?? null;
  const cut = n.length !== undefined && v !== null && n.length > v.length ? ` … (${n.length} bytes)` : '';
  switch (n.type) {
    case 'null':
      return '(nil)';
    case 'integer':
      return `(integer) ${v}`;
    case 'double':
      return `(double) ${v}`;
    case 'boolean':
      return v === 't' || v === 'true' ? '(true)' : '(false)';
    case 'big-number':
      return `(big number) ${v}`;
    case 'simple-error':
    case 'bulk-error':
      return `(error) ${v}`;
    case 'simple-string':
      return v ?? '';
    default:
      return v === null ? '(nil)' : `${quoted(v)}${cut}`;
  }
}

/** The reply's lines, numbered like redis-cli's; maps as `key => value`. */
export function redisReplyLines(node: unknown, depth = 0): string[] {
  if (!isNode(node)) return [];
  if (!Array.isArray(node.items)) return [scalar(node)];
  const items = node.items.filter(isNode);
  const count = node.count ?? items.length;
  if (count === 0) return [node.type === 'map' ? '(empty map)' : node.type === 'set' ? '(empty set)' : '(empty array)'];
  if (depth >= MAX_DEPTH) return [`(${count} elements)`];
  const out: string[] = [];
  const isMap = node.type === 'map' || node.type === 'attribute';
  const step = isMap ? 2 : 1;
  for (let i = 0, n = 1; i < items.length; i += step, n++) {
    const label = `${n}) `;
    const pad = ' '.repeat(label.length);
    const key = isMap ? redisReplyLines(items[i], depth + 1)[0] ?? '' : null;
    const value = redisReplyLines(isMap ? items[i + 1] : items[i], depth + 1);
    value.forEach((line, k) => out.push(k === 0 ? `${label}${key !== null ? `${key} => ` : ''}${line}` : `${pad}${line}`));
  }
  const shown = Math.ceil(items.length / step);
  if (count > shown) out.push(`… ${count - shown} more (${count} in all)`);
  return out;
}
