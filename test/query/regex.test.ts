/**
 * The helpers both the SQL and the in-memory side rely on: the literal text a regex must
 * contain (what the trigram index narrows by: it must never drop a match), globs against
 * SQLite's GLOB and LIKE, and the encoded flags of the regexp() SQL function.
 */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

import { registerFilterFunctions } from '../../src/query/index.js';
import { globPattern, likeLiteral } from '../../src/query/compile-sql.js';
import {
  asciiLower,
  canonicalSource,
  compiledRegex,
  encodeRegex,
  globMatches,
  headerFieldRegex,
  regexProblem,
  regexMatches,
  requiredLiteral,
} from '../../src/query/regex.js';

const db = new Database(':memory:');
registerFilterFunctions(db);
afterAll(() => db.close());

describe('requiredLiteral', () => {
  it.each([
    ['timeout', 'timeout'],
    ['^time(out)?s+ok$', 'time'],
    ['\\btimeout\\b', 'timeout'],
    ['ab?cdef', 'cdef'],
    ['abc*de', null],
    ['abcd*efg', 'abc'],
    ['abcd+e', 'abcd'],
    ['abcd{0,2}xyz', 'abc'],
    ['abc{2}xy', 'abc'],
    ['a|bcdef', null],
    ['(a|b)cdef', 'cdef'],
    ['x(?=abcdef)', null],
    ['\\x41bcd', 'bcd'],
    ['\\u0041bcd', 'bcd'],
    ['\\x4gzzz', 'gzzz'],
    ['\\1abcd', 'abcd'],
    ['\\012abcd', 'abcd'],
    ['\\d+items', 'items'],
    ['\\/users\\/\\d', '/users/'],
    ['[abc]def', 'def'],
    ['caf[ée] au lait', ' au lait'],
    ['café', 'caf'],
    ['ab', null],
    ['', null],
    ['a.c.e', null],
    ['"id":\\s*7', '"id":'],
  ])('%s → %s', (source, literal) => {
    expect(requiredLiteral({ source, flags: '' })).toBe(literal);
  });

  // pieces of regex syntax; the strings are drawn from the letters the regexes use
  const piece = fc.constantFrom('a', 'b', 'c', 'A', '.', '*', '+', '?', '|', '(', ')', '(?:', '(?=', '(?!', '[', ']', '^', '$', '\\', 'd', 'x', 'u', '{', '}', '1', '2', ',', '-', '/', ' ', 'é');
  const sourceArb = fc
    .array(piece, { maxLength: 12 })
    .map((p) => p.join(''))
    .filter((s) => regexProblem(s, '') === null);
  const textArb = fc.string({ maxLength: 16, unit: fc.constantFrom('a', 'b', 'c', 'A', 'B', 'x', '1', '2', ' ', '-', '/', 'é', '\n') });

  it('every string a regex matches contains its literal (ASCII case aside)', () => {
    fc.assert(
      fc.property(sourceArb, fc.constantFrom('', 'i', 'm', 's', 'ims'), fc.array(textArb, { minLength: 1, maxLength: 8 }), (source, flags, texts) => {
        const literal = requiredLiteral({ source, flags });
        if (literal === null) return;
        for (const t of texts) if (regexMatches({ source, flags }, t)) expect(asciiLower(t)).toContain(asciiLower(literal));
      }),
      { numRuns: 3000 },
    );
  }, 60_000);
});

describe('globs', () => {
  it.each([
    ['*.local', 'api.local', true],
    ['*.local', 'local', false],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'acb', false],
    ['ab*ba', 'aba', false],
    ['*', '', true],
    ['x', 'x', true],
    ['**', 'anything', true],
  ])('%s ~ %s: %s', (glob, value, expected) => {
    expect(globMatches(glob, value)).toBe(expected);
  });

  const unit = fc.constantFrom('a', 'b', 'A', '*', '?', '[', ']', '%', '_', '\\', '.', 'é', 'É');
  const str = fc.string({ maxLength: 8, unit });
  it('matches as SQLite GLOB does (after globPattern)', () => {
    const stmt = db.prepare('SELECT ? GLOB ?').pluck();
    fc.assert(
      fc.property(str, str.filter((v) => !v.includes('*')), (glob, value) => {
        expect(globMatches(glob, value)).toBe(stmt.get(value, globPattern(glob)) === 1);
      }),
      { numRuns: 3000 },
    );
  }, 60_000);
  it('matches, ASCII case-insensitively, as SQLite LIKE does (after escaping)', () => {
    const stmt = db.prepare("SELECT ? LIKE ? ESCAPE '\\'").pluck();
    fc.assert(
      fc.property(str, str, (glob, value) => {
        const like = likeLiteral(glob).replace(/\*/g, '%');
        expect(globMatches(asciiLower(glob), asciiLower(value))).toBe(stmt.get(value, like) === 1);
      }),
      { numRuns: 3000 },
    );
  }, 60_000);
  it('asciiLower folds as SQLite lower() does', () => {
    const stmt = db.prepare('SELECT lower(?)').pluck();
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 12 }).filter((s) => !s.includes('\u0000')), (s) => {
        expect(asciiLower(s)).toBe(stmt.get(s));
      }),
    );
  }, 60_000);
});

describe('regexes', () => {
  it('encodes flags as a "(?ims)" prefix that regexp() and compiledRegex read back', () => {
    expect(encodeRegex({ source: 'a', flags: '' })).toBe('a');
    expect(encodeRegex({ source: 'a', flags: 'i' }, 'm')).toBe('(?im)a');
    expect(encodeRegex({ source: 'a', flags: 'm' }, 'm')).toBe('(?m)a');
    expect(compiledRegex('(?is)a.b').test('A\nB')).toBe(true);
    expect(compiledRegex('(?s)a.b').test('A\nB')).toBe(false);
    expect(compiledRegex('(?i)a.b').test('A\nB')).toBe(false);
    expect(compiledRegex('(?:a)').test('a')).toBe(true);
    const regexp = db.prepare('SELECT regexp(?, ?)').pluck();
    expect(regexp.get('(?i)^ab', 'ABC')).toBe(1);
    expect(regexp.get('^ab', 'ABC')).toBe(0);
    expect(regexp.get('^ab', null)).toBe(0);
    // SQLite's REGEXP operator calls the same function
    expect(db.prepare("SELECT 'xAbc' REGEXP '(?i)ab'").pluck().get()).toBe(1);
  });

  it('canonicalSource escapes slashes and whitespace, and means the same', () => {
    expect(canonicalSource('/a b/')).toBe('\\/a\\u0020b\\/');
    expect(canonicalSource('\\/x\\ [/\t]')).toBe('\\/x\\u0020[\\/\\u0009]');
    const unit = fc.constantFrom('/', ' ', '\\', '[', ']', 'a', '\t', '(', ')', '*', '\n');
    fc.assert(
      fc.property(fc.string({ maxLength: 8, unit }).filter((s) => regexProblem(s, '') === null), fc.string({ maxLength: 8, unit }), (source, text) => {
        const canonical = canonicalSource(source);
        expect(regexProblem(canonical, '')).toBeNull();
        expect(canonicalSource(canonical)).toBe(canonical);
        expect(regexMatches({ source: canonical, flags: '' }, text)).toBe(regexMatches({ source, flags: '' }, text));
      }),
      { numRuns: 2000 },
    );
  });

  it('headerFieldRegex matches a whole header name, ASCII case-insensitively, and a value on its line', () => {
    const headers = 'Host: api.local\nX-Request-Id: ABC-123\nX-Other: x\nÉtag: é';
    const has = (name: string, contains: string | null) => regexMatches(headerFieldRegex(name, contains), headers);
    expect(has('x-request-id', null)).toBe(true);
    expect(has('request-id', null)).toBe(false);
    expect(has('x-request-id', 'abc')).toBe(true);
    expect(has('x-request-id', 'x')).toBe(false); // "X-Other: x" is another line
    expect(has('host', 'api.local')).toBe(true);
    expect(has('host', 'api-local')).toBe(false); // '.' is not a wildcard
    expect(has('étag', null)).toBe(false); // only ASCII letters fold
    expect(has('Étag', 'é')).toBe(true);
  });
});

describe('the regex engine: linear time, JavaScript syntax, RE2 semantics', () => {
  // nested quantifiers: a backtracking engine tries every way of splitting the a's
  const catastrophic = { source: '(a+)+$', flags: '' };

  it('takes no time over a pattern that backtracks exponentially', () => {
    // JavaScript's RegExp needs seconds for 25 a's, and for 41 (the report) never returns
    const started = performance.now();
    expect(regexMatches(catastrophic, `http://a/${'a'.repeat(25)}!`)).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
    expect(regexMatches(catastrophic, `http://a/${'a'.repeat(41)}!`)).toBe(false);
    expect(regexMatches(catastrophic, `${'a'.repeat(1 << 20)}!`)).toBe(false);
    expect(regexMatches(catastrophic, 'xaaa')).toBe(true);
    const regexp = db.prepare('SELECT regexp(?, ?)').pluck();
    expect(regexp.get(encodeRegex(catastrophic), `http://a/${'a'.repeat(41)}!`)).toBe(0);
    expect(regexp.get('(?i)(x+x+)+y', `${'x'.repeat(5000)}`)).toBe(0);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('refuses what RE2 cannot do in linear time, and escapes the two read differently', () => {
    expect(regexProblem('a(?=b)', '')).toMatchObject({ message: expect.stringMatching(/^lookahead/), start: 1, end: 4 });
    expect(regexProblem('(?<!a)b', '')).toMatchObject({ message: expect.stringMatching(/^negative lookbehind/), start: 0, end: 4 });
    expect(regexProblem('(a)\\1', '')).toMatchObject({ message: expect.stringMatching(/^backreference \\1/), start: 3, end: 5 });
    expect(regexProblem('[\\1]', '')).toMatchObject({ start: 1, end: 3 });
    expect(regexProblem('\\012', '')).toMatchObject({ message: expect.stringMatching(/^octal escapes/) });
    expect(regexProblem('\\a', '')).toMatchObject({ message: '\\a is not an escape: write a for the letter' });
    expect(regexProblem('[\\B]', '')).toMatchObject({ start: 1, end: 3 });
    expect(regexProblem('\\x4', '')).toMatchObject({ message: '\\x is not an escape: write x for the letter' });
    // JavaScript syntax, not RE2's own
    expect(regexProblem('(?i)a', '')).toMatchObject({ message: 'Invalid group', start: 0, end: 5 });
    expect(regexProblem('(?P<n>a)', '')).not.toBeNull();
    expect(regexMatches({ source: '^\\uD83D\\uDE00$', flags: '' }, '😀')).toBe(true);
    for (const ok of ['[^]', '[]', '\\cJ', '\\x41\\u0041', '\\uD83D\\uDE00', '(?<year>\\d{4})', '[\\b]', '\\0', 'a{,3}', '[[:a]', '\\/\\-\\.']) expect(regexProblem(ok, '')).toBeNull();
  });

  it('means what JavaScript means, on text where RE2 and JavaScript agree', () => {
    // where they differ (docs/filter-language.md): \s is [\t\n\f\r ], '.' and '^$' with m take
    // only \n as a line end, /i folds Unicode cases (ſ is s), and a character is a code point
    // (😀 is one, not two halves); these patterns and texts hold none of those
    const piece = fc.constantFrom(
      'a', 'b', 'A', 'é', '1', '-', '/', '.', '*', '+', '?', '*?', '|', '(', ')', '(?:', '(?<n>', '[', ']', '[^', '[^]', '[]', '^', '$',
      '\\d', '\\D', '\\w', '\\W', '\\s', '\\S', '\\b', '\\B', '\\x41', '\\u0061', '\\u00e9', '\\cJ', '\\n', '\\t', '\\0',
      '{', '}', '{2}', '{1,2}', '{,2}', ',', '\\/', '\\-', '\\.', '\\[', '\\]',
    );
    const sourceArb = fc
      .array(piece, { maxLength: 10 })
      .map((p) => p.join(''))
      .filter((s) => regexProblem(s, '') === null);
    const text = fc.string({ maxLength: 12, unit: fc.constantFrom('a', 'b', 'A', 'B', 'é', 'É', '1', ' ', '\t', '\n', '-', '/', '.', '\b', '\u0000') });
    fc.assert(
      fc.property(sourceArb, fc.constantFrom('', 'i', 'm', 's', 'ims'), fc.array(text, { minLength: 1, maxLength: 6 }), (source, flags, texts) => {
        const js = new RegExp(source, flags);
        for (const t of texts) expect(regexMatches({ source, flags }, t), `/${source}/${flags} on ${JSON.stringify(t)}`).toBe(js.test(t));
      }),
      { numRuns: 5000 },
    );
  }, 60_000);
});

