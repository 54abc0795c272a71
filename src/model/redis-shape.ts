/**
 * Redis key patterns: a key with its variable parts replaced by `*`, so that the keys of one
 * family (`user:42:profile`, `user:43:profile`) share a pattern (`user:*:profile`) for the N+1
 * check, `tinytap diff` and `key:user:*` filters. Redis has no schema, so this is a heuristic, and
 * it prefers to keep a part: a name taken for an id merges two families, while an id kept only
 * fails to group.
 *
 * A key is cut into segments at `:` `/` `.` `|` `#` `,` `@` `{` `}` and whitespace (the
 * separators key-naming conventions use, hash tags included). A whole segment is variable when it
 * is a number, a UUID, hex of 8 or more with a digit, or a random-looking id (see randomId). Else
 * its `-`/`_` parts are judged alone, as numbers or hex, so `item_42` and `2026-12-03` vary too;
 * `-` is not a separator of the whole key because a UUID contains it.
 */

/** Keys past this length are judged on their first part only: a pattern is for grouping. */
const KEY_LIMIT = 1024;
/** At most this many keys of one command go into its shape (MGET of thousands). */
const SHAPE_KEYS = 64;

const SEPARATORS = /([:/.|#,@{}\s]+)/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NUMBER = /^[+-]?\d+$/;
const HEX = /^[0-9a-f]{8,}$/i;
const ID_CHARS = /^[A-Za-z0-9_+/=-]{16,}$/;

/** The pattern of a Redis key (see the header). Never throws. */
export function redisKeyPattern(key: string): string {
  const text = key.length > KEY_LIMIT ? key.slice(0, KEY_LIMIT) : key;
  return text
    .split(SEPARATORS)
    .map((segment, k) => (k % 2 === 1 ? segment : segmentPattern(segment)))
    .join('');
}

/**
 * A command and its key patterns, upper-cased command first: `HGETALL user:*`. A pattern repeated
 * (MGET of many users) is given once, so batches of any size share a shape.
 */
export function redisShape(operation: string, keys: string[]): string {
  const patterns = new Set<string>();
  for (const key of keys.slice(0, SHAPE_KEYS)) patterns.add(redisKeyPattern(key));
  return [operation.toUpperCase(), ...patterns].join(' ').trim();
}

function segmentPattern(segment: string): string {
  if (segment === '' || segment === '*') return segment;
  if (isVariable(segment) || randomId(segment)) return '*';
  return segment
    .split(/([-_]+)/)
    .map((part, k) => (k % 2 === 0 && part !== '' && isVariable(part) ? '*' : part))
    .join('');
}

function isVariable(part: string): boolean {
  return NUMBER.test(part) || UUID.test(part) || (HEX.test(part) && /\d/.test(part));
}

/**
 * Whether a segment looks like a generated id: 16 or more base64/base64url characters, digits and
 * letters both, and either changing between upper case, lower case, digits and -_ at every second
 * character or more (base64 tokens, nanoid: about two in three), or, without -_, a fifth or more
 * digits (cuid, ULID, lower-case alphanumeric ids). Names rarely do either: `UserProfileV2Cache`
 * changes 7 times in 18, `cache_v2_homepage_2024` is judged by its parts.
 */
function randomId(segment: string): boolean {
  if (!ID_CHARS.test(segment) || !/[A-Za-z]/.test(segment)) return false;
  let changes = 0;
  let digits = 0;
  for (let k = 0; k < segment.length; k++) {
    if (charClass(segment[k]) === 0) digits++;
    if (k > 0 && charClass(segment[k]) !== charClass(segment[k - 1])) changes++;
  }
  if (digits === 0) return false;
  return changes * 2 >= segment.length || (!/[-_]/.test(segment) && digits * 5 >= segment.length);
}

function charClass(c: string): number {
  if (c >= '0' && c <= '9') return 0;
  if (c >= 'a' && c <= 'z') return 1;
  if (c >= 'A' && c <= 'Z') return 2;
  return 3;
}
