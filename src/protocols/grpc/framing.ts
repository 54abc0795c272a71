/**
 * gRPC's length-prefixed messages in one direction's body: a compressed flag byte, a 4-byte
 * big-endian length, the payload (PROTOCOL-HTTP2.md, "Length-Prefixed-Message"). Fed the body's
 * chunks in order, cut anywhere; it holds one prefix and at most one message's kept bytes.
 * A gap inside a payload only marks that message; a gap that hides a prefix loses the framing
 * for the rest of the body (`lostAt`), as nothing says where the next message starts.
 */
import type { BodyChunk } from './types.js';

const PREFIX_BYTES = 5;

/** A message as framed, before its payload is decoded. */
export interface FramedMessage {
  offset: number;
  ts: number;
  endTs: number;
  compressed: boolean;
  length: number;
  /** The payload's first bytes, as many as `keep` allowed and were captured before any gap. */
  kept: Uint8Array;
  /** All of the payload arrived... */
  complete: boolean;
  /** ...and was captured. */
  gap: boolean;
}

export interface FramerOptions {
  /** Payload bytes to keep of a message, given its prefix. */
  keep(compressed: boolean, length: number): number;
  /** Called with each message as soon as it ends. */
  onMessage(message: FramedMessage): void;
}

interface Open {
  offset: number;
  ts: number;
  compressed: boolean;
  length: number;
  received: number;
  parts: Uint8Array[];
  keptBytes: number;
  keepLimit: number;
  gap: boolean;
}

export class GrpcFramer {
  private offset = 0;
  private prefix: number[] = [];
  private prefixTs = 0;
  private open: Open | undefined;
  private lost: number | undefined;
  private lastTs = 0;

  constructor(private readonly options: FramerOptions) {}

  /** Bytes moved so far, captured or not. */
  get bodyBytes(): number {
    return this.offset;
  }

  get lostAt(): number | undefined {
    return this.lost;
  }

  push(chunk: BodyChunk): void {
    this.lastTs = chunk.ts;
    if (chunk.missing && chunk.missing > 0) this.skip(chunk.missing, chunk.ts);
    let pos = 0;
    const bytes = chunk.bytes;
    while (pos < bytes.length && this.lost === undefined) {
      if (this.open) pos = this.takePayload(bytes, pos, chunk.ts);
      else pos = this.takePrefix(bytes, pos, chunk.ts);
    }
    this.offset += bytes.length;
  }

  /** The body ended: an unfinished message is handed out incomplete. */
  end(): void {
    if (this.open) this.close(this.lastTs, false);
  }

  private skip(missing: number, ts: number): void {
    const start = this.offset;
    this.offset += missing;
    if (this.lost !== undefined) return;
    const open = this.open;
    if (open && open.received + missing <= open.length) {
      open.received += missing;
      open.gap = true;
      if (open.received === open.length) this.close(ts, true);
      return;
    }
    const framingEnd = open ? start + (open.length - open.received) : start;
    if (open) {
      open.received = open.length;
      open.gap = true;
      this.close(ts, true);
    }
    this.lost = framingEnd - (open ? 0 : this.prefix.length);
  }

  private takePrefix(bytes: Uint8Array, pos: number, ts: number): number {
    if (this.prefix.length === 0) this.prefixTs = ts;
    const take = Math.min(PREFIX_BYTES - this.prefix.length, bytes.length - pos);
    for (let i = 0; i < take; i++) this.prefix.push(bytes[pos + i]);
    if (this.prefix.length === PREFIX_BYTES) this.openMessage(this.offset + pos + take - PREFIX_BYTES, ts);
    return pos + take;
  }

  private openMessage(offset: number, ts: number): void {
    const [flag, a, b, c, d] = this.prefix as [number, number, number, number, number];
    this.prefix = [];
    const length = ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
    const compressed = flag !== 0;
    const keepLimit = Math.max(0, Math.min(length, this.options.keep(compressed, length)));
    this.open = { offset, ts: this.prefixTs, compressed, length, received: 0, parts: [], keptBytes: 0, keepLimit, gap: false };
    if (length === 0) this.close(ts, true);
  }

  private takePayload(bytes: Uint8Array, pos: number, ts: number): number {
    const open = this.open!;
    const take = Math.min(open.length - open.received, bytes.length - pos);
    if (!open.gap && open.keptBytes < open.keepLimit) {
      const kept = Math.min(take, open.keepLimit - open.keptBytes);
      // a copy: the chunk's buffer may be reused by whoever fed it
      open.parts.push(bytes.slice(pos, pos + kept));
      open.keptBytes += kept;
    }
    open.received += take;
    if (open.received === open.length) this.close(ts, true);
    return pos + take;
  }

  private close(endTs: number, complete: boolean): void {
    const open = this.open!;
    this.open = undefined;
    const kept = open.parts.length === 1 ? open.parts[0] : Buffer.concat(open.parts);
    this.options.onMessage({ offset: open.offset, ts: open.ts, endTs, compressed: open.compressed, length: open.length, kept, complete, gap: open.gap });
  }
}
