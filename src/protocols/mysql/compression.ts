/**
 * The compressed protocol (CLIENT_COMPRESS, zlib): after authentication each direction is a
 * sequence of compressed packets (7-byte header: compressed length, sequence id, uncompressed
 * length; a payload deflated with zlib, or sent as is when the uncompressed length is 0), and
 * the inflated bytes are the ordinary packet stream, whose packets may straddle compressed ones.
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_compression.html
 *
 * Inflated with node:zlib, one compressed packet at a time (each is a complete zlib stream).
 * The inner packets' offsets count inflated bytes; they are mapped back to the stream: a packet
 * starts where the compressed packet holding its first byte starts, and ends where the one
 * holding its last byte ends (ts likewise). A compressed packet missing bytes cannot be inflated,
 * so a gap anywhere stops the direction. zstd (MySQL 8.0.18+) is not decoded.
 */
import { inflateSync } from 'node:zlib';
import { PacketFramer, type FramingHooks, type Packet } from './framing.js';

/** Where the inflated bytes of one compressed packet came from. */
interface Span {
  innerStart: number;
  innerEnd: number;
  wireStart: number;
  wireEnd: number;
  startTs: number;
  endTs: number;
}

export interface CompressedHooks {
  onPacket(packet: Packet): void;
  /** The direction cannot be read further. */
  onFailure(offset: number, code: string, message: string): void;
  checkHeader?(seq: number, length: number): string | undefined;
}

export class CompressedStream {
  private readonly outer: PacketFramer;
  private readonly inner: PacketFramer;
  private spans: Span[] = [];

  constructor(
    wireOffset: number,
    private readonly hooks: CompressedHooks,
    private readonly maxHeldBytes: number,
  ) {
    this.outer = new PacketFramer(
      {
        onPacket: (p) => this.compressedPacket(p),
        onGap: (at) => this.fail(at, 'gap', 'bytes of compressed packets were not captured: the stream cannot be inflated further'),
        onInvalid: (at, message) => this.fail(at, 'invalid-message', message),
      },
      maxHeldBytes,
      true,
    );
    this.outer.offset = wireOffset;
    const innerHooks: FramingHooks = {
      onPacket: (p) => this.hooks.onPacket(this.mapped(p)),
      onGap: (at) => this.fail(this.wireOffset(at), 'gap', 'inflated packets lost their boundaries'),
      onInvalid: (at, message) => this.fail(this.wireOffset(at), 'invalid-message', message),
      checkHeader: (seq, length) => this.hooks.checkHeader?.(seq, length),
    };
    this.inner = new PacketFramer(innerHooks, maxHeldBytes);
  }

  get offset(): number {
    return this.outer.offset;
  }

  get heldBytes(): number {
    return this.outer.heldBytes + this.inner.heldBytes;
  }

  get isStopped(): boolean {
    return this.outer.isStopped;
  }

  stop(): void {
    this.outer.stop();
    this.inner.stop();
  }

  bytes(bytes: Uint8Array, ts: number): number {
    return this.outer.bytes(bytes, ts);
  }

  gap(size: number, ts: number): void {
    if (this.outer.isStopped) return;
    const at = this.outer.pendingStart;
    this.outer.gap(size, ts);
    // a gap inside a compressed payload leaves the packet unusable: stop now, not at its end
    if (!this.outer.isStopped) this.fail(at, 'gap', 'bytes of a compressed packet were not captured: it cannot be inflated');
  }

  private compressedPacket(p: Packet): void {
    if (p.cut) return this.fail(p.start, 'too-large', `a compressed packet of ${p.length} bytes is over the ${this.maxHeldBytes}-byte limit`);
    let data: Buffer;
    if (!p.uncompressedLength) data = p.payload;
    else {
      try {
        data = inflateSync(p.payload, { maxOutputLength: Math.min(p.uncompressedLength, this.maxHeldBytes) });
      } catch (e) {
        return this.fail(p.start, 'invalid-message', `zlib could not inflate a compressed packet: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const innerStart = this.inner.offset;
    this.spans.push({ innerStart, innerEnd: innerStart + data.length, wireStart: p.start, wireEnd: p.end, startTs: p.startTs, endTs: p.endTs });
    this.inner.bytes(data, p.endTs);
    // spans before the packet being read are no longer needed
    const keepFrom = this.inner.pendingStart;
    while (this.spans.length > 1 && this.spans[0].innerEnd <= keepFrom) this.spans.shift();
  }

  private span(innerOffset: number): Span | undefined {
    return this.spans.find((s) => innerOffset >= s.innerStart && innerOffset < s.innerEnd) ?? this.spans.at(-1);
  }

  private wireOffset(innerOffset: number): number {
    return this.span(innerOffset)?.wireStart ?? this.outer.offset;
  }

  private mapped(p: Packet): Packet {
    const first = this.span(p.start);
    const last = this.span(Math.max(p.start, p.end - 1));
    return {
      ...p,
      start: first?.wireStart ?? p.start,
      end: last?.wireEnd ?? p.end,
      startTs: first?.startTs ?? p.startTs,
      endTs: last?.endTs ?? p.endTs,
    };
  }

  private fail(offset: number, code: string, message: string): void {
    if (this.outer.isStopped && this.inner.isStopped) return;
    this.stop();
    this.hooks.onFailure(offset, code, message);
  }
}
