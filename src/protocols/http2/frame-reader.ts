/**
 * One direction of an HTTP/2 connection, cut into frames (RFC 9113 §4). Fed stream items in any
 * cuts; emits each frame when its last byte has gone by. DATA payloads are never held: a DATA
 * frame comes out as the stream range of its data bytes (padding excluded) and the gaps in it.
 * Other payloads (small: settings, header block fragments) are held until the frame ends.
 *
 * How the direction begins: c2s with the client preface, s2c with a SETTINGS frame (RFC 9113
 * §3.4). Anything else, or a caller saying so, means the recording began mid-connection: the
 * first byte may be inside a frame, so a boundary is searched for (sync.ts) and the bytes before
 * it are counted as skipped. A gap (bytes moved but not captured) inside a DATA payload only
 * makes a body gap; a gap that hides a frame header loses the rest of the direction.
 */
import { SegmentTimes } from '../http1/segment-times.js';
import type { BodyGap } from '../http1/types.js';
import { type GapReason, type StreamDirection, type StreamItem, unseenPart } from '../stream.js';
import { CLIENT_PREFACE, DEFAULT_MAX_FRAME_SIZE, FRAME_HEADER_BYTES, Flag, FrameType, LARGEST_FRAME_SIZE } from './constants.js';
import { type FrameHeader, isPlausibleFrameHeader, readFrameHeader } from './frame-header.js';
import { HTTP2_LIMITS } from './limits.js';
import { findFrameBoundary } from './sync.js';
import type { Http2ParseError } from './types.js';

/** The data bytes of a DATA frame. */
export interface DataPart {
  /** Stream range [start, end) of the data, padding excluded. */
  start: number;
  end: number;
  gaps: BodyGap[];
  /** The pad-length byte was not captured: the range is the whole payload, padding included. */
  paddingUnknown?: true;
}

export interface Http2Frame {
  header: FrameHeader;
  /** Stream offsets of the frame header's first byte and just past the payload. */
  start: number;
  end: number;
  startTs: number;
  endTs: number;
  /** The payload of a frame other than DATA, when all of it was captured and within HTTP2_LIMITS.maxHeaderBlockBytes. */
  payload?: Uint8Array;
  /** Why a non-DATA payload is missing. */
  payloadMissing?: 'gap' | 'too-large';
  data?: DataPart;
  /** The direction ended inside this DATA frame: `end` is where it did. */
  cut?: true;
}

export interface FrameReaderHooks {
  onFrame(frame: Http2Frame): void;
  onError(error: Http2ParseError): void;
}

type State = 'start' | 'sync' | 'header' | 'payload' | 'lost' | 'ended';

interface OpenFrame {
  header: FrameHeader;
  start: number;
  payloadStart: number;
  remaining: number;
  chunks: Buffer[];
  held: number;
  missing?: 'gap' | 'too-large';
  data?: DataPart;
  /** DATA with PADDED whose pad-length byte has not come yet. */
  padPending: boolean;
}

const EMPTY = Buffer.alloc(0);

export class FrameReader {
  /**
   * Largest frame accepted: the peer's SETTINGS_MAX_FRAME_SIZE, set by the connection when it sees
   * one. Until then the default, or, joined mid-connection (the SETTINGS may have been missed),
   * anything a frame header can say.
   */
  maxFrameLength: number | undefined;
  /** The direction began mid-connection (decided before the first frame is emitted). */
  joinedMidway: boolean;
  /** Bytes skipped before the first frame boundary. */
  skipped = 0;
  private state: State;
  private received: number;
  /** Bytes held while deciding how the direction begins, from heldOffset. */
  private held: Buffer = EMPTY;
  private heldOffset: number;
  private readonly headerBytes = Buffer.alloc(FRAME_HEADER_BYTES);
  private headerCount = 0;
  private headerStart = 0;
  private frame: OpenFrame | undefined;
  /** Where the direction's HTTP/2 begins (a search for a boundary that fails is reported there). */
  private readonly startOffset: number;
  private readonly times = new SegmentTimes();

  constructor(
    readonly dir: StreamDirection,
    private readonly hooks: FrameReaderHooks,
    options: { startOffset: number; joinedMidway: boolean },
  ) {
    this.received = this.heldOffset = this.startOffset = options.startOffset;
    this.joinedMidway = options.joinedMidway;
    this.state = options.joinedMidway ? 'sync' : 'start';
  }

  push(item: StreamItem): void {
    if (item.kind === 'end') {
      this.end();
      return;
    }
    const part = unseenPart(item, this.received);
    if (!part || this.state === 'lost' || this.state === 'ended') return;
    if (part.offset > this.received) this.gap(this.received, part.offset - this.received, 'lost');
    this.times.note(part.offset, item.ts);
    const captured = part.bytes.length;
    if (captured > 0) this.bytes(Buffer.from(part.bytes.buffer, part.bytes.byteOffset, captured), part.offset);
    if (part.length > captured) this.gap(part.offset + captured, part.length - captured, item.gap ?? 'lost');
    this.received = part.offset + part.length;
  }

  /** The direction ended (or the caller has no more): decide what waits on more bytes. */
  end(): void {
    if (this.state === 'start' || this.state === 'sync') this.decideStart(true);
    if (this.state === 'payload' && this.frame?.data) this.emit(this.frame, this.received, true);
    this.state = this.state === 'lost' ? 'lost' : 'ended';
    this.frame = undefined;
    this.held = EMPTY;
  }

  get bufferedBytes(): number {
    return this.held.length + (this.frame?.held ?? 0);
  }

  /** Joined mid-stream, and still looking for where frames begin. */
  get syncing(): boolean {
    return this.state === 'sync';
  }

  private bytes(bytes: Buffer, offset: number): void {
    if (this.state === 'start' || this.state === 'sync') {
      this.held = this.held.length === 0 ? Buffer.from(bytes) : Buffer.concat([this.held, bytes]);
      this.decideStart(false);
      return;
    }
    this.parseFrames(bytes, offset);
  }

  /** The bytes held at the start: the preface or first SETTINGS, or a boundary found mid-stream. */
  private decideStart(atEnd: boolean): void {
    if (this.state === 'start') {
      const expected = this.dir === 'c2s' ? CLIENT_PREFACE.length : FRAME_HEADER_BYTES;
      const have = Math.min(this.held.length, expected);
      const begins = this.dir === 'c2s' ? this.held.subarray(0, have).equals(CLIENT_PREFACE.subarray(0, have)) : have < expected || isServerPreface(this.held);
      if (begins && have < expected) return;
      if (begins) {
        this.startFrames(this.dir === 'c2s' ? CLIENT_PREFACE.length : 0);
        return;
      }
      this.state = 'sync';
      this.joinedMidway = true;
    }
    const found = findFrameBoundary(this.held, this.dir, atEnd);
    if (found.at !== undefined) {
      this.skipped += found.at;
      this.startFrames(found.at);
      return;
    }
    if (atEnd) {
      this.skipped += this.held.length;
      this.held = EMPTY;
      if (this.skipped > 0) this.fail(this.startOffset, 'no-frame-boundary', `no chain of HTTP/2 frames in ${this.skipped} bytes`);
      return;
    }
    // positions before `checked` can never start a chain: let them go
    this.skipped += found.checked;
    this.held = Buffer.from(this.held.subarray(found.checked));
    this.heldOffset += found.checked;
    if (this.skipped > HTTP2_LIMITS.maxSyncSearchBytes) {
      this.fail(this.startOffset, 'no-frame-boundary', `no chain of HTTP/2 frames within ${HTTP2_LIMITS.maxSyncSearchBytes} bytes`);
    }
  }

  private startFrames(at: number): void {
    const rest = this.held.subarray(at);
    const offset = this.heldOffset + at;
    this.held = EMPTY;
    this.heldOffset = offset + rest.length;
    this.state = 'header';
    this.parseFrames(rest, offset);
  }

  private parseFrames(bytes: Buffer, offset: number): void {
    let i = 0;
    while (i < bytes.length) {
      if (this.state === 'header') {
        if (this.headerCount === 0) this.headerStart = offset + i;
        const n = Math.min(FRAME_HEADER_BYTES - this.headerCount, bytes.length - i);
        bytes.copy(this.headerBytes, this.headerCount, i, i + n);
        this.headerCount += n;
        i += n;
        if (this.headerCount === FRAME_HEADER_BYTES) this.beginFrame();
      } else if (this.state === 'payload') {
        i += this.payload(bytes, i, offset + i);
      } else {
        return;
      }
    }
  }

  private beginFrame(): void {
    this.headerCount = 0;
    const header = readFrameHeader(this.headerBytes, 0);
    const start = this.headerStart;
    this.times.forget(start);
    const max = this.maxFrameLength ?? (this.joinedMidway ? LARGEST_FRAME_SIZE : DEFAULT_MAX_FRAME_SIZE);
    if (header.length > max) {
      this.fail(start, 'frame-too-large', `frame of ${header.length} bytes, above the maximum frame size ${max}`);
      return;
    }
    const payloadStart = start + FRAME_HEADER_BYTES;
    const padded = (header.type === FrameType.DATA && (header.flags & Flag.PADDED) !== 0);
    const frame: OpenFrame = { header, start, payloadStart, remaining: header.length, chunks: [], held: 0, padPending: padded };
    if (header.type === FrameType.DATA && !padded) frame.data = { start: payloadStart, end: payloadStart + header.length, gaps: [] };
    if (header.type !== FrameType.DATA && header.length > HTTP2_LIMITS.maxHeaderBlockBytes) frame.missing = 'too-large';
    if (padded && header.length === 0) {
      this.fail(start, 'invalid-frame', 'a padded DATA frame without its pad length');
      return;
    }
    this.frame = frame;
    this.state = 'payload';
    if (header.length === 0) this.emit(frame, payloadStart, false);
  }

  /** Takes payload bytes of the open frame from bytes[i]; returns how many. */
  private payload(bytes: Buffer, i: number, offset: number): number {
    const frame = this.frame!;
    const n = Math.min(frame.remaining, bytes.length - i);
    if (frame.padPending) {
      frame.padPending = false;
      const padLength = bytes[i];
      if (padLength >= frame.header.length) {
        this.fail(frame.start, 'invalid-frame', `padding of ${padLength} bytes in a DATA frame of ${frame.header.length}`);
        return n;
      }
      frame.data = { start: frame.payloadStart + 1, end: frame.payloadStart + frame.header.length - padLength, gaps: [] };
    } else if (!frame.data && !frame.missing) {
      frame.chunks.push(Buffer.from(bytes.subarray(i, i + n)));
      frame.held += n;
    }
    frame.remaining -= n;
    if (frame.remaining === 0) this.emit(frame, offset + n, false);
    return n;
  }

  private gap(offset: number, length: number, reason: GapReason): void {
    switch (this.state) {
      case 'start':
        // what was held cannot chain across the gap: search after it
        this.joinedMidway = true;
        this.state = 'sync';
        this.gap(offset, length, reason);
        return;
      case 'sync':
        this.skipped += this.held.length + length;
        this.held = EMPTY;
        this.heldOffset = offset + length;
        if (this.skipped > HTTP2_LIMITS.maxSyncSearchBytes) this.fail(this.startOffset, 'no-frame-boundary', `no chain of HTTP/2 frames within ${HTTP2_LIMITS.maxSyncSearchBytes} bytes`);
        return;
      case 'header':
        this.fail(offset, 'gap', `bytes not captured (${reason}) where a frame header was`);
        return;
      case 'payload':
        this.payloadGap(offset, length, reason);
        return;
      case 'lost':
      case 'ended':
        return;
    }
  }

  private payloadGap(offset: number, length: number, reason: GapReason): void {
    const frame = this.frame!;
    const covered = Math.min(length, frame.remaining);
    if (frame.padPending) {
      frame.padPending = false;
      frame.data = { start: frame.payloadStart, end: frame.payloadStart + frame.header.length, gaps: [], paddingUnknown: true };
    }
    if (frame.data) addGap(frame.data, offset, offset + covered, reason);
    else {
      frame.missing ??= 'gap';
      frame.chunks = [];
      frame.held = 0;
    }
    frame.remaining -= covered;
    if (frame.remaining === 0) this.emit(frame, offset + covered, false);
    if (length > covered) this.gap(offset + covered, length - covered, reason);
  }

  private emit(frame: OpenFrame, end: number, cut: boolean): void {
    this.frame = undefined;
    this.state = 'header';
    const out: Http2Frame = { header: frame.header, start: frame.start, end, startTs: this.times.at(frame.start), endTs: this.times.at(Math.max(frame.start, end - 1)) };
    if (frame.data) {
      out.data = frame.data;
      if (cut) {
        out.cut = true;
        frame.data.end = Math.max(frame.data.start, Math.min(frame.data.end, end));
      }
    } else if (frame.missing) out.payloadMissing = frame.missing;
    else out.payload = frame.chunks.length === 1 ? frame.chunks[0] : Buffer.concat(frame.chunks);
    this.hooks.onFrame(out);
  }

  /** The rest of the direction cannot be parsed (the connection also calls it, on frames out of order). */
  fail(offset: number, code: Http2ParseError['code'], message: string): void {
    if (this.state === 'lost' || this.state === 'ended') return;
    this.state = 'lost';
    this.frame = undefined;
    this.held = EMPTY;
    this.hooks.onError({ dir: this.dir, offset, code, message, directionLost: true });
  }
}

/** A server's first frame is SETTINGS (RFC 9113 §3.4). */
function isServerPreface(bytes: Buffer): boolean {
  const h = readFrameHeader(bytes, 0);
  return h.type === FrameType.SETTINGS && h.flags === 0 && isPlausibleFrameHeader(h, 's2c');
}

/** Adds the part of [start, end) inside the data range to its gaps, joined to the last when adjacent. */
function addGap(data: DataPart, start: number, end: number, reason: GapReason): void {
  const from = Math.max(start, data.start);
  const to = Math.min(end, data.end);
  if (from >= to) return;
  const last = data.gaps.at(-1);
  if (last && last.end === from && last.reason === reason) last.end = to;
  else data.gaps.push({ start: from, end: to, reason });
}
