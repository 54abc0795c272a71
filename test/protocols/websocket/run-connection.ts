/** Feeds items to a WebSocketConnection the way the session rebuild would. */
import type { StreamItem } from '../../../src/protocols/stream.js';
import { WebSocketConnection, type WebSocketStart, type WsFlaw, type WsMessage } from '../../../src/protocols/websocket/index.js';
import type { CorpusCase } from '../corpus/corpus-format.js';

export interface Run {
  messages: WsMessage[];
  flaws: readonly WsFlaw[];
  /** The most bytes the connection held at any point. */
  peakBuffered: number;
}

/** Takes messages after every item (as a long-running caller would), then finishes. */
export function runIncrementally(items: StreamItem[], start: WebSocketStart = {}): Run {
  const connection = new WebSocketConnection(start);
  const messages: WsMessage[] = [];
  let peakBuffered = 0;
  for (const item of items) {
    connection.push(item);
    messages.push(...connection.takeMessages());
    peakBuffered = Math.max(peakBuffered, connection.bufferedBytes);
  }
  messages.push(...connection.finish());
  return { messages, flaws: connection.flaws, peakBuffered };
}

/** Pushes everything and collects only at finish(). */
export function runAtOnce(items: StreamItem[], start: WebSocketStart = {}): Run {
  const connection = new WebSocketConnection(start);
  for (const item of items) connection.push(item);
  return { messages: connection.finish(), flaws: connection.flaws, peakBuffered: connection.bufferedBytes };
}

/** What a corpus case tells the parser: its "# sec-websocket-extensions: ..." note. */
export function startOf(testCase: CorpusCase): WebSocketStart {
  const note = testCase.notes.find((n) => /^sec-websocket-extensions:/i.test(n));
  return note === undefined ? {} : { extensions: note.slice(note.indexOf(':') + 1).trim() };
}
