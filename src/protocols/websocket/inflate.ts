/**
 * permessage-deflate decompression for one direction (RFC 7692 §7.2.2): a message's compressed
 * payload, with 0x00 0x00 0xff 0xff appended, is inflated as raw DEFLATE; with context takeover
 * the sender's LZ77 window runs on from one message into the next.
 *
 * Why not a zlib stream kept open, as the `ws` package does: Node's streams inflate
 * asynchronously, and the synchronous path (`_processChunk` without a callback) closes its handle
 * after one call. But every message ends at a block boundary (the sync flush's empty stored
 * block), so the only state that crosses messages is the window: the last 32 KiB of output.
 * Raw inflate accepts that as a preset dictionary (zlib's inflateSetDictionary, Node's
 * `dictionary` option), so each message is inflated whole with the public synchronous API, and
 * the state this parser keeps is a plain bounded buffer. The price: a compressed message is held
 * until its final frame (WEBSOCKET_LIMITS.maxCompressedBytes).
 */
import { constants, inflateRawSync } from 'node:zlib';
import { WEBSOCKET_LIMITS } from './limits.js';
import type { WsFlawCode } from './types.js';

/** RFC 7692 §7.2.2: the tail the sender's sync flush ended with and then removed. */
const FLUSH_TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
/** The largest LZ77 window (windowBits 15): a sender with a smaller one never reaches further back. */
const WINDOW_BYTES = 32 * 1024;
const EMPTY = Buffer.alloc(0);

export type InflateResult = { ok: true; bytes: Buffer } | { ok: false; code: WsFlawCode; message: string };

export class MessageInflater {
  /** The sender's last WINDOW_BYTES of output: what its next message may refer back to. */
  private window: Buffer = EMPTY;
  private lostBecause: string | undefined;

  /** `contextTakeover`: the sender keeps its window between messages (no *_no_context_takeover). */
  constructor(private readonly contextTakeover: boolean) {}

  /**
   * The payload of one message from its compressed frames' payloads. `whole`: the final frame
   * arrived (else the direction ended inside it: what can be inflated of the part seen is).
   */
  inflate(compressed: Buffer, whole: boolean): InflateResult {
    if (this.lostBecause !== undefined) {
      return { ok: false, code: 'context-lost', message: `cannot inflate: the shared window was lost (${this.lostBecause})` };
    }
    let bytes: Buffer;
    try {
      bytes = inflateRawSync(whole ? Buffer.concat([compressed, FLUSH_TAIL]) : compressed, {
        dictionary: this.window.length > 0 ? this.window : undefined,
        finishFlush: constants.Z_SYNC_FLUSH,
        maxOutputLength: WEBSOCKET_LIMITS.maxInflatedBytes,
      });
    } catch (e) {
      if (e instanceof RangeError) {
        this.lose('a message inflated beyond the limit');
        return { ok: false, code: 'inflate-too-large', message: `inflates to more than ${WEBSOCKET_LIMITS.maxInflatedBytes} bytes` };
      }
      this.lose('a message could not be inflated');
      return { ok: false, code: 'inflate-error', message: `cannot inflate: ${e instanceof Error ? e.message : String(e)}` };
    }
    if (this.contextTakeover) this.slide(bytes);
    return { ok: true, bytes };
  }

  /** A message's compressed bytes were not all seen: the window its successors share is unknown. */
  lose(why: string): void {
    if (this.contextTakeover && this.lostBecause === undefined) this.lostBecause = why;
  }

  get bufferedBytes(): number {
    return this.window.length;
  }

  private slide(output: Buffer): void {
    if (output.length >= WINDOW_BYTES) this.window = Buffer.from(output.subarray(output.length - WINDOW_BYTES));
    else if (output.length > 0) this.window = Buffer.concat([this.window, output]).subarray(-WINDOW_BYTES);
  }
}
