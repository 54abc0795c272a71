import { describe, expect, it } from 'vitest';

import { compareLatency, latencyStats, parseLatencyRatio, percentile } from '../../src/diff/latency.js';

describe('latency', () => {
  it('takes nearest-rank percentiles', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 95)).toBe(95);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([1, 2, 3], 50)).toBe(2);
    expect(percentile([1, 2, 3], 95)).toBe(3);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2], 0)).toBe(1);
    expect(() => percentile([], 50)).toThrow(RangeError);
  });

  it('summarises durations in ms, unordered input', () => {
    expect(latencyStats([3e6, 1e6, 2e6])).toEqual({ count: 3, p50Ms: 2, p95Ms: 3 });
    expect(latencyStats([])).toBeNull();
  });

  it('reads thresholds as factors or percentages', () => {
    expect(parseLatencyRatio('2x')).toBe(2);
    expect(parseLatencyRatio('1.5X')).toBe(1.5);
    expect(parseLatencyRatio('50%')).toBe(1.5);
    expect(parseLatencyRatio(' 200% ')).toBe(3);
    expect(() => parseLatencyRatio('2')).toThrow("bad --latency-threshold '2': use a factor like 2x or 1.5x, or a percentage like 50%");
    expect(() => parseLatencyRatio('fast')).toThrow(/bad --latency-threshold 'fast'/);
    expect(() => parseLatencyRatio('1x')).toThrow("bad --latency-threshold '1x': a slowdown threshold must be above 1x (0%)");
    expect(() => parseLatencyRatio('0%')).toThrow(/must be above/);
  });

  it('counts a slowdown beyond the factor and the minimum change only', () => {
    const t = { ratio: 1.5, minChangeMs: 10, text: '1.5x' };
    const s = (p50Ms: number) => ({ count: 3, p50Ms, p95Ms: p50Ms });
    expect(compareLatency(s(5), s(205), t)).toEqual({ a: s(5), b: s(205), changeMs: 200, ratio: 41, exceeds: true });
    expect(compareLatency(s(5), s(205), null).exceeds).toBe(false); // reported, not counted
    expect(compareLatency(s(0.3), s(0.9), t).exceeds).toBe(false); // 3× but 0.6 ms: jitter
    expect(compareLatency(s(100), s(140), t).exceeds).toBe(false); // 1.4×
    expect(compareLatency(s(100), s(151), t).exceeds).toBe(true);
    expect(compareLatency(s(200), s(100), t)).toMatchObject({ changeMs: -100, ratio: 0.5, exceeds: false }); // faster
    expect(compareLatency(s(0), s(20), t)).toMatchObject({ ratio: Infinity, exceeds: true });
    expect(compareLatency(null, s(20), t)).toEqual({ a: null, b: s(20), changeMs: null, ratio: null, exceeds: false });
  });
});
