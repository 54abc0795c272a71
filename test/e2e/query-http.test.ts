// Real HTTP traffic recorded and then queried from the command line: ls, show, search, conns,
// filters, reparse, on exchanges whose two ends are both named.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { CLI, type Server, curl, describeCapture, recordWhile, runAsync, startNodeServer, startPythonHttp, tempDir } from './harness.js';

function tinytap(...args: string[]) {
  return runAsync(process.execPath, [CLI, ...args]);
}

async function lsJson(file: string, ...filter: string[]) {
  const r = await tinytap('ls', file, '--json', ...filter);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describeCapture('query: exchanges of real traffic', () => {
  const www = tempDir('tinytap-www-');
  chmodSync(www, 0o755);
  writeFileSync(join(www, 'hello.txt'), 'hello from python\n');
  let python: Server;
  let node: Server;
  let file = '';

  beforeAll(async () => {
    [python, node] = await Promise.all([startPythonHttp(www), startNodeServer()]);
    const n = `http://127.0.0.1:${node.port}`;
    const rec = await recordWhile(['--port', String(node.port), '--port', String(python.port)], async () => {
      // one curl, several URLs: keep-alive on one connection to node
      await curl('-o', '/dev/null', '-o', '/dev/null', '-o', '/dev/null', '-o', '/dev/null', `${n}/json`, `${n}/chunked`, `${n}/gzip`, `${n}/missing`);
      await curl('-o', '/dev/null', '-H', 'Content-Type: application/json', '-H', 'X-Request-Id: req-7f3a', '--data-binary', '{"order":"pineapple-pizza","qty":3}', `${n}/echo`);
      await curl('-o', '/dev/null', `http://127.0.0.1:${python.port}/hello.txt`);
      await curl('-o', '/dev/null', `http://127.0.0.1:${python.port}/nothing-here`);
    });
    expect(rec.code, rec.stderr).toBe(0);
    file = rec.file;
  });
  afterAll(async () => {
    await Promise.all([python?.stop(), node?.stop()]);
  });

  it('ls lists every exchange once, with both processes named', async () => {
    const xs = await lsJson(file);
    expect(xs.map((x) => [x.method, x.path, x.status, x.client.comm, x.server.comm])).toEqual([
      ['GET', '/json', 200, 'curl', 'node'],
      ['GET', '/chunked', 200, 'curl', 'node'],
      ['GET', '/gzip', 200, 'curl', 'node'],
      ['GET', '/missing', 404, 'curl', 'node'],
      ['POST', '/echo', 200, 'curl', 'node'],
      ['GET', '/hello.txt', 200, 'curl', expect.stringMatching(/^python3/)],
      ['GET', '/nothing-here', 404, 'curl', expect.stringMatching(/^python3/)],
    ]);
    expect(xs[0].server.pid).toBe(node.proc.pid);
    expect(xs[5].server.pid).toBe(python.proc.pid);
    // the four requests of the first curl shared one connection to node: same client pid, sizes
    expect(new Set(xs.slice(0, 4).map((x) => x.client.pid)).size).toBe(1);
    expect(xs[0].response_size).toBe('{"id":7,"name":"tinytap","tags":["a","b"]}'.length);
    for (const x of xs) expect(x.duration_ms).toBeGreaterThan(0);
    const table = await tinytap('ls', file);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+TIME\s+CLIENT\s+SERVER\s+METHOD\s+URL\s+STATUS\s+SIZE\s+TIME$/);
    expect(table.stdout).toMatch(new RegExp(`curl \\d+\\s+node ${node.proc.pid}\\s+POST\\s+127\\.0\\.0\\.1:${node.port}/echo\\s+200`));
    // plain when piped: no escape sequences
    expect(table.stdout).not.toContain('\x1b[');
  });

  it('filters narrow ls', async () => {
    const ids = async (...f: string[]) => (await lsJson(file, ...f)).map((x) => x.path);
    expect(await ids('status:404')).toEqual(['/missing', '/nothing-here']);
    expect(await ids('method:POST')).toEqual(['/echo']);
    expect(await ids('comm:python3')).toEqual(['/hello.txt', '/nothing-here']);
    expect(await ids('status:2xx', 'comm:node', '-path:/json')).toEqual(['/chunked', '/gzip', '/echo']);
    expect(await ids('header:x-request-id')).toEqual(['/echo']);
    expect(await ids('body:pineapple')).toEqual(['/echo']);
    expect(await ids(`port:${python.port}`, 'or', 'path:/gzip')).toEqual(['/gzip', '/hello.txt', '/nothing-here']);
    const bad = await tinytap('ls', file, 'status:abc');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^tinytap: bad filter: bad status 'abc'.*\n  status:abc\n         \^\^\^\n$/);
  });

  it('show prints the whole exchange: processes, timings, headers, decoded bodies', async () => {
    const xs = await lsJson(file);
    const id = (path: string) => String(xs.find((x) => x.path === path).id);
    const gz = await tinytap('show', file, id('/gzip'));
    expect(gz.code, gz.stderr).toBe(0);
    expect(gz.stdout).toMatch(/^#\d+  GET http:\/\/127\.0\.0\.1:\d+\/gzip  →  200 OK/);
    expect(gz.stdout).toMatch(/client\s+curl \(\d+\)  curl -sS/);
    expect(gz.stdout).toMatch(new RegExp(`server\\s+node \\(${node.proc.pid}\\)  node .*node-http-server\\.mjs`));
    expect(gz.stdout).toMatch(/timing\s+started .* send .* wait .* receive .* total/);
    expect(gz.stdout).toContain('content-encoding: gzip');
    expect(gz.stdout).toMatch(/Response body \(text\/plain, \d+ B, gzip → 850 B decoded\)/);
    expect(gz.stdout).toContain('compressed hello compressed hello');

    const chunked = JSON.parse((await tinytap('show', file, id('/chunked'), '--json')).stdout);
    expect(chunked.response.body.text).toBe('first chunk\nsecond chunk\nlast chunk\n');
    expect(chunked.response.headers).toContainEqual(['Transfer-Encoding', 'chunked']);

    const post = JSON.parse((await tinytap('show', file, id('/echo'), '--json')).stdout);
    expect(post.request.body.text).toBe('{"order":"pineapple-pizza","qty":3}');
    expect(post.response.body.text).toBe('{"order":"pineapple-pizza","qty":3}');
    expect(post.client.comm).toBe('curl');

    const json = await tinytap('show', file, id('/json'));
    expect(json.stdout).toContain('  {\n    "id": 7,\n    "name": "tinytap",'); // pretty-printed

    const raw = await tinytap('show', file, id('/json'), '--raw');
    // as on the wire: node sent it chunked, framing and all
    expect(raw.stdout).toMatch(/^GET \/json HTTP\/1\.1\r\nHost: [\s\S]*\r\n\r\nHTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n2a\r\n\{"id":7,"name":"tinytap","tags":\["a","b"\]\}\r\n0\r\n\r\n$/);

    const missing = await tinytap('show', file, '9999');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^tinytap: no exchange 9999 in .*: it has 7 \(ids 1 to 7, see tinytap ls\)\n$/);
    const badId = await tinytap('show', file, 'abc');
    expect(badId.code).toBe(2);
    expect(badId.stderr).toBe("tinytap: bad exchange id 'abc': use the number in the first column of tinytap ls\n");
  });

  it('search finds text in URLs, headers and decoded bodies, and says where', async () => {
    const body = await tinytap('search', file, 'PINEAPPLE');
    expect(body.code).toBe(0);
    expect(body.stdout).toMatch(/^#\d+  POST http:\/\/127\.0\.0\.1:\d+\/echo  200  curl \d+ → node \d+\n/);
    expect(body.stdout).toContain('    request body     {"order":"pineapple-pizza","qty":3}');
    expect(body.stdout).toContain('    response body    {"order":"pineapple-pizza","qty":3}');
    const gz = await tinytap('search', file, 'compressed hello', '--json');
    const hits = gz.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(hits.map((h) => h.url)).toEqual([expect.stringMatching(/\/gzip$/)]);
    const header = await tinytap('search', file, 'req-7f3a');
    expect(header.stdout).toContain('    request header   X-Request-Id: req-7f3a');
    const none = await tinytap('search', file, 'no-such-text-anywhere');
    expect(none.code).toBe(1);
    expect(none.stdout).toBe('');
  });

  it('conns lists the connections with both processes, bytes and protocol', async () => {
    const r = await tinytap('conns', file, '--json');
    const flows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const toNode = flows.filter((f) => f.server.port === node.port);
    expect(toNode).toHaveLength(2);
    for (const f of toNode) {
      expect(f).toMatchObject({ transport: 'tcp', protocol: 'http/1.1', client: { comm: 'curl', captured: true }, server: { comm: 'node', pid: node.proc.pid, captured: true } });
      expect(f.bytes_sent_by_client).toBeGreaterThan(0);
      expect(f.bytes_sent_by_server).toBeGreaterThan(0);
    }
    expect(toNode.map((f) => f.exchanges).sort((a, b) => a - b)).toEqual([1, 4]);
  });

  it('every query command says what is wrong with a file that is not a session, in one line', async () => {
    const dir = tempDir();
    const text = join(dir, 'notes.tinytap');
    writeFileSync(text, 'not a database');
    for (const cmd of [['ls'], ['show', '1'], ['search', 'x'], ['conns'], ['reparse']]) {
      const missing = await tinytap(cmd[0], join(dir, 'none.tinytap'), ...cmd.slice(1));
      expect(missing.code, cmd[0]).toBe(1);
      expect(missing.stderr).toBe(`tinytap: no such file: ${join(dir, 'none.tinytap')}\n`);
      const foreign = await tinytap(cmd[0], text, ...cmd.slice(1));
      expect(foreign.code, cmd[0]).toBe(1);
      expect(foreign.stderr).toBe(`tinytap: ${text} is not a tinytap session (not an SQLite database)\n`);
    }
  });

  it('reparse rebuilds the same exchanges', async () => {
    const r = await tinytap('reparse', file);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^7 exchanges in \d+ connections \(.*\): 0 new, 0 changed, 0 gone, 7 unchanged\n$/);
  });
});
