/**
 * Which arguments of a command are keys, after the key specs COMMAND INFO reports
 * (https://redis.io/docs/latest/develop/reference/key-specs/): a first and last position and a
 * step, positions counted with the command name at 0 and a negative last counted from the end;
 * or a `numkeys` argument saying how many keys follow it; or XREAD's keys after STREAMS.
 */

type KeySpec =
  | { first: number; last: number; step: number }
  /** `numkeys` is at `at`; keys follow it; `before` names fixed key positions (a destination). */
  | { numkeysAt: number; before?: number[] }
  | { streamsKeyword: true };

const ONE: KeySpec = { first: 1, last: 1, step: 1 };
const TWO: KeySpec = { first: 1, last: 2, step: 1 };
const ALL: KeySpec = { first: 1, last: -1, step: 1 };
const PAIRS: KeySpec = { first: 1, last: -1, step: 2 };
const BLOCKING: KeySpec = { first: 1, last: -2, step: 1 };
const SUBCOMMAND_KEY: KeySpec = { first: 2, last: 2, step: 1 };
const NUMKEYS_1: KeySpec = { numkeysAt: 1 };
const NUMKEYS_2: KeySpec = { numkeysAt: 2 };
const DEST_NUMKEYS: KeySpec = { numkeysAt: 2, before: [1] };

const SPECS = new Map<string, KeySpec>();
function define(spec: KeySpec, names: string): void {
  for (const name of names.split(/\s+/).filter(Boolean)) SPECS.set(name, spec);
}

// strings, hashes, lists, sets, sorted sets, streams, geo, hyperloglog, keyspace: one key first
define(
  ONE,
  `GET SET SETNX SETEX PSETEX APPEND STRLEN INCR DECR INCRBY DECRBY INCRBYFLOAT GETSET GETDEL GETEX
   GETRANGE SETRANGE SUBSTR GETBIT SETBIT BITCOUNT BITPOS BITFIELD BITFIELD_RO
   HGET HSET HSETNX HMSET HMGET HDEL HLEN HEXISTS HGETALL HKEYS HVALS HINCRBY HINCRBYFLOAT HSTRLEN HSCAN HRANDFIELD
   HEXPIRE HPEXPIRE HEXPIREAT HPEXPIREAT HTTL HPTTL HEXPIRETIME HPEXPIRETIME HPERSIST HGETDEL HGETEX HSETEX
   LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET LREM LTRIM LINSERT LPOS
   SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS SPOP SRANDMEMBER SSCAN
   ZADD ZREM ZCARD ZSCORE ZMSCORE ZINCRBY ZRANK ZREVRANK ZRANGE ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE
   ZRANGEBYLEX ZREVRANGEBYLEX ZCOUNT ZLEXCOUNT ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX ZPOPMIN ZPOPMAX
   ZSCAN ZRANDMEMBER
   XADD XLEN XRANGE XREVRANGE XDEL XTRIM XACK XCLAIM XAUTOCLAIM XPENDING XSETID
   GEOADD GEOPOS GEODIST GEOHASH GEORADIUS GEORADIUSBYMEMBER GEORADIUS_RO GEORADIUSBYMEMBER_RO GEOSEARCH PFADD
   EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL EXPIRETIME PEXPIRETIME PERSIST TYPE DUMP RESTORE SORT SORT_RO MOVE`,
);
define(TWO, 'RPOPLPUSH LMOVE BRPOPLPUSH BLMOVE SMOVE ZRANGESTORE GEOSEARCHSTORE RENAME RENAMENX COPY LCS');
define(ALL, 'MGET DEL EXISTS UNLINK TOUCH WATCH SINTER SUNION SDIFF SINTERSTORE SUNIONSTORE SDIFFSTORE PFCOUNT PFMERGE');
define({ first: 2, last: -1, step: 1 }, 'BITOP');
define(PAIRS, 'MSET MSETNX');
define(BLOCKING, 'BLPOP BRPOP BZPOPMIN BZPOPMAX');
define(NUMKEYS_1, 'SINTERCARD ZUNION ZINTER ZDIFF ZINTERCARD ZMPOP LMPOP');
define(NUMKEYS_2, 'EVAL EVALSHA EVAL_RO EVALSHA_RO FCALL FCALL_RO BZMPOP BLMPOP');
define(DEST_NUMKEYS, 'ZUNIONSTORE ZINTERSTORE ZDIFFSTORE');
define({ streamsKeyword: true }, 'XREAD XREADGROUP');
// container commands whose key follows the subcommand
define(SUBCOMMAND_KEY, 'OBJECT XGROUP XINFO');
SPECS.set('MEMORY USAGE', SUBCOMMAND_KEY);

/** The command's keys are known (so it is a Redis command). */
export function hasKeySpec(name: string): boolean {
  return SPECS.has(name);
}

/**
 * Positions of the key arguments in `argv` (the command name at 0), or undefined for a command
 * whose keys are not known. `operation` is 'NAME' or 'NAME SUBCOMMAND'.
 */
export function keyPositions(operation: string, argv: readonly string[]): number[] | undefined {
  const spec = SPECS.get(operation) ?? SPECS.get(operation.split(' ')[0]);
  if (!spec) return undefined;
  if ('streamsKeyword' in spec) return streamsKeys(argv);
  if ('numkeysAt' in spec) {
    const n = Number(argv[spec.numkeysAt] ?? '');
    if (!Number.isInteger(n) || n < 0) return spec.before ?? [];
    const positions = [...(spec.before ?? [])];
    for (let k = 1; k <= n && spec.numkeysAt + k < argv.length; k++) positions.push(spec.numkeysAt + k);
    return positions;
  }
  const last = spec.last < 0 ? argv.length + spec.last : spec.last;
  const positions: number[] = [];
  for (let k = spec.first; k <= last && k < argv.length; k += spec.step) positions.push(k);
  return positions;
}

/** XREAD ... STREAMS k1 k2 id1 id2: the first half of what follows STREAMS. */
function streamsKeys(argv: readonly string[]): number[] {
  const at = argv.findIndex((a, k) => k > 0 && a.toUpperCase() === 'STREAMS');
  if (at < 0) return [];
  const n = Math.floor((argv.length - at - 1) / 2);
  return Array.from({ length: n }, (_, k) => at + 1 + k);
}
