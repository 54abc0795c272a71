/** Feeds items to a RedisConnection the way the session rebuild does. */
import type { DbCall } from '../../../src/protocols/db-call.js';
import type { StreamItem } from '../../../src/protocols/stream.js';
import { RedisConnection } from '../../../src/protocols/redis/index.js';

/** Takes calls after every item (as a long-running caller would), then finishes. */
export function runIncrementally(items: StreamItem[]): DbCall[] {
  const connection = new RedisConnection();
  const out: DbCall[] = [];
  for (const item of items) {
    connection.push(item);
    out.push(...connection.takeCalls());
  }
  out.push(...connection.finish());
  return out;
}

/** Pushes everything and collects only at finish(). */
export function runAtOnce(items: StreamItem[]): DbCall[] {
  const connection = new RedisConnection();
  for (const item of items) connection.push(item);
  return connection.finish();
}
