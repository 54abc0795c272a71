/**
 * Where a TimeSpec falls, given `now`: the span it covers as wall-clock ns [start, end). An
 * instant for `5m`; a second or a minute for a time of day (its precision, or a fraction's); a
 * whole day for a day or a date. Local time is the TZ of the environment, as `new Date(y, m, d)`
 * reads it; a date with a zone is that instant wherever it is read.
 */
import { type TimeSpec, WEEKDAYS } from './ast.js';
import { AGO_NS } from './time-values.js';

const ns = (ms: number) => BigInt(ms) * 1_000_000n;

type TimeOfDay = { hour: number | null; minute: number | null; second: number | null; fraction?: string | null };

/** The local midnight `days` days before the day of `d`. */
function midnightBefore(d: Date, days: number): Date {
  const day = new Date(d.getTime());
  day.setDate(day.getDate() - days);
  day.setHours(0, 0, 0, 0);
  return day;
}

/** `day` (a local midnight) at that time of day, as ms. */
function atTime(day: Date, t: TimeOfDay): number {
  const d = new Date(day.getTime());
  d.setHours(t.hour ?? 0, t.minute ?? 0, t.second ?? 0, 0);
  return d.getTime();
}

/** From `startMs` (whole seconds) for a minute, a second, or the fraction's last digit. */
function preciseSpan(startMs: number, t: TimeOfDay): [bigint, bigint] {
  if (!t.fraction) return [ns(startMs), ns(startMs + (t.second === null ? 60_000 : 1000))];
  const start = ns(startMs) + BigInt(t.fraction.padEnd(9, '0'));
  return [start, start + 10n ** BigInt(9 - t.fraction.length)];
}

/** The span of `day` (a local midnight) at a time, or the whole day when hour is null. */
function localSpan(day: Date, t: TimeOfDay): [bigint, bigint] {
  // the next midnight, not 24 hours on: a day with a DST change is 23 or 25 hours long
  if (t.hour === null) return [ns(day.getTime()), ns(midnightBefore(day, -1).getTime())];
  return preciseSpan(atTime(day, t), t);
}

/** The local midnight of `today`, `yesterday`, or the latest such weekday whose start is not after now. */
function namedDay(t: TimeSpec & { kind: 'day' }, now: Date): Date {
  if (t.day === 'today' || t.day === 'yesterday') return midnightBefore(now, t.day === 'today' ? 0 : 1);
  const day = midnightBefore(now, (now.getDay() - WEEKDAYS.indexOf(t.day) + 7) % 7);
  return atTime(day, t) > now.getTime() ? midnightBefore(day, 7) : day;
}

export function timeSpan(t: TimeSpec, now: Date): [bigint, bigint] {
  switch (t.kind) {
    case 'ago': {
      const at = ns(now.getTime()) - BigInt(Math.round(t.amount * AGO_NS[t.unit]));
      return [at, at + 1n];
    }
    case 'clock':
      return localSpan(midnightBefore(now, 0), t);
    case 'day':
      return localSpan(namedDay(t, now), t);
    case 'date': {
      if (t.offset !== null) return preciseSpan(Date.UTC(t.year, t.month - 1, t.day, t.hour ?? 0, t.minute ?? 0, t.second ?? 0) - t.offset * 60_000, t);
      return localSpan(new Date(t.year, t.month - 1, t.day), t);
    }
  }
}
