/**
 * The differences of many pairs of one endpoint folded into one list: the same change seen in
 * 40 pairs is one entry "in 40 of 40 pairs", with the first pair that showed it as its example.
 * What is kept grows with the kinds of change, not with the number of pairs. Pure.
 */
import type { PairDifference } from './compare-exchanges.js';

export interface Example {
  /** Exchange ids in A and in B. */
  a: number;
  b: number;
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

export class EndpointAggregate {
  private readonly byKey = new Map<string, AggregatedDifference>();
  /** Pairs compared. */
  pairs = 0;
  /** Pairs with no difference at all. */
  identical = 0;
  /** Distinct differences beyond MAX_DIFFERENCES_PER_ENDPOINT. */
  omitted = 0;

  add(diffs: readonly PairDifference[], example: Example): void {
    this.pairs++;
    if (diffs.length === 0) {
      this.identical++;
      return;
    }
    for (const d of diffs) {
      const key = keyOf(d);
      const seen = this.byKey.get(key);
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

  /** In listing order; within one rank, in the order they were first seen. */
  differences(): AggregatedDifference[] {
    return [...this.byKey.values()].map((d, i) => ({ d, i })).sort((x, y) => rankOf(x.d) - rankOf(y.d) || x.i - y.i).map((x) => x.d);
  }
}
