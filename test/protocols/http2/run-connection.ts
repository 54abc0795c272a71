/** Feeds items to an Http2Connection the way the session rebuild does. */
import { Http2Connection, type Http2ConnectionFacts, type Http2ConnectionOptions, type Http2Exchange } from '../../../src/protocols/http2/index.js';
import type { StreamItem } from '../../../src/protocols/stream.js';

export interface Run {
  exchanges: Http2Exchange[];
  facts: Http2ConnectionFacts;
  /** The most bytes the connection held after any item. */
  maxBuffered: number;
}

/** Takes exchanges after every item (as a long-running caller would), then finishes. */
export function runIncrementally(items: StreamItem[], options?: Http2ConnectionOptions): Run {
  const connection = new Http2Connection(options);
  const exchanges: Http2Exchange[] = [];
  let maxBuffered = 0;
  for (const item of items) {
    connection.push(item);
    exchanges.push(...connection.takeExchanges());
    maxBuffered = Math.max(maxBuffered, connection.bufferedBytes);
  }
  exchanges.push(...connection.finish());
  return { exchanges, facts: connection.facts, maxBuffered };
}

/** Pushes everything and collects only at finish(). */
export function runAtOnce(items: StreamItem[], options?: Http2ConnectionOptions): Run {
  const connection = new Http2Connection(options);
  for (const item of items) connection.push(item);
  const exchanges = connection.finish();
  return { exchanges, facts: connection.facts, maxBuffered: 0 };
}
