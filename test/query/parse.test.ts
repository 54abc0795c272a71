/** parseFilter: the AST of each key and operator, the grammar's structure, and its errors. */
import { describe, expect, it } from 'vitest';

import { type FilterAst, FilterError, describeFilter, parseFilter } from '../../src/query/index.js';

const text = (t: string): FilterAst => ({ type: 'text', scope: 'all', text: t });
const status = (lo: number, hi = lo): FilterAst => ({ type: 'status', ranges: [[lo, hi]] });

describe('terms', () => {
  const cases: [string, FilterAst][] = [
    ['method:POST', { type: 'method', methods: ['POST'] }],
    ['method:post', { type: 'method', methods: ['POST'] }],
    ['METHOD:get,Head', { type: 'method', methods: ['GET', 'HEAD'] }],
    ['method:/^P/i', { type: 'method-regex', regex: { source: '^P', flags: 'i' } }],
    ['status:404', status(404)],
    ['status:5xx', status(500, 599)],
    ['status:>=500', status(500, 999)],
    ['status:>500', status(501, 999)],
    ['status:<300', status(0, 299)],
    ['status:<=300', status(0, 300)],
    ['status:400-499', status(400, 499)],
    ['status:4xx,5xx', { type: 'status', ranges: [[400, 499], [500, 599]] }],
    ['status-code:200', status(200)],
    ['host:api.local', { type: 'host', match: { kind: 'exact', value: 'api.local' } }],
    ['host:*.local', { type: 'host', match: { kind: 'glob', value: '*.local' } }],
    ['domain:/^cdn\\./', { type: 'host', match: { kind: 'regex', regex: { source: '^cdn\\.', flags: '' } } }],
    ['path:/users', { type: 'path', match: { kind: 'prefix', value: '/users' } }],
    ['path:/users/', { type: 'path', match: { kind: 'prefix', value: '/users/' } }],
    ['path:/users/*', { type: 'path', match: { kind: 'glob', value: '/users/*' } }],
    ['path:/^\\/users\\/\\d+$/', { type: 'path', match: { kind: 'regex', regex: { source: '^\\/users\\/\\d+$', flags: '' } } }],
    ['path:"/a(b)/"', { type: 'path', match: { kind: 'prefix', value: '/a(b)/' } }],
    ['url:page=2', { type: 'text', scope: 'url', text: 'page=2' }],
    ['url:/api/', { type: 'text', scope: 'url', text: '/api/' }],
    ['url:/api\\/v\\d/', { type: 'text-regex', scope: 'url', regex: { source: 'api\\/v\\d', flags: '' } }],
    ['/\\/users\\/\\d+/', { type: 'text-regex', scope: 'url', regex: { source: '\\/users\\/\\d+', flags: '' } }],
    ['/[/]x/i', { type: 'text-regex', scope: 'url', regex: { source: '[\\/]x', flags: 'i' } }],
    ['pid:4121', { type: 'process', side: 'any', match: { kind: 'pid', pid: 4121 } }],
    ['comm:node', { type: 'process', side: 'any', match: { kind: 'exact', value: 'node' } }],
    ['comm:py*', { type: 'process', side: 'any', match: { kind: 'glob', value: 'py*' } }],
    ['client:curl', { type: 'process', side: 'client', match: { kind: 'exact', value: 'curl' } }],
    ['server:4088', { type: 'process', side: 'server', match: { kind: 'pid', pid: 4088 } }],
    ['server:"4088"', { type: 'process', side: 'server', match: { kind: 'exact', value: '4088' } }],
    ['port:8080', { type: 'port', port: 8080 }],
    ['larger-than:10k', { type: 'size', cmp: '>', bytes: 10240 }],
    ['larger-than:1.5M', { type: 'size', cmp: '>', bytes: 1572864 }],
    ['smaller-than:100', { type: 'size', cmp: '<', bytes: 100 }],
    ['smaller-than:2gb', { type: 'size', cmp: '<', bytes: 2 * 1024 ** 3 }],
    ['duration:>100ms', { type: 'duration', cmp: '>', ns: 100_000_000 }],
    ['duration:100ms', { type: 'duration', cmp: '>=', ns: 100_000_000 }],
    ['duration:=1.5s', { type: 'duration', cmp: '=', ns: 1_500_000_000 }],
    ['duration:<250us', { type: 'duration', cmp: '<', ns: 250_000 }],
    ['duration:<=2m', { type: 'duration', cmp: '<=', ns: 120e9 }],
    ['duration:1h', { type: 'duration', cmp: '>=', ns: 3600e9 }],
    ['duration:10ns', { type: 'duration', cmp: '>=', ns: 10 }],
    ['since:10:30', { type: 'time', bound: 'since', at: { kind: 'clock', hour: 10, minute: 30, second: null } }],
    ['since:9:05:07', { type: 'time', bound: 'since', at: { kind: 'clock', hour: 9, minute: 5, second: 7 } }],
    ['until:2026-11-20', { type: 'time', bound: 'until', at: { kind: 'date', year: 2026, month: 11, day: 20, hour: null, minute: null, second: null, fraction: null, offset: null } }],
    ['until:2026-11-20T10:30', { type: 'time', bound: 'until', at: { kind: 'date', year: 2026, month: 11, day: 20, hour: 10, minute: 30, second: null, fraction: null, offset: null } }],
    ['since:5m', { type: 'time', bound: 'since', at: { kind: 'ago', amount: 5, unit: 'm' } }],
    ['since:1.5h', { type: 'time', bound: 'since', at: { kind: 'ago', amount: 1.5, unit: 'h' } }],
    ['body:"timeout"', { type: 'text', scope: 'body', text: 'timeout' }],
    ['body:{"id":42}', { type: 'text', scope: 'body', text: '{"id":42}' }],
    ['req-body:/"id":\\s*7/i', { type: 'text-regex', scope: 'req-body', regex: { source: '"id":\\s*7', flags: 'i' } }],
    ['resp-body:/api', { type: 'text', scope: 'resp-body', text: '/api' }],
    ['header:X-Request-Id', { type: 'header', scope: 'header', name: 'x-request-id', contains: null }],
    ['header:x-request-id=ABC', { type: 'header', scope: 'header', name: 'x-request-id', contains: 'abc' }],
    ['header:"x-request-id: abc 1"', { type: 'header', scope: 'header', name: 'x-request-id', contains: 'abc 1' }],
    ['req-header:/^host:\\x20api/i', { type: 'header-regex', scope: 'req-header', regex: { source: '^host:\\x20api', flags: 'i' } }],
    ['has-response-header:etag', { type: 'header', scope: 'resp-header', name: 'etag', contains: null }],
    ['mime:application/json', { type: 'mime', match: { kind: 'exact', value: 'application/json' } }],
    ['mime-type:image/*', { type: 'mime', match: { kind: 'glob', value: 'image/*' } }],
    ['type:JSON', { type: 'type', text: 'json' }],
    ['is:error', { type: 'is', what: 'error' }],
    ['is:Incomplete', { type: 'is', what: 'incomplete' }],
    ['timeout', text('timeout')],
    ['"connection reset"', text('connection reset')],
    ['"say \\"hi\\" C:\\temp"', text('say "hi" C:\\temp')],
    ['10:30', text('10:30')],
    ['/users', text('/users')],
    ['/foo/g', text('/foo/g')],
    ['/a b/', { type: 'and', items: [text('/a'), text('b/')] }],
    ['fn(x)', text('fn(x)')],
    ['~', text('~')],
  ];
  it.each(cases)('%s', (input, ast) => {
    expect(parseFilter(input)).toEqual(ast);
  });
});

describe('mitmproxy operators', () => {
  const cases: [string, FilterAst][] = [
    ['~m POST', { type: 'method', methods: ['POST'] }],
    ['~m get|head', { type: 'method-regex', regex: { source: 'get|head', flags: 'i' } }],
    ['~c 404', status(404)],
    ['~d example', { type: 'host', match: { kind: 'regex', regex: { source: 'example', flags: 'i' } } }],
    ['~u /api/', { type: 'text-regex', scope: 'url', regex: { source: '\\/api\\/', flags: 'i' } }],
    ['~u (a|b)\\d+', { type: 'text-regex', scope: 'url', regex: { source: '(a|b)\\d+', flags: 'i' } }],
    ['~h X-Id', { type: 'header-regex', scope: 'header', regex: { source: 'X-Id', flags: '' } }],
    ['~hq host', { type: 'header-regex', scope: 'req-header', regex: { source: 'host', flags: '' } }],
    ['~hs etag', { type: 'header-regex', scope: 'resp-header', regex: { source: 'etag', flags: '' } }],
    // whitespace is written \uXXXX: a /regex/ cannot hold it
    ['~b "a b"', { type: 'text-regex', scope: 'body', regex: { source: 'a\\u0020b', flags: '' } }],
    ['~bq x', { type: 'text-regex', scope: 'req-body', regex: { source: 'x', flags: '' } }],
    ['~bs x', { type: 'text-regex', scope: 'resp-body', regex: { source: 'x', flags: '' } }],
    ['~t json', { type: 'mime', match: { kind: 'regex', regex: { source: 'json', flags: 'i' } } }],
    ['~q', { type: 'is', what: 'no-response' }],
    ['~s', { type: 'not', item: { type: 'is', what: 'no-response' } }],
    ['!~q & ~c 200', { type: 'and', items: [{ type: 'not', item: { type: 'is', what: 'no-response' } }, status(200)] }],
    ['(~u x)', { type: 'text-regex', scope: 'url', regex: { source: 'x', flags: 'i' } }],
  ];
  it.each(cases)('%s', (input, ast) => {
    expect(parseFilter(input)).toEqual(ast);
  });
});

describe('structure', () => {
  const [a, b, c, d] = ['a1', 'b1', 'c1', 'd1'].map(text);
  const cases: [string, FilterAst][] = [
    ['', { type: 'all' }],
    [' \t\n', { type: 'all' }],
    ['a1 b1', { type: 'and', items: [a, b] }],
    ['a1 and b1 AND c1', { type: 'and', items: [a, b, c] }],
    ['a1 & b1 && c1', { type: 'and', items: [a, b, c] }],
    ['a1 or b1 | c1 || d1', { type: 'or', items: [a, b, c, d] }],
    // or binds looser than and
    ['a1 b1 or c1 d1', { type: 'or', items: [{ type: 'and', items: [a, b] }, { type: 'and', items: [c, d] }] }],
    ['a1 (b1 or c1)', { type: 'and', items: [a, { type: 'or', items: [b, c] }] }],
    // groups of the same operator are one group
    ['(a1 b1) (c1 d1)', { type: 'and', items: [a, b, c, d] }],
    ['a1 or (b1 or c1)', { type: 'or', items: [a, b, c] }],
    ['((a1))', a],
    ['-a1', { type: 'not', item: a }],
    ['!a1', { type: 'not', item: a }],
    ['not a1', { type: 'not', item: a }],
    ['NOT -a1', { type: 'not', item: { type: 'not', item: a } }],
    ['-(a1 or b1) c1', { type: 'and', items: [{ type: 'not', item: { type: 'or', items: [a, b] } }, c] }],
    ['a-b', text('a-b')],
    ['"or"', text('or')],
    ['(status:404)', status(404)],
    ['(body:fn(x))', { type: 'text', scope: 'body', text: 'fn(x)' }],
  ];
  it.each(cases)('%j', (input, ast) => {
    expect(parseFilter(input)).toEqual(ast);
  });
});

describe('describeFilter', () => {
  const cases: [string, string][] = [
    ['', ''],
    ['~m post ~c 404', 'method:POST status:404'],
    ['status:400-499,>=500', 'status:4xx,>=500'],
    ['larger-than:10240 smaller-than:0.5k', 'larger-than:10k smaller-than:512'],
    ['duration:1000ms', 'duration:1s'],
    ['since:9:05 until:2026-11-20T9:00', 'since:09:05 until:2026-11-20T09:00'],
    ['domain:API.local', 'host:API.local'],
    ['body:"timeout"', 'body:timeout'],
    ['"two words" "or" "a:b" "-x" "/x/"', '"two words" "or" "a:b" "-x" "/x/"'],
    ['header:"X-Id: abc"', 'header:x-id=abc'],
    ['~u /api/', '/\\/api\\//i'],
    ['a b or c', 'a b or c'],
    ['(a or b) c', '(a or b) c'],
    ['not (a b)', '-(a b)'],
    ['~s', '-is:no-response'],
    ['client:"123"', 'client:"123"'],
    ['comm:123', 'comm:123'],
  ];
  it.each(cases)('%s → %s', (input, normal) => {
    const ast = parseFilter(input);
    expect(describeFilter(ast)).toBe(normal);
    expect(parseFilter(describeFilter(ast))).toEqual(ast);
  });
  it('prints a path regex without regex syntax so that it reads back as a regex', () => {
    const ast: FilterAst = { type: 'path', match: { kind: 'regex', regex: { source: 'users', flags: '' } } };
    expect(describeFilter(ast)).toBe('path:/(?:users)/');
    expect(parseFilter(describeFilter(ast))).toEqual({ type: 'path', match: { kind: 'regex', regex: { source: '(?:users)', flags: '' } } });
  });
});

describe('errors point at the bad term', () => {
  const cases: [string, RegExp, number, number][] = [
    ['status:abc', /^bad status 'abc': use a code \(404\)/, 7, 10],
    ['status:404,abc', /bad status 'abc'/, 11, 14],
    ['status:4xx,', /empty status in the list/, 11, 12],
    ['status:500-400', /bad status '500-400'/, 7, 14],
    ['status:/5../', /'status:' takes no regular expression/, 7, 12],
    ['colour:red', /^unknown key 'colour:': known keys: method: status: .*/, 0, 7],
    ['http://example.com/x', /unknown key 'http:'.*put it in quotes/, 0, 5],
    // names every object has are not keys or units
    ['constructor:x', /unknown key 'constructor:'/, 0, 12],
    ['larger-than:1constructor', /bad size unit 'constructor'/, 13, 24],
    ['duration:1constructor', /bad duration unit 'constructor'/, 10, 21],
    ['method:', /'method:' needs a value/, 0, 7],
    ['method: POST', /'method:' needs a value/, 0, 7],
    ['body:""', /'body:' needs a value/, 0, 7],
    ['method:GET,', /empty method in the list/, 11, 12],
    ['path:/[a-/', /bad regular expression: Unterminated character class/, 5, 10],
    ['body:/(unclosed/', /bad regular expression/, 5, 16],
    ['/a(/', /bad regular expression/, 0, 4],
    ['/a/ii', /bad regular expression/, 0, 5],
    ['~u (', /bad regular expression/, 3, 4],
    // what RE2 cannot run in linear time: the characters at fault
    ['/a(?=b)/', /lookahead \(\?=…\) is not supported: filter regexes run in linear time \(RE2\), without lookaround/, 2, 5],
    ['body:/x(?!y)/', /negative lookahead/, 7, 10],
    ['/(?<=a)b/', /lookbehind \(\?<=…\) is not supported/, 1, 5],
    ['path:/^\\/a(?<!b)/', /negative lookbehind/, 10, 14],
    ['body:/(a)\\1/', /backreference \\1 is not supported: filter regexes run in linear time \(RE2\), without backreferences/, 9, 11],
    ['/(?<n>a)\\k<n>/', /backreference \\k<…> is not supported/, 8, 13],
    ['~u a(?=b)', /lookahead/, 4, 7],
    ['~u "a(?=b)"', /lookahead/, 3, 11],
    ['/a{2000}/', /invalid repeat count: `\{2000\}` \(RE2 repeats at most 1000 times\)/, 2, 8],
    // JavaScript reads \p as p, RE2 as a Unicode class: refused, so that it means one thing
    ['/\\p{L}/', /\\p is not an escape: write p for the letter/, 1, 3],
    ['(status:404', /unclosed '\('/, 0, 1],
    ['a (b (c)', /unclosed '\('/, 2, 3],
    ['status:404)', /unmatched '\)'/, 10, 11],
    ['()', /empty parentheses/, 0, 2],
    ['status:404 or', /'or' needs a term after it/, 11, 13],
    ['a or or b', /'or' needs a term after it/, 2, 4],
    ['(a or) b', /'or' needs a term after it/, 3, 5],
    ['or status:404', /'or' needs a term before it/, 0, 2],
    ['a and', /'and' needs a term after it/, 2, 5],
    ['a && || b', /'&&' needs a term after it/, 2, 4],
    ['body:"unterminated', /unclosed quote: add the closing "/, 5, 18],
    ['"', /unclosed quote/, 0, 1],
    ['""', /empty quotes/, 0, 2],
    ['duration:>10furlongs', /bad duration unit 'furlongs'/, 12, 20],
    ['duration:100', /duration '100' needs a unit/, 12, 12],
    ['duration:fast', /bad duration 'fast'/, 9, 13],
    ['larger-than:lots', /bad size 'lots'/, 12, 16],
    ['larger-than:10q', /bad size unit 'q'/, 14, 15],
    ['since:banana', /bad time 'banana'/, 6, 12],
    ['since:25:00', /bad time of day '25:00'/, 6, 11],
    ['since:2026-02-30', /bad date '2026-02-30'/, 6, 16],
    ['until:2026-02-03T24:00', /bad time of day in/, 17, 22],
    ['port:70000', /bad port '70000'/, 5, 10],
    ['pid:abc', /bad pid 'abc'/, 4, 7],
    ['header:"bad name"', /bad header name 'bad name'/, 7, 17],
    ['header:=x', /missing header name/, 7, 8],
    ['type:/json/', /'type:' takes no regular expression: for a pattern use mime:/, 5, 11],
    ['~x foo', /unknown operator '~x': use one of ~m \(method\)/, 0, 2],
    ['~m', /'~m' needs a value after it/, 0, 2],
    ['(~m)', /'~m' needs a value after it/, 1, 3],
    ['is:weird', /unknown is:weird: use one of is:error/, 3, 8],
    ['tls:maybe', /tls: takes true or false, not maybe: write tls:true or tls:false/, 4, 9],
    ['not', /nothing to negate/, 0, 3],
    ['-', /nothing to negate after '-'/, 0, 1],
    ['a !', /nothing to negate after '!'/, 2, 3],
    ['-)', /nothing to negate/, 0, 1],
    ['a \u0000', /NUL character/, 2, 3],
    ['not or a', /nothing to negate/, 0, 3],
    ['('.repeat(150) + 'a' + ')'.repeat(150), /nests too deeply/, 100, 101],
    ['-'.repeat(150) + 'a', /nests too deeply/, 100, 101],
  ];
  it.each(cases)('%s', (input, message, start, end) => {
    let err: unknown;
    try {
      parseFilter(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FilterError);
    const fe = err as FilterError;
    expect(fe.message).toMatch(message);
    expect([fe.start, fe.end]).toEqual([start, end]);
    const lines = fe.format(input).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1].indexOf('^')).toBe(2 + Math.min(start, input.length));
  });

  it('formats the input and a caret line under the bad term', () => {
    const input = 'method:GET status:abc';
    try {
      parseFilter(input);
      expect.unreachable();
    } catch (e) {
      expect((e as FilterError).format(input)).toBe('  method:GET status:abc\n                    ^^^');
      expect((e as FilterError).format(input, '')).toBe('method:GET status:abc\n                  ^^^');
      expect((e as FilterError).hint).toMatch(/^use a code/);
      expect((e as FilterError).code).toBe('EFILTER');
    }
  });

  it('puts one caret after the input when it ends too soon', () => {
    try {
      parseFilter('duration:5');
      expect.unreachable();
    } catch (e) {
      expect((e as FilterError).format('duration:5')).toBe('  duration:5\n            ^');
    }
  });
});
