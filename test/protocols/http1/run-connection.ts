/** Feeds items to an Http1Connection the way the session rebuild does. */
import type { StreamItem } from '../../../src/protocols/stream.js';
import { Http1Connection, type Http1Exchange, type Http1Limits } from '../../../src/protocols/http1/index.js';

/** Takes exchanges after every item (as a long-running caller would), then finishes. */
export function runIncrementally(items: StreamItem[], limits: Partial<Http1Limits> = {}): Http1Exchange[] {
  const connection = new Http1Connection(limits);
  const out: Http1Exchange[] = [];
  for (const item of items) {
    connection.push(item);
    out.push(...connection.takeExchanges());
  }
  out.push(...connection.finish());
  return out;
}

/** Pushes everything and collects only at finish(). */
export function runAtOnce(items: StreamItem[], limits: Partial<Http1Limits> = {}): Http1Exchange[] {
  const connection = new Http1Connection(limits);
  for (const item of items) connection.push(item);
  return connection.finish();
}
