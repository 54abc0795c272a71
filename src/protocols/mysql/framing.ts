/**
 * Packet framing for one direction: a 3-byte little-endian payload length and a sequence id,
 * then the payload; a payload of exactly 0xffffff bytes continues in the next packet, and the
 * pieces form one logical packet. Fed captured bytes and gaps in stream order, in any sizes; it
 * emits each logical packet with its stream range and the ts of its first and last bytes.
 *
 * Memory is bounded: at most `maxHeldBytes` of a payload are kept (the rest is counted and
 * skipped). Bytes that were moved but not captured inside a payload are skipped too (the packet
 * is marked `gap` and keeps only what came before them); a gap where a header should be leaves
 * nothing to find the next packet by, so the direction stops with a 'gap' error.
 *
 * The same framer reads the compressed protocol's outer packets (`compressed`): a 7-byte header
 * whose last 3 bytes are the uncompressed length, and no continuation packets.
 */
import { MAX_PACKET_PAYLOAD } from './constants.js';

export interface Packet {
  /** Sequence id of the first physical packet. */
  seq: number;
  /** Stream offset of the first header byte, and just past the last payload byte. */
  start: number;
  end: number;
  /** Payload length of the logical packet (all physical packets joined). */
  length: number;
  /** The payload's first bytes: all of it unless `cut` or `gap`. */
  payload: Buffer;
  /** The payload was longer than the parser keeps. */
  cut: boolean;
  /** Some payload bytes were not captured; `payload` holds only those before the first gap. */
  gap: boolean;
  startTs: number;
  endTs: number;
  /** Compressed packets: the payload's length once inflated (0: it was sent uncompressed). */
  uncompressedLength?: number;
}

export interface FramingHooks {
  onPacket(packet: Packet): void;
  /** Framing was lost at `offset`: nothing after it can be parsed. */
  onGap(offset: number, interrupted: boolean): void;
  /** A header was read: a message refuses it (not this protocol), and the direction stops. */
  checkHeader?(seq: number, length: number): string | undefined;
  onInvalid(offset: number, message: string): void;
}

interface OpenPacket {
  seq: number;
  start: number;
  startTs: number;
  length: number;
  held: Buffer;
  heldLength: number;
  /** Collection stopped: the held part hit the limit, or bytes were missing. */
  cut: boolean;
  gap: boolean;
  uncompressedLength?: number;
}

export class PacketFramer {
  /** Stream offset of the next byte. */
  offset = 0;
  private readonly header: Buffer;
  private readonly headerSize: number;
  private headerFill = 0;
  private headerStart = 0;
  private headerTs = 0;
  /** Payload bytes left in the current physical packet; -1 while reading a header. */
  private remaining = -1;
  private continues = false;
  private open: OpenPacket | undefined;
  private lastTs = 0;
  private stopped = false;

  constructor(
    private readonly hooks: FramingHooks,
    private readonly maxHeldBytes: number,
    private readonly compressed = false,
  ) {
    this.headerSize = compressed ? 7 : 4;
    this.header = Buffer.alloc(this.headerSize);
  }

  /** The direction was handed to another reader (compression began) or stopped. */
  get isStopped(): boolean {
    return this.stopped;
  }

  /** Stream offset of the first byte of the packet being read (or of the next one). */
  get pendingStart(): number {
    if (this.open) return this.open.start;
    return this.headerFill > 0 ? this.headerStart : this.offset;
  }

  /** A packet is partly read (the stream ending now would cut it). */
  get inPacket(): boolean {
    return this.open !== undefined || this.headerFill > 0;
  }

  get heldBytes(): number {
    return (this.open?.held.length ?? 0) + this.headerFill;
  }

  stop(): void {
    this.stopped = true;
    this.open = undefined;
  }

  /** Reads bytes; returns how many were used (fewer only when a hook stopped the framer). */
  bytes(bytes: Uint8Array, ts: number): number {
    let i = 0;
    while (i < bytes.length && !this.stopped) {
      if (this.remaining < 0) {
        if (this.headerFill === 0) {
          this.headerStart = this.offset;
          this.headerTs = ts;
        }
        const n = Math.min(this.headerSize - this.headerFill, bytes.length - i);
        this.header.set(bytes.subarray(i, i + n), this.headerFill);
        this.headerFill += n;
        i += n;
        this.offset += n;
        this.lastTs = ts;
        if (this.headerFill === this.headerSize) this.beginPayload();
      } else {
        const n = Math.min(this.remaining, bytes.length - i);
        this.collect(bytes.subarray(i, i + n));
        i += n;
        this.offset += n;
        this.remaining -= n;
        this.lastTs = ts;
        if (this.remaining === 0) this.endPhysical();
      }
    }
    return i;
  }

  /** `size` bytes were moved but not captured. */
  gap(size: number, ts: number): void {
    if (this.stopped || size <= 0) return;
    if (this.remaining >= size && this.open) {
      this.open.gap = true;
      this.offset += size;
      this.remaining -= size;
      this.lastTs = ts;
      if (this.remaining === 0) this.endPhysical();
      return;
    }
    // the next header is among the missing bytes: the packet boundaries are lost
    const at = this.remaining >= 0 ? this.offset + this.remaining : this.headerFill > 0 ? this.headerStart : this.offset;
    const interrupted = this.inPacket;
    this.stop();
    this.hooks.onGap(at, interrupted);
  }

  private beginPayload(): void {
    const length = this.header.readUIntLE(0, 3);
    this.headerFill = 0;
    const refusal = this.open ? undefined : this.hooks.checkHeader?.(this.header[3], length);
    if (refusal !== undefined) {
      this.stop();
      this.hooks.onInvalid(this.headerStart, refusal);
      return;
    }
    this.remaining = length;
    this.continues = !this.compressed && length === MAX_PACKET_PAYLOAD;
    if (!this.open) {
      this.open = {
        seq: this.header[3],
        start: this.headerStart,
        startTs: this.headerTs,
        length: 0,
        held: Buffer.allocUnsafe(Math.min(length, this.maxHeldBytes)),
        heldLength: 0,
        cut: false,
        gap: false,
      };
      if (this.compressed) this.open.uncompressedLength = this.header.readUIntLE(4, 3);
    }
    this.open.length += length;
    if (length === 0) this.endPhysical();
  }

  private collect(chunk: Uint8Array): void {
    const open = this.open!;
    if (open.gap || open.cut) return;
    const room = this.maxHeldBytes - open.heldLength;
    const n = Math.min(room, chunk.length);
    if (open.heldLength + n > open.held.length) {
      const bigger = Buffer.allocUnsafe(Math.min(this.maxHeldBytes, Math.max(open.held.length * 2, open.heldLength + n)));
      open.held.copy(bigger, 0, 0, open.heldLength);
      open.held = bigger;
    }
    open.held.set(chunk.subarray(0, n), open.heldLength);
    open.heldLength += n;
    if (n < chunk.length) open.cut = true;
  }

  private endPhysical(): void {
    this.remaining = -1;
    if (this.continues) return; // the logical packet goes on in the next physical one
    const open = this.open!;
    this.open = undefined;
    this.hooks.onPacket({
      ...(open.uncompressedLength === undefined ? {} : { uncompressedLength: open.uncompressedLength }),
      seq: open.seq,
      start: open.start,
      end: this.offset,
      length: open.length,
      payload: open.held.subarray(0, open.heldLength),
      cut: open.cut,
      gap: open.gap,
      startTs: open.startTs,
      endTs: this.lastTs,
    });
  }
}
