/**
 * The one pass of a build over a session's records: each record to the builder of its flow,
 * and what the builders hand out made ready to write (derived-writer.ts), in capture order. No
 * database here: the same pass runs in the thread that writes, or in a worker beside it
 * (parallel-build.ts), and hands out the same items in the same order either way.
 */
import type { AssembledEvent } from '../events/event-assembler.js';
import { EventStream } from '../events/event-stream.js';
import { type CaptureRecord, endsConnection } from '../events/decode-records.js';
import { Kind } from '../events/layout.js';
import { type FlowRow, FlowBuilder } from '../reconstruct/flow-builder.js';
import type { FlowPlan } from '../reconstruct/flow-plan.js';
import { type Prepared, prepare } from './derived-writer.js';
import { toSessionEvent } from './event-reader.js';

export class BuildPass {
  private readonly byConn = new Map<number, FlowBuilder>();
  private readonly builders: FlowBuilder[] = [];
  private readonly events: EventStream;

  constructor(
    plans: FlowPlan[],
    private readonly baseNs: bigint,
    tlsName: (auxFd: number) => string | null,
    private readonly out: (items: Prepared[]) => void,
  ) {
    for (const plan of plans) {
      const b = new FlowBuilder(plan, plan.index + 1, baseNs, tlsName);
      this.builders.push(b);
      if (plan.client) this.byConn.set(plan.client.id, b);
      if (plan.server) this.byConn.set(plan.server.id, b);
    }
    this.events = new EventStream((ev: AssembledEvent) => {
      const e = toSessionEvent(ev);
      const b = this.byConn.get(e.connId);
      if (b) this.emit(b.push(e));
    });
  }

  private emit(built: ReturnType<FlowBuilder['push']>): void {
    if (built.length) this.out(prepare(built, this.baseNs));
  }

  /** The record numbered `n`. */
  record(rec: CaptureRecord, n: number): void {
    if (rec.kind === Kind.CLOSE && endsConnection(rec)) {
      const b = this.byConn.get(rec.connId);
      if (b) this.emit(b.close(rec.connId, rec.tsNs, n));
    } else this.events.push(rec, n);
  }

  /** The end of the records: what every flow still holds is handed out; each flow's row, by id. */
  finish(): { id: number; row: FlowRow }[] {
    this.events.flush();
    return this.builders.map((b) => {
      this.emit(b.finish());
      return { id: b.flowId, row: b.row() };
    });
  }
}
