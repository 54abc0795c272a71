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
  /** Its builder has been handed an event. */
  fed: boolean;
}

/**
 * The pass is given every flow of the file at the start (a build), or each flow as its
 * connections appear (a follower of a file being recorded, live.ts): either way each record
 * goes through the same steps, so a follower's exchanges are a full build's.
 */
export class BuildPass {
  private readonly byConn = new Map<number, FlowSlot>();
  /** By flow id, in the order the flows were added (a build: plan order). */
  private readonly slots = new Map<number, FlowSlot>();
  /** The slots whose builder is held: a connection of theirs is not closed yet. */
  private readonly open = new Set<FlowSlot>();
  private readonly events: EventStream;
  /** Connections whose CONN record is in this file: the others began in a file before it. */
  private readonly openedHere = new Set<number>();
  private readonly starts: CarriedStarts;
  private readonly notes: Map<number, string>;
  private readonly handedOn: Set<number>;
  /** Told of each flow's row when its last connection closes and it is let go. */
  onRetired: ((id: number, row: FlowRow) => void) | null = null;

  constructor(
    plans: FlowPlan[],
    private readonly baseNs: bigint,
    private readonly tlsName: (auxFd: number) => string | null,
    private readonly out: (items: Prepared[]) => void,
    private readonly chain: PassChain | null = null,
  ) {
    this.starts = new CarriedStarts(chain?.starts);
    this.notes = new Map(chain?.notes);
    this.handedOn = new Set(chain?.starts.map(([connId]) => connId));
    for (const plan of plans) this.addFlow(plan, plan.index + 1);
    this.events = new EventStream((ev: AssembledEvent) => {
      const e = toSessionEvent(ev);
      const slot = this.byConn.get(e.connId);
      if (!slot?.builder) return;
      slot.fed = true;
      this.emit(slot.builder.push(e));
    });
  }

  /** A flow to build from the next record on, as flow `id`. */
  addFlow(plan: FlowPlan, id: number): FlowBuilder {
    const note = this.notes.get(plan.client?.id ?? -1) ?? this.notes.get(plan.server?.id ?? -1) ?? null;
    const conns = [plan.client, plan.server].filter((c) => c !== null);
    // began in a file before, which handed nothing on (gone, or not built): read from its first request here
    const firstTs = this.chain?.firstTs ?? null;
    const midway = firstTs !== null && note === null && conns.every((c) => c.openedAt < firstTs && !this.handedOn.has(c.id));
    const builder = new FlowBuilder(plan, id, this.baseNs, this.tlsName, { starts: this.starts, note, midway });
    const slot: FlowSlot = { id, builder, row: null, unclosed: new Set(conns.map((c) => c.id)), fed: false };
    this.slots.set(id, slot);
    this.open.add(slot);
    for (const c of conns) this.byConn.set(c.id, slot);
    return builder;
  }

  /**
   * The open flows no event has reached yet. A follower plans a connection when its CONN row
   * appears, and its other end may appear later: such a flow is planned again with it.
   */
  unfedFlows(): { id: number; plan: FlowPlan }[] {
    return [...this.open].filter((s) => !s.fed).map((s) => ({ id: s.id, plan: s.builder!.plan }));
  }

  /** Forget an open flow no event has reached (unfedFlows). */
  dropUnfed(id: number): void {
    const slot = this.slots.get(id);
    if (!slot?.builder || slot.fed) throw new Error(`flow ${id} is not an open flow without events`);
    for (const c of [slot.builder.plan.client, slot.builder.plan.server]) if (c && this.byConn.get(c.id) === slot) this.byConn.delete(c.id);
    this.slots.delete(id);
    this.open.delete(slot);
  }

  /** The builder of a connection's flow while it is open. */
  builderOf(connId: number): FlowBuilder | null {
    return this.byConn.get(connId)?.builder ?? null;
  }

  /** The rows so far of the open flows some event has reached: a follower shows their progress. */
  openRows(): { id: number; row: FlowRow }[] {
    return [...this.open].filter((s) => s.fed).map((s) => ({ id: s.id, row: s.builder!.row() }));
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
    this.open.delete(slot);
    for (const c of conns) this.byConn.delete(c);
    this.onRetired?.(slot.id, slot.row);
  }

  /** Flows whose builders are held: those with a connection no CLOSE has ended yet. */
  get openFlows(): number {
    return this.open.size;
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
    const flows = [...this.slots.values()].map((slot) => {
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
