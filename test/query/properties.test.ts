/**
 * Properties over random input: any string parses or fails with a FilterError; whatever parses
 * prints (describeFilter) to text that parses back to the same AST; and for random filters the
 * compiled SQL and the in-memory predicate select the same exchanges.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

import {
  type FilterAst,
  FilterError,
  type Regex,
  type StringPattern,
  type Term,
  describeFilter,
  parseFilter,
} from '../../src/query/index.js';
import { WEEKDAYS } from '../../src/query/ast.js';
import { canonicalSource, regexProblem } from '../../src/query/regex.js';
import { usesRegexSyntax } from '../../src/query/lexer.js';
import { makeDb, memoryIds, sqlIds } from './fixture.js';

const db = makeDb();
afterAll(() => db.close());

/** Pieces of filter syntax, so random inputs reach past the first character's error. */
const piece = fc.constantFrom(
  ' ', ' ', '(', ')', '"', '\\', '/', '-', '!', '~', ':', ',', '*', '&', '|', 'or', 'and', 'not', 'OR',
  'status:', 'method:', 'host:', 'path:', 'url:', 'pid:', 'comm:', 'client:', 'server:', 'port:', 'larger-than:',
  'smaller-than:', 'duration:', 'since:', 'until:', 'body:', 'req-body:', 'header:', 'mime:', 'type:', 'is:',
  '~m ', '~c ', '~d ', '~u ', '~h ', '~b ', '~q', '~s', '404', '5xx', '>=', '<', '10k', '100ms', '10:30',
  '2026-11-20', '5m', 'api', 'yesterday', 'thu', 'last', 'ago', 'T10:30:00.5Z', '+01:00', '1w', '*.local', '/users', '/^a$/', '/x/i', '[', ']', '{', '?', '+', '$', '^', '.', '=',
  'x-id', 'error', 'GET', 'ok', 'é', 'Ü', 'constructor:', '\\u0020', '\\s',
);
const soup = fc.array(fc.oneof(piece, fc.string({ maxLength: 3 })), { maxLength: 12 }).map((p) => p.join(''));

/** Parses, or returns null on a FilterError; anything else thrown fails the property. */
function tryParse(input: string): FilterAst | null {
  try {
    return parseFilter(input);
  } catch (err) {
    if (err instanceof FilterError) {
      expect(err.start).toBeGreaterThanOrEqual(0);
      expect(err.end).toBeGreaterThanOrEqual(err.start);
      expect(err.start).toBeLessThanOrEqual(input.length);
      expect(err.format(input).split('\n')).toHaveLength(2);
      return null;
    }
    throw err;
  }
}

/** describe → parse gives the same AST, and SQL agrees with memory on the fixture. */
function checkAst(ast: FilterAst): void {
  const text = describeFilter(ast);
  let again: FilterAst;
  try {
    again = parseFilter(text);
  } catch (err) {
    throw new Error(`describeFilter printed ${JSON.stringify(text)}, which does not parse: ${(err as Error).message}`);
  }
  expect(again).toEqual(ast);
  expect(sqlIds(db, ast)).toEqual(memoryIds(ast));
}

describe('any input', () => {
  it.each([
    ['strings', fc.string({ maxLength: 60 })],
    ['unicode strings', fc.string({ unit: 'binary', maxLength: 40 })],
    ['syntax soup', soup],
  ])('%s: parse or FilterError; what parses round-trips and compiles to SQL that agrees with memory', (_name, arb) => {
    fc.assert(
      fc.property(arb, (input) => {
        const ast = tryParse(input);
        if (ast) checkAst(ast);
      }),
      { numRuns: 1500 },
    );
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------
// well-formed ASTs, in the normal form the parser produces

const someText = fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom('a', 'Z', ' ', '"', '\\', '(', ')', '/', '*', ':', '=', '-', '~', 'é', '1', ',', '\n') });
const noStar = someText.filter((t) => !t.includes('*'));
const withStar = someText.map((t) => `${t}*`);
const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
const token = fc.string({ minLength: 1, maxLength: 8, unit: fc.constantFrom(...'abcXYZ09-_.!#$%&\'*+^`|~') });

const flags = fc.subarray(['i', 'm', 's']).map((f) => f.join(''));
const source = fc
  .oneof(
    fc.constantFrom('a', 'time(out)?', '^\\/users\\/\\d+$', '[/]x', '\\d{3}', 'a|bcd', 'é+', '', ' x ', 'ok', 'api', 'id":\\d', '^Host: '),
    fc.string({ maxLength: 8 }),
  )
  .filter((s) => regexProblem(s, '') === null)
  .map(canonicalSource);
const regex: fc.Arbitrary<Regex> = fc.record({ source, flags });

const stringPattern: fc.Arbitrary<StringPattern> = fc.oneof(
  noStar.map((value) => ({ kind: 'exact' as const, value })),
  withStar.map((value) => ({ kind: 'glob' as const, value })),
  regex.map((r) => ({ kind: 'regex' as const, regex: r })),
);

const clock = fc.record({ hour: fc.integer({ min: 0, max: 23 }), minute: fc.integer({ min: 0, max: 59 }), second: fc.option(fc.integer({ min: 0, max: 59 })) });
/** A time of day with a second's fraction and a zone, each where the written form can have one. */
const isoClock = fc
  .tuple(clock, fc.option(fc.stringMatching(/^\d{1,9}$/)), fc.option(fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 })))
  .map(([c, fraction, offset]) => ({ ...c, fraction: c.second === null ? null : fraction, offset }));
const noTime = { hour: null, minute: null, second: null };
const timeSpec = fc.oneof(
  fc.record({
    kind: fc.constant('ago' as const),
    amount: fc.tuple(fc.integer({ min: 0, max: 100 }), fc.constantFrom(1, 10, 100)).map(([n, d]) => n / d),
    unit: fc.constantFrom('s' as const, 'm' as const, 'h' as const, 'd' as const, 'w' as const),
  }),
  clock.map((c) => ({ kind: 'clock' as const, ...c })),
  // `today` with a time is the 'clock' kind
  fc.constant({ kind: 'day' as const, day: 'today' as const, ...noTime }),
  fc
    .tuple(fc.constantFrom(...(['yesterday', ...WEEKDAYS] as const)), fc.option(clock))
    .map(([day, c]) => ({ kind: 'day' as const, day, ...(c ?? noTime) })),
  fc
    .tuple(fc.date({ min: new Date(2000, 0, 1), max: new Date(2099, 11, 31), noInvalidDate: true }), fc.option(isoClock))
    .map(([d, c]) => ({
      kind: 'date' as const,
      year: d.getFullYear(),
      month: d.getMonth() + 1,
      day: d.getDate(),
      ...(c ?? { ...noTime, fraction: null, offset: null }),
    })),
);

const statusRange = fc.tuple(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 0, max: 999 })).map(([a, b]): [number, number] => (a <= b ? [a, b] : [b, a]));

const term: fc.Arbitrary<Term> = fc.oneof(
  fc.record({ type: fc.constant('text' as const), scope: fc.constantFrom('all' as const, 'url' as const, 'body' as const, 'req-body' as const, 'resp-body' as const), text: someText }),
  fc.record({ type: fc.constant('text-regex' as const), scope: fc.constantFrom('url' as const, 'body' as const, 'req-body' as const, 'resp-body' as const), regex }),
  fc.record({ type: fc.constant('method' as const), methods: fc.array(token.map((t) => t.toUpperCase()), { minLength: 1, maxLength: 3 }) }),
  fc.record({ type: fc.constant('method-regex' as const), regex }),
  fc.record({ type: fc.constant('status' as const), ranges: fc.array(statusRange, { minLength: 1, maxLength: 3 }) }),
  fc.record({ type: fc.constant('host' as const), match: stringPattern }),
  fc.record({
    type: fc.constant('path' as const),
    match: fc.oneof(
      noStar.map((value) => ({ kind: 'prefix' as const, value })),
      withStar.map((value) => ({ kind: 'glob' as const, value })),
      regex.filter((r) => usesRegexSyntax(r.source)).map((r) => ({ kind: 'regex' as const, regex: r })),
    ),
  }),
  fc.record({
    type: fc.constant('process' as const),
    side: fc.constantFrom('any' as const, 'client' as const, 'server' as const),
    match: fc.oneof(fc.integer({ min: 0, max: 0xffffffff }).map((pid) => ({ kind: 'pid' as const, pid })), stringPattern),
  }),
  fc.record({ type: fc.constant('port' as const), port: fc.integer({ min: 1, max: 65535 }) }),
  fc.record({ type: fc.constant('size' as const), cmp: fc.constantFrom('>' as const, '<' as const), bytes: fc.integer({ min: 0, max: 2 ** 40 }) }),
  fc.record({ type: fc.constant('duration' as const), cmp: fc.constantFrom('=' as const, '>' as const, '>=' as const, '<' as const, '<=' as const), ns: fc.integer({ min: 0, max: 1e15 }) }),
  fc.record({ type: fc.constant('time' as const), bound: fc.constantFrom('since' as const, 'until' as const), at: timeSpec }),
  fc.record({
    type: fc.constant('header' as const),
    scope: fc.constantFrom('header' as const, 'req-header' as const, 'resp-header' as const),
    name: token.map(asciiLower),
    contains: fc.option(someText.filter((t) => !/^\s/.test(t)).map(asciiLower)),
  }),
  fc.record({ type: fc.constant('header-regex' as const), scope: fc.constantFrom('header' as const, 'req-header' as const, 'resp-header' as const), regex }),
  fc.record({ type: fc.constant('mime' as const), match: stringPattern }),
  fc.record({ type: fc.constant('type' as const), text: someText.map(asciiLower) }),
  fc.record({
    type: fc.constant('is' as const),
    what: fc.constantFrom('error' as const, 'incomplete' as const, 'no-response' as const, 'truncated' as const, 'sendfile' as const, 'upgrade' as const, 'parse-error' as const),
  }),
);

/** and/or as the parser builds them: two or more items, none of the same kind. */
function group(type: 'and' | 'or', items: FilterAst[]): FilterAst {
  return { type, items: items.flatMap((i) => (i.type === type ? i.items : [i])) };
}

const filter: fc.Arbitrary<FilterAst> = fc.letrec<{ node: FilterAst }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    term,
    fc.array(tie('node'), { minLength: 2, maxLength: 3 }).map((items) => group('and', items)),
    fc.array(tie('node'), { minLength: 2, maxLength: 3 }).map((items) => group('or', items)),
    tie('node').map((item): FilterAst => ({ type: 'not', item })),
  ),
})).node;

describe('well-formed filters', () => {
  it('parse(describeFilter(ast)) is ast, and SQL agrees with memory', () => {
    fc.assert(fc.property(filter, checkAst), { numRuns: 1500 });
  }, 60_000);

  it('each kind of term round-trips on its own', () => {
    fc.assert(fc.property(term, checkAst), { numRuns: 3000 });
  }, 60_000);
});
