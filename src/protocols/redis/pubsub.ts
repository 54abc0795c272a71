/**
 * Recognizing pub/sub traffic in replies (https://redis.io/docs/latest/develop/interact/pubsub/):
 * confirmations ["subscribe", channel, count] answer (P|S)(UN)SUBSCRIBE, one per channel;
 * ["message", channel, payload], ["pmessage", pattern, channel, payload] and
 * ["smessage", channel, payload] are deliveries nobody asked for. In RESP2 they are arrays; in
 * RESP3 pushes.
 */
import type { RespValue } from './types.js';

/** Commands answered by confirmations, and the kind their confirmations carry. */
export const SUBSCRIBE_COMMANDS = new Map<string, string>([
  ['SUBSCRIBE', 'subscribe'],
  ['PSUBSCRIBE', 'psubscribe'],
  ['SSUBSCRIBE', 'ssubscribe'],
  ['UNSUBSCRIBE', 'unsubscribe'],
  ['PUNSUBSCRIBE', 'punsubscribe'],
  ['SUNSUBSCRIBE', 'sunsubscribe'],
]);
const CONFIRMATION_KINDS = new Set(SUBSCRIBE_COMMANDS.values());

/** Deliveries, and how many elements each has. */
const MESSAGE_KINDS = new Map([
  ['message', 3],
  ['pmessage', 4],
  ['smessage', 3],
]);

/** The first element of an array or push, lower-cased, when it is a short string. */
export function kindOf(value: RespValue): string | undefined {
  if (value.kind !== 'aggregate' || (value.type !== 'array' && value.type !== 'push')) return undefined;
  const first = value.items[0];
  if (!first || first.kind !== 'scalar' || first.bytes.length > 64) return undefined;
  if (first.type !== 'bulk-string' && first.type !== 'simple-string' && first.type !== 'verbatim-string') return undefined;
  return first.bytes.toString('latin1').toLowerCase();
}

/** A subscription confirmation: its kind and the subscriptions left open after it. */
export function confirmationOf(value: RespValue): { kind: string; remaining: number } | undefined {
  const kind = kindOf(value);
  if (kind === undefined || !CONFIRMATION_KINDS.has(kind) || value.kind !== 'aggregate' || value.count !== 3) return undefined;
  const count = value.items[2];
  if (!count || count.kind !== 'scalar' || count.type !== 'integer') return undefined;
  return { kind, remaining: Number(count.bytes.toString('latin1')) };
}

/** A pub/sub delivery: message, pmessage or smessage with its elements. */
export function isPubSubMessage(value: RespValue): boolean {
  const kind = kindOf(value);
  return kind !== undefined && value.kind === 'aggregate' && MESSAGE_KINDS.get(kind) === value.count;
}

/** A line of MONITOR output: `+1700000000.123456 [0 127.0.0.1:5000] "GET" "a"`. */
export function isMonitorLine(value: RespValue): boolean {
  return value.kind === 'scalar' && value.type === 'simple-string' && /^\d+\.\d+ \[/.test(value.bytes.subarray(0, 40).toString('latin1'));
}
