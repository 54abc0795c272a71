/**
 * An incremental reader of ONE direction of a WebSocket connection (RFC 6455 §5): frames cut
 * anywhere, unmasked, joined into messages (control frames may come between the fragments of a
 * message, §5.4), inflated (permessage-deflate, RFC 7692), and handed out when they end.
 *
 * Why hand-written: the WebSocket libraries on npm (ws's Receiver, websocket-driver) are the
 * receiving end of a live connection: they enforce the rules by closing it (throwing or emitting
 * an error and stopping), expect one side's frames only, inflate asynchronously, and know nothing
 * of bytes that were moved but not captured. A capture tool reads both sides of somebody else's
 * connection, reports a broken rule and goes on, and skips gaps where the framing allows.
 *
 * Failure is local: a protocol error is a flaw and parsing goes on wherever the framing is still
 * known; only a gap inside a frame header or an impossible length loses the direction (its
 * remaining bytes stay raw). push() never throws.
 */
import { type StreamDirection, type StreamItem, unseenPart } from '../stream.js';
import type { KeepBudget } from './budget.js';
import { decodeHeader, type FrameHeader, headerLength, isControl, isKnownOpcode, MAX_HEADER_BYTES, OPCODE, unmask } from './frame-header.js';
import { MessageInflater } from './inflate.js';
import { WEBSOCKET_LIMITS } from './limits.js';
import { type DraftEnd, type FinishedMessage, MessageDraft } from './message-draft.js';
import type { WsExtensions, WsFlaw, WsFlawCode, WsMessageType } from './types.js';

export interface DirectionHooks {
  onMessage(message: FinishedMessage): void;
  /** A flaw that belongs to no message (those of a message are in its `flaws`). */
  onFlaw(flaw: WsFlaw): void;
}

const TYPE_OF_OPCODE: Record<number, WsMessageType> = { 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong' };
const RSV1 = 0b100;

/** The frame whose payload is being read; `draft` is unset for a frame that is skipped. */
interface OpenFrame {
  header: FrameHeader;
  start: number;
  received: number;
  draft?: MessageDraft;
}

export class WsDirectionReader {
  private phase: 'header' | 'payload' | 'lost' | 'ended' = 'header';
  /** Stream offset of the next byte. */
  private pos: number;
  /** ts of the segment holding the byte being read. */
  private ts = 0;
  private readonly header = new Uint8Array(MAX_HEADER_BYTES);
  private headerHave = 0;
  private headerNeed = 2;
  private headerStart = 0;
  private headerStartTs = 0;
  private frame: OpenFrame | undefined;
  /** The text or binary message whose final frame has not come yet. */
  private data: MessageDraft | undefined;
  private readonly inflater: MessageInflater | undefined;
  private readonly deflate: boolean;
  private closed = false;
  private afterCloseReported = false;

  constructor(
    readonly dir: StreamDirection,
    start: number,
    extensions: WsExtensions,
    private readonly budget: KeepBudget,
    private readonly hooks: DirectionHooks,
  ) {
    this.pos = start;
    const deflate = extensions.deflate;
    this.deflate = deflate !== undefined;
    if (deflate) this.inflater = new MessageInflater(!(dir === 'c2s' ? deflate.clientNoContextTakeover : deflate.serverNoContextTakeover));
  }

  /** Feeds the next item of this direction. Never throws. */
  push(item: StreamItem): void {
    if (this.phase === 'lost' || this.phase === 'ended') return;
    try {
      if (item.offset > this.pos) this.gap(item.offset - this.pos, item.ts);
      if (item.kind === 'end') {
        this.end('ended');
        return;
      }
      const part = unseenPart(item, this.pos);
      if (!part) return;
      this.ts = item.ts;
      if (part.bytes.length > 0) this.feed(part.bytes);
      if (part.length > part.bytes.length) this.gap(part.length - part.bytes.length, item.ts);
    } catch (e) {
      this.internalError(e);
    }
  }

  /** The capture ended: a message still open is handed out incomplete. Never throws. */
  finish(): void {
    if (this.phase === 'lost' || this.phase === 'ended') return;
    try {
      this.end('ended');
    } catch (e) {
      this.internalError(e);
    }
  }

  /** Bytes held: a header's, the open messages' kept and compressed bytes, the inflate window. */
  get bufferedBytes(): number {
    const control = this.frame?.draft !== this.data ? this.frame?.draft : undefined;
    return MAX_HEADER_BYTES + (this.data?.heldBytes ?? 0) + (control?.heldBytes ?? 0) + (this.inflater?.bufferedBytes ?? 0);
  }

  private feed(bytes: Uint8Array): void {
    let i = 0;
    while (i < bytes.length && (this.phase === 'header' || this.phase === 'payload')) {
      if (this.phase === 'header') i += this.readHeader(bytes, i);
      else i += this.readPayload(bytes, i);
    }
  }

  private readHeader(bytes: Uint8Array, from: number): number {
    if (this.headerHave === 0) {
      this.headerStart = this.pos;
      this.headerStartTs = this.ts;
    }
    const take = Math.min(this.headerNeed - this.headerHave, bytes.length - from);
    this.header.set(bytes.subarray(from, from + take), this.headerHave);
    this.headerHave += take;
    this.pos += take;
    if (this.headerHave === 2 && this.headerNeed === 2) this.headerNeed = headerLength(this.header[1]);
    if (this.headerHave === this.headerNeed) this.onHeader();
    return take;
  }

  private readPayload(bytes: Uint8Array, from: number): number {
    const frame = this.frame!;
    const take = Math.min(frame.header.payloadLength - frame.received, bytes.length - from);
    if (frame.draft) {
      // a copy: unmasking writes to it, and what is kept must not pin the caller's buffer
      const chunk = Buffer.from(bytes.subarray(from, from + take));
      if (frame.header.mask) unmask(chunk, frame.header.mask, frame.received);
      frame.draft.addPayload(chunk, frame.start);
    }
    frame.received += take;
    this.pos += take;
    this.reached(frame.draft);
    if (frame.received === frame.header.payloadLength) this.endFrame();
    return take;
  }

  /** `length` bytes moved but not captured, from this.pos on. */
  private gap(length: number, ts: number): void {
    this.ts = ts;
    let left = length;
    if (this.phase === 'payload') {
      const frame = this.frame!;
      const take = Math.min(frame.header.payloadLength - frame.received, left);
      frame.draft?.addGap(take);
      frame.received += take;
      this.pos += take;
      left -= take;
      this.reached(frame.draft);
      if (frame.received === frame.header.payloadLength) this.endFrame();
    }
    if (left > 0 && this.phase === 'header') {
      this.lose(this.pos, 'gap-in-header', 'bytes not captured where a frame header was: the framing is lost');
    }
  }

  private onHeader(): void {
    const start = this.headerStart;
    const header = decodeHeader(this.header);
    if (!header) {
      this.lose(start, 'invalid-length', 'a 64-bit payload length beyond 2^53 (or with its top bit set): the framing is lost');
      return;
    }
    this.headerHave = 0;
    this.headerNeed = 2;
    const frame: OpenFrame = { header, start, received: 0 };
    this.frame = frame;
    this.phase = 'payload';
    frame.draft = this.draftFor(header, start);
    if (frame.draft) this.checkFrame(header, frame.draft, start);
    this.reached(frame.draft);
    if (header.payloadLength === 0) this.endFrame();
  }

  /** The message this frame's payload goes to; undefined when the frame is skipped. */
  private draftFor(header: FrameHeader, start: number): MessageDraft | undefined {
    const { opcode } = header;
    if (this.closed && !this.afterCloseReported) {
      this.afterCloseReported = true;
      this.directionFlaw(start, 'data-after-close', 'frames after this direction sent a close frame');
    }
    if (!isKnownOpcode(opcode)) {
      this.directionFlaw(start, 'reserved-opcode', `a frame with the reserved opcode ${opcode}: skipped`);
      return undefined;
    }
    if (opcode === OPCODE.continuation) {
      if (!this.data) this.directionFlaw(start, 'unexpected-continuation', 'a continuation frame with no message to continue: skipped');
      else this.data.frames++;
      return this.data;
    }
    const compressed = this.deflate && !isControl(opcode) && (header.rsv & RSV1) !== 0;
    const draft = new MessageDraft(this.dir, TYPE_OF_OPCODE[opcode], opcode, start, this.headerStartTs, compressed, this.budget);
    draft.frames = 1;
    if (!isControl(opcode)) {
      if (this.data) {
        this.data.flaw(start, 'interrupted-message', 'a new message began before this one had its final frame');
        this.emit(this.data, 'interrupted');
      }
      this.data = draft;
    }
    return draft;
  }

  private checkFrame(header: FrameHeader, draft: MessageDraft, start: number): void {
    const { opcode, rsv } = header;
    const rsvAllowed = this.deflate && (opcode === OPCODE.text || opcode === OPCODE.binary) ? RSV1 : 0;
    if ((rsv & ~rsvAllowed) !== 0) draft.flaw(start, 'reserved-bits', `RSV bits ${rsv.toString(2).padStart(3, '0')} that no negotiated extension defines`);
    if (this.dir === 'c2s' && !header.mask) draft.flaw(start, 'unmasked-client-frame', 'a client frame without a masking key');
    if (this.dir === 's2c' && header.mask) draft.flaw(start, 'masked-server-frame', 'a server frame with a masking key');
    if (isControl(opcode)) {
      if (header.payloadLength > WEBSOCKET_LIMITS.maxControlPayload) {
        draft.flaw(start, 'control-frame-too-long', `a control frame of ${header.payloadLength} bytes (at most ${WEBSOCKET_LIMITS.maxControlPayload})`);
      }
      if (!header.fin) draft.flaw(start, 'fragmented-control-frame', 'a control frame without FIN');
    }
  }

  private endFrame(): void {
    const frame = this.frame!;
    this.frame = undefined;
    this.phase = 'header';
    const draft = frame.draft;
    if (!draft) return;
    if (isControl(frame.header.opcode)) {
      this.emit(draft, 'final');
      if (draft.type === 'close') this.closed = true;
    } else if (frame.header.fin) {
      this.data = undefined;
      this.emit(draft, 'final');
    }
  }

  /** The direction ended or lost its framing: open messages are handed out as they are. */
  private end(how: DraftEnd): void {
    const control = this.frame?.draft !== this.data ? this.frame?.draft : undefined;
    this.frame = undefined;
    if (this.data) this.emit(this.data, how);
    this.data = undefined;
    if (control) this.emit(control, how);
    this.phase = 'ended';
  }

  private lose(offset: number, code: WsFlawCode, message: string): void {
    this.end('ended');
    this.phase = 'lost';
    this.directionFlaw(offset, code, message);
  }

  /** The message's bytes reach this.pos (its last byte so far is in the segment being read). */
  private reached(draft: MessageDraft | undefined): void {
    if (!draft) return;
    draft.end = this.pos;
    draft.endTs = this.ts;
  }

  private emit(draft: MessageDraft, how: DraftEnd): void {
    this.hooks.onMessage(draft.finish(how, this.inflater));
  }

  private directionFlaw(offset: number, code: WsFlawCode, message: string): void {
    this.hooks.onFlaw({ dir: this.dir, offset, code, message });
  }

  private internalError(e: unknown): void {
    this.phase = 'lost';
    this.directionFlaw(this.pos, 'internal', `parser error: ${e instanceof Error ? e.message : String(e)}`);
  }
}
