// Exports of recorded real traffic: a HAR that passes the HAR 1.2 schema and matches what was
// sent, curl commands that send the same requests to the same server again (the server logs
// what it receives, byte for byte), hostile captured bytes that run nothing when the commands
// are run, a Postman collection that passes its schema, and Insomnia and Bruno exports that
// their own parsers load.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { bruRequest, insomniaRequests, loadInsomnia } from '../export/collection-validators.js';
import { checkDevToolsImport, harSchemaErrors, loadPostman, postmanSchemaErrors } from '../export/validators.js';
import { CLI, type Server, TESTDATA, curl, describeCapture, freePort, recordWhile, runAsync, startServer, tempDir } from './harness.js';

interface Logged {
  method: string;
  target: string;
  version: string;
  headers: [string, string][];
  body: string;
}

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const UPLOAD = Buffer.concat([PNG, Buffer.from([0, 0xff, 0x0a, 0x27])]);
const JSON_BODY = '{"order":"pineapple-pizza","qty":3}';

function tinytap(...args: string[]) {
  return runAsync(process.execPath, [CLI, ...args]);
}

/** Run a shell script with sh, as a user would: no proxy, output ignored. */
function sh(script: string, cwd: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn('sh', ['-c', script], { cwd, env: { PATH: process.env.PATH, HOME: cwd }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code) => resolve({ code, stderr }));
  });
}

/** What a request looks like for comparing a replay with its original. */
function comparable(r: Logged) {
  // the client writes these from the body and the connection it uses (curl: Content-Length,
  // never chunked) and curl always sends Host first
  const skip = new Set(['content-length', 'transfer-encoding', 'connection']);
  const headers = r.headers.filter(([n]) => !skip.has(n.toLowerCase()));
  const host = headers.filter(([n]) => n.toLowerCase() === 'host');
  return { method: r.method, target: r.target, headers: [...host, ...headers.filter(([n]) => n.toLowerCase() !== 'host')], body: r.body };
}

/** A PUT with a chunked body, sent by Node's http client: not curl's way of sending. */
function nodePut(port: number): Promise<void> {
  const code = `
    const http = require('http');
    const r = http.request({ host: '127.0.0.1', port: ${port}, method: 'PUT', path: '/echo?kind=bin&n=2',
      headers: { 'Content-Type': 'application/octet-stream', 'X-Client': 'node', 'X-Empty': '' } }, (res) => res.resume());
    const body = Buffer.from('${UPLOAD.toString('base64')}', 'base64');
    r.write(body.subarray(0, 20));
    setTimeout(() => r.end(body.subarray(20)), 20);`;
  return runAsync(process.execPath, ['-e', code]).then((r) => {
    if (r.code !== 0) throw new Error(r.stderr);
  });
}

describeCapture('export of recorded traffic', () => {
  const dir = tempDir('tinytap-export-e2e-');
  const log = join(dir, 'received.jsonl');
  let server: Server;
  let base = '';
  let file = '';
  let originals: Logged[] = [];
  const received = (): Logged[] =>
    readFileSync(log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));

  beforeAll(async () => {
    const port = await freePort();
    writeFileSync(log, '');
    server = await startServer('node', [join(TESTDATA, 'servers/echo-server.mjs'), String(port), log], port);
    base = `http://127.0.0.1:${port}`;
    const rec = await recordWhile(['--port', String(port)], async () => {
      await curl('-o', '/dev/null', '-H', 'X-Trace: abc-123', `${base}/json?page=2&q=caf%C3%A9`);
      await curl('-o', '/dev/null', '-H', 'Content-Type: application/json', '--data-binary', JSON_BODY, `${base}/echo`);
      await curl('-o', '/dev/null', '--data-urlencode', 'name=Jürgen M', '--data-urlencode', 'q=a&b=c', `${base}/form`);
      await curl('-o', '/dev/null', '--compressed', `${base}/gzip`);
      await curl('-o', '/dev/null', `${base}/image.png`);
      await curl('-o', '/dev/null', `${base}/missing`);
      await curl('-o', '/dev/null', `${base}/redirect`);
      await curl('-o', '/dev/null', `${base}/chunked`);
      await nodePut(port);
    });
    expect(rec.code, rec.stderr).toBe(0);
    file = rec.file;
    originals = received();
    expect(originals).toHaveLength(9);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('HAR: passes the HAR 1.2 schema and DevTools import checks, and matches what was sent', async () => {
    const out = join(dir, 'session.har');
    const r = await tinytap('export', file, '--har', '-o', out);
    expect(r.code, r.stderr).toBe(0);
    const har = JSON.parse(readFileSync(out, 'utf8'));
    expect(harSchemaErrors(har)).toEqual([]);
    expect(() => checkDevToolsImport(har)).not.toThrow();
    const e = har.log.entries;
    expect(e.map((x: any) => [x.request.method, x.request.url, x.response.status])).toEqual([
      ['GET', `${base}/json?page=2&q=caf%C3%A9`, 200],
      ['POST', `${base}/echo`, 200],
      ['POST', `${base}/form`, 200],
      ['GET', `${base}/gzip`, 200],
      ['GET', `${base}/image.png`, 200],
      ['GET', `${base}/missing`, 404],
      ['GET', `${base}/redirect`, 302],
      ['GET', `${base}/chunked`, 200],
      ['PUT', `${base}/echo?kind=bin&n=2`, 200],
    ]);
    // the same exchanges, in the same order, as tinytap ls lists them
    const ls = await tinytap('ls', file, '--json');
    const rows = ls.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(e.map((x: any) => x._tinytapId)).toEqual(rows.map((x) => x.id));
    expect(e.map((x: any) => x._client.comm)).toEqual(['curl', 'curl', 'curl', 'curl', 'curl', 'curl', 'curl', 'curl', 'node']);
    expect(e[0].request.queryString).toEqual([
      { name: 'page', value: '2' },
      { name: 'q', value: 'café' },
    ]);
    expect(e[0].request.headers).toContainEqual({ name: 'X-Trace', value: 'abc-123' });
    expect(e[0].response.content).toEqual({ size: 42, mimeType: 'application/json', text: '{"id":7,"name":"tinytap","tags":["a","b"]}' });
    expect(e[1].request.postData).toEqual({ mimeType: 'application/json', text: JSON_BODY });
    expect(e[1].response.content.text).toBe('{"method":"POST","bytes":35}');
    expect(e[2].request.postData).toEqual({
      mimeType: 'application/x-www-form-urlencoded',
      text: Buffer.from(originals[2].body, 'base64').toString(),
      params: [
        { name: 'name', value: 'Jürgen M' },
        { name: 'q', value: 'a&b=c' },
      ],
    });
    const text = 'compressed hello '.repeat(50);
    expect(e[3].response.content).toMatchObject({ size: text.length, mimeType: 'text/plain; charset=utf-8', text });
    expect(e[3].response.content.compression).toBe(text.length - e[3].response.bodySize);
    expect(e[3].response.headers).toContainEqual({ name: 'Content-Encoding', value: 'gzip' });
    expect(e[4].response.content).toEqual({ size: PNG.length, mimeType: 'image/png', text: PNG.toString('base64'), encoding: 'base64' });
    expect(e[5].response.content.text).toBe('not found\n');
    expect(e[6].response.redirectURL).toBe('/json');
    expect(e[7].response.content.text).toBe('first chunk\nsecond chunk\nlast chunk\n');
    expect(e[7].response.headers).toContainEqual({ name: 'Transfer-Encoding', value: 'chunked' });
    expect(e[8].request.postData).toEqual({ mimeType: 'application/octet-stream', text: UPLOAD.toString('base64'), _encoding: 'base64' });
    expect(e[8].request.headers).toContainEqual({ name: 'Transfer-Encoding', value: 'chunked' });
    // every request body in the HAR is what the server received
    for (let i = 0; i < e.length; i++) {
      const pd = e[i].request.postData;
      const sent = pd ? Buffer.from(pd.text, pd._encoding === 'base64' ? 'base64' : 'utf8') : Buffer.alloc(0);
      expect(sent.toString('base64')).toBe(originals[i].body);
    }
    for (const x of e) {
      expect(x.timings.send + x.timings.wait + x.timings.receive).toBeCloseTo(x.time, 2);
      expect(x.time).toBeGreaterThan(0);
      expect(x.serverIPAddress).toBe('127.0.0.1');
      expect(x._server).toMatchObject({ comm: 'node', pid: server.proc.pid });
    }
  });

  it('curl: run with sh, the commands send the same requests again', async () => {
    const r = await tinytap('export', file, '--curl');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.match(/^# #\d+ /gm)).toHaveLength(9);
    const before = received().length;
    const run = await sh(r.stdout, dir);
    expect(run.code, run.stderr).toBe(0);
    const replays = received().slice(before);
    expect(replays).toHaveLength(9);
    expect(replays.map(comparable)).toEqual(originals.map(comparable));
    expect(replays[8].headers).toContainEqual(['X-Empty', '']);
  });

  it('Postman: passes the collection schema and loads with postman-collection', async () => {
    const r = await tinytap('export', file, '--postman', 'method:POST', 'or', 'method:PUT');
    expect(r.code, r.stderr).toBe(0);
    const collection = JSON.parse(r.stdout);
    expect(postmanSchemaErrors(collection)).toEqual([]);
    expect(loadPostman(collection).map((i) => [i.method, i.url, i.body])).toEqual([
      ['POST', `${base}/echo`, JSON_BODY],
      ['POST', `${base}/form`, Buffer.from(originals[2].body, 'base64').toString()],
      ['PUT', `${base}/echo?kind=bin&n=2`, null],
    ]);
  });
  it('Insomnia and Bruno: every recorded request loads in the tool\'s own parser as it was sent', async () => {
    const expected = [
      ['GET', `${base}/json?page=2&q=caf%C3%A9`],
      ['POST', `${base}/echo`],
      ['POST', `${base}/form`],
      ['GET', `${base}/gzip`],
      ['GET', `${base}/image.png`],
      ['GET', `${base}/missing`],
      ['GET', `${base}/redirect`],
      ['GET', `${base}/chunked`],
      ['PUT', `${base}/echo?kind=bin&n=2`],
    ];
    const form = Buffer.from(originals[2].body, 'base64').toString();
    const r = await tinytap('export', file, '--insomnia');
    expect(r.code, r.stderr).toBe(0);
    const { importer, resources } = await loadInsomnia(r.stdout);
    expect(importer).toBe('insomnia-4');
    const insomnia = insomniaRequests(resources);
    expect(insomnia.map((x) => [x.method, x.url])).toEqual(expected);
    expect(insomnia[0].headers).toContainEqual(['X-Trace', 'abc-123']);
    expect(insomnia[1]).toMatchObject({ body: JSON_BODY, mimeType: 'application/json' });
    expect(insomnia[2].body).toEqual([...new URLSearchParams(form)]);
    expect(insomnia[8]).toMatchObject({ body: null, mimeType: 'application/octet-stream' });

    const dirOut = join(dir, 'bruno');
    const b = await tinytap('export', file, '--bruno', dirOut);
    expect(b.code, b.stderr).toBe(0);
    const names = readdirSync(dirOut).filter((n) => n.endsWith('.bru')).sort();
    const bruno = names.map((n) => bruRequest(readFileSync(join(dirOut, n), 'utf8')));
    expect(bruno.map((x) => [x.method, x.url])).toEqual(expected);
    expect(bruno[0].headers).toContainEqual(['X-Trace', 'abc-123']);
    expect(bruno[1].body).toBe(JSON_BODY);
    expect(bruno[2].body).toEqual([...new URLSearchParams(form)]);
    // the binary PUT's body: the bytes the server received, in the file its request names
    const put = bruno[8].body as { file: string; contentType: string };
    expect(put.contentType).toBe('application/octet-stream');
    expect(readFileSync(join(dirOut, put.file)).toString('base64')).toBe(originals[8].body);
    for (const x of [...insomnia, ...bruno]) expect(x.headers.some(([n]) => n.startsWith(':') || /^(content-length|transfer-encoding|connection)$/i.test(n))).toBe(false);
  });
});

describeCapture('export of hostile captured bytes', () => {
  const dir = tempDir('tinytap-export-hostile-');
  const log = join(dir, 'received.jsonl');
  const marker = join(dir, 'x');
  const mark = (s: string) => Buffer.from(s.replace(/MARK/g, marker), 'latin1');
  // a target, header values and a body holding quotes, $(...), backticks, a NUL, newlines
  // (only a body can hold those: a header line ends at one) and bytes that are not UTF-8
  const target = Buffer.concat([mark("/echo/'$(touch%20MARK)'/`touch%20MARK`/\"q\"/"), Buffer.from([0xc3, 0x28, 0xff]), mark('?a=$(id)&b=`id`')]);
  const evil = Buffer.concat([mark(`it's "$(touch MARK)" \`touch MARK\` ; touch MARK # `), Buffer.from([0xff, 0xfe, 0x80, 0x1b, 0x5b, 0x32, 0x4a])]);
  const body = Buffer.concat([mark(`'$(touch MARK)'\n"\`touch MARK\`"\n$HOME \\\n`), Buffer.from([0x00, 0xff, 0xfe, 0x0d, 0x0a, 0x00])]);
  let server: Server;
  let file = '';
  let original: Logged;

  beforeAll(async () => {
    const port = await freePort();
    writeFileSync(log, '');
    server = await startServer('node', [join(TESTDATA, 'servers/echo-server.mjs'), String(port), log], port);
    const request = Buffer.concat([
      Buffer.from('POST '),
      target,
      Buffer.from(` HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Evil: `),
      evil,
      Buffer.from(`\r\nX-Nul: a\0b\r\nX-Quote: '"'\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n`, 'latin1'),
      body,
    ]);
    const rec = await recordWhile(['--port', String(port)], async () => {
      // a raw socket: no HTTP client would send these bytes as they are
      await new Promise<void>((resolve, reject) => {
        const s = connect(port, '127.0.0.1', () => s.write(request));
        s.on('data', () => s.end());
        s.on('close', () => resolve());
        s.on('error', reject);
      });
    });
    expect(rec.code, rec.stderr).toBe(0);
    file = rec.file;
    [original] = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('the commands run nothing, and the server receives the same bytes (a NUL header value is said, not sent)', async () => {
    const r = await tinytap('export', file, '--curl', '-o', join(dir, 'replay.sh'));
    expect(r.code, r.stderr).toBe(0);
    const script = readFileSync(join(dir, 'replay.sh'), 'latin1');
    // printable ASCII only: safe to paste into a terminal
    expect(script).toMatch(/^[\x20-\x7e\n]*$/);
    expect(script).toContain('# left out: the value of X-Nul holds a NUL byte, which no command-line argument can carry\n');
    const run = await sh(script, dir);
    expect(run.code, run.stderr).toBe(0);
    expect(existsSync(marker)).toBe(false);
    const all = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) as Logged[];
    expect(all).toHaveLength(2);
    const replay = all[1];
    expect(Buffer.from(replay.target, 'latin1')).toEqual(target);
    expect(Buffer.from(replay.body, 'base64')).toEqual(body);
    expect(replay.headers.find(([n]) => n === 'X-Evil')![1]).toBe(evil.toString('latin1'));
    expect(comparable(replay)).toEqual(comparable({ ...original, headers: original.headers.filter(([n]) => n !== 'X-Nul') }));
  });

  it('the HAR of the same exchange is valid, with the bytes that are not UTF-8 kept one per character', async () => {
    const r = await tinytap('export', file, '--har');
    expect(r.code, r.stderr).toBe(0);
    const har = JSON.parse(r.stdout);
    expect(harSchemaErrors(har)).toEqual([]);
    const [e] = har.log.entries;
    expect(e.request.headers.find((h: any) => h.name === 'X-Evil').value).toBe(evil.toString('latin1'));
    expect(e.request._target).toBe(target.toString('latin1'));
    expect(e.request.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/echo\/'\$\(touch%20.*%C3\(%FF\?a=\$\(id\)&b=%60id%60$/);
    expect(Buffer.from(e.request.postData.text, 'base64')).toEqual(body);
  });
});
