/**
 * An incremental RESP reader for ONE direction of a Redis connection: RESP2 and RESP3 values of
 * any type, and (requests only) inline commands. It is fed segments cut anywhere, keeps at most
 * one text line and a bounded prefix of each string, skips through bulk payloads whose length is
 * known (captured or not), and emits each top-level value with its stream offsets.
 *
 * Why hand-written: redis-parser (npm, v3) reads RESP2 replies only, with no offsets and no way
 * to resume after uncaptured bytes; @redis/client's RESP3 decoder is internal to the client and
 * reads replies only; respjs is RESP2 only and throws on bad input. A capture tool needs both
 * directions, RESP3, inline commands, offsets, gaps skipped inside known lengths and never a throw.
 *
 * Failure is local: bytes that are not RESP, a gap where framing bytes were lost, a line over its
 * limit end this direction with one error at a stream offset; the rest is raw. push() never throws.
 */
import type { DbParseError } from '../db-call.js';
import { type GapReason, type StreamDirection, type StreamItem, unseenPart } from '../stream.js';
import { REDIS_LIMITS } from './limits.js';
import { isKnownCommand } from './command.js';
import { splitInlineArgs } from './inline.js';
import type { RespAggregate, RespMessage, RespScalar, RespType, RespValue } from './types.js';

export interface RespReaderHooks {
  /** A top-level value ended, or the stream ended or failed inside one (then `complete` is false). */
  onMessage(message: RespMessage): void;
  /** The direction stopped being parsed. Called after onMessage of the value it interrupted. */
  onError(error: DbParseError): void;
  /**
   * A line at the very start of the direction was skipped [start, end): the capture began inside
   * a message, and this is its tail.
   */
  onSkip?(start: number, end: number): void;
  /** The direction ended (eof, close, error) or the capture did. */
  onEnd?(): void;
}

const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);

/** RESP type bytes and what their line says. */
const SCALAR_LINE: Record<number, RespType> = {
  0x2b: 'simple-string', // +
  0x2d: 'simple-error', // -
  0x3a: 'integer', // :
  0x5f: 'null', // _
  0x2c: 'double', // ,
  0x23: 'boolean', // #
  0x28: 'big-number', // (
};
const BULK: Record<number, RespType> = { 0x24: 'bulk-string', 0x21: 'bulk-error', 0x3d: 'verbatim-string' }; // $ ! =
const AGGREGATE: Record<number, RespType> = { 0x2a: 'array', 0x25: 'map', 0x7e: 'set', 0x3e: 'push', 0x7c: 'attribute' }; // * % ~ > |
const TEXT_LINES = new Set<RespType>(['simple-string', 'simple-error', 'double', 'big-number']);

/** An aggregate still reading its elements. */
interface Frame {
  node: RespAggregate;
  /** Elements still to come (maps and attributes: twice the entries). */
  remaining: number;
  /** Attributes read inside it, for its next element. */
  attributes?: RespAggregate;
}

export class RespReader {
  private state: 'line' | 'bulk' | 'failed' | 'ended' = 'line';
  /** Stream offset of the next byte. */
  private pos = 0;
  /** The line being read: its kept bytes, and how many it has in all. */
  private line: Buffer = Buffer.alloc(256);
  private lineKept = 0;
  private lineTotal = 0;
  private lineType = 0;
  private lineLastByte = 0;
  /** Stream offset of the line's first byte. */
  private lineStart = 0;
  /** ts of the segment that held the last byte read. */
  private ts = 0;
  /** The bulk string being read, and its payload bytes (plus CRLF) still to come. */
  private bulk: RespScalar | undefined;
  private bulkKept: Buffer[] = [];
  private bulkRemaining = 0;
  /** The bulk string is kept in its message's tree (the keep budget allowed it). */
  private bulkKeep = false;
  /** The top-level value being read. */
  private stack: Frame[] = [];
  private root: RespValue | undefined;
  private rootAttributes: RespAggregate | undefined;
  private inMessage = false;
  /** A whole message was read: a capture that began mid-message has found its footing. */
  private started = false;
  /** The current line is the tail of a message the capture began inside; bytes skipped so far. */
  private skipping = false;
  private skipped = 0;
  private message = { start: 0, startTs: 0, gap: false, inline: false, keptNodes: 0, keptBytes: 0 };

  constructor(
    readonly dir: StreamDirection,
    private readonly hooks: RespReaderHooks,
    /** Stream offset of the first byte it is given: a message starts there. */
    startOffset = 0,
  ) {
    this.pos = this.lineStart = startOffset;
  }

  /** It gave up on this direction. */
  get failed(): boolean {
    return this.state === 'failed';
  }

  /** Feeds the next item of this direction. Never throws. */
  push(item: StreamItem): void {
    if (this.state === 'failed' || this.state === 'ended') return;
    try {
      if (item.offset > this.pos) this.gap(item.offset - this.pos, 'lost', item.ts);
      if (item.kind === 'end') {
        this.end();
        return;
      }
      const part = unseenPart(item, this.pos);
      if (!part) return;
      const { length } = part;
      const bytes = Buffer.from(part.bytes.buffer, part.bytes.byteOffset, part.bytes.length);
      if (bytes.length > 0) this.feed(bytes, item.ts);
      if (length > bytes.length) this.gap(length - bytes.length, item.gap ?? 'lost', item.ts);
    } catch (e) {
      this.fail(this.pos, 'internal', `parser error: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** The capture ended: a value still open is emitted as incomplete. Never throws. */
  finish(): void {
    if (this.state === 'failed' || this.state === 'ended') return;
    try {
      this.end();
    } catch (e) {
      this.fail(this.pos, 'internal', `parser error: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Bytes held for the value being read (its line; kept string prefixes are counted by the budget). */
  get bufferedBytes(): number {
    return this.line.length + this.message.keptBytes;
  }

  private end(): void {
    if (this.inMessage) this.emit(false, this.pos);
    this.state = 'ended';
    this.hooks.onEnd?.();
  }

  // ---- bytes ----

  private feed(bytes: Buffer, ts: number): void {
    this.ts = ts;
    let i = 0;
    while (i < bytes.length && (this.state === 'line' || this.state === 'bulk')) {
      i = this.state === 'line' ? this.readLine(bytes, i, ts) : this.readBulk(bytes, i, ts);
    }
  }

  /** Bytes moved but not captured: fine inside a bulk payload, fatal anywhere else. */
  private gap(size: number, reason: GapReason, ts: number): void {
    this.ts = ts;
    if (this.state === 'bulk' && this.bulk) {
      const skipped = Math.min(size, this.bulkRemaining);
      this.bulk.gap = true;
      this.bulkKeep = false; // the kept prefix must be contiguous
      this.message.gap = true;
      this.pos += skipped;
      this.bulkRemaining -= skipped;
      if (this.bulkRemaining === 0) this.endBulk(ts);
      size -= skipped;
    }
    if (size <= 0 || this.state === 'failed' || this.state === 'ended') return;
    if (this.inMessage) this.message.gap = true;
    this.fail(this.pos, 'gap', `${size} bytes not captured (${reason}) where RESP framing was expected`);
  }

  private readLine(bytes: Buffer, i: number, ts: number): number {
    if (this.lineTotal === 0) {
      if (!this.startLine(bytes[i], ts)) return bytes.length;
      this.lineType = bytes[i];
      this.lineStart = this.pos;
    }
    const lf = bytes.indexOf(LF, i);
    const stop = lf === -1 ? bytes.length : lf;
    const limit = this.lineLimit();
    if (this.lineTotal + (stop - i) > limit) {
      this.fail(this.lineStart, this.isNumberLine() ? 'invalid-message' : 'too-large', `a line longer than ${limit} bytes`);
      return bytes.length;
    }
    this.keepLineBytes(bytes, i, stop);
    if (stop > i) this.lineLastByte = bytes[stop - 1];
    this.lineTotal += stop - i;
    this.pos += stop - i;
    if (lf === -1) return bytes.length;
    this.pos += 1;
    this.lineTotal += 1;
    this.endLine(ts);
    return lf + 1;
  }

  /** The first byte of a line: a new message begins here, or an element of the current one. */
  private startLine(first: number, ts: number): boolean {
    if (!this.inMessage) {
      this.inMessage = true;
      this.message = { start: this.pos, startTs: ts, gap: false, inline: false, keptNodes: 0, keptBytes: 0 };
      this.message.inline = this.dir === 'c2s' && first !== 0x2a; // Redis: '*' starts a multibulk, anything else is inline
      if (!this.started && this.dir === 's2c' && !isTypeByte(first)) {
        // the capture began inside a reply: skip to a line that starts one
        this.message.inline = true;
        this.skipping = true;
      }
    }
    if (this.message.inline || isTypeByte(first)) return true;
    this.fail(this.pos, 'invalid-message', `0x${first.toString(16).padStart(2, '0')} does not start a RESP value`);
    return false;
  }

  private lineLimit(): number {
    if (this.message.inline) return REDIS_LIMITS.maxInlineLine;
    return this.isNumberLine() ? REDIS_LIMITS.maxNumberLine : REDIS_LIMITS.maxTextLine;
  }

  private isNumberLine(): boolean {
    return !this.message.inline && !TEXT_LINES.has(SCALAR_LINE[this.lineType]);
  }

  private keepLineBytes(bytes: Buffer, from: number, to: number): void {
    const room = REDIS_LIMITS.keepStringBytes + 1 - this.lineKept; // +1: the type byte
    const n = Math.min(room, to - from);
    if (n <= 0) return;
    if (this.lineKept + n > this.line.length) {
      let size = this.line.length;
      while (size < this.lineKept + n) size *= 2;
      const grown = Buffer.alloc(size);
      this.line.copy(grown, 0, 0, this.lineKept);
      this.line = grown;
    }
    bytes.copy(this.line, this.lineKept, from, from + n);
    this.lineKept += n;
  }

  /** A whole line was read (its LF consumed): what it says. */
  private endLine(ts: number): void {
    // the line's content: less its LF, and less a CR before it (RESP wants CRLF; LF alone is tolerated)
    const contentLength = this.lineTotal - 1 - (this.lineTotal > 1 && this.lineLastByte === CR ? 1 : 0);
    const text = this.line.subarray(0, Math.min(this.lineKept, contentLength));
    this.lineKept = 0;
    this.lineTotal = 0;
    if (this.skipping) this.skipLine();
    else if (this.message.inline) this.endInline(text, ts);
    else this.endRespLine(text, contentLength, ts);
    if (this.line.length > 4096) this.line = Buffer.alloc(256);
  }

  private endInline(text: Buffer, ts: number): void {
    const args = splitInlineArgs(text);
    if (!this.started && (args === undefined || (args.length > 0 && !isKnownCommand(args[0].toString('latin1').toUpperCase())))) {
      this.skipLine(); // not a command: the tail of a request the capture began inside
      return;
    }
    if (args === undefined) {
      this.fail(this.message.start, 'invalid-message', 'unbalanced quotes in an inline command');
      return;
    }
    if (args.length === 0) {
      this.inMessage = false; // Redis ignores empty lines
      return;
    }
    const node: RespAggregate = { kind: 'aggregate', type: 'array', count: args.length, items: [] };
    for (const arg of args) {
      if (!this.mayKeep(arg.length)) break;
      node.items.push({ kind: 'scalar', type: 'bulk-string', bytes: arg, length: arg.length, gap: false });
    }
    this.root = node;
    this.emit(true, this.pos, ts);
  }

  private endRespLine(text: Buffer, contentLength: number, ts: number): void {
    const typeByte = text[0];
    const body = text.subarray(1);
    const scalarType = SCALAR_LINE[typeByte];
    if (scalarType) {
      const node: RespScalar = { kind: 'scalar', type: scalarType, bytes: EMPTY, length: contentLength - 1, gap: false };
      if (this.attach(node)) node.bytes = this.keepBytes(body);
      this.completed(node, ts);
      return;
    }
    const n = parseLength(body);
    if (n === undefined) {
      this.fail(this.lineStart, 'invalid-message', `invalid length line ${JSON.stringify(text.toString('latin1').slice(0, 40))}`);
      return;
    }
    const bulkType = BULK[typeByte];
    if (bulkType) {
      if (n < 0) this.place({ kind: 'scalar', type: 'null', bytes: EMPTY, length: 0, gap: false }, ts);
      else if (n > REDIS_LIMITS.maxBulkLength) this.fail(this.lineStart, 'too-large', `a bulk string of ${n} bytes`);
      else this.startBulk(bulkType, n, ts);
      return;
    }
    const aggregateType = AGGREGATE[typeByte];
    if (this.dir === 'c2s' && this.stack.length === 0 && n <= 0) {
      this.inMessage = false; // Redis ignores "*0" and "*-1" requests: no reply comes
      return;
    }
    if (n < 0) {
      this.place({ kind: 'scalar', type: 'null', bytes: EMPTY, length: 0, gap: false }, ts);
      return;
    }
    if (this.stack.length >= REDIS_LIMITS.maxDepth) {
      this.fail(this.lineStart, 'invalid-message', `aggregates nested deeper than ${REDIS_LIMITS.maxDepth}`);
      return;
    }
    const node: RespAggregate = { kind: 'aggregate', type: aggregateType, count: n, items: [] };
    const perEntry = aggregateType === 'map' || aggregateType === 'attribute' ? 2 : 1;
    this.place(node, ts, { node, remaining: n * perEntry });
  }

  private skipLine(): void {
    const start = this.message.start;
    this.skipping = false;
    this.inMessage = false;
    this.skipped += this.pos - start;
    if (this.skipped > REDIS_LIMITS.maxInlineLine) {
      this.fail(start, 'invalid-message', `no RESP message in the first ${this.skipped} bytes`);
      return;
    }
    this.hooks.onSkip?.(start, this.pos);
  }

  private startBulk(type: RespType, length: number, ts: number): void {
    const node: RespScalar = { kind: 'scalar', type, bytes: EMPTY, length, gap: false };
    this.bulk = node;
    this.bulkKept = [];
    this.bulkRemaining = length + 2;
    this.bulkKeep = this.attach(node);
    this.state = 'bulk';
    this.ts = ts;
  }

  private readBulk(bytes: Buffer, i: number, ts: number): number {
    const node = this.bulk!;
    const n = Math.min(this.bulkRemaining, bytes.length - i);
    const payloadLeft = this.bulkRemaining - 2; // payload bytes still to come (negative: inside the CRLF)
    const payloadHere = Math.max(0, Math.min(n, payloadLeft));
    if (payloadHere > 0) this.keepBulkBytes(bytes.subarray(i, i + payloadHere));
    for (let k = payloadHere; k < n; k++) {
      const expected = payloadLeft - k === 0 ? CR : LF; // offset within the CRLF
      if (bytes[i + k] !== expected) {
        this.pos += k; // the message ends where the bad byte is, however the bytes were cut
        this.fail(this.pos, 'invalid-message', `a bulk string of ${node.length} bytes is not followed by CRLF`);
        return bytes.length;
      }
    }
    this.pos += n;
    this.bulkRemaining -= n;
    if (this.bulkRemaining === 0) this.endBulk(ts);
    return i + n;
  }

  private keepBulkBytes(bytes: Buffer): void {
    const kept = this.bulkKept.reduce((sum, b) => sum + b.length, 0);
    const room = Math.min(REDIS_LIMITS.keepStringBytes - kept, REDIS_LIMITS.keepMessageBytes - this.message.keptBytes);
    if (room <= 0 || !this.bulkKeep) return;
    const part = Buffer.from(bytes.subarray(0, room)); // a copy: the caller's segment is not ours
    this.bulkKept.push(part);
    this.message.keptBytes += part.length;
  }

  private endBulk(ts: number): void {
    const node = this.bulk!;
    node.bytes = this.bulkKept.length === 1 ? this.bulkKept[0] : Buffer.concat(this.bulkKept);
    this.bulk = undefined;
    this.bulkKept = [];
    this.state = 'line';
    this.completed(node, ts);
  }

  // ---- the value tree ----

  /** A value whose header line was read: attach it, and complete it unless it has elements to come. */
  private place(node: RespValue, ts: number, frame?: Frame): void {
    this.attach(node);
    if (frame && frame.remaining > 0) this.stack.push(frame);
    else this.completed(node, ts);
  }

  /**
   * Links a new value to its parent with the attributes sent before it; returns whether it is
   * kept (the message's keep budget allows it), else it is only counted.
   */
  private attach(node: RespValue): boolean {
    const parent = this.stack[this.stack.length - 1];
    if (node.type !== 'attribute') {
      const attributes = parent ? parent.attributes : this.rootAttributes;
      if (attributes) node.attributes = attributes;
      if (parent) parent.attributes = undefined;
      else this.rootAttributes = undefined;
    }
    // the root is always kept: it is what the message is
    if (!parent) {
      if (node.type !== 'attribute') this.root = node;
      this.mayKeep(0);
      return true;
    }
    if (!this.mayKeep(0)) return false;
    if (node.type !== 'attribute') parent.node.items.push(node);
    return true;
  }

  private mayKeep(bytes: number): boolean {
    const m = this.message;
    if (m.keptNodes >= REDIS_LIMITS.keepNodes || m.keptBytes + bytes > REDIS_LIMITS.keepMessageBytes) return false;
    m.keptNodes++;
    m.keptBytes += bytes;
    return true;
  }

  private keepBytes(body: Buffer): Buffer {
    const room = Math.max(0, REDIS_LIMITS.keepMessageBytes - this.message.keptBytes);
    const part = Buffer.from(body.subarray(0, Math.min(room, REDIS_LIMITS.keepStringBytes)));
    this.message.keptBytes += part.length;
    return part;
  }

  /** A value is whole: count it in its parent, and close every aggregate it completes. */
  private completed(node: RespValue, ts: number): void {
    let done: RespValue = node;
    for (;;) {
      const parent = this.stack[this.stack.length - 1];
      if (!parent) break;
      if (done.type === 'attribute') {
        parent.attributes = done as RespAggregate;
        return;
      }
      parent.remaining--;
      if (parent.remaining > 0) return;
      this.stack.pop();
      done = parent.node;
    }
    if (done.type === 'attribute') {
      this.rootAttributes = done as RespAggregate; // attributes wait for the reply they describe
      return;
    }
    this.emit(true, this.pos, ts);
  }

  private emit(complete: boolean, end: number, ts?: number): void {
    const m = this.message;
    if (this.bulk) this.bulk.bytes = Buffer.concat(this.bulkKept); // a bulk string the stream ended inside
    const value = this.root ?? this.rootAttributes ?? this.stack[0]?.node;
    this.root = undefined;
    this.rootAttributes = undefined;
    this.stack = [];
    this.bulk = undefined;
    this.bulkKept = [];
    this.inMessage = false;
    if (!value) return;
    if (complete) this.started = true;
    this.hooks.onMessage({
      value,
      start: m.start,
      end,
      startTs: m.startTs,
      endTs: ts ?? this.ts,
      complete,
      gap: m.gap,
      ...(m.inline ? { inline: true } : {}),
    });
  }

  private fail(offset: number, code: string, message: string): void {
    if (this.state === 'failed') return;
    // the interrupted message ends where the error is, wherever the segments were cut
    if (this.inMessage) this.emit(false, Math.max(offset, this.message.start));
    this.state = 'failed';
    this.hooks.onError({ dir: this.dir, offset, code, message });
  }
}

function isTypeByte(b: number): boolean {
  return SCALAR_LINE[b] !== undefined || BULK[b] !== undefined || AGGREGATE[b] !== undefined;
}

/** A RESP length or count: an optional '-' and decimal digits, within safe integers. */
function parseLength(body: Buffer): number | undefined {
  if (body.length === 0 || body.length > 20) return undefined;
  let i = 0;
  const negative = body[0] === 0x2d;
  if (negative) i = 1;
  if (i === body.length) return undefined;
  let n = 0;
  for (; i < body.length; i++) {
    const d = body[i] - 0x30;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  if (!Number.isSafeInteger(n)) return undefined;
  return negative ? -n : n;
}
