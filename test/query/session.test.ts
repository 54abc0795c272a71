/**
 * Filters on sessions recorded through the real recorder and built by the real reconstructor:
 * subjectFromExchange (the model, as the TUI holds it) must agree with the indexed text and
 * columns the SQL reads, for bodies that were gzip-encoded, binary, absent...
 */
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { compileFilter, matchesExchange, parseFilter, registerFilterFunctions, subjectFromExchange } from '../../src/query/index.js';
import { Session } from '../../src/session/session.js';
import { CURL, NODE, PYTHON, ScriptedSession } from '../helpers/scripted-session.js';
import { tempDir } from '../helpers/session-files.js';

let session: Session;

// a fixed "now" for since:/until:, an hour after the scripted traffic
const NOW = new Date(Number(1_795_000_000_000_000_000n / 1_000_000n) + 3_600_000);

beforeAll(async () => {
  const file = join(tempDir('tinytap-query-'), 'q.tinytap');
  const s = new ScriptedSession(file);
  const a = s.tcp(CURL, PYTHON, { serverPort: 8080 });
  // 1: GET 200 html
  a.send('c2s', 'GET /index.html HTTP/1.1\r\nHost: www.local:8080\r\n\r\n');
  s.wait(2);
  a.send('s2c', 'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 20\r\n\r\n<h1>Hello World</h1>');
  a.close();
  const b = s.tcp(CURL, NODE, { serverPort: 3000 });
  // 2: POST JSON 201, x-request-id
  b.send('c2s', 'POST /users HTTP/1.1\r\nHost: api.local\r\nContent-Type: application/json\r\nX-Request-Id: abc-123\r\nContent-Length: 15\r\n\r\n{"name":"zoe"} ');
  s.wait(150);
  b.send('s2c', 'HTTP/1.1 201 Created\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: 9\r\n\r\n{"id":42}');
  // 3: GET 404 on /users/42/posts
  b.send('c2s', 'GET /users/42/posts?page=2 HTTP/1.1\r\nHost: api.local\r\n\r\n');
  s.wait(1);
  b.send('s2c', 'HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found');
  // 4: GET 500 with a timeout message, gzip body
  const gz = gzipSync('upstream timeout while waiting');
  b.send('c2s', 'GET /slow HTTP/1.1\r\nHost: API.local\r\n\r\n');
  s.wait(1200);
  b.send('s2c', Buffer.concat([Buffer.from(`HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`), gz]));
  // 5: DELETE with no response
  b.send('c2s', 'DELETE /users/7 HTTP/1.1\r\nHost: api.local\r\n\r\n');
  b.close();
  // 6: a big binary download from cdn
  const c = s.tcp({ pid: 6000, comm: 'wget' }, { pid: 6001, comm: 'nginx' }, { serverPort: 80 });
  c.send('c2s', 'GET /img/logo.png HTTP/1.1\r\nHost: cdn.example.com\r\n\r\n');
  c.send('s2c', Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 20000\r\n\r\n'), Buffer.alloc(20000, 7)]));
  c.close();
  await s.finish();
  session = Session.open(file);
  registerFilterFunctions(session.db);
});
afterAll(() => session?.close());

function sqlIds(filter: string): number[] {
  const { where, params } = compileFilter(parseFilter(filter), { now: NOW });
  return session.exchanges({ where, params, orderBy: 'id' }).map((x) => Number(x.id));
}

/** In memory, with the row's flags, or (modelFlags) the flags the model shows. */
function memoryIds(filter: string, modelFlags = false): number[] {
  const ast = parseFilter(filter);
  return session
    .exchanges({ orderBy: 'id' })
    .filter((row) => matchesExchange(ast, subjectFromExchange(session.exchange(Number(row.id))!, modelFlags ? undefined : row.flags), { now: NOW }))
    .map((x) => Number(x.id));
}

const CASES: [string, number[]][] = [
  ['', [1, 2, 3, 4, 5, 6]],
  ['method:POST', [2]],
  ['method:post', [2]],
  ['-method:GET', [2, 5]],
  ['status:404', [3]],
  ['status:>=500', [4]],
  ['status:5xx', [4]],
  ['status:4xx,5xx', [3, 4]],
  ['status:200-299', [1, 2, 6]],
  ['!status:2xx', [3, 4, 5]],
  ['host:api.local', [2, 3, 4, 5]],
  ['host:*.local', [1, 2, 3, 4, 5]],
  ['host:/^cdn\\./', [6]],
  ['path:/users', [2, 3, 5]],
  ['path:/users/*', [3, 5]],
  ['path:/^\\/users\\/\\d+$/', [5]],
  ['url:page=2', [3]],
  ['pid:4121', [1, 2, 3, 4, 5]],
  ['pid:5001', [2, 3, 4, 5]],
  ['comm:node', [2, 3, 4, 5]],
  ['comm:wg*', [6]],
  ['client:wget', [6]],
  ['server:python3', [1]],
  ['server:6001', [6]],
  ['port:3000', [2, 3, 4, 5]],
  ['larger-than:10k', [6]],
  ['smaller-than:10', [2, 3]],
  ['duration:>100ms', [2, 4]],
  ['duration:1s', [4]],
  ['duration:<5ms', [1, 3, 6]],
  ['body:"timeout"', [4]],
  ['body:zoe', [2]],
  ['resp-body:/"id":\\d+/', [2]],
  ['header:x-request-id', [2]],
  ['header:"x-request-id: abc"', [2]],
  ['header:x-request-id=nope', []],
  ['mime:application/json', [2]],
  ['type:json', [2]],
  ['is:error', [3, 4]],
  ['is:incomplete', [5]],
  ['since:1h', [1, 2, 3, 4, 5, 6]],
  ['until:1h', []],
  ['hello', [1]],
  ['"Hello World"', [1]],
  ['/logo/', [6]],
  ['method:GET status:200', [1, 6]],
  ['status:404 or status:500', [3, 4]],
  ['(status:404 or status:500) comm:node', [3, 4]],
  ['method:GET and -(status:404 or status:500)', [1, 6]],
  ['~m POST', [2]],
  ['~c 404', [3]],
  ['~d cdn', [6]],
  ['~u users/\\d', [3, 5]],
  ['~b timeout', [4]],
  ['~bq zoe', [2]],
  ['~h X-Request', [2]],
  ['~q', [5]],
  ['~s ~c 200', [1, 6]],
];

describe('filters: SQL and in-memory agree, and select exactly these exchanges', () => {
  for (const [filter, expected] of CASES) {
    it(filter || '(empty)', () => {
      expect(sqlIds(filter)).toEqual(expected);
      expect(memoryIds(filter)).toEqual(expected);
      expect(memoryIds(filter, true)).toEqual(expected);
    });
  }
});
