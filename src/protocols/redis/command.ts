/**
 * A request as a call describes it: the operation ('GET', 'CLIENT SETNAME'), the command line as
 * redis-cli echoes it, the arguments as DbValues, the keys it names, with passwords replaced by a
 * placeholder before any of them is built (AUTH, HELLO ... AUTH, MIGRATE ... AUTH/AUTH2, CONFIG SET
 * requirepass/masterauth, ACL SETUSER >password).
 */
import { DB_TEXT_LIMIT, type DbValue } from '../db-call.js';
import { hasKeySpec, keyPositions } from './key-specs.js';
import { cutText } from '../db-text.js';
import { argText, valueText } from './text.js';
import type { RespMessage, RespValue } from './types.js';

/** What a password argument is replaced with, everywhere. */
export const PASSWORD_PLACEHOLDER = '(password)';

/** Commands whose first argument is a subcommand, part of the operation ('CONFIG GET'). */
const CONTAINERS = new Set(
  'CLIENT CONFIG CLUSTER COMMAND SCRIPT FUNCTION XINFO OBJECT MEMORY ACL PUBSUB XGROUP MODULE SLOWLOG LATENCY DEBUG'.split(' '),
);

/** Commands the key table does not name, for telling an inline command from the tail of a message. */
const KEYLESS = new Set(
  `PING ECHO AUTH HELLO SELECT QUIT RESET INFO MULTI EXEC DISCARD UNWATCH FLUSHALL FLUSHDB DBSIZE KEYS SCAN RANDOMKEY
   SUBSCRIBE PSUBSCRIBE SSUBSCRIBE UNSUBSCRIBE PUNSUBSCRIBE SUNSUBSCRIBE PUBLISH SPUBLISH MONITOR TIME SAVE BGSAVE
   BGREWRITEAOF LASTSAVE SHUTDOWN SWAPDB WAIT WAITAOF REPLICAOF SLAVEOF ROLE FAILOVER READONLY READWRITE ASKING LOLWUT
   SYNC PSYNC MIGRATE SCRIPT PUBSUB SORT GEORADIUS FUNCTION`.split(/\s+/),
);

/** A name Redis knows (upper case): a line starting with it is plausibly an inline command. */
export function isKnownCommand(name: string): boolean {
  return CONTAINERS.has(name) || KEYLESS.has(name) || hasKeySpec(name);
}

export interface RedisCommand {
  /** The command name, upper case. */
  name: string;
  operation: string;
  text: string;
  /** Arguments after the name, as kept (see argc). */
  params: DbValue[];
  keys?: string[];
  /** Arguments after the name, as sent. */
  argc: number;
  /** The arguments, upper-cased when short (for deciding what a command does: SELECT 2, HELLO 3). */
  words: string[];
  passwordSent: boolean;
  gap: boolean;
}

export function describeCommand(message: RespMessage): RedisCommand {
  const value = message.value;
  const items: RespValue[] = value.kind === 'aggregate' ? value.items : [value];
  const count = value.kind === 'aggregate' ? value.count : 1;
  const args = items.map((item) => (item.kind === 'scalar' ? item : undefined));
  const words = args.map((a) => (a && a.bytes.length <= 64 ? a.bytes.toString('latin1').toUpperCase() : ''));
  const name = words[0] ?? '';
  const operation = CONTAINERS.has(name) && words.length > 1 ? `${name} ${words[1]}` : name;
  const secret = secretPositions(operation, words);

  let text = '';
  const params: DbValue[] = [];
  args.forEach((arg, k) => {
    const hidden = secret.has(k);
    if (text.length <= DB_TEXT_LIMIT) {
      const shown = hidden ? PASSWORD_PLACEHOLDER : arg ? argText(arg.bytes, arg.length) : '""';
      text += (k > 0 ? ' ' : '') + shown;
    }
    if (k > 0) params.push(hidden ? PASSWORD_PLACEHOLDER : arg ? valueText(arg.bytes, arg.length) : null);
  });
  const command: RedisCommand = {
    name,
    operation,
    text: cutText(text, items.length < count),
    params,
    argc: Math.max(0, count - 1),
    words,
    passwordSent: secret.size > 0,
    gap: message.gap,
  };
  const positions = keyPositions(operation, words);
  if (positions) {
    command.keys = positions.filter((k) => k < args.length && !secret.has(k)).map((k) => valueText(args[k]?.bytes ?? Buffer.alloc(0)) ?? '');
  }
  return command;
}

/** Argument positions (the name at 0) that hold a password. */
function secretPositions(operation: string, words: string[]): Set<number> {
  const secret = new Set<number>();
  const n = words.length;
  switch (operation) {
    case 'AUTH':
      if (n >= 2) secret.add(n >= 3 ? 2 : 1);
      break;
    case 'HELLO':
      for (let k = 2; k < n; k++) if (words[k] === 'AUTH') secret.add(k + 2);
      break;
    case 'MIGRATE':
      for (let k = 6; k < n; k++) {
        if (words[k] === 'AUTH') secret.add(k + 1);
        if (words[k] === 'AUTH2') secret.add(k + 2);
      }
      break;
    case 'CONFIG SET':
      for (let k = 2; k + 1 < n; k += 2) if (words[k] === 'REQUIREPASS' || words[k] === 'MASTERAUTH') secret.add(k + 1);
      break;
    case 'ACL SETUSER':
      // rules ">pass" "<pass" "#hash" "!hash" set or remove passwords; words hold only short
      // arguments, so a long one is hidden too unless it is plainly not a password rule
      for (let k = 3; k < n; k++) if (words[k] === '' || /^[><#!]/.test(words[k])) secret.add(k);
      break;
    default:
      break;
  }
  return secret;
}

/** Settings whose values are passwords: CONFIG GET's reply shows them, we do not. */
const SECRET_SETTINGS = new Set(['requirepass', 'masterauth']);

/**
 * CONFIG GET's reply (a flat array in RESP2, a map in RESP3: name, value, ...) with the values of
 * password settings replaced by the placeholder, before anything is built from it.
 */
export function hideSecretReplies(operation: string, replies: RespMessage[]): void {
  if (operation !== 'CONFIG GET') return;
  for (const { value } of replies) {
    if (value.kind !== 'aggregate') continue;
    for (let k = 0; k + 1 < value.items.length; k += 2) {
      const name = value.items[k];
      const setting = value.items[k + 1];
      if (name.kind !== 'scalar' || setting.kind !== 'scalar') continue;
      if (!SECRET_SETTINGS.has(name.bytes.toString('latin1').toLowerCase())) continue;
      setting.bytes = Buffer.from(PASSWORD_PLACEHOLDER);
      setting.length = setting.bytes.length;
    }
  }
}
