/**
 * Two recordings compared: match their exchanges by endpoint and order of occurrence (from the
 * summaries alone), then load and compare the matched exchanges one pair at a time, folding what
 * differs per endpoint. Memory holds the summaries' ids and durations and the folded
 * differences, never more than one pair of whole exchanges.
 *
 * The recordings are reached through `DiffSource` (src/cli/diff.ts makes one of a session and a
 * filter), so this module has no SQL and prints nothing.
 */
import type { Exchange } from '../model/exchange.js';
import type { WebSocketMessage } from '../model/ws-message.js';
import { type AggregatedDifference, EndpointAggregate } from './aggregate.js';
import { type BodyDiffLimits, DEFAULT_BODY_LIMITS } from './body-diff.js';
import { compareExchanges } from './compare-exchanges.js';
import { compareWebSockets } from './ws-diff.js';
import { type IgnoreRules, NOISE_RULE } from './ignore-rules.js';
import { type LatencyComparison, type LatencyStats, type LatencyThreshold, compareLatency, latencyStats } from './latency.js';
import { EndpointCollector, type ExchangeRef, matchEndpoints } from './match-endpoints.js';

export interface DiffSource {
  /** The exchanges to compare, in order of occurrence (request start). */
  summaries(): Iterable<ExchangeRef>;
  /** One whole exchange, bodies included. */
  exchange(id: number): Exchange | null;
  /** The messages of a WebSocket upgrade exchange, in connection order. */
  messages?(id: number): WebSocketMessage[];
}

export interface DiffOptions {
  rules: IgnoreRules;
  /** When a slowdown counts as a difference; null: latency is reported only. */
  latencyThreshold: LatencyThreshold | null;
  limits?: BodyDiffLimits;
  /** Compare the requests too (default); false: the responses only (a replay's). */
  requests?: boolean;
  onProgress?: (pairsDone: number, pairsTotal: number) => void;
}

export type Difference =
  | { endpoint: string; kind: 'only-in-a' | 'only-in-b'; count: number }
  /** The endpoint occurs a different number of times: the extra occurrences are not compared. */
  | { endpoint: string; kind: 'count'; a: number; b: number; call?: true }
  | (AggregatedDifference & { endpoint: string; of: number })
  | { endpoint: string; kind: 'latency'; a: LatencyStats; b: LatencyStats; changeMs: number; ratio: number }
  /** More distinct differences than were kept for this endpoint. */
  | { endpoint: string; kind: 'omitted'; count: number };

export interface EndpointReport {
  endpoint: string;
  method: string;
  route: string;
  /** Occurrences in A and in B. */
  a: number;
  b: number;
  /** Pairs compared, and how many of them showed no difference. */
  pairs: number;
  identical: number;
  latency: LatencyComparison;
  /** Database calls (matched by shape): counted and timed, never compared pair by pair. */
  call: boolean;
}

export interface DiffReport {
  a: { exchanges: number };
  b: { exchanges: number };
  endpoints: EndpointReport[];
  /** By endpoint, in endpoint order. */
  differences: Difference[];
  latencyThreshold: LatencyThreshold | null;
  /** Pairs whose exchange could not be loaded from its file. */
  unreadable: number;
  /** Differences the ignore rules left out, by rule (header names, field names, times, ids). */
  silenced: Record<string, number>;
  differs: boolean;
}

function collect(source: DiffSource): EndpointCollector {
  const c = new EndpointCollector();
  for (const x of source.summaries()) c.add(x);
  return c;
}

export function diffSessions(a: DiffSource, b: DiffSource, opts: DiffOptions): DiffReport {
  const seenA = collect(a);
  const seenB = collect(b);
  const matching = matchEndpoints(seenA, seenB);
  const aggregates = matching.endpoints.map(() => new EndpointAggregate(opts.rules.defaults));
  const total = matching.pairCount;
  let done = 0;
  let unreadable = 0;
  for (const pair of matching.pairs()) {
    // database calls are matched by shape: new, gone, more or fewer, slower; not field by field
    if (matching.endpoints[pair.endpoint].endpoint.call) {
      opts.onProgress?.(++done, total);
      continue;
    }
    const xa = a.exchange(pair.a);
    const xb = b.exchange(pair.b);
    if (xa && xb) {
      const diffs = compareExchanges(xa, xb, opts.rules, opts.limits ?? DEFAULT_BODY_LIMITS, opts.requests ?? true);
      // a WebSocket is compared by what was said on it, message shape by message shape
      if (xa.websocket && xb.websocket && a.messages && b.messages) diffs.push(...compareWebSockets(a.messages(pair.a), b.messages(pair.b), opts.rules));
      aggregates[pair.endpoint].add(diffs, { a: xa.label ?? pair.a, b: xb.label ?? pair.b });
    }
    else unreadable++;
    opts.onProgress?.(++done, total);
  }

  const endpoints: EndpointReport[] = [];
  const differences: Difference[] = [];
  matching.endpoints.forEach((m, k) => {
    const endpoint = m.endpoint.key;
    const agg = aggregates[k];
    if (agg.silencedIds) opts.rules.silence(NOISE_RULE.randomId, agg.silencedIds);
    const latency = compareLatency(m.a ? latencyStats(m.a.durationsNs) : null, m.b ? latencyStats(m.b.durationsNs) : null, opts.latencyThreshold);
    const na = m.a?.ids.length ?? 0;
    const nb = m.b?.ids.length ?? 0;
    endpoints.push({ endpoint, method: m.endpoint.method, route: m.endpoint.route, a: na, b: nb, pairs: agg.pairs, identical: agg.identical, latency, call: !!m.endpoint.call });
    if (!m.b) differences.push({ endpoint, kind: 'only-in-a', count: na });
    else if (!m.a) differences.push({ endpoint, kind: 'only-in-b', count: nb });
    else if (na !== nb) differences.push({ endpoint, kind: 'count', a: na, b: nb, ...(m.endpoint.call ? { call: true as const } : {}) });
    for (const d of agg.differences()) differences.push({ ...d, endpoint, of: agg.pairs });
    if (agg.omitted) differences.push({ endpoint, kind: 'omitted', count: agg.omitted });
    if (latency.exceeds && latency.a && latency.b)
      differences.push({ endpoint, kind: 'latency', a: latency.a, b: latency.b, changeMs: latency.changeMs!, ratio: latency.ratio! });
  });
  return {
    a: { exchanges: seenA.total },
    b: { exchanges: seenB.total },
    endpoints,
    differences,
    latencyThreshold: opts.latencyThreshold,
    unreadable,
    silenced: Object.fromEntries([...opts.rules.silenced].sort((x, y) => y[1] - x[1])),
    differs: differences.length > 0,
  };
}
