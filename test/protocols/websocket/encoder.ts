/**
 * A test-only WebSocket sender: messages to frames (RFC 6455 §5.2), masked for c2s, fragmented
 * where told, control frames put between fragments, payloads compressed as permessage-deflate
 * does (RFC 7692 §7.2.1: sync-flushed raw DEFLATE without its 0x00 0x00 0xff 0xff tail), with or
 * without the window carried from one message to the next.
 */
import { constants, deflateRawSync } from 'node:zlib';
import type { StreamDirection } from '../../../src/protocols/stream.js';
import type { WsMessageType } from '../../../src/protocols/websocket/index.js';

const OPCODES: Record<WsMessageType, number> = { text: 1, binary: 2, close: 8, ping: 9, pong: 10 };
const WINDOW = 32 * 1024;

export interface FrameSpec {
  fin: boolean;
  rsv1?: boolean;
  opcode: number;
  payload: Uint8Array;
  /** A masking key (c2s frames). */
  mask?: Uint8Array;
}

export function encodeFrame(spec: FrameSpec): Buffer {
  const n = spec.payload.length;
  const head = [(spec.fin ? 0x80 : 0) | (spec.rsv1 ? 0x40 : 0) | spec.opcode];
  const maskBit = spec.mask ? 0x80 : 0;
  if (n < 126) head.push(maskBit | n);
  else if (n < 0x10000) head.push(maskBit | 126, n >> 8, n & 0xff);
  else head.push(maskBit | 127, 0, 0, 0, 0, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
  const body = Buffer.from(spec.payload);
  if (spec.mask) {
    head.push(...spec.mask);
    for (let i = 0; i < body.length; i++) body[i] ^= spec.mask[i & 3];
  }
  return Buffer.concat([Buffer.from(head), body]);
}

/** One direction's compressor: with context takeover the window runs on (a preset dictionary of the history). */
export class Compressor {
  private history = Buffer.alloc(0);
  constructor(private readonly takeover: boolean) {}

  compress(payload: Uint8Array): Buffer {
    const out = deflateRawSync(payload, {
      dictionary: this.takeover && this.history.length > 0 ? this.history : undefined,
      finishFlush: constants.Z_SYNC_FLUSH,
    });
    if (this.takeover) this.history = Buffer.concat([this.history, payload]).subarray(-WINDOW);
    return out.subarray(0, out.length - 4); // RFC 7692 §7.2.1: the tail is removed
  }
}

export interface ControlSpec {
  type: 'ping' | 'pong' | 'close';
  payload: Uint8Array;
}

export interface MessageSpec {
  dir: StreamDirection;
  type: WsMessageType;
  payload: Uint8Array;
  compressed: boolean;
  /** Where the (compressed) payload is cut into frames, as fractions of its length in [0, 1). */
  cuts: number[];
  /** Control frames sent between fragments, after the fragment of the same position. */
  between: ControlSpec[];
}

/** What a receiver must report of a message: it in the order messages end. */
export interface Expected {
  dir: StreamDirection;
  type: WsMessageType;
  payload: Uint8Array;
  compressed: boolean;
  frames: number;
}

/** The bytes of a direction's messages, and the messages as they end. */
export function encodeMessages(specs: MessageSpec[], compressor: Compressor, maskSeed: number): { bytes: Buffer; expected: Expected[] } {
  const frames: Buffer[] = [];
  const expected: Expected[] = [];
  let seed = maskSeed;
  const mask = (dir: StreamDirection): Uint8Array | undefined => {
    if (dir === 's2c') return undefined;
    seed = (seed * 1103515245 + 12345) >>> 0;
    return Uint8Array.of(seed & 0xff, (seed >> 8) & 0xff, (seed >> 16) & 0xff, (seed >> 24) & 0xff);
  };
  for (const spec of specs) {
    const control = spec.type === 'ping' || spec.type === 'pong' || spec.type === 'close';
    const wire = spec.compressed ? compressor.compress(spec.payload) : spec.payload;
    const bounds = control ? [] : [...new Set(spec.cuts.map((c) => Math.floor(c * wire.length)))].filter((b) => b > 0).sort((a, b) => a - b);
    const pieces: Uint8Array[] = [];
    let from = 0;
    for (const b of bounds) {
      pieces.push(wire.subarray(from, b));
      from = b;
    }
    pieces.push(wire.subarray(from));
    pieces.forEach((piece, k) => {
      const last = k === pieces.length - 1;
      frames.push(encodeFrame({ fin: last, rsv1: k === 0 && spec.compressed, opcode: k === 0 ? OPCODES[spec.type] : 0, payload: piece, mask: mask(spec.dir) }));
      if (last) return;
      const between = spec.between[k];
      if (between) {
        frames.push(encodeFrame({ fin: true, opcode: OPCODES[between.type], payload: between.payload, mask: mask(spec.dir) }));
        expected.push({ dir: spec.dir, type: between.type, payload: between.payload, compressed: false, frames: 1 });
      }
    });
    expected.push({ dir: spec.dir, type: spec.type, payload: spec.payload, compressed: spec.compressed, frames: pieces.length });
  }
  return { bytes: Buffer.concat(frames), expected };
}
