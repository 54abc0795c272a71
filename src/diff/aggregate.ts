/**
 * The differences of many pairs of one endpoint folded into one list: the same change seen in
 * 40 pairs is one entry "in 40 of 40 pairs", with the first pair that showed it as its example.
 * What is kept grows with the kinds of change, not with the number of pairs. Pure.
 */
import type { PairDifference } from './compare-exchanges.js';
import { bothRandom } from './noise-values.js';

export interface Example {
  /** Exchange ids in A and in B (labels, `TAG/ID`, where a side is a history of several files). */
  a: number | string;
  b: number | string;
}

export type AggregatedDifference = PairDifference & {
  /** Pairs that showed it. */
  pairs: number;
  example: Example;
};

/** Distinct differences kept per endpoint; more are counted only. */
export const MAX_DIFFERENCES_PER_ENDPOINT = 200;

function keyOf(d: PairDifference): string {
  switch (d.kind) {
    case 'status':
      return `status ${d.a} ${d.b}`;
    case 'response':
      return `response ${d.change}`;
    case 'header':
      return `header ${d.message} ${d.change} ${d.name.toLowerCase()}`;
    case 'body-json':
      return `json ${d.message} ${d.change} ${d.path}`;
    case 'body-type':
      return `type ${d.message} ${d.a} ${d.b}`;
    case 'ws-messages':
      return `ws ${d.change} ${d.shape}`;
    case 'ws-json':
      return `ws json ${d.shape} ${d.change} ${d.path}`;
    case 'ws-content':
      return `ws content ${d.shape}`;
    case 'ws-omitted':
      return 'ws omitted';
    default:
      return `${d.kind} ${d.message}`;
  }
}

/** Where a difference is listed within its endpoint: the status, the request, the response, the messages. */
function rankOf(d: PairDifference): number {
  if (d.kind === 'status') return 0;
  if (d.kind === 'response') return 1;
  // a WebSocket's messages come after the response that began it
  if (!('message' in d)) return 6;
  const base = d.message === 'request' ? 2 : 4;
  return base + (d.kind === 'header' ? 0 : 1);
}

/** A changed value both sides of which look like random tokens: an id, if every pair shows it. */
function randomChange(d: PairDifference): boolean {
  return (d.kind === 'body-json' || d.kind === 'ws-json') && d.change === 'changed' && bothRandom(d.a, d.b);
}

/** Pairs remembered as "different only by random-looking values" (to count as identical once those are ids). */
const MAX_REMEMBERED_PAIRS = 10_000;

export class EndpointAggregate {
  private readonly byKey = new Map<string, AggregatedDifference>();
  /** Keys whose every occurrence was a random-looking value changed. */
  private readonly allRandom = new Map<string, boolean>();
  /** Pairs whose every difference was a random-looking value: the keys of each. */
  private readonly onlyRandom: string[][] = [];
  private result: { differences: AggregatedDifference[]; identical: number; silencedIds: number } | null = null;
  /** Pairs compared. */
  pairs = 0;
  /** Pairs with no difference at all (before ids are told from the whole endpoint). */
  private identicalSeen = 0;
  /** Distinct differences beyond MAX_DIFFERENCES_PER_ENDPOINT. */
  omitted = 0;

  /** `idsAreNoise`: the default rules are on (random-looking ids that change on every pair are left out). */
  constructor(private readonly idsAreNoise = true) {}

  add(diffs: readonly PairDifference[], example: Example): void {
    this.result = null;
    this.pairs++;
    if (diffs.length === 0) {
      this.identicalSeen++;
      return;
    }
    if (diffs.every(randomChange) && this.onlyRandom.length < MAX_REMEMBERED_PAIRS) this.onlyRandom.push(diffs.map(keyOf));
    for (const d of diffs) {
      const key = keyOf(d);
      const seen = this.byKey.get(key);
      // for the differences kept, whether every occurrence was a random-looking value
      if (seen || this.byKey.size < MAX_DIFFERENCES_PER_ENDPOINT) this.allRandom.set(key, (this.allRandom.get(key) ?? true) && randomChange(d));
      if (seen) {
        seen.pairs++;
        if ((seen.kind === 'body-json-omitted' && d.kind === 'body-json-omitted') || (seen.kind === 'ws-omitted' && d.kind === 'ws-omitted')) seen.count += d.count;
      } else if (this.byKey.size < MAX_DIFFERENCES_PER_ENDPOINT) {
        this.byKey.set(key, { ...d, pairs: 1, example });
      } else {
        this.omitted++;
      }
    }
  }

  /**
   * In listing order; within one rank, in the order they were first seen. A value that looked
   * random and differed on every pair is an id, not a change: left out and counted.
   */
  differences(): AggregatedDifference[] {
    return this.settle().differences;
  }

  /** Pairs with no difference once ids are left out. */
  get identical(): number {
    return this.settle().identical;
  }

  /** Differences left out as random ids (one per pair that showed each). */
  get silencedIds(): number {
    return this.settle().silencedIds;
  }

  private settle() {
    if (this.result) return this.result;
    const ids = new Set(this.idsAreNoise ? [...this.byKey].filter(([key, d]) => this.allRandom.get(key) && d.pairs === this.pairs).map(([key]) => key) : []);
    const kept = [...this.byKey].filter(([key]) => !ids.has(key)).map(([, d]) => d);
    this.result = {
      differences: kept.map((d, i) => ({ d, i })).sort((x, y) => rankOf(x.d) - rankOf(y.d) || x.i - y.i).map((x) => x.d),
      identical: this.identicalSeen + this.onlyRandom.filter((keys) => keys.every((k) => ids.has(k))).length,
      silencedIds: [...ids].reduce((n, key) => n + this.byKey.get(key)!.pairs, 0),
    };
    return this.result;
  }
}
