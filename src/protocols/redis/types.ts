/**
 * What the Redis parser builds: RESP values as trees (kept small), and the shape of a Redis
 * call's `detail` (src/protocols/db-call.ts), which `show` and the exporters read.
 */

/**
 * RESP type names, as the RESP3 spec names them (https://redis.io/docs/latest/develop/reference/protocol-spec/).
 * 'null' covers RESP2's null bulk string ($-1) and null array (*-1) as well as RESP3's `_`.
 */
export type RespType =
  | 'simple-string'
  | 'simple-error'
  | 'integer'
  | 'bulk-string'
  | 'array'
  | 'null'
  | 'boolean'
  | 'double'
  | 'big-number'
  | 'bulk-error'
  | 'verbatim-string'
  | 'map'
  | 'attribute'
  | 'set'
  | 'push';

/** A value with no elements: its bytes (a kept prefix), not a copy of all of them. */
export interface RespScalar {
  kind: 'scalar';
  type: RespType;
  /** The value's bytes, up to the keep limit (the line of a simple type, the payload of a bulk one). */
  bytes: Buffer;
  /** Its length in bytes as sent (the declared length of a bulk string). */
  length: number;
  /** Some bytes of the value were moved but not captured. */
  gap: boolean;
  /** RESP3 attributes (`|`) that came just before it. */
  attributes?: RespAggregate;
}

export interface RespAggregate {
  kind: 'aggregate';
  type: RespType;
  /** Elements as declared; for a map or attribute, entries (key-value pairs). */
  count: number;
  /** The first elements (keys and values alternate in a map), as many as the keep budget allowed. */
  items: RespValue[];
  attributes?: RespAggregate;
}

export type RespValue = RespScalar | RespAggregate;

/** One top-level value (a request or a reply) and where it was. */
export interface RespMessage {
  value: RespValue;
  /** Stream offsets [start, end) of its bytes, attributes included. */
  start: number;
  end: number;
  startTs: number;
  endTs: number;
  /** Every byte up to its end arrived (false when the stream ended or failed inside it). */
  complete: boolean;
  /** Some of its bytes were moved but not captured. */
  gap: boolean;
  /** A request sent as an inline command (a plain text line) rather than a RESP array. */
  inline?: boolean;
}

/**
 * A reply in a call's `detail.reply`: strings are cut at about 1 kB and each aggregate at
 * DB_SAMPLE_ROWS elements; `count` and `length` keep the true sizes.
 */
export interface RedisReplyNode {
  type: RespType;
  /** Scalars: the value as text (binary as `\x` hex); null for a null. */
  value?: string | null;
  /** Bulk strings: their length in bytes, when the value shown is cut. */
  length?: number;
  /** Aggregates: elements (maps: entries) as sent. */
  count?: number;
  /** Aggregates: the first elements (maps: key, value, key, value, ...); absent below 8 levels. */
  items?: RedisReplyNode[];
  /** RESP3 attributes sent with this value. */
  attributes?: RedisReplyNode;
  /** Part of the value was not captured. */
  gap?: true;
}

/** One command of a MULTI/EXEC transaction and its result, in EXEC's detail. */
export interface RedisTransactionEntry {
  /** The queued call's index on the connection. */
  index: number;
  operation: string;
  /** Its result as redis-cli prints it (the EXEC reply's element at its position). */
  result?: string;
}

/**
 * A Redis call's `detail`:
 * - `resp`: the protocol version the reply was read as (3 after a successful HELLO 3, or once a
 *   RESP3-only type was seen);
 * - `type` and `reply`: the reply's RESP type and tree (absent without a reply); `replies` when a
 *   command was answered by several (SUBSCRIBE a b c: one confirmation per channel);
 * - `argc`: arguments after the command name, when more were sent than `params` holds;
 * - `inline`: the command was sent as an inline text line;
 * - `queued`: the command was queued inside MULTI (its reply is +QUEUED; EXEC's holds the result);
 * - `transaction`: on EXEC, the queued commands and their results, in order;
 * - `push`: for a one-way RESP3 push, its kind ('message', 'invalidate', ...);
 * - `noReply`: CLIENT REPLY OFF/SKIP told the server not to answer this command;
 * - `passwordSent`: a password was sent (it is never stored);
 * - `requestTail`: the capture began inside a request; the call stands for it (no request range).
 */
export interface RedisDetail {
  resp: 2 | 3;
  type?: RespType;
  reply?: RedisReplyNode;
  replies?: RedisReplyNode[];
  argc?: number;
  inline?: true;
  queued?: true;
  transaction?: RedisTransactionEntry[];
  push?: string;
  noReply?: true;
  passwordSent?: true;
  /** The capture began inside a request: this call holds its place, its request unseen. */
  requestTail?: true;
}
