/**
 * From the events of a flow's connections to the stream items a protocol parser reads (see
 * src/protocols/stream.ts): payload, gaps (truncated, zero-copy, discarded, lost) and ends of
 * stream.
 *
 * Each direction of a flow has up to two witnesses: the end that sent its bytes and the end that
 * received them. The receiver leads: a receiver reads what arrived in pieces no larger than its
 * buffer, so it is rarely cut at --max-payload, and it never sees a zero-copy send as a gap
 * (nginx sendfile's body is a gap on the server's side but ordinary reads on the client's). The
 * sender fills in what the receiver lacks: bytes its capture cut or lost, and bytes it never
 * read at all (a server that answers a POST without reading the body). Where both have a byte
 * they must agree; a disagreement is a capture flaw, counted and reported, never hidden. The
 * witnesses' offsets only count the same bytes when both ends were seen from the stream's
 * start (flow-plan.ts endsAligned); otherwise the receiver alone is read, as the sender alone
 * is when it is the only end captured.
 */
import type { SessionEvent } from '../session/event-reader.js';
import { DataFlag, Direction, EventFlag } from '../events/layout.js';
import type { GapReason, StreamDirection, StreamItem, StreamSegment } from '../protocols/stream.js';
import { EVENT_RECORDS_LOST } from '../session/event-reader.js';
import { endsAligned, type FlowPlan } from './flow-plan.js';
import type { MidwayStart } from './chain-carry.js';

/**
 * A flow's bytes in two layers: the socket's (what the syscalls moved: plain bytes, or TLS
 * ciphertext) and, for a TLS connection whose library tinytap watched, the plaintext the
 * library handed over (TLS_DATA records, with their own stream offsets).
 */
export type Layer = 'socket' | 'tls';

/** One end's events for one direction: (connection, its direction, the layer). */
export interface DirectionSource {
  connId: number;
  dir: number; // Direction.EGRESS or INGRESS of that connection
  layer: Layer;
}

/** The witnesses read for one direction of a flow (either may be missing). */
export interface DirectionWitnesses {
  /** The end that received the bytes (its INGRESS). */
  receiver: DirectionSource | null;
  /** The end that sent them (its EGRESS). */
  sender: DirectionSource | null;
}

/**
 * Which ends are read for each direction of a flow, in a layer. The plaintext offsets of two
 * ends align as their socket offsets do: both count from the first byte of their streams when
 * both ends were seen from the start.
 */
export function directionWitnesses(flow: Pick<FlowPlan, 'client' | 'server'>, layer: Layer = 'socket'): Record<StreamDirection, DirectionWitnesses> {
  const { client, server } = flow;
  const both = !!client && !!server;
  const aligned = endsAligned(flow);
  const side = (receiver: { id: number } | null, sender: { id: number } | null): DirectionWitnesses => ({
    receiver: receiver ? { connId: receiver.id, dir: Direction.INGRESS, layer } : null,
    // the sender is a witness when it is the only end, or when its offsets match the receiver's
    sender: sender && (!both || aligned) ? { connId: sender.id, dir: Direction.EGRESS, layer } : null,
  });
  return { c2s: side(server, client), s2c: side(client, server) };
}

/** The layer an event belongs to. */
export function layerOf(ev: Pick<SessionEvent, 'tls'>): Layer {
  return ev.tls ? 'tls' : 'socket';
}

function isSource(s: DirectionSource | null, ev: Pick<SessionEvent, 'connId' | 'dir' | 'tls'>): boolean {
  return !!s && s.connId === ev.connId && s.dir === ev.dir && s.layer === layerOf(ev);
}

/** Which witness of a direction an event is, if it is one. */
export function witnessOf(w: DirectionWitnesses, ev: Pick<SessionEvent, 'connId' | 'dir' | 'tls'>): 'receiver' | 'sender' | null {
  if (isSource(w.receiver, ev)) return 'receiver';
  if (isSource(w.sender, ev)) return 'sender';
  return null;
}

export function gapReason(flags: number): GapReason {
  if (flags & DataFlag.ZEROCOPY) return 'zerocopy';
  if (flags & EventFlag.DISCARDED) return 'discarded';
  if (flags & (EVENT_RECORDS_LOST | DataFlag.READ_FAILED)) return 'lost';
  return 'truncated';
}

/** A peek looked at bytes a later read moves: it is not part of the stream. */
export function movesBytes(ev: Pick<SessionEvent, 'flags'>): boolean {
  return (ev.flags & EventFlag.PEEK) === 0;
}

/** Bytes one witness saw, by stream offset: `bytes` is the captured prefix of `length`. */
interface Piece {
  offset: number;
  length: number;
  bytes: Uint8Array;
  reason: GapReason;
  ts: number;
  eventId: number;
}

/** Sender bytes kept for a receiver that has not read them yet; past this, kept as lengths only. */
const PENDING_BYTES_MAX = 16 << 20;

export class WitnessedStream {
  private nextOffset = 0;
  private ended = false;
  /** The receiver's end of stream, once seen; the stream ends when the sender is done too. */
  private receiverEnd: { reason: 'eof' | 'close' | 'error'; ts: number; eventId: number } | null = null;
  private senderDone = false;
  /** Sender pieces at or past nextOffset, in offset order, not overlapping. */
  private pending: Piece[] = [];
  private pendingBytes = 0;
  /** Items are stamped in order: bytes the receiver never read keep the time it stopped at. */
  private lastTs = -Infinity;
  /** Stream offset of the first byte on which the two witnesses disagreed. */
  disagreement: number | null = null;

  constructor(
    /** Changes if the flow turns out to be the other way round (FlowBuilder.turnAround). */
    public dir: StreamDirection,
    /** Wall-clock ns that ts 0 stands for: items carry ns since the session began. */
    private readonly baseNs: bigint,
    private readonly witnesses: { receiver: boolean; sender: boolean },
    /**
     * Stream offset the direction is read from: bytes before it are not this reading's (a later
     * file of a chain goes on from where the file before kept its last exchange, SPEC.md §3.1).
     * Null, with `midway`: from where this file first holds the stream (chain-carry.ts MidwayStart).
     */
    start: number | null = 0,
    private readonly midway: MidwayStart | null = null,
  ) {
    this.startAt = start;
    this.nextOffset = start ?? 0;
  }

  private startAt: number | null;

  get start(): number {
    return this.startAt ?? this.nextOffset;
  }

  /** Where it starts, once known: null for a stream read from midway that has had no byte yet. */
  get knownStart(): number | null {
    return this.startAt;
  }

  /**
   * A stream read from midway takes the offset of its first event here as its start; false for
   * an event before that start (a response to a request this reading does not have).
   */
  private begins(ev: SessionEvent, ts: number): boolean {
    if (this.startAt !== null) return true;
    const m = this.midway;
    if (m) {
      if (this.dir === 'c2s') m.requestTs ??= ts;
      else if (m.requestTs === null || ts < m.requestTs) return false;
    }
    this.startAt = this.nextOffset = ev.streamOff;
    return true;
  }

  private rel(ev: SessionEvent): number {
    return Number(ev.ts - this.baseNs);
  }

  /** Items for an event of the receiving end. */
  received(ev: SessionEvent): StreamItem[] {
    if (this.ended || !this.witnesses.receiver || !movesBytes(ev)) return [];
    const ts = this.rel(ev);
    if (ev.ret < 0) return this.receiverEnded('error', ts, ev.id);
    // a read of 0 bytes: the peer shut down its side, everything it sent has been read
    if (ev.ret === 0) return this.receiverEnded('eof', ts, ev.id);
    if (!this.begins(ev, ts)) return [];
    const items: StreamItem[] = [];
    const start = ev.streamOff;
    const end = ev.streamOff + ev.ret;
    // bytes the receiver skipped over: its records were lost; the sender may have them
    if (start > this.nextOffset) this.fill(items, this.nextOffset, start, 'lost', ts, ev.id, true);
    // two threads read one socket and their events arrived out of order: the parser needs
    // increasing offsets, so drop the overlap rather than feed bytes twice
    const from = Math.max(start, this.nextOffset);
    if (from >= end) return items;
    const captured = Math.min(end, start + ev.payload.length);
    const reason = gapReason(ev.flags);
    if (from < captured) {
      const bytes = ev.payload.subarray(from - start, captured - start);
      const first = this.check(from, bytes, ev.id);
      if (captured < end && !this.overlapsPending(captured, end)) {
        // the usual gap: nothing to fill it with, one item says how much is missing and why
        items.push(this.segment(from, end - from, bytes, reason, ts, first, ev.id));
        this.advance(end);
        return items;
      }
      items.push(this.segment(from, captured - from, bytes, reason, ts, first, ev.id));
    }
    if (Math.max(from, captured) < end) this.fill(items, Math.max(from, captured), end, reason, ts, ev.id, false);
    this.advance(end);
    return items;
  }

  /** Items for an event of the sending end (none while the receiver has yet to read them). */
  sent(ev: SessionEvent): StreamItem[] {
    if (this.ended || !this.witnesses.sender) return [];
    const ts = this.rel(ev);
    if (ev.ret < 0) {
      // the connection broke under the sender; read alone, that is the end of the stream
      const items = this.senderEnded();
      if (!this.witnesses.receiver && !this.ended) items.push(...this.end('error', ts, ev.id));
      return items;
    }
    if (ev.ret === 0) return [];
    if (!this.begins(ev, ts)) return [];
    this.addPending({
      offset: ev.streamOff,
      length: ev.ret,
      bytes: ev.payload.subarray(0, Math.min(ev.payload.length, ev.ret)),
      reason: gapReason(ev.flags),
      ts,
      eventId: ev.id,
    });
    // nobody reads these bytes (no receiver captured, or it has gone): they are the stream
    return !this.witnesses.receiver || this.receiverEnd ? this.flush() : [];
  }

  /** The receiving end's connection was closed without an end of stream read. */
  receiverClosed(ts: number, eventId: number): StreamItem[] {
    if (this.ended || !this.witnesses.receiver) return [];
    return this.receiverEnded('close', ts, eventId);
  }

  /** The sending end's connection was closed: it sends nothing more. */
  senderClosed(ts: number, eventId: number): StreamItem[] {
    if (this.ended || !this.witnesses.sender) return [];
    const items = this.senderEnded();
    // with no receiver, the sender's close is the end of what will ever be seen
    if (!this.witnesses.receiver && !this.ended) items.push(...this.end('close', ts, eventId));
    return items;
  }

  /** The capture ended: what the sender sent that nobody read, then the end. */
  finish(ts: number, eventId: number): StreamItem[] {
    if (this.ended) return [];
    return [...this.flush(), ...this.end(this.receiverEnd?.reason ?? 'close', ts, eventId)];
  }

  get offset(): number {
    return this.nextOffset;
  }

  /** Where the bytes sent so far end, read or not yet read. */
  get sentEnd(): number {
    const last = this.pending[this.pending.length - 1];
    return last ? Math.max(this.nextOffset, last.offset + last.length) : this.nextOffset;
  }

  /** The earliest event of the bytes sent that the receiver has not read yet, if any. */
  firstPendingEvent(): number | null {
    let first: number | null = null;
    for (const p of this.pending) if (first === null || p.eventId < first) first = p.eventId;
    return first;
  }

  private receiverEnded(reason: 'eof' | 'close' | 'error', ts: number, eventId: number): StreamItem[] {
    this.receiverEnd ??= { reason, ts, eventId };
    // what the sender sent and the receiver never read is still what was sent
    const items = this.flush();
    // after an EOF nothing more can come; after a close or an error the sender may still be
    // writing (a body the server never read), so the stream ends when the sender is done
    if (reason === 'eof' || !this.witnesses.sender || this.senderDone) items.push(...this.end(reason, ts, eventId));
    return items;
  }

  private senderEnded(): StreamItem[] {
    this.senderDone = true;
    if (!this.receiverEnd) return this.witnesses.receiver ? [] : this.flush();
    const { reason, ts, eventId } = this.receiverEnd;
    return [...this.flush(), ...this.end(reason, ts, eventId)];
  }

  private end(reason: 'eof' | 'close' | 'error', ts: number, eventId: number): StreamItem[] {
    if (this.ended) return [];
    this.ended = true;
    this.pending = [];
    this.pendingBytes = 0;
    return [{ kind: 'end', dir: this.dir, ts, offset: this.nextOffset, reason, eventId }];
  }

  private segment(offset: number, length: number, bytes: Uint8Array, reason: GapReason, ts: number, eventId: number, lastEventId: number): StreamSegment {
    // a sender's copy is older than the receiver's reads before it: a direction's time never
    // runs backwards (a request would end before it began)
    if (ts < this.lastTs) ts = this.lastTs;
    this.lastTs = ts;
    const item: StreamSegment = { kind: 'data', dir: this.dir, ts, offset, length, bytes, eventId };
    if (lastEventId !== eventId) item.lastEventId = lastEventId;
    if (bytes.length < length) item.gap = reason;
    return item;
  }

  private advance(to: number): void {
    if (to <= this.nextOffset) return;
    this.nextOffset = to;
    while (this.pending.length && this.pending[0].offset + this.pending[0].length <= to) {
      this.pendingBytes -= this.pending[0].bytes.length;
      this.pending.shift();
    }
  }

  private overlapsPending(from: number, to: number): boolean {
    for (const p of this.pending) {
      if (p.offset >= to) return false;
      if (p.offset + p.length > from) return true;
    }
    return false;
  }

  /**
   * The receiver's captured bytes at `offset` against the sender's, where both have them.
   * Returns the earliest event that holds these bytes (the sender wrote before the receiver
   * read), so an exchange's events reach back to every copy of its bytes.
   */
  private check(offset: number, bytes: Uint8Array, eventId: number): number {
    let first = eventId;
    const end = offset + bytes.length;
    for (const p of this.pending) {
      if (p.offset >= end) break;
      if (p.offset + p.length <= offset) continue;
      if (p.eventId < first) first = p.eventId;
      const from = Math.max(offset, p.offset);
      const to = Math.min(end, p.offset + p.bytes.length);
      if (from < to && this.disagreement === null) {
        const mine = bytes.subarray(from - offset, to - offset);
        const theirs = p.bytes.subarray(from - p.offset, to - p.offset);
        if (Buffer.compare(mine, theirs) !== 0) this.disagreement = from + firstDifference(mine, theirs);
      }
    }
    return first;
  }

  /**
   * Items for [from, to) from the sender's pieces: their bytes where they have them, a gap
   * (their reason, else `fallback`) where nobody has. `ownTime`: the receiver did not move
   * these bytes (it lost them, or never read them), so each piece's own time and event stamp
   * them; otherwise the receiver's event (`ts`, `eventId`) does.
   */
  private fill(items: StreamItem[], from: number, to: number, fallback: GapReason, ts: number, eventId: number, ownTime: boolean): void {
    const lost = ownTime;
    let at = from;
    for (const p of this.pending) {
      if (at >= to) break;
      const pEnd = p.offset + p.length;
      if (pEnd <= at) continue;
      if (p.offset >= to) break;
      if (p.offset > at) {
        items.push(this.segment(at, p.offset - at, new Uint8Array(0), fallback, lost ? p.ts : ts, eventId, eventId));
        at = p.offset;
      }
      const partEnd = Math.min(to, pEnd);
      const capturedEnd = Math.min(partEnd, p.offset + p.bytes.length);
      const when = lost ? p.ts : ts;
      if (at < capturedEnd) {
        items.push(this.segment(at, capturedEnd - at, p.bytes.subarray(at - p.offset, capturedEnd - p.offset), p.reason, when, Math.min(p.eventId, eventId), lost ? p.eventId : eventId));
        at = capturedEnd;
      }
      if (at < partEnd) {
        // neither witness has these bytes: the receiver's reason when it moved them
        items.push(this.segment(at, partEnd - at, new Uint8Array(0), lost ? p.reason : fallback, when, Math.min(p.eventId, eventId), eventId));
        at = partEnd;
      }
    }
    if (at < to) items.push(this.segment(at, to - at, new Uint8Array(0), fallback, ts, eventId, eventId));
  }

  /** Every sender piece past nextOffset, as items in their own time. */
  private flush(): StreamItem[] {
    const items: StreamItem[] = [];
    const last = this.pending[this.pending.length - 1];
    if (!last) return items;
    const to = last.offset + last.length;
    if (to > this.nextOffset) this.fill(items, this.nextOffset, to, 'lost', last.ts, last.eventId, true);
    this.advance(to);
    return items;
  }

  private addPending(p: Piece): void {
    const tail = this.pending.length ? this.pending[this.pending.length - 1] : null;
    const covered = Math.max(this.nextOffset, tail ? tail.offset + tail.length : 0);
    // what is already covered was said first, by the event that came first (a zero-copy
    // marker comes after the body records read from the same pages)
    if (p.offset + p.length <= covered) return;
    if (p.offset < covered) {
      const skip = covered - p.offset;
      p = { ...p, offset: covered, length: p.length - skip, bytes: p.bytes.subarray(Math.min(skip, p.bytes.length)) };
    }
    this.pending.push(p);
    this.pendingBytes += p.bytes.length;
    // a receiver far behind (or gone without a close): keep lengths, let go of old bytes
    for (let i = 0; this.pendingBytes > PENDING_BYTES_MAX && i < this.pending.length - 1; i++) {
      const old = this.pending[i];
      if (!old.bytes.length) continue;
      this.pendingBytes -= old.bytes.length;
      this.pending[i] = { ...old, bytes: new Uint8Array(0), reason: 'lost' };
    }
  }
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}
