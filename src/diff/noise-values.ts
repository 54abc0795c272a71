/**
 * Noise told by its value, whatever the field is called: a time within the recordings' window
 * (a `ts` holding the epoch milliseconds of the response differs on every pair), and values that
 * look random (UUIDs, hex and base64 tokens), which are ids when they differ on every pair of an
 * endpoint. Pure.
 */

/** Wall-clock milliseconds the two recordings span, widened by a day each way. */
export interface TimeWindow {
  fromMs: number;
  toMs: number;
}

const DAY_MS = 86_400_000;

export function timeWindow(startMs: number, endMs: number): TimeWindow {
  return { fromMs: startMs - DAY_MS, toMs: endMs + DAY_MS };
}

/** Epoch seconds, milliseconds, microseconds or nanoseconds, by their magnitude. */
const EPOCH_SCALES = [
  [1e9, 1e10, 1e3],
  [1e12, 1e13, 1],
  [1e15, 1e16, 1e-3],
  [1e18, 1e19, 1e-6],
] as const;

// RFC 3339 / ISO 8601 date-times (a date alone is data, not the time of a response) and HTTP dates
const ISO_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const HTTP_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/** Is `v` a time within `w`? */
export function isTimeValue(v: unknown, w: TimeWindow): boolean {
  let ms: number | null = null;
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) {
    const scale = EPOCH_SCALES.find(([lo, hi]) => v >= lo && v < hi);
    if (scale) ms = v * scale[2];
  } else if (typeof v === 'string' && v.length <= 40) {
    const s = v.trim();
    // Date.parse reads a string that has no zone as local time: good enough within a day's margin
    if (ISO_TIME.test(s)) ms = Date.parse(s.replace(' ', 'T'));
    else if (HTTP_DATE.test(s)) ms = Date.parse(s);
  }
  return ms !== null && Number.isFinite(ms) && ms >= w.fromMs && ms <= w.toMs;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX = /^[0-9a-f]{16,}$/i;
const BASE64 = /^[A-Za-z0-9+/_-]{16,}={0,2}$/;

/**
 * A UUID, or a hex or base64 token of at least 16 characters that mixes letters and digits, or
 * mixes cases the way random characters do (two capitals side by side: words and camelCase
 * names rarely have them, a random base64 token without a digit, one in 28, nearly always does).
 */
export function looksRandom(v: unknown): boolean {
  if (typeof v !== 'string' || v.length > 512) return false;
  if (UUID.test(v)) return true;
  if (!HEX.test(v) && !BASE64.test(v)) return false;
  if (/\d/.test(v) && /[A-Za-z]/.test(v)) return true;
  return /[A-Z]{2}/.test(v) && /[a-z]/.test(v);
}

const tokenShaped = (v: unknown): v is string => typeof v === 'string' && v.length <= 512 && (UUID.test(v) || HEX.test(v) || BASE64.test(v));

/**
 * Two values of one place that are tokens of the same shape, at least one of them random-looking:
 * one random token in a few hundred lacks what looksRandom asks for, and a pair is noise by
 * the two together.
 */
export function bothRandom(a: unknown, b: unknown): boolean {
  return tokenShaped(a) && tokenShaped(b) && a.length === b.length && (looksRandom(a) || looksRandom(b));
}
