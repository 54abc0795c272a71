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
  regexError,
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
    .filter((s) => regexError(s, '') === null);
  const textArb = fc.string({ maxLength: 16, unit: fc.constantFrom('a', 'b', 'c', 'A', 'B', 'x', '1', '2', ' ', '-', '/', 'é', '\n') });

  it('every string a regex matches contains its literal (ASCII case aside)', () => {
    fc.assert(
      fc.property(sourceArb, fc.constantFrom('', 'i', 'm', 's', 'ims'), fc.array(textArb, { minLength: 1, maxLength: 8 }), (source, flags, texts) => {
        const literal = requiredLiteral({ source, flags });
        if (literal === null) return;
        const re = new RegExp(source, flags);
        for (const t of texts) if (re.test(t)) expect(asciiLower(t)).toContain(asciiLower(literal));
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
    expect(compiledRegex('(?is)a.b').flags).toBe('is');
    expect(compiledRegex('(?:a)').source).toBe('(?:a)');
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
      fc.property(fc.string({ maxLength: 8, unit }).filter((s) => regexError(s, '') === null), fc.string({ maxLength: 8, unit }), (source, text) => {
        const canonical = canonicalSource(source);
        expect(regexError(canonical, '')).toBeNull();
        expect(canonicalSource(canonical)).toBe(canonical);
        expect(new RegExp(canonical).test(text)).toBe(new RegExp(source).test(text));
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
