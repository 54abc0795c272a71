/** Feeds items to a MysqlConnection the way the session rebuild does. */
import type { DbCall } from '../../../src/protocols/db-call.js';
import type { StreamItem } from '../../../src/protocols/stream.js';
import { MysqlConnection, type MysqlLimits } from '../../../src/protocols/mysql/index.js';

export interface Run {
  calls: DbCall[];
  switchedTo: string | null;
  /** The most bytes the connection held at any point. */
  maxBuffered: number;
}

/** Takes calls after every item (as a long-running caller would), then finishes. */
export function runIncrementally(items: StreamItem[], limits: Partial<MysqlLimits> = {}): Run {
  const connection = new MysqlConnection(limits);
  const calls: DbCall[] = [];
  let maxBuffered = 0;
  for (const item of items) {
    connection.push(item);
    maxBuffered = Math.max(maxBuffered, connection.bufferedBytes);
    calls.push(...connection.takeCalls());
  }
  calls.push(...connection.finish());
  return { calls, switchedTo: connection.switchedTo, maxBuffered };
}

/** Pushes everything and collects only at finish(). */
export function runAtOnce(items: StreamItem[], limits: Partial<MysqlLimits> = {}): Run {
  const connection = new MysqlConnection(limits);
  for (const item of items) connection.push(item);
  return { calls: connection.finish(), switchedTo: connection.switchedTo, maxBuffered: 0 };
}
