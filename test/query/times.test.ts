/**
 * Time expressions of since:/until: (and so of --since, --until, --last): what each form reads
 * as, how it prints back, where it falls against a fixed now, and the errors for what is not a
 * time. Local time is Europe/Berlin here, set before any date is made, so that the expectations
 * below (written as UTC instants) hold on any machine, DST change included.
 */
import { afterAll, describe, expect, it } from 'vitest';

import { type FilterAst, FilterError, type TimeSpec, describeFilter, parseFilter } from '../../src/query/index.js';
import { timeSpan } from '../../src/query/time-span.js';

const savedTz = process.env.TZ;
process.env.TZ = 'Europe/Berlin';
afterAll(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

/** Thursday 2026-12-03 12:00 in Berlin (CET, UTC+1). */
const NOW = new Date(Date.UTC(2026, 11, 3, 11, 0));

/** A UTC instant as ns. */
const utc = (mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0, y = 2026) => BigInt(Date.UTC(y, mo - 1, d, h, mi, s, ms)) * 1_000_000n;
const MINUTE = 60_000_000_000n;
const SECOND = 1_000_000_000n;

function timeOf(filter: string): TimeSpec {
  const ast = parseFilter(filter);
  if (ast.type !== 'time') throw new Error(`${filter} is not one time term`);
  return ast.at;
}

const noTime = { hour: null, minute: null, second: null };
const clock = (hour: number, minute: number, second: number | null = null) => ({ hour, minute, second });
const date = (fields: Partial<Extract<TimeSpec, { kind: 'date' }>>): TimeSpec => ({ kind: 'date', year: 2026, month: 12, day: 3, ...noTime, fraction: null, offset: null, ...fields });

describe('what each form reads as', () => {
  const cases: [string, TimeSpec][] = [
    ['since:2h', { kind: 'ago', amount: 2, unit: 'h' }],
    ['since:"2h ago"', { kind: 'ago', amount: 2, unit: 'h' }],
    ['since:"1.5d  AGO"', { kind: 'ago', amount: 1.5, unit: 'd' }],
    ['since:90s', { kind: 'ago', amount: 90, unit: 's' }],
    ['since:2w', { kind: 'ago', amount: 2, unit: 'w' }],
    ['since:10:30', { kind: 'clock', ...clock(10, 30) }],
    ['since:"today 10:30:15"', { kind: 'clock', ...clock(10, 30, 15) }],
    ['since:today', { kind: 'day', day: 'today', ...noTime }],
    ['since:Yesterday', { kind: 'day', day: 'yesterday', ...noTime }],
    ['since:"yesterday 14:00"', { kind: 'day', day: 'yesterday', ...clock(14, 0) }],
    ['since:" yesterday   9:05:30 "', { kind: 'day', day: 'yesterday', ...clock(9, 5, 30) }],
    ['since:thursday', { kind: 'day', day: 'thursday', ...noTime }],
    ['since:THU', { kind: 'day', day: 'thursday', ...noTime }],
    ['since:"last thursday"', { kind: 'day', day: 'thursday', ...noTime }],
    ['since:"last sat 23:59"', { kind: 'day', day: 'saturday', ...clock(23, 59) }],
    ['since:2026-12-03', date({})],
    ['since:"2026-12-03 10:30"', date(clock(10, 30))],
    ['since:2026-12-03T10:30:00Z', date({ ...clock(10, 30, 0), offset: 0 })],
    ['since:2026-12-03t10:30:00z', date({ ...clock(10, 30, 0), offset: 0 })],
    ['since:2026-12-03T10:30:00.250+01:00', date({ ...clock(10, 30, 0), fraction: '250', offset: 60 })],
    ['since:2026-12-03T10:30:00,5-05', date({ ...clock(10, 30, 0), fraction: '5', offset: -300 })],
    ['since:2026-12-03T10:30-0530', date({ ...clock(10, 30), offset: -330 })],
    ['since:2026-12-03T10:30-00:00', date({ ...clock(10, 30), offset: 0 })],
    ['since:2026-12-03T10:30:15.123456789', date({ ...clock(10, 30, 15), fraction: '123456789' })],
  ];
  it.each(cases)('%s', (filter, spec) => {
    expect(timeOf(filter)).toEqual(spec);
  });
});

describe('printed back as one spelling that reads as the same time', () => {
  const cases: [string, string][] = [
    ['since:2h', 'since:2h'],
    ['since:"2h ago"', 'since:2h'],
    ['until:3w', 'until:3w'],
    ['since:"today 10:30"', 'since:10:30'],
    ['since:TODAY', 'since:today'],
    ['since:"yesterday 9:05"', 'since:"yesterday 09:05"'],
    ['since:"last thu 10:00:30"', 'since:"thursday 10:00:30"'],
    ['since:fri', 'since:friday'],
    ['since:"2026-12-03 10:30"', 'since:2026-12-03T10:30'],
    ['since:2026-12-03T10:30:00+00:00', 'since:2026-12-03T10:30:00Z'],
    ['until:2026-12-03T10:30:00,50-05', 'until:2026-12-03T10:30:00.50-05:00'],
    ['until:2026-12-03T10:30+0530', 'until:2026-12-03T10:30+05:30'],
    // a word after a time that would read as part of it is quoted
    ['since:yesterday "14:00"', 'since:yesterday "14:00"'],
    ['since:2h "ago"', 'since:2h "ago"'],
    ['"14:00" since:yesterday', '"14:00" since:yesterday'],
  ];
  it.each(cases)('%s → %s', (input, normal) => {
    const ast = parseFilter(input);
    expect(describeFilter(ast)).toBe(normal);
    expect(parseFilter(describeFilter(ast))).toEqual(ast);
  });
});

describe('where each falls, against a fixed now', () => {
  const cases: [string, bigint, bigint][] = [
    ['2h ago', utc(12, 3, 9), utc(12, 3, 9) + 1n],
    ['1w', utc(11, 26, 11), utc(11, 26, 11) + 1n],
    ['10:30', utc(12, 3, 9, 30), utc(12, 3, 9, 31)],
    ['today', utc(12, 2, 23), utc(12, 3, 23)],
    ['yesterday', utc(12, 1, 23), utc(12, 2, 23)],
    ['yesterday 14:00', utc(12, 2, 13), utc(12, 2, 13) + MINUTE],
    ['yesterday 14:00:30', utc(12, 2, 13, 0, 30), utc(12, 2, 13, 0, 31)],
    // a weekday is the latest one that has begun: today is Thursday
    ['thursday', utc(12, 2, 23), utc(12, 3, 23)],
    ['thursday 10:00', utc(12, 3, 9), utc(12, 3, 9) + MINUTE],
    ['thursday 13:00', utc(11, 26, 12), utc(11, 26, 12) + MINUTE],
    ['last thursday', utc(12, 2, 23), utc(12, 3, 23)],
    ['wednesday', utc(12, 1, 23), utc(12, 2, 23)],
    ['friday', utc(11, 26, 23), utc(11, 27, 23)],
    ['sun 18:00', utc(11, 29, 17), utc(11, 29, 17) + MINUTE],
    ['2026-12-03', utc(12, 2, 23), utc(12, 3, 23)],
    ['2026-12-03T10:30', utc(12, 3, 9, 30), utc(12, 3, 9, 31)],
    ['2026-12-03T10:30:00Z', utc(12, 3, 10, 30), utc(12, 3, 10, 30) + SECOND],
    ['2026-12-03T10:30Z', utc(12, 3, 10, 30), utc(12, 3, 10, 31)],
    ['2026-12-03T10:30:00.25+01:00', utc(12, 3, 9, 30, 0, 250), utc(12, 3, 9, 30, 0, 260)],
    ['2026-12-03T23:30:00-05:00', utc(12, 4, 4, 30), utc(12, 4, 4, 30) + SECOND],
    ['2026-12-03T10:30:00.123456789Z', utc(12, 3, 10, 30) + 123_456_789n, utc(12, 3, 10, 30) + 123_456_790n],
  ];
  it.each(cases)('%s', (text, start, end) => {
    expect(timeSpan(timeOf(`since:"${text}"`), NOW)).toEqual([start, end]);
  });

  it('a day with a DST change is that day, 23 hours long', () => {
    // Monday 2026-03-30 12:00 CEST; clocks went forward on Sunday at 02:00
    const monday = new Date(Date.UTC(2026, 2, 30, 10));
    expect(timeSpan(timeOf('since:yesterday'), monday)).toEqual([utc(3, 28, 23), utc(3, 29, 22)]);
    expect(timeSpan(timeOf('since:sunday'), monday)).toEqual([utc(3, 28, 23), utc(3, 29, 22)]);
    expect(timeSpan(timeOf('since:"yesterday 14:00"'), monday)).toEqual([utc(3, 29, 12), utc(3, 29, 12) + MINUTE]);
  });

  it('since: starts at the span and until: ends after it', () => {
    const ast = parseFilter('since:"yesterday 14:00" until:"thursday 10:00"') as FilterAst & { type: 'and' };
    expect(ast.items.map((t) => (t.type === 'time' ? timeSpan(t.at, NOW) : null))).toEqual([
      [utc(12, 2, 13), utc(12, 2, 13) + MINUTE],
      [utc(12, 3, 9), utc(12, 3, 9) + MINUTE],
    ]);
  });
});

describe('what is not a time is an error at the value', () => {
  const cases: [string, RegExp, number, number][] = [
    ['since:banana', /^bad time 'banana': use a time today/, 6, 12],
    ['until:tomorrow', /bad time 'tomorrow'/, 6, 14],
    ['since:2x', /bad time '2x'/, 6, 8],
    ['since:2h2', /bad time '2h2'/, 6, 9],
    ['since:-2h', /bad time '-2h'/, 6, 9],
    ['since:"2h from now"', /bad time '2h from now'/, 6, 19],
    ['since:"yesterday banana"', /bad time 'yesterday banana'/, 6, 24],
    ['since:"banana yesterday"', /bad time 'banana yesterday'/, 6, 24],
    ['since:"last"', /bad time 'last'/, 6, 12],
    ['since:"last yesterday"', /bad time 'last yesterday'/, 6, 22],
    ['since:"thursday 10:00 10:00"', /bad time/, 6, 28],
    ['since:"thursday 25:00"', /bad time of day '25:00'/, 6, 22],
    ['since:"10:30 ago"', /bad time '10:30 ago'/, 6, 17],
    ['since:20000w', /'20000w' is too long ago: use at most 100 years/, 6, 12],
    ['since:2026-12-03Z', /bad time '2026-12-03Z'/, 6, 17],
    ['since:2026-12-03T10:30+24:00', /bad time zone '\+24:00'/, 22, 28],
    ['since:2026-12-03T10:30:00.1234567891Z', /bad time/, 6, 37],
    ['since:2026-12-03T10:60Z', /bad time of day in '2026-12-03T10:60Z'/, 17, 22],
    // a time with a space, unquoted, is two terms: said, with the quoted form
    ['since:yesterday 14:00', /^the time after 'since:' has a space in it: quote it: since:"yesterday 14:00"$/, 0, 21],
    ['method:GET until:2h ago', /quote it: until:"2h ago"/, 11, 23],
    ['since:last thursday 10:00 status:5xx', /quote it: since:"last thursday 10:00"/, 0, 25],
    ['(since:2026-12-03 10:30)', /quote it: since:"2026-12-03 10:30"/, 1, 23],
  ];
  it.each(cases)('%s', (input, message, start, end) => {
    let err: unknown;
    try {
      parseFilter(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FilterError);
    expect((err as FilterError).message).toMatch(message);
    expect([(err as FilterError).start, (err as FilterError).end]).toEqual([start, end]);
  });

  it('leaves alone a time followed by words that do not continue it', () => {
    expect(describeFilter(parseFilter('since:yesterday "14:00"'))).toBe('since:yesterday "14:00"');
    expect(describeFilter(parseFilter('since:10:30 14:00'))).toBe('since:10:30 "14:00"');
    expect(describeFilter(parseFilter('since:thursday status:5xx'))).toBe('since:thursday status:5xx');
    expect(describeFilter(parseFilter('since:yesterday or 14:00'))).toBe('since:yesterday or "14:00"');
  });
});
