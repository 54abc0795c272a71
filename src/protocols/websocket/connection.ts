/**
 * One WebSocket connection after the HTTP/1.1 upgrade: a reader per direction, and the messages of
 * both in the order they ended, numbered. Messages are handed out as soon as they end, so a long
 * connection holds only the messages still open.
 */
import type { StreamItem } from '../stream.js';
import { KeepBudget } from './budget.js';
import { WsDirectionReader } from './direction-reader.js';
import { parseExtensions } from './extensions.js';
import { WEBSOCKET_LIMITS } from './limits.js';
import type { FinishedMessage } from './message-draft.js';
import type { WsExtensions, WsFlaw, WsMessage } from './types.js';

export interface WebSocketStart {
  /** The Sec-WebSocket-Extensions value of the 101 response (the extensions both peers use). */
  extensions?: string;
  /** Where the WebSocket bytes begin in each stream: ProtocolSwitch.c2sOffset and s2cOffset (0 when unset). */
  c2sOffset?: number;
  s2cOffset?: number;
}

export class WebSocketConnection {
  /** What the response header negotiated. */
  readonly extensions: WsExtensions;
  private readonly c2s: WsDirectionReader;
  private readonly s2c: WsDirectionReader;
  private readonly budget = new KeepBudget(WEBSOCKET_LIMITS.keepConnectionBytes);
  private readonly flawList: WsFlaw[] = [];
  private ready: WsMessage[] = [];
  private nextIndex = 0;
  private finished = false;

  constructor(start: WebSocketStart = {}) {
    this.extensions = parseExtensions(start.extensions);
    const hooks = { onMessage: (m: FinishedMessage) => this.onMessage(m), onFlaw: (f: WsFlaw) => this.flawList.push(f) };
    this.c2s = new WsDirectionReader('c2s', start.c2sOffset ?? 0, this.extensions, this.budget, hooks);
    this.s2c = new WsDirectionReader('s2c', start.s2cOffset ?? 0, this.extensions, this.budget, hooks);
  }

  /** Feeds the next item of either direction, in capture order. Never throws. */
  push(item: StreamItem): void {
    if (this.finished) return;
    if (item.dir === 'c2s') this.c2s.push(item);
    else this.s2c.push(item);
  }

  /** Messages that ended since the last call, in index order. */
  takeMessages(): WsMessage[] {
    const taken = this.ready;
    this.ready = [];
    return taken;
  }

  /** The capture ended: the messages not yet taken, open ones handed out incomplete. */
  finish(): WsMessage[] {
    if (!this.finished) {
      this.c2s.finish();
      this.s2c.finish();
      this.finished = true;
    }
    return this.takeMessages();
  }

  /** Flaws that belong to no message (a lost framing, a skipped frame), in the order found. */
  get flaws(): readonly WsFlaw[] {
    return this.flawList;
  }

  /** Payload bytes the connection may still keep before messages are cut ('connection-budget'). */
  get budgetLeft(): number {
    return this.budget.remaining;
  }

  /** Bytes the readers hold for messages still open. */
  get bufferedBytes(): number {
    return this.c2s.bufferedBytes + this.s2c.bufferedBytes;
  }

  private onMessage(message: FinishedMessage): void {
    this.ready.push({ index: this.nextIndex++, ...message });
  }
}
