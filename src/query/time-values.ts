/**
 * Times as `since:` and `until:` (and the CLI's --since, --until, --last) write them: read into a
 * TimeSpec, and printed back the one way describeFilter prints them. Where a TimeSpec falls for a
 * given `now` is time-span.ts.
 *
 * The grammar is our own, not chrono-node's, which was tried and is too lenient for a filter: it
 * finds a date anywhere in free text ("yesterday banana" reads as yesterday), puts `yesterday` and
 * `thursday` at now's time of day rather than at midnight, takes the nearest weekday forward as
 * well as back (on a Thursday, `saturday` is two days ahead), drops a second's fraction, does not
 * read `2h`, and answers with a Date, where describeFilter needs the form that was written. It is
 * also 8.8 MB. The forms below are a handful of regular expressions.
 */
import { type TimeSpec, WEEKDAYS, type Weekday } from './ast.js';
import { FilterError } from './errors.js';
import type { TextToken } from './lexer.js';
import { fail } from './values.js';

const TIME_HINT =
  'use a time today (10:30, 10:30:15), a day (today, yesterday, thursday, "yesterday 14:00"), a date (2026-11-20, 2026-11-20T10:30, 2026-11-20T10:30:00Z), or how long ago (30s, 5m, 2h, 1d, 1w)';

/** How long each unit of `5m`, `2h ago` is. */
export const AGO_NS = { s: 1e9, m: 60e9, h: 3600e9, d: 86400e9, w: 604800e9 } as const;
/** A century: now minus it is still a 64-bit count of ns (SQLite's integers) from 1970. */
const MAX_AGO_NS = 100 * 365.25 * 86400e9;

const AGO = /^(\d+(?:\.\d+)?)([smhdw])$/;
const CLOCK = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/;
// ISO 8601 / RFC 3339: a date, a time (with a space or T), a second's fraction, a zone
const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/** Weekdays by name and by their first three letters. */
const WEEKDAY_NAMES = new Map<string, Weekday>(WEEKDAYS.flatMap((d) => [[d, d] as const, [d.slice(0, 3), d] as const]));

type TimeOfDay = { hour: number; minute: number; second: number | null };

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function readClock(v: TextToken, word: string): TimeOfDay | null {
  const m = CLOCK.exec(word);
  if (!m) return null;
  const [hour, minute, second] = [Number(m[1]), Number(m[2]), m[3] === undefined ? null : Number(m[3])];
  if (hour > 23 || minute > 59 || (second ?? 0) > 59) fail(v, `bad time of day '${word}'`, TIME_HINT);
  return { hour, minute, second };
}

function readAgo(v: TextToken, word: string): TimeSpec | null {
  const m = AGO.exec(word);
  if (!m) return null;
  const amount = Number(m[1]);
  const unit = m[2] as keyof typeof AGO_NS;
  // String(amount) is how describeFilter prints it: 1e-7 would not read back
  if (!/^\d+(\.\d+)?$/.test(String(amount))) fail(v, `bad time '${v.text}'`, TIME_HINT);
  if (amount * AGO_NS[unit] > MAX_AGO_NS) fail(v, `'${word}' is too long ago`, 'use at most 100 years (5200w)');
  return { kind: 'ago', amount, unit };
}

/** Minutes east of UTC: `Z`, `+01:00`, `-0530`, `+02`. */
function readOffset(v: TextToken, zone: string, at: number): number {
  if (zone.toUpperCase() === 'Z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
  const [hours, minutes] = [Number(m[2]), Number(m[3] ?? 0)];
  if (hours > 23 || minutes > 59) fail(v, `bad time zone '${zone}'`, 'use Z for UTC, or hours and minutes east of it, like +01:00 or -05:00', at, at + zone.length);
  // `|| 0`: -00:00 is UTC too, and -0 would not equal 0 in a deep comparison
  return (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes) || 0;
}

function readDate(v: TextToken, t: string, m: RegExpExecArray): TimeSpec {
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) fail(v, `bad date '${t}'`, TIME_HINT, 0, 10);
  const [hour, minute, second] = [m[4], m[5], m[6]].map((n) => (n === undefined ? null : Number(n)));
  const zone = m[8] ?? null;
  const timeEnd = t.length - (zone?.length ?? 0);
  if ((hour ?? 0) > 23 || (minute ?? 0) > 59 || (second ?? 0) > 59) fail(v, `bad time of day in '${t}'`, TIME_HINT, 11, timeEnd);
  return { kind: 'date', year, month, day, hour, minute, second, fraction: m[7] ?? null, offset: zone === null ? null : readOffset(v, zone, timeEnd) };
}

/** `today`, `yesterday`, `thursday`, `last thursday`: the day, and the words after it. */
function namedDay(words: string[]): { day: 'today' | 'yesterday' | Weekday; rest: string[] } | null {
  const [first, ...rest] = words;
  if (first === 'today' || first === 'yesterday') return { day: first, rest };
  const [name, after] = first === 'last' ? [rest[0] ?? '', rest.slice(1)] : [first, rest];
  const weekday = WEEKDAY_NAMES.get(name);
  return weekday ? { day: weekday, rest: after } : null;
}

/** What is not an ISO date: `2h`, `2h ago`, `10:30`, a day and maybe its time. */
function readPhrase(v: TextToken, t: string): TimeSpec {
  const words = t.toLowerCase().split(' ');
  const ago = readAgo(v, words[0]);
  if (ago && (words.length === 1 || (words.length === 2 && words[1] === 'ago'))) return ago;
  const clock = words.length === 1 ? readClock(v, words[0]) : null;
  if (clock) return { kind: 'clock', ...clock };
  const named = namedDay(words);
  if (named && named.rest.length === 0) return { kind: 'day', day: named.day, hour: null, minute: null, second: null };
  const time = named && named.rest.length === 1 ? readClock(v, named.rest[0]) : null;
  if (!named || !time) fail(v, `bad time '${v.text}'`, TIME_HINT);
  // `today 10:30` is 10:30: one meaning, one TimeSpec
  return named.day === 'today' ? { kind: 'clock', ...time } : { kind: 'day', day: named.day, ...time };
}

export function readTime(v: TextToken): TimeSpec {
  // a word holds no spaces; in a quoted value (or a flag's) any run of them is one
  const t = v.text.trim().replace(/\s+/g, ' ');
  const date = DATE.exec(t);
  return date ? readDate(v, t, date) : readPhrase(v, t);
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function clockText(t: TimeOfDay): string {
  return `${pad(t.hour)}:${pad(t.minute)}${t.second === null ? '' : `:${pad(t.second)}`}`;
}

function offsetText(minutes: number): string {
  if (minutes === 0) return 'Z';
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

export function formatTime(t: TimeSpec): string {
  switch (t.kind) {
    case 'ago':
      return `${t.amount}${t.unit}`;
    case 'clock':
      return clockText(t);
    case 'day':
      return t.hour === null || t.minute === null ? t.day : `${t.day} ${clockText({ hour: t.hour, minute: t.minute, second: t.second })}`;
    case 'date': {
      const date = `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}`;
      if (t.hour === null || t.minute === null) return date;
      const fraction = t.fraction === null ? '' : `.${t.fraction}`;
      return `${date}T${clockText({ hour: t.hour, minute: t.minute, second: t.second })}${fraction}${t.offset === null ? '' : offsetText(t.offset)}`;
    }
  }
}

/**
 * A word that, printed bare after a time, would read as part of it (`since:yesterday 14:00`,
 * `since:2h ago`): describeFilter quotes it.
 */
export function continuesTime(word: string): boolean {
  return CLOCK.test(word) || word.toLowerCase() === 'ago';
}

function readsAsTime(text: string): boolean {
  try {
    readTime({ kind: 'quoted', text, start: 0, end: text.length });
    return true;
  } catch (err) {
    if (err instanceof FilterError) return false;
    throw err;
  }
}

/**
 * A time that a space cut in two: `since:yesterday 14:00` is since:yesterday and a search for
 * "14:00", which is not what anyone means. Given a word value and the input after it: the whole
 * time (`yesterday 14:00`) and how many characters of `after` it takes, when the value and the
 * next word or two read as one; else null.
 */
export function timeCutBySpace(value: string, after: string): { time: string; length: number } | null {
  const next = /^(\s+([^\s()]+))(\s+([^\s()]+))?(?=[\s)]|$)/.exec(after);
  if (!next) return null;
  if (next[4] !== undefined && readsAsTime(`${value} ${next[2]} ${next[4]}`)) return { time: `${value} ${next[2]} ${next[4]}`, length: next[0].length };
  return readsAsTime(`${value} ${next[2]}`) ? { time: `${value} ${next[2]}`, length: next[1].length } : null;
}
