/**
 * Matching two recordings exchange by exchange: both are grouped by endpoint (route-template.ts:
 * a route, a database query shape, or a gRPC service and method),
 * and the n-th occurrence of an endpoint in A is paired with the n-th in B. What is kept per
 * exchange is its id, its position and its duration, so a million exchanges fit in memory; the
 * exchanges themselves are loaded later, one pair at a time. Pure.
 */
import { type Endpoint, type RouteSource, endpointOf } from './route-template.js';

export interface ExchangeRef extends RouteSource {
  id: number | bigint;
  duration_ns: number | bigint | null;
}

export interface EndpointOccurrences {
  endpoint: Endpoint;
  /** Exchange ids, in order of occurrence. */
  ids: number[];
  /** Position of each among all the exchanges of its recording, from 0. */
  ordinals: number[];
  /** Durations (ns) of the occurrences that have one: a response seen to its end. */
  durationsNs: number[];
}

/** Feed a recording's exchanges in order of occurrence (request start). */
export class EndpointCollector {
  readonly endpoints = new Map<string, EndpointOccurrences>();
  private count = 0;

  add(x: ExchangeRef): void {
    const endpoint = endpointOf(x);
    let e = this.endpoints.get(endpoint.key);
    if (!e) {
      e = { endpoint, ids: [], ordinals: [], durationsNs: [] };
      this.endpoints.set(endpoint.key, e);
    }
    e.ids.push(Number(x.id));
    e.ordinals.push(this.count++);
    if (x.duration_ns !== null) e.durationsNs.push(Number(x.duration_ns));
  }

  /** Exchanges seen. */
  get total(): number {
    return this.count;
  }
}

export interface MatchedEndpoint {
  endpoint: Endpoint;
  a: EndpointOccurrences | null;
  b: EndpointOccurrences | null;
}

export interface ExchangePair {
  /** Index into `Matching.endpoints`. */
  endpoint: number;
  /** Which occurrence of the endpoint, from 0. */
  occurrence: number;
  a: number;
  b: number;
}

export class Matching {
  constructor(
    /** A's endpoints in order of first occurrence, then those only B has, in B's order. */
    readonly endpoints: MatchedEndpoint[],
    private readonly totalA: number,
  ) {}

  get pairCount(): number {
    let n = 0;
    for (const e of this.endpoints) if (e.a && e.b) n += Math.min(e.a.ids.length, e.b.ids.length);
    return n;
  }

  /**
   * Every pair, in A's order of occurrence: reading A's file front to back (and B's mostly so,
   * when the two runs are alike) rather than endpoint by endpoint across the whole file.
   */
  *pairs(): Generator<ExchangePair> {
    // an ordinal is unique within A: place each pair at its A ordinal, then walk them in order
    const at = new Int32Array(this.totalA).fill(-1);
    const occurrenceOf = new Int32Array(this.totalA);
    this.endpoints.forEach((e, k) => {
      if (!e.a || !e.b) return;
      const n = Math.min(e.a.ids.length, e.b.ids.length);
      for (let i = 0; i < n; i++) {
        at[e.a.ordinals[i]] = k;
        occurrenceOf[e.a.ordinals[i]] = i;
      }
    });
    for (let o = 0; o < this.totalA; o++) {
      const k = at[o];
      if (k < 0) continue;
      const e = this.endpoints[k];
      const i = occurrenceOf[o];
      yield { endpoint: k, occurrence: i, a: e.a!.ids[i], b: e.b!.ids[i] };
    }
  }
}

export function matchEndpoints(a: EndpointCollector, b: EndpointCollector): Matching {
  const endpoints: MatchedEndpoint[] = [];
  for (const [key, occ] of a.endpoints) endpoints.push({ endpoint: occ.endpoint, a: occ, b: b.endpoints.get(key) ?? null });
  for (const [key, occ] of b.endpoints) if (!a.endpoints.has(key)) endpoints.push({ endpoint: occ.endpoint, a: null, b: occ });
  return new Matching(endpoints, a.total);
}
