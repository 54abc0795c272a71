import fc from 'fast-check';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  FilterError,
  compileFilter,
  describeFilter,
  matchesExchange,
  parseFilter,
  registerFilterFunctions,
  subjectFromExchange,
} from '../../src/query/index.js';
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
  const { where, params } = compileFilter(parseFilter(filter, NOW));
  return session.exchanges({ where, params, orderBy: 'id' }).map((x) => Number(x.id));
}

function memoryIds(filter: string): number[] {
  const ast = parseFilter(filter, NOW);
  return session
    .exchanges({ orderBy: 'id' })
    .filter((row) => matchesExchange(ast, subjectFromExchange(session.exchange(Number(row.id))!, Number(row.flags))))
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
    });
  }
});

describe('filter errors point at the bad term', () => {
  const cases: [string, RegExp, number, number][] = [
    ['status:abc', /bad status 'abc'/, 7, 10],
    ['colour:red', /unknown key 'colour:'/, 0, 7],
    ['method:', /'method:' needs a value/, 0, 7],
    ['path:/[a-/', /bad regular expression/, 5, 10],
    ['(status:404', /unclosed "\("/, 0, 1],
    ['status:404)', /unmatched "\)"/, 10, 11],
    ['status:404 or', /"or" needs a term/, 11, 13],
    ['body:"unterminated', /unclosed quote/, 5, 18],
    ['duration:>10furlongs', /bad duration/, 9, 20],
    ['larger-than:lots', /bad size/, 12, 16],
    ['since:yesterday', /bad time/, 6, 15],
    ['~x foo', /unknown operator '~x'/, 0, 2],
    ['~m', /'~m' needs a value/, 0, 2],
    ['is:weird', /unknown is:weird/, 3, 8],
    ['not', /nothing to negate/, 0, 3],
  ];
  for (const [input, message, start, end] of cases) {
    it(input, () => {
      let err: unknown;
      try {
        parseFilter(input, NOW);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FilterError);
      const fe = err as FilterError;
      expect(fe.message).toMatch(message);
      if (start || end) expect([fe.start, fe.end]).toEqual([start, end]);
      expect(fe.format(input).split('\n')).toHaveLength(2);
    });
  }
});

describe('the indexes do the narrowing', () => {
  function plan(filter: string): string {
    const { where, params } = compileFilter(parseFilter(filter, NOW));
    return (session.db.prepare(`EXPLAIN QUERY PLAN SELECT x.id FROM exchanges x WHERE ${where}`).all(...params) as { detail: string }[])
      .map((r) => r.detail)
      .join(' | ');
  }
  it.each([
    ['status:404', 'exchanges_status'],
    ['status:5xx', 'exchanges_status'],
    ['method:POST', 'exchanges_method'],
    ['host:api.local', 'exchanges_host'],
    ['pid:4121', 'exchanges_client_pid'],
    ['comm:node', 'exchanges_server_comm'],
    ['port:8080', 'exchanges_server_port'],
    ['duration:>100ms', 'exchanges_duration'],
    ['larger-than:1k', 'exchanges_resp_body_size'],
    ['since:10m', 'exchanges_started'],
  ])('%s uses %s', (filter, index) => {
    expect(plan(filter)).toContain(index);
  });
  it('text searches go through the trigram index, not a scan of the bodies', () => {
    const p = plan('body:"timeout"');
    expect(p).toMatch(/exchange_fts VIRTUAL TABLE INDEX 0:L/);
    expect(p).not.toMatch(/SCAN exchange_text/);
  });
});

describe('filter language properties', () => {
  it('any input parses or fails with a FilterError, never anything else', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (s) => {
        try {
          parseFilter(s, NOW);
        } catch (err) {
          if (!(err instanceof FilterError)) throw err;
        }
      }),
      { numRuns: 3000 },
    );
  });

  const atom = fc.constantFrom('status:404', 'method:POST', 'host:*.local', 'body:"a b"', 'path:/x/*', 'duration:>5ms', 'comm:node', '~c 200', 'hello', '/re+/');
  const tree: fc.Arbitrary<string> = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small' },
      atom,
      fc.tuple(tie('node'), tie('node')).map(([a, b]) => `(${a}) or (${b})`),
      fc.tuple(tie('node'), tie('node')).map(([a, b]) => `(${a}) (${b})`),
      tie('node').map((a) => `-(${a})`),
    ),
  })).node as fc.Arbitrary<string>;

  it('describeFilter prints a filter that parses back to the same meaning', () => {
    fc.assert(
      fc.property(tree, (text) => {
        const ast = parseFilter(text, NOW);
        const again = parseFilter(describeFilter(ast), NOW);
        expect(compileFilter(again)).toEqual(compileFilter(ast));
      }),
      { numRuns: 500 },
    );
  });
});
