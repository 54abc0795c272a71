/** Feeds items to a PostgresConnection the way the session rebuild does. */
import type { DbCall } from '../../../src/protocols/db-call.js';
import type { StreamItem } from '../../../src/protocols/stream.js';
import { PostgresConnection, type PostgresLimits } from '../../../src/protocols/postgres/index.js';

export interface Run {
  calls: DbCall[];
  switchedTo: string | null;
}

/** Takes calls after every item (as a long-running caller would), then finishes. */
export function runIncrementally(items: StreamItem[], limits: Partial<PostgresLimits> = {}): Run {
  const connection = new PostgresConnection(limits);
  const calls: DbCall[] = [];
  for (const item of items) {
    connection.push(item);
    calls.push(...connection.takeCalls());
  }
  calls.push(...connection.finish());
  return { calls, switchedTo: connection.switchedTo };
}

/** Pushes everything and collects only at finish(). */
export function runAtOnce(items: StreamItem[], limits: Partial<PostgresLimits> = {}): Run {
  const connection = new PostgresConnection(limits);
  for (const item of items) connection.push(item);
  return { calls: connection.finish(), switchedTo: connection.switchedTo };
}
