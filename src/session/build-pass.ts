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

/** One flow of the plan: its builder while a connection of it is open, then only its row. */
interface FlowSlot {
  id: number;
  builder: FlowBuilder | null;
  row: FlowRow | null;
  /** Its connections no CLOSE has ended yet. */
  unclosed: Set<number>;
}

export class BuildPass {
  private readonly byConn = new Map<number, FlowSlot>();
  /** In plan order. */
  private readonly slots: FlowSlot[] = [];
  private held = 0;
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
      const builder = new FlowBuilder(plan, plan.index + 1, baseNs, tlsName, { starts, note, midway });
      const slot: FlowSlot = { id: builder.flowId, builder, row: null, unclosed: new Set(conns.map((c) => c.id)) };
      this.slots.push(slot);
      this.held++;
      for (const c of conns) this.byConn.set(c.id, slot);
    }
    this.events = new EventStream((ev: AssembledEvent) => {
      const e = toSessionEvent(ev);
      const b = this.byConn.get(e.connId)?.builder;
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
      const slot = this.byConn.get(rec.connId);
      if (!slot?.builder) return;
      this.emit(slot.builder.close(rec.connId, rec.tsNs, n));
      slot.unclosed.delete(rec.connId);
      if (slot.unclosed.size === 0) this.retire(slot, slot.builder);
    } else this.events.push(rec, n);
  }

  /**
   * Every connection of the flow is closed: it is finished now rather than at the end of the
   * records, and its builder let go. Kept to the end, the builders of a long recording's
   * thousands of closed flows held on to their last bytes and parser state: a 10,000,000-exchange
   * file grew past 12 GiB and its build died.
   */
  private retire(slot: FlowSlot, b: FlowBuilder): void {
    // a flow a later file goes on with is ended at the end, by finish()
    if (this.chain?.handOn && stillOpen(b.plan)) return;
    const conns = new Set([b.plan.client?.id, b.plan.server?.id].filter((c) => c !== undefined));
    // a call of theirs still waiting for a chunk comes to the builder as finish() would have had it
    this.events.flushConns(conns);
    this.emit(this.end(b));
    slot.row = b.row();
    slot.builder = null;
    this.held--;
    for (const c of conns) this.byConn.delete(c);
  }

  /** Flows whose builders are held: those with a connection no CLOSE has ended yet. */
  get openFlows(): number {
    return this.held;
  }

  /** What a flow hands out at its end. */
  private end(b: FlowBuilder): ReturnType<FlowBuilder['finish']> {
    this.noteBeganBefore(b);
    return b.finish();
  }

  /** A flow none of whose connections opened in this file, when the file before handed nothing on, says so. */
  private noteBeganBefore(b: FlowBuilder): void {
    const beganBefore = this.chain?.beganBefore;
    if (beganBefore && ![b.plan.client, b.plan.server].some((c) => c && this.openedHere.has(c.id))) b.noteCarried(beganBefore);
  }

  /**
   * The end of the records: what every flow still holds is handed out, but for what the flows
   * still open hand on to a later file of the chain; each flow's row, by id.
   */
  finish(): PassResult {
    this.events.flush();
    const carry: FlowCarry[] = [];
    const flows = this.slots.map((slot) => {
      const b = slot.builder;
      if (!b) return { id: slot.id, row: slot.row! };
      if (this.chain?.handOn && stillOpen(b.plan)) {
        this.noteBeganBefore(b);
        const out = b.carryOut();
        this.emit(out.built);
        if (out.carry) carry.push(out.carry);
      } else this.emit(this.end(b));
      return { id: b.flowId, row: b.row() };
    });
    return { flows, carry };
  }
}
