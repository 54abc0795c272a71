/**
 * What a flow still open at the end of a file of a `record --dir` chain hands to the next file
 * (SPEC.md §3.1, §3.6): an exchange belongs to the file holding its last byte, so the exchanges
 * still in flight are left to the next file, which reads the flow on from the end of the last
 * exchange this file kept. Pure: the flow builders make these, session/ stores and carries them.
 */
import type { StreamDirection } from '../protocols/stream.js';
import type { DirectionSource, DirectionWitnesses, Layer } from './stream-items.js';

/** Where one witness of a flow's direction goes on from: its connection, that connection's direction, the layer, the stream offset. */
export type StreamStart = [connId: number, dir: number, layer: Layer, offset: number];

/**
 * Bytes of exchanges in flight a file hands on at most, per flow. Past it (a download or a
 * stream open for hours) the flow is split like a protocol that cannot restart: re-reading it
 * whole in every later file would make each file's build read the stream's whole history.
 */
export const CARRY_MAX_BYTES = 64 << 20;

export interface FlowCarry {
  /** The flow's connections: its client's end and its server's end (null: not captured). */
  conns: [number | null, number | null];
  /** What the flow speaks (the layer its exchanges are read from). */
  protocol: string;
  /**
   * 'restart': the next file reads the flow on from `starts`, the records from `at` prepended;
   * 'split': it cannot (`reason`), and each file keeps its part of what was in flight, flagged.
   */
  carry: 'restart' | 'split';
  reason: string | null;
  starts: StreamStart[];
  /**
   * Record number, in the file that made this, of the first event holding a byte past `starts`
   * (negative: one of the records that file had carried in itself); null when nothing is in flight.
   */
  at: number | null;
}

/** What one layer of a flow hands on (the flow's carry is made from its layers'). */
export type LayerCarry =
  | { kind: 'none' }
  | { kind: 'restart'; starts: Record<StreamDirection, number>; at: number | null; pendingBytes: number }
  | { kind: 'split'; reason: string };

/** The start of each witness of a layer's directions, as StreamStarts (by connection, so a flow turned around reads them right). */
export function streamStarts(witnesses: Record<StreamDirection, DirectionWitnesses>, layer: Layer, starts: Record<StreamDirection, number>): StreamStart[] {
  const out: StreamStart[] = [];
  for (const dir of ['c2s', 's2c'] as const)
    for (const w of [witnesses[dir].receiver, witnesses[dir].sender]) if (w) out.push([w.connId, w.dir, layer, starts[dir]]);
  return out;
}

/**
 * A flow that began before its file and whose start nobody handed on (the file before is gone,
 * deleted by a --keep budget): it is read from the first request this file holds, as a
 * connection first seen in the middle of a recording is, rather than not at all. The response
 * direction starts with the first bytes sent after that request began: those before answer a
 * request of the file before.
 */
export class MidwayStart {
  /** Wall-clock-relative time of the first request byte read here; null until there is one. */
  requestTs: number | null = null;
}

/** Stream starts handed on by the file before, looked up by witness. */
export class CarriedStarts {
  private readonly byWitness = new Map<string, number>();

  constructor(starts: readonly StreamStart[] = []) {
    for (const [connId, dir, layer, offset] of starts) this.byWitness.set(`${connId}/${dir}/${layer}`, offset);
  }

  /** Where a direction read from these witnesses begins: the receiver's start, else the sender's; null if neither was handed on. */
  startOf(w: DirectionWitnesses): number | null {
    const of = (s: DirectionSource | null) => (s ? this.byWitness.get(`${s.connId}/${s.dir}/${s.layer}`) : undefined);
    return of(w.receiver) ?? of(w.sender) ?? null;
  }

  get size(): number {
    return this.byWitness.size;
  }
}
