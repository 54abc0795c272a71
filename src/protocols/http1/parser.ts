/**
 * An incremental HTTP/1.x parser for ONE direction of a connection: requests (c2s) or responses
 * (s2c), in the style of pg-protocol and llhttp. It is fed the segments of a captured stream in
 * any sizes, keeps only the unconsumed remainder, and emits each message when its head is known
 * and again when it ends. Bodies are never copied: they are described by stream offsets.
 *
 * Why not an existing parser (llhttp through Node's internal HTTPParser, http-parser-js): they
 * cannot report the stream offsets of bodies, cannot resume after bytes that were moved but not
 * captured (a truncated or zero-copy body), and throw or stop at the first anomaly. A capture
 * tool needs all three.
 *
 * Failure is local: anything the parser cannot understand (garbage, a gap where it needs bytes,
 * a head over the limit) ends parsing of this direction with one error carrying the stream
 * offset; the rest of the direction is raw. push() never throws.
 */
import { type GapReason, type StreamDirection, type StreamEnd, type StreamItem, type StreamSegment, unseenPart } from '../stream.js';
import { CR, LF, asBuffer, findSectionEnd, indexOfLf, lineContentEnd, sectionScanResume } from './bytes.js';
import { scanChunkSizeLine } from './chunk-line.js';
import { parseFieldLines } from './fields.js';
import { isFlaw, type Flaw } from './flaw.js';
import {
  collectHeadFacts,
  keepsAlive,
  requestFraming,
  responseFraming,
  switchesProtocol,
  type FramingDecision,
} from './framing.js';
import { parseHead, type ParsedHead } from './head.js';
import { DEFAULT_HTTP1_LIMITS } from './limits.js';
import { PendingBytes } from './pending-bytes.js';
import { SegmentTimes } from './segment-times.js';
import { checkStartLinePrefix } from './start-line.js';
import type {
  Http1ErrorCode,
  Http1Limits,
  Http1ParseError,
  HttpBody,
  HttpMessage,
  HttpRequest,
  HttpResponse,
} from './types.js';

export type MessageKind = 'request' | 'response';

/**
 * What the parser tells its owner. Hooks run synchronously inside push(); from onMessage a hook
 * may call pause() or switchProtocol() on this parser, which take effect right after that message.
 */
export interface Http1ParserHooks {
  /** A head was parsed; the body (if any) follows. The object is updated until onMessage. */
  onHead(message: HttpMessage): void;
  /** The message ended, or the stream ended inside it (then `complete` is false). */
  onMessage(message: HttpMessage): void;
  /** The direction stopped being parsed; `interrupted` is the message it was inside, if any. */
  onError(error: Http1ParseError, interrupted: HttpMessage | undefined): void;
  /** Responses only: the method of the request this response answers (HEAD and CONNECT change its framing). */
  requestMethod?(): string | undefined;
}

/** Parser states: one read method each, dispatched by run(). */
type State =
  | 'head'
  | 'lengthBody'
  | 'closeBody'
  | 'chunkSize'
  | 'chunkData'
  | 'chunkDataEnd'
  | 'trailers'
  | 'paused' // waiting to learn whether an Upgrade/CONNECT request switched protocols
  | 'opaque' // the connection switched protocols: the rest is not HTTP/1.x
  | 'failed'
  | 'ended';

/** A piece of the stream as the states consume it: captured bytes, missing bytes, or the end. */
type Piece =
  | { kind: 'bytes'; bytes: Buffer }
  | { kind: 'gap'; size: number; reason: GapReason }
  | { kind: 'end'; reason: StreamEnd['reason'] };

export class Http1Parser {
  private state: State = 'head';
  private readonly input = new PendingBytes();
  private readonly times = new SegmentTimes();
  private readonly limits: Http1Limits;
  /** Stream offset just past everything pushed so far. */
  private received = 0;
  /** Stream offset just past the last message that ended. */
  private lastMessageEnd = 0;
  /** The message whose head was parsed and whose body is still being read. */
  private message: HttpMessage | undefined;
  /** Bytes left in a Content-Length body or in the current chunk's data. */
  private remaining = 0;
  /** This response switches protocols: after it, the direction is opaque. */
  private switchAfterMessage = false;
  /** Stream offset where the search for the end of a head or trailer section resumes. */
  private sectionScan = 0;
  /** How far (from the message start) the start line was checked; Infinity once it looked right. */
  private startLineChecked = 0;
  /** Pieces that arrived while paused, in order. */
  private held: Piece[] = [];
  private heldBytes = 0;
  /** finish() is under way: nothing may pause any more. */
  private finishing = false;

  constructor(
    readonly kind: MessageKind,
    readonly dir: StreamDirection,
    private readonly hooks: Http1ParserHooks,
    limits: Partial<Http1Limits> = {},
    /**
     * Stream offset of the first byte this parser is given: a message starts there. A file of a
     * `record --dir` chain goes on from the end of the exchanges the file before kept (SPEC.md §3.1).
     */
    startOffset = 0,
  ) {
    this.limits = { ...DEFAULT_HTTP1_LIMITS, ...limits };
    this.received = this.lastMessageEnd = this.sectionScan = this.input.offset = startOffset;
  }

  /** Feeds the next item of this direction. Never throws. */
  push(item: StreamItem): void {
    if (this.isDone()) return;
    try {
      if (item.kind === 'data') this.pushSegment(item);
      else this.pushEnd(item);
      this.input.retain();
    } catch (e) {
      this.internalError(e);
    }
  }

  /** The capture ended: a message still open is emitted as incomplete. Never throws. */
  finish(): void {
    if (this.isDone()) return;
    try {
      this.finishing = true;
      this.resume();
      this.end(undefined);
    } catch (e) {
      this.internalError(e);
    }
  }

  /**
   * Stops parsing after the message just emitted (call from onMessage): the request asked for an
   * Upgrade or CONNECT, and until its response arrives nobody knows whether HTTP/1.x follows.
   */
  pause(): void {
    // more pending than we would hold: the client did not wait for an answer, so HTTP goes on
    if (this.input.pendingLength > this.limits.maxPausedBytes) return;
    if (this.state === 'head' && !this.finishing) this.state = 'paused';
  }

  /** The paused request did not switch protocols: parse what arrived meanwhile. */
  resume(): void {
    if (this.state !== 'paused') return;
    this.state = 'head';
    try {
      this.runAll();
      const held = this.held;
      this.held = [];
      this.heldBytes = 0;
      for (const piece of held) this.feed(piece);
      this.input.retain();
    } catch (e) {
      this.internalError(e);
    }
  }

  /**
   * The connection switched protocols: the rest is opaque. Returns the offset where that begins
   * (the end of the last message), or undefined if this direction was not being parsed anyway.
   */
  switchProtocol(): number | undefined {
    const at = this.state === 'failed' || this.state === 'opaque' ? undefined : this.lastMessageEnd;
    this.goOpaque();
    return at;
  }

  /** 'parsing', or why parsing stopped. */
  get phase(): 'parsing' | 'paused' | 'opaque' | 'failed' | 'ended' {
    const s = this.state;
    return s === 'paused' || s === 'opaque' || s === 'failed' || s === 'ended' ? s : 'parsing';
  }

  /** Bytes held in memory (a partial head, or pieces held while paused). */
  get bufferedBytes(): number {
    return this.input.pendingLength + this.heldBytes;
  }

  // ---- input: segments and end markers become pieces ----

  private pushSegment(segment: StreamSegment): void {
    const part = unseenPart(segment, this.received);
    if (!part) return;
    const { offset, length } = part;
    const bytes = asBuffer(part.bytes);
    this.times.forget(this.input.offset - 1);
    if (offset > this.received) {
      // the records of the bytes in between were lost: they were moved, not seen
      this.times.note(this.received, segment.ts);
      const size = offset - this.received;
      this.received = offset;
      this.feed({ kind: 'gap', size, reason: 'lost' });
    }
    this.times.note(offset, segment.ts);
    this.received = offset + length;
    if (bytes.length > 0) this.feed({ kind: 'bytes', bytes });
    if (length > bytes.length) this.feed({ kind: 'gap', size: length - bytes.length, reason: segment.gap ?? 'lost' });
  }

  private pushEnd(end: StreamEnd): void {
    if (end.offset > this.received) {
      this.times.note(this.received, end.ts);
      const size = end.offset - this.received;
      this.received = end.offset;
      this.feed({ kind: 'gap', size, reason: 'lost' });
    }
    this.feed({ kind: 'end', reason: end.reason });
  }

  private feed(piece: Piece): void {
    if (this.state === 'paused') {
      this.hold(piece);
      return;
    }
    switch (piece.kind) {
      case 'bytes':
        if (this.isDone()) return;
        this.input.append(piece.bytes);
        this.runAll();
        return;
      case 'gap':
        this.feedGap(piece.size, piece.reason);
        return;
      case 'end':
        this.end(piece.reason);
        return;
    }
  }

  private hold(piece: Piece): void {
    this.held.push(piece);
    if (piece.kind === 'bytes') this.heldBytes += piece.bytes.length;
    // the answer is taking too long: the client is evidently still speaking HTTP/1.x
    if (this.heldBytes + this.input.pendingLength > this.limits.maxPausedBytes) this.resume();
  }

  // ---- the state machine ----

  /** Parses until the states need bytes that have not arrived, or stop parsing. */
  private runAll(): void {
    do this.run();
    while (this.isParsing() && this.input.refill());
  }

  private run(): void {
    for (;;) {
      let more: boolean;
      switch (this.state) {
        case 'head':
          more = this.readHead();
          break;
        case 'lengthBody':
          more = this.readLengthBody();
          break;
        case 'closeBody':
          more = this.readCloseBody();
          break;
        case 'chunkSize':
          more = this.readChunkSize();
          break;
        case 'chunkData':
          more = this.readChunkData();
          break;
        case 'chunkDataEnd':
          more = this.readChunkDataEnd();
          break;
        case 'trailers':
          more = this.readTrailers();
          break;
        default:
          more = false; // paused, opaque, failed, ended: bytes are not parsed
      }
      if (!more) return;
    }
  }

  private readHead(): boolean {
    if (!this.skipBlankLines()) return false;
    const { data: buf, start, end } = this.input;
    const headLimitEnd = Math.min(end, start + this.limits.maxHeadBytes);
    if (this.startLineChecked !== Number.POSITIVE_INFINITY) {
      // reject a non-HTTP stream at its first bytes, not after maxHeadBytes of it
      const checked = checkStartLinePrefix(this.kind, buf, start, start + this.startLineChecked, headLimitEnd);
      if (checked.flaw) return this.failAt(checked.flaw);
      this.startLineChecked = checked.resumeAt - start;
    }
    const scanFrom = Math.max(start, start + this.sectionScan - this.input.offset);
    const headEnd = findSectionEnd(buf, start, scanFrom, end);
    if (headEnd < 0 ? end - start > this.limits.maxHeadBytes : headEnd - start > this.limits.maxHeadBytes) {
      return this.fail(this.input.offset, 'head-too-large', `no end of head within ${this.limits.maxHeadBytes} bytes`);
    }
    if (headEnd < 0) {
      this.sectionScan = this.input.offset + (sectionScanResume(start, end) - start);
      return false;
    }
    return this.parseHead(buf, start, headEnd);
  }

  /** RFC 9112 §2.2: a recipient should ignore empty lines before a request line. */
  private skipBlankLines(): boolean {
    const { data: buf, start, end } = this.input;
    let i = start;
    for (;;) {
      if (i >= end) break;
      if (buf[i] === LF) i++;
      else if (buf[i] === CR && i + 1 < end && buf[i + 1] === LF) i += 2;
      else break;
    }
    if (i > start) this.input.consume(i - start);
    // a CR alone at the end may be the start of one more blank line
    return this.input.length > 0 && !(this.input.length === 1 && this.input.data[this.input.start] === CR);
  }

  private parseHead(buf: Buffer, start: number, headEnd: number): boolean {
    const head = parseHead(this.kind, buf, start, headEnd);
    if (isFlaw(head)) return this.failAt(head);
    const startOffset = this.input.offset;
    const message = this.newMessage(head, startOffset, startOffset + (headEnd - start));
    const decision = this.decideFraming(message);
    this.input.consume(headEnd - start);
    this.message = message;
    this.hooks.onHead(message);
    if ('problem' in decision) {
      return this.fail(startOffset + head.fieldStarts[decision.field], decision.problem, decision.message);
    }
    return this.beginBody(message.body, decision.framing, decision.declaredLength);
  }

  private newMessage(head: ParsedHead, start: number, headEnd: number): HttpMessage {
    const headEndTs = this.times.at(headEnd - 1);
    const common = {
      version: head.line.version,
      headers: head.headers,
      start,
      headEnd,
      end: headEnd,
      startTs: this.times.at(start),
      headEndTs,
      endTs: headEndTs,
      keepAlive: false,
      body: emptyBody(),
      complete: false,
    };
    const { line } = head;
    return 'method' in line
      ? ({ kind: 'request', method: line.method, target: line.target, ...common } satisfies HttpRequest)
      : ({ kind: 'response', status: line.status, reason: line.reason, ...common } satisfies HttpResponse);
  }

  /** How the body is framed (RFC 9112 §6.3) and what follows the message. */
  private decideFraming(message: HttpMessage): FramingDecision {
    const facts = collectHeadFacts(message.headers);
    let decision: FramingDecision;
    if (message.kind === 'request') {
      decision = requestFraming(facts);
      this.switchAfterMessage = false;
    } else {
      const method = this.hooks.requestMethod?.();
      decision = responseFraming(message.status, facts, method);
      this.switchAfterMessage = switchesProtocol(method, message.status);
    }
    // a body delimited by the close ends the connection, whatever the headers say
    const closeDelimited = !('problem' in decision) && decision.framing === 'close';
    message.keepAlive = keepsAlive(message.version, facts) && !closeDelimited;
    return decision;
  }

  private beginBody(body: HttpBody, framing: HttpBody['framing'], declaredLength: number | undefined): boolean {
    body.framing = framing;
    switch (framing) {
      case 'none':
        return this.finishMessage();
      case 'length':
        body.declaredLength = declaredLength;
        if (declaredLength === 0) return this.finishMessage();
        this.remaining = declaredLength ?? 0;
        this.state = 'lengthBody';
        return true;
      case 'chunked':
        this.state = 'chunkSize';
        return true;
      case 'close':
        this.state = 'closeBody';
        return true;
    }
  }

  private readLengthBody(): boolean {
    const n = Math.min(this.input.length, this.remaining);
    if (n === 0) return false;
    this.takeBodyBytes(n);
    this.remaining -= n;
    return this.remaining === 0 ? this.finishMessage() : false;
  }

  private readCloseBody(): boolean {
    const n = this.input.length;
    if (n > 0) this.takeBodyBytes(n);
    return false; // only the end of the stream ends this body
  }

  private readChunkSize(): boolean {
    const { data: buf, start, end } = this.input;
    if (start === end) return false;
    const max = this.limits.maxChunkLineBytes;
    const lf = indexOfLf(buf, start, end);
    if (lf !== -1 && lf - start <= max) {
      const size = scanChunkSizeLine(buf, start, lineContentEnd(buf, start, lf), true);
      if (isFlaw(size)) return this.failAt(size);
      this.input.consume(lf + 1 - start);
      this.message!.end = this.input.offset;
      if (size === 0) {
        this.state = 'trailers';
        this.sectionScan = this.input.offset;
      } else {
        this.remaining = size;
        this.state = 'chunkData';
      }
      return true;
    }
    // check what has arrived of the line first, so that a bad size is reported at the same
    // byte however the line was split
    const partial = scanChunkSizeLine(buf, start, Math.min(end, start + max), false);
    if (isFlaw(partial)) return this.failAt(partial);
    if (lf !== -1 || end - start > max) {
      return this.fail(this.input.offset, 'invalid-chunk', `chunk-size line longer than ${max} bytes`);
    }
    return false;
  }

  private readChunkData(): boolean {
    const n = Math.min(this.input.length, this.remaining);
    if (n === 0) return false;
    this.takeBodyBytes(n);
    this.remaining -= n;
    if (this.remaining > 0) return false;
    this.state = 'chunkDataEnd';
    return true;
  }

  private readChunkDataEnd(): boolean {
    const { data: buf, start, end } = this.input;
    if (start === end) return false;
    let n: number;
    if (buf[start] === LF) n = 1;
    else if (buf[start] !== CR) return this.failAt({ at: start, code: 'invalid-chunk', message: 'expected CRLF after chunk data' });
    else if (start + 1 === end) return false;
    else if (buf[start + 1] === LF) n = 2;
    else return this.failAt({ at: start + 1, code: 'invalid-chunk', message: 'expected CRLF after chunk data' });
    this.input.consume(n);
    this.message!.end = this.input.offset;
    this.state = 'chunkSize';
    return true;
  }

  private readTrailers(): boolean {
    const { data: buf, start, end } = this.input;
    if (start === end) return false;
    const scanFrom = Math.max(start, start + this.sectionScan - this.input.offset);
    const sectionEnd = findSectionEnd(buf, start, scanFrom, end);
    const max = this.limits.maxHeadBytes;
    if (sectionEnd < 0 ? end - start > max : sectionEnd - start > max) {
      return this.fail(this.input.offset, 'head-too-large', `no end of trailers within ${max} bytes`);
    }
    if (sectionEnd < 0) {
      this.sectionScan = this.input.offset + (sectionScanResume(start, end) - start);
      return false;
    }
    const message = this.message!;
    const problem = parseFieldLines(buf, start, sectionEnd, message.body.trailers, []);
    if (problem) return this.failAt(problem);
    this.input.consume(sectionEnd - start);
    return this.finishMessage();
  }

  // ---- bodies: offsets only, never bytes ----

  private takeBodyBytes(n: number): void {
    this.extendBody(this.input.offset, n);
    this.input.consume(n);
  }

  private extendBody(offset: number, n: number): void {
    const message = this.message!;
    const { ranges } = message.body;
    const last = ranges[ranges.length - 1];
    // chunks are never adjacent (a size line lies between), so adjacency means "same chunk"
    if (last !== undefined && last[1] === offset) last[1] += n;
    else ranges.push([offset, offset + n]);
    message.body.length += n;
    message.end = offset + n;
  }

  private feedGap(size: number, reason: GapReason): void {
    while (size > 0) {
      switch (this.state) {
        case 'lengthBody':
        case 'chunkData': {
          const n = Math.min(size, this.remaining);
          this.skipBodyBytes(n, reason);
          size -= n;
          this.remaining -= n;
          if (this.remaining > 0) break;
          // nothing is pending behind the gap (body states consume all captured bytes), so
          // there is nothing to run: the loop goes on with the rest of the gap, if any
          if (this.state === 'lengthBody') this.finishMessage();
          else this.state = 'chunkDataEnd';
          break;
        }
        case 'closeBody':
          this.skipBodyBytes(size, reason);
          return;
        case 'head':
        case 'chunkSize':
        case 'chunkDataEnd':
        case 'trailers': {
          const where = this.state === 'head' ? 'a head' : 'chunk framing';
          // no size in the message: it depends on how the capture was segmented
          this.fail(this.input.endOffset, 'gap', `missing bytes (${reason}) in ${where}`);
          return;
        }
        case 'paused':
          this.hold({ kind: 'gap', size, reason });
          return;
        default:
          return; // opaque, failed, ended
      }
    }
  }

  private skipBodyBytes(n: number, reason: GapReason): void {
    const start = this.input.offset;
    this.extendBody(start, n);
    this.input.skip(n);
    const { gaps } = this.message!.body;
    const last = gaps[gaps.length - 1];
    if (last !== undefined && last.end === start && last.reason === reason) last.end += n;
    else gaps.push({ start, end: start + n, reason });
  }

  // ---- ends of messages and of the direction ----

  private finishMessage(): boolean {
    const message = this.message!;
    message.complete = true;
    message.body.complete = true;
    message.end = this.input.offset;
    message.endTs = this.times.at(message.end - 1);
    this.lastMessageEnd = message.end;
    this.message = undefined;
    this.startLineChecked = 0;
    this.sectionScan = this.input.offset;
    if (this.switchAfterMessage) this.goOpaque();
    else this.state = 'head';
    this.hooks.onMessage(message);
    return this.state === 'head'; // a hook may have paused or switched us
  }

  /** The stream ended (`reason`), or the capture did (undefined). */
  private end(reason: StreamEnd['reason'] | undefined): void {
    const state = this.state;
    if (state === 'paused' && reason !== undefined) {
      this.hold({ kind: 'end', reason });
      return;
    }
    if (state === 'opaque' || state === 'failed' || state === 'ended') return;
    this.state = 'ended';
    const message = this.message;
    if (message) {
      this.message = undefined;
      // a body delimited by the close is complete when the close was seen (RFC 9112 §6.3 item 8)
      const closed = state === 'closeBody' && reason !== undefined && reason !== 'error';
      message.complete = closed;
      message.body.complete = closed;
      message.endTs = this.times.at(message.end - 1);
      this.hooks.onMessage(message);
    } else if (this.input.pendingLength > 0 && !(this.input.pendingLength === 1 && this.input.data[this.input.start] === CR)) {
      const what = reason === undefined ? 'capture' : 'stream';
      this.state = 'failed';
      this.hooks.onError(this.error(this.input.offset, 'incomplete-head', `${what} ended inside a message head`), undefined);
    }
    this.input.drop();
  }

  private goOpaque(): void {
    this.state = 'opaque';
    this.input.drop();
    this.held = [];
    this.heldBytes = 0;
  }

  private failAt(problem: Pick<Flaw, 'at' | 'code' | 'message'>): false {
    const offset = this.input.offset + (problem.at - this.input.start);
    return this.fail(offset, problem.code, problem.message);
  }

  private fail(offset: number, code: Http1ErrorCode, message: string): false {
    const interrupted = this.message;
    this.message = undefined;
    if (interrupted) {
      interrupted.complete = false;
      interrupted.endTs = this.times.at(interrupted.end - 1);
    }
    this.state = 'failed';
    this.input.drop();
    this.held = [];
    this.heldBytes = 0;
    this.hooks.onError(this.error(offset, code, message), interrupted);
    return false;
  }

  /** A bug here or a throwing hook: give up on this direction rather than throw out of push(). */
  private internalError(e: unknown): void {
    if (this.isDone()) return;
    const text = e instanceof Error ? e.message : String(e);
    try {
      this.fail(this.input.offset, 'internal', `internal parser error: ${text}`);
    } catch {
      this.state = 'failed';
    }
  }

  private error(offset: number, code: Http1ErrorCode, message: string): Http1ParseError {
    return { dir: this.dir, offset, code, message };
  }

  private isDone(): boolean {
    return this.state === 'opaque' || this.state === 'failed' || this.state === 'ended';
  }

  private isParsing(): boolean {
    return this.state !== 'paused' && !this.isDone();
  }
}

function emptyBody(): HttpBody {
  return { framing: 'none', length: 0, ranges: [], gaps: [], trailers: [], complete: false };
}
