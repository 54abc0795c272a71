/**
 * Every key and operator, run two ways on the same ten exchanges: the compiled SQL against a
 * real database built from formats/exchanges.sql, and matchesExchange in memory. Both must
 * select exactly the expected ids.
 */
import { afterAll, describe, expect, it } from 'vitest';

import { parseFilter } from '../../src/query/index.js';
import { IDS, makeDb, memoryIds, sqlIds } from './fixture.js';

const db = makeDb();
afterAll(() => db.close());

const all = (...except: number[]) => IDS.filter((id) => !except.includes(id));

const CASES: Record<string, [string, number[]][]> = {
  empty: [
    ['', all()],
    ['   ', all()],
  ],
  method: [
    ['method:POST', [2]],
    ['method:post', [2]],
    ['method:get,patch', [1, 3, 4, 6, 7, 8, 9, 10]],
    ['-method:GET', [2, 5, 10]],
    ['method:/^P/', [2, 10]],
    ['~m delete', [5]],
    ['~m ^(put|patch)$', [10]],
  ],
  status: [
    ['status:404', [3]],
    ['status:>=500', [4]],
    ['status:>404', [4]],
    ['status:<200', [8]],
    ['status:<=200', [1, 6, 7, 8, 9]],
    ['status:5xx', [4]],
    ['status:4XX,5xx', [3, 4]],
    ['status:200-299', [1, 2, 6, 7, 9]],
    ['status:1xx,302', [8, 10]],
    ['!status:2xx', [3, 4, 5, 8, 10]],
    ['status-code:101', [8]],
    ['~c 404', [3]],
  ],
  host: [
    ['host:api.local', [2, 3, 4, 5, 7]],
    ['host:API.LOCAL', [2, 3, 4, 5, 7]],
    ['host:*.local', [1, 2, 3, 4, 5, 7]],
    ['host:*.LOCAL', [1, 2, 3, 4, 5, 7]],
    ['host:api*', [2, 3, 4, 5, 7]],
    ['host:a.b', [10]],
    ['host:*_*', [9]], // '_' is not LIKE's any-character here
    ['host:my_host.internal', [9]],
    ['host:/^cdn\\./', [6]],
    ['domain:cdn.example.com', [6]],
    ['~d EXAMPLE', [6]],
    ['-host:*.local', [6, 8, 9, 10]],
  ],
  path: [
    ['path:/users', [2, 3, 5]],
    ['path:/users/', [3, 5]],
    ['path:/users/*', [3, 5]],
    ['path:/users/*/posts', [3]],
    ['path:/Users', []],
    ['path:/^\\/users\\/\\d+$/', [5]],
    ['path:/a%b_c', [10]],
    ['path:*.png', [6]],
    ['path:/a?b*', []], // '?' is not GLOB's any-character here
    ['path:/[a]*', []], // nor '[' a character class
  ],
  url: [
    ['url:page=2', [3]],
    ['url:API.LOCAL:3000/users', [2, 3, 5]],
    ['url:%b_', [10]],
    ['url:[1]', [10]],
    ['url:/^http:\\/\\/api/', [2, 3, 5, 7]],
    ['~u users/\\d', [3, 5]],
    ['~u /api/', []],
    ['/logo/', [6]],
    ['/LOGO/i', [6]],
    ['/LOGO/', []],
  ],
  process: [
    ['pid:4121', [1, 2, 3, 4, 5]],
    ['pid:5002', [2, 3, 4, 5, 7, 8]],
    ['pid:5001', [1, 8]],
    ['comm:node', [2, 3, 4, 5, 7, 8]],
    ['comm:python3', [1, 7, 8]],
    ['comm:curl', [1, 2, 3, 4, 5]],
    ['comm:my_*', [9, 10]],
    ['comm:/^my_/', [9, 10]],
    ['client:curl', [1, 2, 3, 4, 5]],
    ['client:python3', [7]],
    ['server:python3', [1, 8]],
    ['server:6001', [6]],
    ['client:8000', [9, 10]],
    ['server:CURL', [10]],
    ['client:"8000"', []],
  ],
  port: [
    ['port:3000', [2, 3, 4, 5, 7]],
    ['port:40002', [2, 3, 4, 5]],
    ['port:80', [6]],
  ],
  size: [
    ['larger-than:10k', [6, 9]],
    ['larger-than:5m', [9]],
    ['larger-than:0', [1, 2, 3, 4, 6, 7, 9, 10]],
    ['smaller-than:10', [2, 3, 8, 10]],
    ['smaller-than:1.5k larger-than:20', [4, 7]],
  ],
  duration: [
    ['duration:>100ms', [2, 4, 9]],
    ['duration:100ms', [2, 4, 9, 10]],
    ['duration:=100ms', [10]],
    ['duration:<5ms', [1, 3, 8]],
    ['duration:<=5ms', [1, 3, 7, 8]],
    ['duration:1s', [4]],
    ['duration:1.2s', [4]],
    ['duration:>=0.5m', []],
    ['-duration:>1ms', [3, 5]],
  ],
  time: [
    ['since:10:30', [3, 4, 5, 6, 7, 9, 10]],
    ['since:10:30:30', [4, 5, 6, 7, 9, 10]],
    ['until:10:30', [1, 2, 3, 8]],
    ['until:10:30:19', [1, 2, 8]],
    ['since:10:00 until:10:30', [1, 2, 3]],
    ['since:2026-11-20', all(8)],
    ['until:2026-11-19', [8]],
    ['since:2026-11-19T23:59', all()],
    ['until:"2026-11-19 23:59:29"', []],
    ['since:1h', [5, 6, 7, 9, 10]],
    ['since:30s', [9, 10]],
    ['until:1s', all(9, 10)],
    ['since:1d', all()],
  ],
  body: [
    ['body:timeout', [4]],
    ['body:"timeout while"', [4]],
    ['body:zoe', [2]],
    ['req-body:zoe', [2]],
    ['resp-body:zoe', []],
    ['resp-body:/"id":\\d+/', [2]],
    ['body:/time(out)?\\s+WHILE/i', [4]],
    ['body:ok', [10]],
    ['body:50%_off', [7]],
    ['body:café', [7]],
    ['body:CAFÉ', []], // only ASCII letters fold, as in SQLite
    ['body:ÉTÉ', [10]],
    ['body:été', []],
    ['~b TIMEOUT', [4]],
    ['~b timeout', []], // mitmproxy's ~b is case-sensitive
    ['~bq name', [2]],
    ['~bs "id"', [2]],
  ],
  text: [
    ['hello', [1]],
    ['HELLO', [1]],
    ['"Hello World"', [1]],
    ['api', [2, 3, 4, 5, 7]],
    ['ok', [7, 10]],
    ['-hello', all(1)],
    ['"50%_"', [7]],
  ],
  header: [
    ['header:x-request-id', [2, 3]],
    ['header:X-REQUEST-ID', [2, 3]],
    ['header:x-request-id=abc', [2]],
    ['header:"x-request-id: ABC-123"', [2]],
    ['header:x-request-id=nope', []],
    ['header:content-type=json', [2, 7]],
    ['header:a', [9]],
    ['header:x-trace=a=b:c', [8]],
    ['header:x-note=50%_off', [7]],
    ['req-header:upgrade', [8]],
    ['resp-header:upgrade', [8]],
    ['resp-header:x-request-id', []],
    ['has-response-header:location', [10]],
    ['header:/^retry-after:\\s\\d+$/i', [4]],
    ['~h X-Request', [2, 3]],
    ['~h x-request', []],
    ['~hq Upgrade', [8]],
    ['~hs ^Location', [10]],
  ],
  mime: [
    ['mime:application/json', [2]],
    ['mime:APPLICATION/JSON', [2]],
    ['mime:image/*', [6]],
    ['mime:*json', [2, 7]],
    ['mime-type:text/plain', [3, 4, 10]],
    ['mime:/^text\\//', [1, 3, 4, 10]],
    ['~t json', [2, 7]],
    ['type:json', [2, 7]],
    ['type:JSON', [2, 7]],
    ['type:text', [1, 3, 4, 10]],
    ['-type:json', [1, 3, 4, 5, 6, 8, 9, 10]],
  ],
  is: [
    ['is:error', [3, 4, 7]],
    ['-is:error', [1, 2, 5, 6, 8, 9, 10]],
    ['is:incomplete', [5]],
    ['is:no-response', [5]],
    ['is:truncated', [6, 9]],
    ['is:sendfile', [9]],
    ['is:upgrade', [8]],
    ['is:parse-error', [7]],
    ['~q', [5]],
    ['~s', all(5)],
  ],
  boolean: [
    ['method:GET status:200', [1, 6, 7, 9]],
    ['method:GET and status:200', [1, 6, 7, 9]],
    ['status:404 or status:500', [3, 4]],
    ['status:404 OR status:500', [3, 4]],
    ['(status:404 or status:500) comm:node', [3, 4]],
    ['status:200 host:www.local or status:404', [1, 3]],
    ['method:GET and -(status:404 or status:500)', [1, 6, 7, 8, 9]],
    ['method:GET not (status:404 or status:500)', [1, 6, 7, 8, 9]],
    ['--method:GET', [1, 3, 4, 6, 7, 8, 9]],
    ['~m GET & ~c 200', [1, 6, 7, 9]],
    ['comm:curl | comm:wget', [1, 2, 3, 4, 5, 6]],
    ['comm:curl || comm:wget', [1, 2, 3, 4, 5, 6]],
    ['host:api.local -is:error', [2, 5]],
    ['-(status:2xx or is:no-response)', [3, 4, 8, 10]],
    ['!(-status:404)', [3]],
  ],
};

describe.each(Object.entries(CASES))('%s', (_group, cases) => {
  it.each(cases)('%s', (filter, expected) => {
    const ast = parseFilter(filter);
    expect(sqlIds(db, ast)).toEqual(expected);
    expect(memoryIds(ast)).toEqual(expected);
  });
});
