/** The pure parts of a history: ids, the catalog's checks and pruning, the merge, a filter's bounds. */
import { describe, expect, it } from 'vitest';

import { type CatalogEntry, NO_BOUNDS, mayMatch, missingFiles, parseCatalog } from '../../src/history/catalog.js';
import { fileTag, formatId, parseHistoryId } from '../../src/history/history-id.js';
import { mergeSorted } from '../../src/history/merge.js';
import { queryBounds } from '../../src/history/query-bounds.js';
import { parseFilter } from '../../src/query/index.js';

describe('history ids', () => {
  it('name the file: a chain file by its time, any other by its name', () => {
    expect(fileTag('tinytap-20261203-101500.tinytap')).toBe('20261203-101500');
    expect(fileTag('tinytap-20261203-101500-2.tinytap')).toBe('20261203-101500-2');
    expect(fileTag('checkout bug.tinytap')).toBe('checkout bug');
    expect(formatId('20261203-101500', 17)).toBe('20261203-101500/17');
    expect(formatId(null, 17)).toBe('17');
  });

  it('are read back as typed, with the file as ls shows it or by its file name', () => {
    const tags = ['20261203-101500', '20261203-101500-2'];
    expect(parseHistoryId('20261203-101500-2/4', tags)).toEqual({ tag: '20261203-101500-2', id: 4 });
    expect(parseHistoryId('tinytap-20261203-101500.tinytap/4', tags)).toEqual({ tag: '20261203-101500', id: 4 });
    expect(parseHistoryId('9', null)).toEqual({ tag: null, id: 9 });
    expect(() => parseHistoryId('9', tags)).toThrow(/does not say which file.*like 20261203-101500-2\/1/);
    expect(() => parseHistoryId('20261204-000000/1', tags)).toThrow(/no file '20261204-000000' here/);
    expect(() => parseHistoryId('x/0', tags)).toThrow(/bad exchange id/);
    expect(() => parseHistoryId('a/1', null)).toThrow(/this is one file/);
  });
});

const entry = (over: Omit<Partial<CatalogEntry>, 'raw'> & { raw?: Partial<CatalogEntry['raw']> }): CatalogEntry => ({
  name: 'tinytap-20261203-100000.tinytap',
  size: 1,
  mtimeMs: 1,
  ino: 1,
  built: null,
  ...over,
  raw: { firstTs: '1000', lastTs: '2000', startedAt: '900', chain: null, ...over.raw },
});

describe('the catalog', () => {
  it('reads only what this version wrote, every value checked', () => {
    const good = { version: 1, files: [entry({})] };
    expect(parseCatalog(JSON.stringify(good))).toEqual(good);
    for (const bad of [
      'not json',
      '{"version":2,"files":[]}',
      JSON.stringify({ version: 1, files: [{ ...entry({}), name: '../../etc/passwd' }] }),
      JSON.stringify({ version: 1, files: [{ ...entry({}), size: -1 }] }),
      JSON.stringify({ version: 1, files: [entry({ raw: { firstTs: '1e9' } })] }),
      JSON.stringify({ version: 1, files: [{ ...entry({}), built: { exchanges: 1, reqFrom: '1', reqTo: '2', hosts: [7], comms: null } }] }),
    ])
      expect(parseCatalog(bad)).toBeNull();
  });

  it('skips a file only when it cannot hold a match', () => {
    const built = entry({ built: { exchanges: 3, reqFrom: '1100', reqTo: '1900', hosts: ['api.local'], comms: ['curl', 'nginx'] } });
    const b = (o: Partial<typeof NO_BOUNDS>) => ({ ...NO_BOUNDS, ...o });
    expect(mayMatch(built, NO_BOUNDS)).toBe(true);
    expect(mayMatch(built, b({ since: 1901n }))).toBe(false);
    expect(mayMatch(built, b({ since: 1900n }))).toBe(true);
    expect(mayMatch(built, b({ until: 1100n }))).toBe(false);
    expect(mayMatch(built, b({ until: 1101n }))).toBe(true);
    expect(mayMatch(built, b({ hosts: ['other'] }))).toBe(false);
    expect(mayMatch(built, b({ comms: ['nginx'] }))).toBe(true);
    expect(mayMatch(entry({ built: { exchanges: 0, reqFrom: null, reqTo: null, hosts: [], comms: [] } }), NO_BOUNDS)).toBe(false);
    // not built yet: by its records; a file continuing a chain may hold an exchange begun before its first record
    expect(mayMatch(entry({}), b({ since: 2001n }))).toBe(false);
    expect(mayMatch(entry({}), b({ until: 1000n }))).toBe(false);
    expect(mayMatch(entry({ raw: { chain: { id: 'c', sequence: 2, previous: 'tinytap-x.tinytap' } } }), b({ until: 1000n }))).toBe(true);
  });

  it('tells a file deleted by hand (a gap) from the oldest going (a budget)', () => {
    const at = (name: string, t: string) => entry({ name, raw: { firstTs: t } });
    const before = [at('a', '1'), at('b', '2'), at('c', '3'), at('d', '4')];
    expect(missingFiles(before, new Set(['b', 'c', 'd']))).toEqual({ gone: ['a'], holes: [] });
    expect(missingFiles(before, new Set(['a', 'b', 'd']))).toEqual({ gone: ['c'], holes: ['c'] });
  });
});

describe('mergeSorted', () => {
  it('merges in order, opening a source only when the merge reaches its first row', () => {
    const sources = [
      { name: 'a', from: 1, rows: [1, 4, 9] },
      { name: 'b', from: 3, rows: [3, 5] },
      { name: 'c', from: 10, rows: [10, 11] },
    ];
    const opened: string[] = [];
    const out: string[] = [];
    const merged = mergeSorted(
      sources,
      (s) => {
        opened.push(s.name);
        return s.rows[Symbol.iterator]();
      },
      (x, y) => x - y,
      (s, head) => head === null || s.from <= head,
    );
    for (const r of merged) out.push(`${r}:${opened.join('')}`);
    expect(out).toEqual(['1:a', '3:ab', '4:ab', '5:ab', '9:ab', '10:abc', '11:abc']);
  });

  it('closes every open source when the reader stops early', () => {
    const closed: number[] = [];
    const src = (n: number): Iterator<number> => {
      let i = n;
      return { next: () => ({ done: false, value: (i += 10) }), return: () => (closed.push(n), { done: true, value: undefined }) };
    };
    const merged = mergeSorted([1, 2], src, (x, y) => x - y, () => true);
    expect([merged.next().value, merged.next().value]).toEqual([11, 12]);
    merged.return(undefined);
    expect(closed.sort((a, b) => a - b)).toEqual([1, 2]);
  });
});

describe('queryBounds', () => {
  const now = new Date('2026-12-03T12:00:00Z');
  it('reads time, host and process off the top level only', () => {
    const b = queryBounds(parseFilter('since:2026-12-03T10:00:00Z until:2026-12-03T11:00:00Z host:API.local comm:curl status:500'), now);
    expect(b.since).toBe(BigInt(Date.parse('2026-12-03T10:00:00Z')) * 1_000_000n);
    // until is through the end of the second written
    expect(b.until).toBe(BigInt(Date.parse('2026-12-03T11:00:01Z')) * 1_000_000n);
    expect(b.hosts).toEqual(['api.local']);
    expect(b.comms).toEqual(['curl']);
    expect(queryBounds(parseFilter('host:a or since:1h'), now)).toEqual(NO_BOUNDS);
    expect(queryBounds(parseFilter('-host:a host:*.local'), now)).toEqual(NO_BOUNDS);
  });
});
