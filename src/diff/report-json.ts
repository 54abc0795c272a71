/**
 * The diff report as `tinytap diff --json` prints it: snake_case keys like the other commands'
 * JSON, times in ms, ratios rounded. Body values (JSON fields) are passed through untouched.
 * Pure.
 */
import type { DiffReport, Difference } from './diff-sessions.js';
import type { LatencyComparison, LatencyStats } from './latency.js';

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;
/** A ratio from a zero median is infinite: JSON has no Infinity, so it is null. */
const ratio = (r: number | null) => (r === null || !Number.isFinite(r) ? null : round(r));

function statsJson(s: LatencyStats | null) {
  return s && { count: s.count, p50_ms: round(s.p50Ms), p95_ms: round(s.p95Ms) };
}

function latencyJson(l: LatencyComparison) {
  return { a: statsJson(l.a), b: statsJson(l.b), change_ms: l.changeMs === null ? null : round(l.changeMs), ratio: ratio(l.ratio), exceeds_threshold: l.exceeds };
}

export function differenceJson(d: Difference): Record<string, unknown> {
  switch (d.kind) {
    case 'latency':
      return { endpoint: d.endpoint, kind: d.kind, a: statsJson(d.a), b: statsJson(d.b), change_ms: round(d.changeMs), ratio: ratio(d.ratio) };
    case 'body-text': {
      const { linesRemoved, linesAdded, ...rest } = d;
      return { ...rest, lines_removed: linesRemoved, lines_added: linesAdded };
    }
    default:
      return { ...d };
  }
}

export function diffReportJson(r: DiffReport, files: { a: string; b: string; filter: string }): Record<string, unknown> {
  return {
    a: { file: files.a, exchanges: r.a.exchanges },
    b: { file: files.b, exchanges: r.b.exchanges },
    filter: files.filter,
    differs: r.differs,
    differences: r.differences.map(differenceJson),
    latency_threshold: r.latencyThreshold && { ratio: r.latencyThreshold.ratio, min_change_ms: r.latencyThreshold.minChangeMs, text: r.latencyThreshold.text },
    endpoints: r.endpoints.map((e) => ({
      endpoint: e.endpoint,
      method: e.method,
      route: e.route,
      a: e.a,
      b: e.b,
      pairs: e.pairs,
      identical: e.identical,
      latency: latencyJson(e.latency),
    })),
    unreadable: r.unreadable,
    silenced: r.silenced,
  };
}
