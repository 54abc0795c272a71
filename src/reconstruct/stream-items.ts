/**
 * From the events of a connection to the stream items a protocol parser reads (see
 * src/protocols/stream.ts): payload, gaps (truncated, zero-copy, lost) and ends of stream.
 *
 * Each direction of a flow is read from one end: the end that *received* the bytes when both
 * were captured. A receiver reads what arrived in pieces no larger than its buffer, so it is
 * rarely cut at --max-payload, and it never sees a zero-copy send as a gap (nginx sendfile's
 * body is a gap on the server's side but ordinary reads on the client's).
 */
import type { SessionEvent } from '../session/event-reader.js';
import { DataFlag, Direction } from '../events/layout.js';
import type { GapReason, StreamDirection, StreamItem } from '../protocols/stream.js';
import { EVENT_RECORDS_LOST } from '../session/event-reader.js';
import type { FlowPlan } from './flow-plan.js';

/** Where each direction of a flow is read from: (connection, its direction). */
export interface DirectionSource {
  connId: number;
  dir: number; // Direction.EGRESS or INGRESS of that connection
}

export function directionSources(flow: FlowPlan): Record<StreamDirection, DirectionSource | null> {
  const { client, server } = flow;
  return {
    c2s: server ? { connId: server.id, dir: Direction.INGRESS } : client ? { connId: client.id, dir: Direction.EGRESS } : null,
    s2c: client ? { connId: client.id, dir: Direction.INGRESS } : server ? { connId: server.id, dir: Direction.EGRESS } : null,
  };
}

function gapReason(ev: SessionEvent): GapReason {
  if (ev.flags & DataFlag.ZEROCOPY) return 'zerocopy';
  if (ev.flags & (EVENT_RECORDS_LOST | DataFlag.READ_FAILED)) return 'lost';
  return 'truncated';
}

/**
 * Turns one direction's events into stream items. Offsets come from the kernel (stream_off),
 * so bytes that never reached us (dropped records) show up as a jump, which is reported as a
 * 'lost' gap rather than silently closed.
 */
export class DirectionStream {
  private nextOffset = 0;
  private ended = false;

  constructor(
    /** Changes if the flow turns out to be the other way round (FlowBuilder.turnAround). */
    public dir: StreamDirection,
    /** Wall-clock ns that ts 0 stands for: items carry ns since the session began. */
    private readonly baseNs: bigint,
  ) {}

  /** Items for one event of this direction (none for an event that moved nothing). */
  push(ev: SessionEvent): StreamItem[] {
    if (this.ended) return [];
    const ts = Number(ev.ts - this.baseNs);
    if (ev.ret < 0) {
      // a reset or an error ends what this side will see of the stream
      this.ended = true;
      return [{ kind: 'end', dir: this.dir, ts, offset: this.nextOffset, reason: 'error', eventId: ev.id }];
    }
    if (ev.ret === 0) {
      this.ended = true;
      return [{ kind: 'end', dir: this.dir, ts, offset: this.nextOffset, reason: 'eof', eventId: ev.id }];
    }
    const items: StreamItem[] = [];
    if (ev.streamOff > this.nextOffset) {
      items.push({
        kind: 'data',
        dir: this.dir,
        ts,
        offset: this.nextOffset,
        length: ev.streamOff - this.nextOffset,
        bytes: new Uint8Array(0),
        gap: 'lost',
        eventId: ev.id,
      });
    } else if (ev.streamOff < this.nextOffset) {
      // two threads wrote one socket and their events arrived out of order: the parser needs
      // increasing offsets, so drop the overlap rather than feed bytes twice
      const skip = this.nextOffset - ev.streamOff;
      if (skip >= ev.ret) return items;
      const bytes = ev.payload.subarray(Math.min(skip, ev.payload.length));
      items.push(this.segment(ev, ts, this.nextOffset, ev.ret - skip, bytes));
      this.nextOffset = ev.streamOff + ev.ret;
      return items;
    }
    items.push(this.segment(ev, ts, ev.streamOff, ev.ret, ev.payload));
    this.nextOffset = ev.streamOff + ev.ret;
    return items;
  }

  private segment(ev: SessionEvent, ts: number, offset: number, length: number, bytes: Buffer): StreamItem {
    const item: StreamItem = { kind: 'data', dir: this.dir, ts, offset, length, bytes, eventId: ev.id };
    if (bytes.length < length) item.gap = gapReason(ev);
    return item;
  }

  /** The connection was closed (close() or the end of the capture) without an EOF read. */
  close(ts: number, eventId: number): StreamItem[] {
    if (this.ended) return [];
    this.ended = true;
    return [{ kind: 'end', dir: this.dir, ts, offset: this.nextOffset, reason: 'close', eventId }];
  }

  get offset(): number {
    return this.nextOffset;
  }
}
