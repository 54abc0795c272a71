/**
 * Records in, syscall events out: chunks joined into one event per call (event-assembler.ts),
 * and TLS plaintext written ahead of its socket put on its connection (tls-joiner.ts). Every
 * reader of events (the build, the live follower, the event reader) goes through this, so they
 * agree on what an event is.
 */
import { type CaptureRecord, isDataRecord } from './decode-records.js';
import { type AssembledEvent, EventAssembler } from './event-assembler.js';
import { Kind } from './layout.js';
import { TlsJoiner } from './tls-joiner.js';

export class EventStream {
  private readonly assembler = new EventAssembler();
  private readonly joiner = new TlsJoiner();
  private readonly joined = (ev: AssembledEvent) => this.joiner.event(ev, this.emit);

  constructor(private readonly emit: (ev: AssembledEvent) => void) {}

  /** Feed one record (`n`: its record number); records that are not part of an event are ignored. */
  push(rec: CaptureRecord, n: number): void {
    if (isDataRecord(rec)) this.assembler.push(rec, this.joined, n);
    else if (rec.kind === Kind.TLS_JOIN) this.joiner.join(rec, this.emit);
  }

  /** These connections are closed: their calls still waiting for a chunk are passed on as they are. */
  flushConns(connIds: ReadonlySet<number>): void {
    this.assembler.flushConns(connIds, this.joined);
  }

  /** The end of the records: whatever is incomplete or unjoined is passed on as it is. */
  flush(): void {
    this.assembler.flush(this.joined);
    this.joiner.flush(this.emit);
  }
}
