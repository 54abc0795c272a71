/**
 * Cuts ONE direction of a PostgreSQL connection into messages, fed segments cut anywhere.
 *
 * Hand-written rather than node-postgres' pg-protocol: pg-protocol parses only backend messages,
 * gives no stream offsets, and has no way to go on past bytes that were moved but not captured;
 * the framing itself is tiny (a type byte, an int32 length counting itself, the body), so both
 * directions share this one framer and the decoders in frontend.ts / backend.ts.
 *
 * A message's length is known from its first 5 bytes, so its body is never searched: a body is
 * held up to `maxHeldBytes` and the rest skipped through; uncaptured bytes inside a body are
 * skipped too (the message is marked `gap`). Missing bytes where a header should be leave no way
 * to find the next message: the direction stops with a 'gap' error. push() never throws.
 */
import type { DbParseError } from '../db-call.js';
import { type GapReason, type StreamDirection, type StreamItem, type StreamSegment, unseenPart } from '../stream.js';
import { SegmentTimes } from '../http1/segment-times.js';
import type { PostgresLimits } from './limits.js';
import { MAX_STARTUP_LENGTH, typeChar } from './wire.js';

/**
 * How the message starting with a given byte is framed: 'typed' (type byte + length),
 * 'untyped' (startup phase: length + code), 'byte' (the one-byte answer to SSLRequest or
 * GSSENCRequest), or 'stop' (the stream stops being PostgreSQL in the clear: TLS follows).
 */
export type MessageShape = 'typed' | 'untyped' | 'byte' | 'stop';

export interface PgMessage {
  shape: 'typed' | 'untyped' | 'byte';
  /** The type byte (typed), the answer byte ('byte'), or -1 (untyped). */
  type: number;
  /** Stream offsets [start, end) of the whole message, header included. */
  start: number;
  end: number;
  startTs: number;
  endTs: number;
  /** The body's first bytes (after type and length): all of it when `whole`. */
  body: Uint8Array;
  /** Declared body length. */
  bodyLength: number;
  /** Every body byte is in `body`. */
  whole: boolean;
  /** Some body bytes were moved but not captured. */
  gap: boolean;
  /** The stream ended before the body did. */
  cut: boolean;
}

export interface FramerHooks {
  /** Asked at each message boundary, with the first byte of the next message. */
  shapeAt(firstByte: number): MessageShape;
  onMessage(message: PgMessage): void;
  onError(error: DbParseError): void;
}

type State = 'boundary' | 'header' | 'body' | 'stopped' | 'failed' | 'ended';

const EMPTY = new Uint8Array(0);

export class MessageFramer {
  private state: State = 'boundary';
  private readonly times = new SegmentTimes();
  /** Stream offset just past everything pushed. */
  private received = 0;
  /** Stream offset of the next byte to frame. */
  private pos = 0;
  private shape: 'typed' | 'untyped' = 'typed';
  private readonly header = new Uint8Array(5);
  private headerHave = 0;
  private msgStart = 0;
  private type = -1;
  private bodyLength = 0;
  private bodyRemaining = 0;
  private body: Uint8Array = EMPTY;
  private held = 0;
  private holding = true;
  private gap = false;

  constructor(
    readonly dir: StreamDirection,
    private readonly validTypes: ReadonlySet<number>,
    private readonly limits: PostgresLimits,
    private readonly hooks: FramerHooks,
  ) {}

  /** Bytes held in memory for the message being read. */
  get heldBytes(): number {
    return this.body.length;
  }

  get done(): boolean {
    return this.state === 'stopped' || this.state === 'failed' || this.state === 'ended';
  }

  push(item: StreamItem): void {
    if (this.done) return;
    try {
      if (item.kind === 'data') this.pushSegment(item);
      else {
        if (item.offset > this.received) this.lostBefore(item.offset, item.ts);
        this.end();
      }
    } catch (e) {
      this.internalError(e);
    }
  }

  /** The capture (or the stream) ended: a message cut short is handed out as such. */
  end(): void {
    if (this.done) return;
    try {
      const state = this.state;
      this.state = 'ended';
      if (state === 'body') this.emit(true);
      else if (state === 'header') this.error(this.msgStart, 'truncated', 'the stream ended inside a message header');
    } catch (e) {
      this.internalError(e);
    }
  }

  /** Stops framing (the connection switched to TLS, or the other direction says so). */
  stop(): void {
    if (!this.done) this.state = 'stopped';
    this.body = EMPTY;
  }

  private pushSegment(segment: StreamSegment): void {
    const part = unseenPart(segment, this.received);
    if (!part) return;
    const { offset, length, bytes } = part;
    if (offset > this.received) this.lostBefore(offset, segment.ts);
    if (this.done) return;
    this.times.note(offset, segment.ts);
    this.received = offset + length;
    if (bytes.length > 0) this.feedBytes(bytes);
    if (length > bytes.length && !this.done) this.feedGap(length - bytes.length, segment.gap ?? 'lost');
  }

  private feedBytes(bytes: Uint8Array): void {
    let i = 0;
    while (i < bytes.length && !this.done) {
      switch (this.state) {
        case 'boundary':
          i = this.beginMessage(bytes, i);
          break;
        case 'header':
          i = this.readHeader(bytes, i);
          break;
        case 'body':
          i = this.readBody(bytes, i);
          break;
        default:
          return;
      }
    }
  }

  private beginMessage(bytes: Uint8Array, i: number): number {
    this.times.forget(this.pos - 1);
    const first = bytes[i];
    const shape = this.hooks.shapeAt(first);
    if (shape === 'stop') {
      this.stop();
      return bytes.length;
    }
    this.msgStart = this.pos;
    if (shape === 'byte') {
      this.type = first;
      this.bodyLength = 0;
      this.pos++;
      this.emitWith('byte', false);
      return i + 1;
    }
    if (shape === 'typed' && !this.validTypes.has(first)) {
      this.error(this.pos, 'invalid-message', `unknown message type 0x${first.toString(16).padStart(2, '0')}`);
      return bytes.length;
    }
    this.shape = shape;
    this.headerHave = 0;
    this.state = 'header';
    return i;
  }

  private readHeader(bytes: Uint8Array, i: number): number {
    const need = this.shape === 'typed' ? 5 : 4;
    const n = Math.min(need - this.headerHave, bytes.length - i);
    this.header.set(bytes.subarray(i, i + n), this.headerHave);
    this.headerHave += n;
    this.pos += n;
    if (this.headerHave < need) return i + n;
    const h = this.header;
    const at = this.shape === 'typed' ? 1 : 0;
    const length = ((h[at] << 24) | (h[at + 1] << 16) | (h[at + 2] << 8) | h[at + 3]) >>> 0;
    this.type = this.shape === 'typed' ? h[0] : -1;
    if (!this.lengthIsValid(length)) return bytes.length;
    this.bodyLength = length - 4;
    this.bodyRemaining = this.bodyLength;
    this.body = EMPTY;
    this.held = 0;
    this.holding = true;
    this.gap = false;
    if (this.bodyRemaining === 0) this.emit(false);
    else this.state = 'body';
    return i + n;
  }

  private lengthIsValid(length: number): boolean {
    if (this.shape === 'untyped') {
      if (length >= 8 && length <= MAX_STARTUP_LENGTH) return true;
      this.error(this.msgStart, 'invalid-message', `startup packet length ${length} out of range`);
      return false;
    }
    if (length < 4) {
      this.error(this.msgStart, 'invalid-message', `message '${typeChar(this.type)}' length ${length} below 4`);
      return false;
    }
    if (length > this.limits.maxMessageBytes) {
      this.error(this.msgStart, 'too-large', `message '${typeChar(this.type)}' length ${length} over ${this.limits.maxMessageBytes}`);
      return false;
    }
    return true;
  }

  private readBody(bytes: Uint8Array, i: number): number {
    const n = Math.min(this.bodyRemaining, bytes.length - i);
    if (this.holding) this.hold(bytes, i, n);
    this.bodyRemaining -= n;
    this.pos += n;
    if (this.bodyRemaining === 0) this.emit(false);
    return i + n;
  }

  private hold(bytes: Uint8Array, i: number, n: number): void {
    const wanted = Math.min(this.bodyLength, this.limits.maxHeldBytes);
    const take = Math.min(n, wanted - this.held);
    if (take <= 0) return;
    if (this.held === 0 && take === wanted && n === this.bodyRemaining) {
      // the whole message ends in this segment: parse its body in place (used before push returns)
      this.body = bytes.subarray(i, i + take);
      this.held = take;
      return;
    }
    if (this.held + take > this.body.length || this.held === 0) {
      let size = Math.max(256, this.body.length);
      while (size < this.held + take) size *= 2;
      const grown = new Uint8Array(Math.min(size, wanted));
      grown.set(this.body.subarray(0, this.held));
      this.body = grown;
    }
    this.body.set(bytes.subarray(i, i + take), this.held);
    this.held += take;
  }

  /** The records of the bytes up to `offset` were lost: they were moved, not seen. */
  private lostBefore(offset: number, ts: number): void {
    this.times.note(this.received, ts);
    const size = offset - this.received;
    this.received = offset;
    this.feedGap(size, 'lost');
  }

  private feedGap(size: number, reason: GapReason): void {
    while (size > 0 && !this.done) {
      if (this.state !== 'body') {
        const where = this.state === 'header' ? 'a message header' : 'a message boundary';
        this.error(this.state === 'header' ? this.msgStart : this.pos, 'gap', `missing bytes (${reason}) at ${where}`);
        return;
      }
      const n = Math.min(size, this.bodyRemaining);
      this.holding = false;
      this.gap = true;
      this.bodyRemaining -= n;
      this.pos += n;
      size -= n;
      if (this.bodyRemaining === 0) this.emit(false);
    }
  }

  private emit(cut: boolean): void {
    this.emitWith(this.shape, cut);
  }

  private emitWith(shape: PgMessage['shape'], cut: boolean): void {
    const body = this.body.subarray(0, this.held);
    const message: PgMessage = {
      shape,
      type: this.type,
      start: this.msgStart,
      end: this.pos,
      startTs: this.times.at(this.msgStart),
      endTs: this.times.at(Math.max(this.msgStart, this.pos - 1)),
      body: shape === 'byte' ? EMPTY : body,
      bodyLength: this.bodyLength,
      whole: shape === 'byte' || this.held === this.bodyLength,
      gap: this.gap,
      cut,
    };
    this.body = EMPTY;
    this.held = 0;
    this.gap = false;
    if (this.state !== 'ended') this.state = 'boundary';
    this.hooks.onMessage(message);
  }

  private error(offset: number, code: string, message: string): void {
    this.state = 'failed';
    this.body = EMPTY;
    this.hooks.onError({ dir: this.dir, offset, code, message });
  }

  private internalError(e: unknown): void {
    if (this.done) return;
    const text = e instanceof Error ? e.message : String(e);
    try {
      this.error(this.pos, 'internal', `internal parser error: ${text}`);
    } catch {
      this.state = 'failed';
    }
  }
}
