/**
 * TLS plaintext written before its socket was known, put on its connection.
 *
 * A library with memory BIOs (Node.js's OpenSSL) encrypts in SSL_write and sends the ciphertext
 * afterwards, with the thread's next socket write: the kernel writes the plaintext at once (the
 * buffer may not outlive the call) with conn_id 0 and a token in stream_off, then a TLS_JOIN
 * record naming the token once that write happens (bpf/tls_calls.h). This holds such events
 * until their join and passes them on as if they had been written with the connection.
 */
import type { AssembledEvent } from './event-assembler.js';
import type { TlsJoinRecord } from './decode-records.js';
import { Direction, Kind } from './layout.js';

/**
 * Tokens held at once. A join follows its write within the same event-loop turn; a write that
 * is never joined (its process exited, or a second write came first) must not be held forever.
 */
const MAX_HELD = 4096;
/**
 * Bytes held at once. A recorder's SSL_write is at most --max-payload (16 MiB), and joins come
 * at once; a damaged or hostile file could hold thousands of 16 MiB writes without one.
 */
const MAX_HELD_BYTES = 64 << 20;

/** A TLS_DATA event waiting for its join: conn_id 0, its token in streamOff. */
export function awaitsJoin(ev: AssembledEvent): boolean {
  return ev.first.kind === Kind.TLS_DATA && ev.first.connId === 0 && ev.first.dir === Direction.EGRESS;
}

export class TlsJoiner {
  private readonly held = new Map<number, AssembledEvent>();
  private heldBytes = 0;
  /** Joins that arrived before their event (its last chunk was lost, so it completed late). */
  private readonly early = new Map<number, TlsJoinRecord>();

  event(ev: AssembledEvent, emit: (ev: AssembledEvent) => void): void {
    if (!awaitsJoin(ev)) return emit(ev);
    const token = ev.first.streamOff;
    const join = this.early.get(token);
    if (join) {
      this.early.delete(token);
      return emit(joined(ev, join));
    }
    // a token seen twice (only a damaged file has one): the first goes on unjoined
    if (this.held.has(token)) this.release(token, emit);
    this.held.set(token, ev);
    this.heldBytes += ev.payload.length;
    while (this.held.size > MAX_HELD || (this.heldBytes > MAX_HELD_BYTES && this.held.size > 1)) this.release(this.held.keys().next().value!, emit);
  }

  join(rec: TlsJoinRecord, emit: (ev: AssembledEvent) => void): void {
    const ev = this.held.get(rec.token);
    if (!ev) {
      this.early.set(rec.token, rec);
      if (this.early.size > MAX_HELD) this.early.delete(this.early.keys().next().value!);
      return;
    }
    this.held.delete(rec.token);
    this.heldBytes -= ev.payload.length;
    emit(joined(ev, rec));
  }

  /** At the end: what was never joined is passed on as it is (connection 0: unjoined). */
  flush(emit: (ev: AssembledEvent) => void): void {
    for (const token of [...this.held.keys()]) this.release(token, emit);
    this.early.clear();
  }

  private release(token: number, emit: (ev: AssembledEvent) => void): void {
    const ev = this.held.get(token)!;
    this.held.delete(token);
    this.heldBytes -= ev.payload.length;
    emit(ev);
  }
}

function joined(ev: AssembledEvent, join: TlsJoinRecord): AssembledEvent {
  return { ...ev, first: { ...ev.first, connId: join.connId, streamOff: join.streamOff, fd: join.fd } };
}
