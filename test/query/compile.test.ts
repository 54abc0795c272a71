/**
 * compileFilter: the SQL and parameters of each key, and EXPLAIN QUERY PLAN showing that the
 * indexes (and the trigram index for text) do the narrowing.
 */
import { afterAll, describe, expect, it } from 'vitest';

import { FilterError, compileFilter, parseFilter } from '../../src/query/index.js';
import { MAX_CONDITIONS } from '../../src/query/parser.js';
import { NOW, localNs, makeDb, memoryIds, queryPlan, sqlIds } from './fixture.js';

const compile = (filter: string) => compileFilter(parseFilter(filter), { now: NOW });

const FIELD = { url: 0, req_headers: 1, resp_headers: 2, req_body: 3, resp_body: 4 } as Record<string, number>;
/** A field of exchange_text aliased `a`, read through tinytap_text. */
const field = (a: string, f: string) => `tinytap_text(${a}.codec, ${a}.data, ${FIELD[f]})`;

const MASK = (fields: string[]) => fields.reduce((m, f) => m | (1 << FIELD[f]), 0);

/** The FTS narrowing of `text` over `fields`, as compiled (3+ characters): its trigrams, then the substring. */
function fts(text: string, fields: string[]): [string, unknown[]] {
  const lower = text.toLowerCase();
  const grams = [...new Set(Array.from({ length: lower.length - 2 }, (_, i) => lower.slice(i, i + 3)))];
  return [
    'SELECT t.id FROM exchange_fts JOIN exchange_text t ON t.id = exchange_fts.rowid WHERE exchange_fts MATCH ? AND tinytap_text_has(t.codec, t.data, ?, ?)',
    [grams.map((g) => `"${g.replace(/"/g, '""')}"`).join(' AND '), MASK(fields), lower],
  ];
}

describe('SQL and parameters', () => {
  const [bodyFts, bodyParams] = fts('timeout', ['req_body', 'resp_body']);
  const [allFts, allParams] = fts('timeout', ['url', 'req_headers', 'resp_headers', 'req_body', 'resp_body']);
  const [urlFts, urlParams] = fts('page=2', ['url']);
  const [nameFts, nameParams] = fts('x-id:', ['req_headers', 'resp_headers']);
  const [abcFts, abcParams] = fts('abc', ['req_headers', 'resp_headers']);
  const xid = '(?m)^[xX]-[iI][dD]:';

  const cases: [string, string, unknown[]][] = [
    ['', '1', []],
    ['method:post', 'x.method = ?', ['POST']],
    ['method:GET,HEAD', 'x.method IN (?, ?)', ['GET', 'HEAD']],
    ['method:/^P/', 'regexp(?, x.method)', ['^P']],
    ['status:404', 'x.status = ?', [404]],
    ['status:5xx', 'x.status BETWEEN ? AND ?', [500, 599]],
    ['status:>=500', 'x.status BETWEEN ? AND ?', [500, 999]],
    ['status:4xx,304', '(x.status BETWEEN ? AND ? OR x.status = ?)', [400, 499, 304]],
    ['host:API.local', 'x.host = ? COLLATE NOCASE', ['API.local']],
    ['host:*.local', 'x.host LIKE ?', ['%.local']],
    ['host:my_*', "x.host LIKE ? ESCAPE '\\'", ['my\\_%']],
    ['host:/^cdn\\./i', 'regexp(?, x.host)', ['(?i)^cdn\\.']],
    ['path:/users', '(x.path = ? OR x.path GLOB ?)', ['/users', '/users/*']],
    ['path:/users/', '(x.path = ? OR x.path GLOB ?)', ['/users/', '/users/*']],
    ['path:/a?[b]/*', 'x.path GLOB ?', ['/a[?][[]b]/*']],
    ['path:/^\\/v\\d+/', 'regexp(?, x.path)', ['^\\/v\\d+']],
    ['url:page=2', `x.id IN (${urlFts})`, urlParams],
    ['url:ab', 'x.id IN (SELECT t.id FROM exchange_text t WHERE tinytap_text_has(t.codec, t.data, ?, ?))', [1, 'ab']],
    ['url:%_', 'x.id IN (SELECT t.id FROM exchange_text t WHERE tinytap_text_has(t.codec, t.data, ?, ?))', [1, '%_']],
    ['/ab/', '(regexp(?, x.url))', ['ab']],
    ['/\\/users\\/\\d/', `(x.id IN (${fts('/users/', ['url'])[0]}) AND regexp(?, x.url))`, [...fts('/users/', ['url'])[1], '\\/users\\/\\d']],
    ['pid:4121', '(x.client_pid = ? OR x.server_pid = ?)', [4121, 4121]],
    ['client:4121', 'x.client_pid = ?', [4121]],
    ['comm:node', '(x.client_comm = ? OR x.server_comm = ?)', ['node', 'node']],
    ['server:ngin*', 'x.server_comm GLOB ?', ['ngin*']],
    ['port:8080', '(x.server_port = ? OR x.client_port = ?)', [8080, 8080]],
    ['larger-than:10k', 'x.resp_body_size > ?', [10240]],
    ['smaller-than:1m', 'x.resp_body_size < ?', [1048576]],
    ['duration:>100ms', 'x.duration_ns > ?', [100_000_000]],
    ['duration:1s', 'x.duration_ns >= ?', [1_000_000_000]],
    ['since:10:30', 'x.req_started >= ?', [localNs(2026, 11, 20, 10, 30)]],
    ['until:10:30', 'x.req_started < ?', [localNs(2026, 11, 20, 10, 31)]],
    ['until:10:30:15', 'x.req_started < ?', [localNs(2026, 11, 20, 10, 30, 16)]],
    ['since:2026-11-19', 'x.req_started >= ?', [localNs(2026, 11, 19)]],
    ['until:2026-11-19', 'x.req_started < ?', [localNs(2026, 11, 20)]],
    ['since:5m', 'x.req_started >= ?', [localNs(2026, 11, 20, 11, 55)]],
    ['body:"timeout"', `x.id IN (${bodyFts})`, bodyParams],
    ['TimeOut', `x.id IN (${allFts})`, allParams.map((p) => (p === '%timeout%' ? '%TimeOut%' : p))],
    ['body:/time(out)?/', `x.id IN (SELECT r.id FROM exchange_text r WHERE r.id IN (${fts('time', ['req_body', 'resp_body'])[0]}) AND (regexp(?, ${field('r', 'req_body')}) OR regexp(?, ${field('r', 'resp_body')})))`, [...fts('time', ['req_body', 'resp_body'])[1], 'time(out)?', 'time(out)?']],
    ['resp-body:/a|bcd/', `x.id IN (SELECT r.id FROM exchange_text r WHERE (regexp(?, ${field('r', 'resp_body')})))`, ['a|bcd']],
    ['header:x-id', `x.id IN (SELECT r.id FROM exchange_text r WHERE r.id IN (${nameFts}) AND (regexp(?, ${field('r', 'req_headers')}) OR regexp(?, ${field('r', 'resp_headers')})))`, [...nameParams, xid, xid]],
    [
      'header:x-id=ABC',
      `x.id IN (SELECT r.id FROM exchange_text r WHERE r.id IN (${nameFts}) AND r.id IN (${abcFts}) AND (regexp(?, ${field('r', 'req_headers')}) OR regexp(?, ${field('r', 'resp_headers')})))`,
      [...nameParams, ...abcParams, `${xid}[^\\n]*[aA][bB][cC]`, `${xid}[^\\n]*[aA][bB][cC]`],
    ],
    ['~hs ^e.ag', `x.id IN (SELECT r.id FROM exchange_text r WHERE (regexp(?, ${field('r', 'resp_headers')})))`, ['(?m)^e.ag']],
    ['mime:application/json', 'x.resp_type = ? COLLATE NOCASE', ['application/json']],
    ['mime:image/*', 'x.resp_type LIKE ?', ['image/%']],
    ['type:JSON', 'instr(lower(x.resp_type), ?) > 0', ['json']],
    ['is:error', '(x.status >= 400 OR (x.flags & ?) != 0)', [64 | 8192]],
    ['is:incomplete', '(x.flags != 0 AND (x.flags & ?) != 0)', [24]],
    ['is:no-response', "(x.status IS NULL AND (x.protocol = 'http' OR (x.flags & ?) != 0))", [8]],
    ['~s', "NOT ((x.status IS NULL AND (x.protocol = 'http' OR (x.flags & ?) != 0)))", [8]],
    // a negated comparison must be true where the column is NULL (no response), as in memory
    ['-status:404', 'NOT coalesce(x.status = ?, 0)', [404]],
    ['-body:"timeout"', `NOT (x.id IN (${bodyFts}))`, bodyParams],
    ['status:404 or method:GET', '(x.status = ? OR x.method = ?)', [404, 'GET']],
    ['-(status:404 port:80)', 'NOT coalesce((x.status = ? AND (x.server_port = ? OR x.client_port = ?)), 0)', [404, 80, 80]],
    [
      'method:GET -(body:"timeout" or is:no-response)',
      `(x.method = ? AND NOT ((x.id IN (${bodyFts}) OR (x.status IS NULL AND (x.protocol = 'http' OR (x.flags & ?) != 0)))))`,
      ['GET', ...bodyParams, 8],
    ],
  ];
  it.each(cases)('%s', (filter, where, params) => {
    expect(compile(filter)).toEqual({ where, params });
  });

  it('binds wall-clock times as bigint', () => {
    const { params } = compile('since:2026-11-20T10:30:15');
    expect(params).toEqual([localNs(2026, 11, 20, 10, 30, 15)]);
    expect(typeof params[0]).toBe('bigint');
  });

  it('defaults now to the current time', () => {
    const before = BigInt(Date.now()) * 1_000_000n;
    const { params } = compileFilter(parseFilter('since:0s'));
    const after = BigInt(Date.now()) * 1_000_000n;
    expect(params[0] as bigint).toBeGreaterThanOrEqual(before);
    expect(params[0] as bigint).toBeLessThanOrEqual(after);
  });
});

describe('the indexes do the narrowing (EXPLAIN QUERY PLAN)', () => {
  const db = makeDb();
  afterAll(() => db.close());
  const plan = (filter: string) => queryPlan(db, parseFilter(filter));

  it.each([
    ['status:404', ['SEARCH x USING COVERING INDEX exchanges_status (status=?)']],
    ['status:5xx', ['SEARCH x USING COVERING INDEX exchanges_status (status>? AND status<?)']],
    ['status:4xx,5xx', ['MULTI-INDEX OR', 'exchanges_status']],
    ['method:POST', ['SEARCH x USING COVERING INDEX exchanges_method (method=?)']],
    ['method:GET,HEAD', ['SEARCH x USING COVERING INDEX exchanges_method (method=?)']],
    ['host:api.local', ['SEARCH x USING COVERING INDEX exchanges_host (host=?)']],
    ['host:api*', ['SEARCH x USING COVERING INDEX exchanges_host (host>? AND host<?)']],
    ['host:my_*', ['SEARCH x USING COVERING INDEX exchanges_host (host>? AND host<?)']],
    ['pid:4121', ['SEARCH x USING INDEX exchanges_client_pid (client_pid=?)', 'SEARCH x USING INDEX exchanges_server_pid (server_pid=?)']],
    ['server:4121', ['SEARCH x USING COVERING INDEX exchanges_server_pid (server_pid=?)']],
    ['comm:node', ['SEARCH x USING INDEX exchanges_client_comm (client_comm=?)', 'SEARCH x USING INDEX exchanges_server_comm (server_comm=?)']],
    ['comm:no*', ['SEARCH x USING INDEX exchanges_client_comm (client_comm>? AND client_comm<?)']],
    ['port:8080', ['SEARCH x USING INDEX exchanges_server_port (server_port=?)', 'SEARCH x USING INDEX exchanges_client_port (client_port=?)']],
    ['duration:>100ms', ['SEARCH x USING COVERING INDEX exchanges_duration (duration_ns>?)']],
    ['larger-than:1k', ['SEARCH x USING COVERING INDEX exchanges_resp_body_size (resp_body_size>?)']],
    ['since:10m', ['SEARCH x USING COVERING INDEX exchanges_started (req_started>?)']],
    ['until:10:30', ['SEARCH x USING COVERING INDEX exchanges_started (req_started<?)']],
    ['~q', ['SEARCH x USING INDEX exchanges_status (status=?)']],
    ['sql:"from users"', ['exchanges_shape (shape=?)', 'SEARCH s USING COVERING INDEX exchanges_shape']],
  ])('%s', (filter, parts) => {
    const p = plan(filter);
    for (const part of parts) expect(p).toContain(part);
    expect(p).not.toMatch(/SCAN x\b/);
  });

  it.each(['body:"timeout"', 'timeout', 'url:page=2', 'resp-body:/"id":\\d+/', '~u /api/', 'header:x-request-id', 'status:500 body:timeout'])(
    '%s goes through the trigram index, then reads only the rows it finds',
    (filter) => {
      const p = plan(filter);
      expect(p).toMatch(/SCAN exchange_fts VIRTUAL TABLE INDEX 0:M/);
      expect(p).not.toMatch(/SCAN (t|r|exchange_text)\b/);
      expect(p).not.toMatch(/SCAN x\b/);
    },
  );

  it('status and text together: the status index, then the trigram index', () => {
    expect(plan('status:500 body:timeout')).toMatch(/^SEARCH x USING COVERING INDEX exchanges_status \(status=\? AND rowid=\?\)/);
  });

  it('texts under three characters scan exchange_text (the trigram index cannot hold them)', () => {
    expect(plan('ok')).toMatch(/SCAN t\b/);
  });
});

describe('long filters', () => {
  const db = makeDb();
  afterAll(() => db.close());
  const terms = (n: number, term: (i: number) => string, join = ' ') => Array.from({ length: n }, (_, i) => term(i)).join(join);

  // SQLite parses `a AND b AND c …` as deep as it is long and refuses past 1000 levels: more than
  // about 500 terms was "internal error: Expression tree is too large"
  it.each([
    ['words', terms(MAX_CONDITIONS, (i) => `-word${i}`)],
    ['ors', terms(MAX_CONDITIONS, (i) => `status:${200 + (i % 400)}`, ' or ')],
    ['groups', terms(MAX_CONDITIONS / 2, (i) => `(host:h${i}.local or -port:${i + 1})`)],
    ['a list', `method:${terms(MAX_CONDITIONS, (i) => `M${i}`, ',')}`],
    ['mixed', terms(MAX_CONDITIONS / 4, (i) => `(-body:x${i} -status:${i + 100} or path:/p${i} ~u q${i})`)],
  ])('%s: %d terms run, and SQL agrees with memory', (_name, filter) => {
    const ast = parseFilter(filter);
    expect(sqlIds(db, ast)).toEqual(memoryIds(ast));
  });

  it('more terms than that is a filter error pointing at the first one too many', () => {
    const filter = terms(MAX_CONDITIONS + 5, (i) => `port:${i + 1}`, ' or ');
    let err: unknown;
    try {
      parseFilter(filter);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FilterError);
    expect((err as FilterError).message).toMatch(/^the filter has too many terms: use at most 1000 terms and list values/);
    const first = ` port:${MAX_CONDITIONS + 1} `;
    const at = filter.indexOf(first) + 1;
    expect([(err as FilterError).start, (err as FilterError).end]).toEqual([at, at + first.length - 2]);
    expect(() => parseFilter(`method:${terms(MAX_CONDITIONS + 1, (i) => `M${i}`, ',')}`)).toThrow(/too many terms/);
  });
});

