/**
 * The kernel writes a syscall's payload as one or more chunk records (at most CHUNK_MAX bytes
 * each, the last flagged LAST). This joins them back into one event per syscall. Records of
 * other CPUs may come between the chunks of one syscall, but one thread's chunks are never
 * interleaved with another syscall of the same thread: a thread runs one syscall at a time.
 */
import type { DataRecord } from './decode-records.js';
import { DataFlag } from './layout.js';

/**
 * The most one syscall's payload can be: `record --max-payload` goes up to 16 MiB. Chunks past
 * it (only a damaged or hostile file has them) are dropped as lost, never joined.
 */
export const MAX_EVENT_PAYLOAD = 16 << 20;

/**
 * The most the payloads of unfinished syscalls may hold together. Each thread has at most one
 * syscall under way; a file whose chunks never end (damaged, hostile) would otherwise make the
 * reader hold all of it. Past this, the oldest unfinished syscall is given up as lost.
 */
export const MAX_PENDING_BYTES = 256 << 20;

export interface AssembledEvent {
  first: DataRecord;
  /** Record number of `first` (as given to push). */
  firstRecord: number;
  /** The captured payload: the contiguous prefix of chunks that arrived. */
  payload: Buffer;
  /** Some chunk of this syscall never arrived (ring buffer full). */
  lost: boolean;
  /**
   * The flags of all its chunks: a walk that stops short says so on the record that ends the
   * syscall, not on the first.
   */
  flags: number;
}

interface Pending {
  first: DataRecord;
  firstRecord: number;
  parts: Buffer[];
  size: number;
  lost: boolean;
  flags: number;
}

function sameCall(a: DataRecord, b: DataRecord): boolean {
  return a.tsNs === b.tsNs && a.msgIndex === b.msgIndex && a.connId === b.connId && a.kind === b.kind;
}

export class EventAssembler {
  private pending = new Map<number, Pending>();
  private pendingBytes = 0;

  constructor(private readonly limits = { eventPayload: MAX_EVENT_PAYLOAD, pending: MAX_PENDING_BYTES }) {}

  /** Feed one DATA record (`n`: its record number); completed events are passed to `emit`. */
  push(rec: DataRecord, emit: (ev: AssembledEvent) => void, n = 0): void {
    let p = this.pending.get(rec.tid);
    if (p && !sameCall(p.first, rec)) {
      // the previous call's last chunk was dropped: it is as complete as it will get
      p.lost = true;
      this.pending.delete(rec.tid);
      emit(this.finish(p));
      p = undefined;
    }
    if (!p) {
      if ((rec.flags & DataFlag.LAST) && rec.chunkOff === 0) {
        // the common case, one record per syscall: no bookkeeping
        emit({ first: rec, firstRecord: n, payload: Buffer.from(rec.data), lost: false, flags: rec.flags });
        return;
      }
      p = { first: rec, firstRecord: n, parts: [], size: 0, lost: rec.chunkOff !== 0, flags: 0 };
      this.pending.set(rec.tid, p);
    }
    p.flags |= rec.flags;
    if (rec.chunkOff === p.size && !p.lost && p.size + rec.data.length <= this.limits.eventPayload) {
      p.parts.push(Buffer.from(rec.data));
      p.size += rec.data.length;
      this.pendingBytes += rec.data.length;
    } else {
      p.lost = true; // a chunk in between is missing: keep only the contiguous prefix
    }
    if (rec.flags & DataFlag.LAST) {
      this.pending.delete(rec.tid);
      emit(this.finish(p));
    }
    while (this.pendingBytes > this.limits.pending) {
      const [tid, oldest] = this.pending.entries().next().value!;
      oldest.lost = true;
      this.pending.delete(tid);
      emit(this.finish(oldest));
    }
  }

  /** Everything still waiting (at stop): emitted as incomplete. */
  flush(emit: (ev: AssembledEvent) => void): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) {
      p.lost = true;
      emit(this.finish(p));
    }
  }

  /**
   * The calls of these connections still waiting for a chunk, emitted as incomplete: the
   * connections are closed, so no chunk of theirs is to come (as flush(), for a few).
   */
  flushConns(connIds: ReadonlySet<number>, emit: (ev: AssembledEvent) => void): void {
    for (const [tid, p] of [...this.pending]) {
      if (!connIds.has(p.first.connId)) continue;
      p.lost = true;
      this.pending.delete(tid);
      emit(this.finish(p));
    }
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** A syscall taken out of `pending`, whole as far as it got. */
  private finish(p: Pending): AssembledEvent {
    this.pendingBytes -= p.size;
    return { first: p.first, firstRecord: p.firstRecord, payload: Buffer.concat(p.parts, p.size), lost: p.lost, flags: p.flags };
  }
}
