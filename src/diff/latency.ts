/**
 * Latency per endpoint in both recordings (count, p50, p95) and when a slowdown counts as a
 * difference: the median got slower by more than the threshold's factor AND by more than a
 * minimum absolute change, so the jitter of a sub-millisecond route (0.3 ms → 0.7 ms is "2.3×")
 * never fails a build. Pure.
 */

/** Nearest-rank percentile (the smallest value with at least p% of the values at or below it). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of no values');
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export interface LatencyStats {
  count: number;
  p50Ms: number;
  p95Ms: number;
}

export function latencyStats(durationsNs: readonly number[]): LatencyStats | null {
  if (durationsNs.length === 0) return null;
  const sorted = [...durationsNs].sort((x, y) => x - y);
  return { count: sorted.length, p50Ms: percentile(sorted, 50) / 1e6, p95Ms: percentile(sorted, 95) / 1e6 };
}

export interface LatencyThreshold {
  /** B's p50 over A's p50 beyond which a slowdown counts: 2 for `2x`, 1.5 for `50%`. */
  ratio: number;
  /** And B's p50 must be at least this many ms slower. */
  minChangeMs: number;
  /** As the user wrote it. */
  text: string;
}

export class LatencyThresholdError extends Error {
  readonly code = 'EUSAGE';
}

/** `2x`, `1.5x` (times as slow) or `50%` (slower by half). */
export function parseLatencyRatio(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(x|%)\s*$/i.exec(text);
  const n = m ? Number(m[1]) : NaN;
  if (!m || !Number.isFinite(n)) throw new LatencyThresholdError(`bad --latency-threshold '${text}': use a factor like 2x or 1.5x, or a percentage like 50%`);
  const ratio = m[2] === '%' ? 1 + n / 100 : n;
  if (ratio <= 1) throw new LatencyThresholdError(`bad --latency-threshold '${text}': a slowdown threshold must be above 1x (0%)`);
  return ratio;
}

export interface LatencyComparison {
  a: LatencyStats | null;
  b: LatencyStats | null;
  /** B's p50 minus A's, ms (null unless both have durations). */
  changeMs: number | null;
  /** B's p50 over A's. */
  ratio: number | null;
  /** A slowdown beyond the threshold (always false without one). */
  exceeds: boolean;
}

export function compareLatency(a: LatencyStats | null, b: LatencyStats | null, threshold: LatencyThreshold | null): LatencyComparison {
  if (!a || !b) return { a, b, changeMs: null, ratio: null, exceeds: false };
  const changeMs = b.p50Ms - a.p50Ms;
  const ratio = a.p50Ms > 0 ? b.p50Ms / a.p50Ms : b.p50Ms > 0 ? Infinity : 1;
  const exceeds = !!threshold && ratio > threshold.ratio && changeMs >= threshold.minChangeMs;
  return { a, b, changeMs, ratio, exceeds };
}
