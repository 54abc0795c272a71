/**
 * A message being read: its frames' payload bytes go in as they arrive (unmasked), and what is
 * kept of them is bounded (WEBSOCKET_LIMITS); at its end it becomes a WsMessage.
 */
import type { StreamDirection } from '../stream.js';
import type { KeepBudget } from './budget.js';
import { decodeClose } from './close-payload.js';
import type { MessageInflater } from './inflate.js';
import { WEBSOCKET_LIMITS } from './limits.js';
import type { WsCutReason, WsFlaw, WsFlawCode, WsMessage, WsMessageType } from './types.js';
import { decodeUtf8, Utf8Check } from './utf8.js';

/** How a message ended: its final frame arrived, the direction ended or failed, or a new message began. */
export type DraftEnd = 'final' | 'ended' | 'interrupted';

export type FinishedMessage = Omit<WsMessage, 'index'>;

export class MessageDraft {
  frames = 0;
  end: number;
  endTs: number;
  private readonly flaws: WsFlaw[] = [];
  private wireLength = 0;
  private gap = false;
  /** Uncompressed payload bytes seen (compressed messages: set when inflated). */
  private payloadLength = 0;
  private kept: Buffer[] = [];
  private keptLength = 0;
  private cut: WsCutReason | undefined;
  private readonly utf8: Utf8Check | undefined;
  /** Compressed payload held until the final frame, unless it grew past the limit. */
  private compressedParts: Buffer[] = [];
  private compressedLength = 0;
  private compressedDropped = false;

  constructor(
    readonly dir: StreamDirection,
    readonly type: WsMessageType,
    readonly opcode: number,
    readonly start: number,
    readonly startTs: number,
    readonly compressed: boolean,
    private readonly budget: KeepBudget,
  ) {
    this.end = start;
    this.endTs = startTs;
    if (type === 'text') this.utf8 = new Utf8Check();
  }

  flaw(offset: number, code: WsFlawCode, message: string): void {
    this.flaws.push({ dir: this.dir, offset, code, message });
  }

  /** The next payload bytes of one of its frames, unmasked. */
  addPayload(bytes: Buffer, offset: number): void {
    this.wireLength += bytes.length;
    if (this.gap) return;
    if (this.compressed) this.holdCompressed(bytes, offset);
    else this.addPlain(bytes);
  }

  /** Payload bytes moved but not captured: nothing after them is kept. */
  addGap(length: number): void {
    this.wireLength += length;
    if (!this.compressed) this.payloadLength += length;
    this.gap = true;
  }

  /** Bytes held for it (kept payload and compressed bytes not yet inflated). */
  get heldBytes(): number {
    return this.keptLength + this.compressedLength;
  }

  finish(how: DraftEnd, inflater: MessageInflater | undefined): FinishedMessage {
    let payloadLength: number | undefined = this.payloadLength;
    if (this.compressed) payloadLength = this.inflate(how, inflater);
    const payload = this.kept.length === 1 ? this.kept[0] : Buffer.concat(this.kept);
    const message: FinishedMessage = {
      dir: this.dir,
      type: this.type,
      opcode: this.opcode,
      start: this.start,
      end: this.end,
      startTs: this.startTs,
      endTs: this.endTs,
      frames: this.frames,
      wireLength: this.wireLength,
      compressed: this.compressed,
      complete: how === 'final' && !this.gap,
      gap: this.gap,
      payload,
      flaws: this.flaws,
    };
    if (payloadLength !== undefined) message.payloadLength = payloadLength;
    if (this.cut) message.cut = this.cut;
    if (this.type === 'text') this.describeText(message, how);
    if (this.type === 'close') this.describeClose(message);
    this.kept = [];
    this.compressedParts = [];
    return message;
  }

  private addPlain(bytes: Buffer): void {
    this.payloadLength += bytes.length;
    this.utf8?.push(bytes);
    this.keep(bytes);
  }

  /** Keeps what the message limit and the connection's budget allow, and says which one cut. */
  private keep(bytes: Buffer): void {
    if (this.cut) return;
    const messageRoom = WEBSOCKET_LIMITS.keepMessageBytes - this.keptLength;
    // a close frame's code and reason are read from its kept bytes, whatever the budget
    const budgetRoom = Math.max(this.budget.remaining, this.type === 'close' ? WEBSOCKET_LIMITS.maxControlPayload - this.keptLength : 0);
    const room = Math.min(messageRoom, budgetRoom);
    const take = Math.min(room, bytes.length);
    if (take > 0) {
      // a partial take is copied: a view would pin the whole inflated message
      this.kept.push(take === bytes.length ? bytes : Buffer.from(bytes.subarray(0, take)));
      this.keptLength += take;
      this.budget.spend(take);
    }
    if (take < bytes.length) this.cut = messageRoom <= budgetRoom ? 'message-limit' : 'connection-budget';
  }

  private holdCompressed(bytes: Buffer, offset: number): void {
    if (this.compressedDropped) return;
    if (this.compressedLength + bytes.length > WEBSOCKET_LIMITS.maxCompressedBytes) {
      this.compressedDropped = true;
      this.compressedParts = [];
      this.compressedLength = 0;
      this.flaw(offset, 'compressed-too-large', `more than ${WEBSOCKET_LIMITS.maxCompressedBytes} compressed bytes: not inflated`);
      return;
    }
    this.compressedParts.push(bytes);
    this.compressedLength += bytes.length;
  }

  /** The inflated length, or undefined when the payload could not be inflated. */
  private inflate(how: DraftEnd, inflater: MessageInflater | undefined): number | undefined {
    if (!inflater) return undefined;
    if (this.gap || this.compressedDropped || how === 'interrupted') {
      // the sender's window now holds bytes this parser never saw
      inflater.lose(this.gap ? 'bytes of a compressed message were not captured' : 'a compressed message was not read whole');
      return undefined;
    }
    const result = inflater.inflate(Buffer.concat(this.compressedParts), how === 'final');
    this.compressedLength = 0;
    if (!result.ok) {
      this.flaw(this.start, result.code, result.message);
      return undefined;
    }
    this.addPlain(result.bytes);
    return this.payloadLength;
  }

  private describeText(message: FinishedMessage, how: DraftEnd): void {
    if (message.payloadLength === undefined) return;
    const wholeSeen = how === 'final' && !this.gap;
    const valid = wholeSeen ? this.utf8!.end() : this.utf8!.valid;
    if (!valid) {
      this.flaw(this.start, 'invalid-utf8', 'a text message that is not UTF-8');
      return;
    }
    const text = decodeUtf8(message.payload, !wholeSeen || this.cut !== undefined);
    if (text !== undefined) message.text = text;
  }

  private describeClose(message: FinishedMessage): void {
    const whole = message.complete && this.cut === undefined;
    const { close, problem } = decodeClose(message.payload, whole);
    message.close = close;
    if (problem) this.flaw(this.start, problem.code, problem.message);
  }
}
