/**
 * The one pass of a build over a session's records: each record to the builder of its flow,
 * and what the builders hand out made ready to write (derived-writer.ts), in capture order. No
 * database here: the same pass runs in the thread that writes, or in a worker beside it
 * (parallel-build.ts), and hands out the same items in the same order either way.
 */
import type { AssembledEvent } from '../events/event-assembler.js';
import { EventStream } from '../events/event-stream.js';
import { type CaptureRecord, endsConnection } from '../events/decode-records.js';
import { ConnCause, Kind } from '../events/layout.js';
import { type FlowRow, FlowBuilder } from '../reconstruct/flow-builder.js';
import type { FlowPlan } from '../reconstruct/flow-plan.js';
import { CarriedStarts, type FlowCarry, type StreamStart } from '../reconstruct/chain-carry.js';
import { type Prepared, prepare } from './derived-writer.js';
import { toSessionEvent } from './event-reader.js';

/** A file of a `record --dir` chain: what the file before handed on, and whether this one hands on (SPEC.md §3.1). */
export interface PassChain {
  /** Where the flows the file before handed on go on from. */
  starts: StreamStart[];
  /** By connection: why its flow's exchanges in flight at the switch are split between the files. */
  notes: [connId: number, note: string][];
  /** What the flows that began before this file say when nothing could be carried in (the file before is gone). */
  beganBefore: string | null;
  /** A later file goes on from this one: flows still open at its end hand it their exchanges in flight. */
  handOn: boolean;
  /** Wall-clock ns of this file's first record: a connection opened before it began in a file before. */
  firstTs: bigint | null;
}

/** What the pass ends with: each flow's row, by id, and what the flows still open hand on. */
export interface PassResult {
  flows: { id: number; row: FlowRow }[];
  carry: FlowCarry[];
}

/** A flow one of whose connections no CLOSE record ended in this file. */
function stillOpen(plan: FlowPlan): boolean {
  return [plan.client, plan.server].some((c) => c !== null && c.closedAt === null);
}

export class BuildPass {
  private readonly byConn = new Map<number, FlowBuilder>();
  private readonly builders: FlowBuilder[] = [];
  private readonly events: EventStream;
  /** Connections whose CONN record is in this file: the others began in a file before it. */
  private readonly openedHere = new Set<number>();

  constructor(
    plans: FlowPlan[],
    private readonly baseNs: bigint,
    tlsName: (auxFd: number) => string | null,
    private readonly out: (items: Prepared[]) => void,
    private readonly chain: PassChain | null = null,
  ) {
    const starts = new CarriedStarts(chain?.starts);
    const notes = new Map(chain?.notes);
    const handedOn = new Set(chain?.starts.map(([connId]) => connId));
    for (const plan of plans) {
      const note = notes.get(plan.client?.id ?? -1) ?? notes.get(plan.server?.id ?? -1) ?? null;
      const conns = [plan.client, plan.server].filter((c) => c !== null);
      // began in a file before, which handed nothing on (gone, or not built): read from its first request here
      const firstTs = chain?.firstTs ?? null;
      const midway = firstTs !== null && note === null && conns.every((c) => c.openedAt < firstTs && !handedOn.has(c.id));
      const b = new FlowBuilder(plan, plan.index + 1, baseNs, tlsName, { starts, note, midway });
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
    if (rec.kind === Kind.CONN && rec.cause !== ConnCause.SHARED && n >= 0) this.openedHere.add(rec.connId);
    if (rec.kind === Kind.CLOSE && endsConnection(rec)) {
      const b = this.byConn.get(rec.connId);
      if (b) this.emit(b.close(rec.connId, rec.tsNs, n));
    } else this.events.push(rec, n);
  }

  /**
   * The end of the records: what every flow still holds is handed out, but for what the flows
   * still open hand on to a later file of the chain; each flow's row, by id.
   */
  finish(): PassResult {
    this.events.flush();
    const carry: FlowCarry[] = [];
    const beganBefore = this.chain?.beganBefore;
    const flows = this.builders.map((b) => {
      if (beganBefore && ![b.plan.client, b.plan.server].some((c) => c && this.openedHere.has(c.id))) b.noteCarried(beganBefore);
      if (this.chain?.handOn && stillOpen(b.plan)) {
        const out = b.carryOut();
        this.emit(out.built);
        if (out.carry) carry.push(out.carry);
      } else this.emit(b.finish());
      return { id: b.flowId, row: b.row() };
    });
    return { flows, carry };
  }
}
