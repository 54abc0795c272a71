import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { curlCommand, curlScript } from '../../src/export/curl.js';
import type { Exchange } from '../../src/model/exchange.js';
import { tempDir } from '../helpers/session-files.js';
import { CURL, NODE } from '../helpers/scripted-session.js';
import { SWITCHED, UPGRADE, frame } from '../helpers/ws-frames.js';
import { argText, runWithFakeCurl } from './fake-curl.js';
import { FORM_BODY, UPLOAD, allExchanges, scripted, variedSession } from './fixtures.js';

/** Printable ASCII and newlines only: nothing a terminal acts on when the script is pasted. */
const PASTE_SAFE = /^[\x20-\x7e\n]*$/;

describe('curl export', () => {
  let xs: Exchange[];
  beforeAll(async () => {
    xs = allExchanges(await variedSession());
  });

  it('replays an HTTP/2 exchange as HTTP/2, its pseudo-header fields left to curl', () => {
    const get = xs[0];
    const h2 = (scheme: string): Exchange => ({
      ...get,
      request: {
        ...get.request,
        scheme,
        httpVersion: 'HTTP/2',
        headers: [
          { name: ':method', value: 'GET' },
          { name: ':scheme', value: scheme },
          { name: ':authority', value: '127.0.0.1:3000' },
          { name: ':path', value: get.request.target },
          { name: 'x-trace', value: 'abc' },
        ],
      },
    });
    const clear = curlCommand(h2('http'));
    expect(clear).toContain('curl --http2-prior-knowledge \\');
    expect(clear).toContain("-H 'x-trace: abc'");
    expect(clear).not.toMatch(/-H ':/);
    expect(clear).toContain('# left out, curl writes them itself: :method, :scheme, :authority, :path');
    expect(curlCommand(h2('https'))).toContain('curl --http2 \\');
  });

  it('writes one commented command per request', () => {
    expect(curlCommand(xs[1])).toBe(
      [
        '# #2 POST http://127.0.0.1:3000/login',
        '# left out, curl writes them itself: Host, Content-Length',
        'curl --http1.1 \\',
        "  -H 'Content-Type: application/x-www-form-urlencoded' \\",
        "  -H 'User-Agent:' \\",
        "  -H 'Accept:' \\",
        `  --data-raw '${FORM_BODY}' \\`,
        "  --url 'http://127.0.0.1:3000/login'",
        '',
      ].join('\n'),
    );
    expect(curlCommand(xs[6])).toBe(
      [
        '# #7 PUT http://127.0.0.1:3000/upload',
        '# left out, curl writes them itself: Host, Transfer-Encoding',
        "base64 -d <<'TINYTAP_BODY' | curl --http1.1 \\",
        '  -X PUT \\',
        "  -H 'Content-Type: application/octet-stream' \\",
        "  -H 'User-Agent:' \\",
        "  -H 'Accept:' \\",
        '  --data-binary @- \\',
        "  --url 'http://127.0.0.1:3000/upload'",
        UPLOAD.toString('base64'),
        'TINYTAP_BODY',
        '',
      ].join('\n'),
    );
    expect(curlCommand(xs[7])).toBe(
      [
        '# #8 HEAD http://127.0.0.1:3000/status',
        'curl --http1.0 \\',
        '  --head \\',
        `  -H "$(printf 'X-Name: caf\\351')" \\`,
        `  -H 'X-Quote: it'\\''s "$(touch /tmp/x)"' \\`,
        "  -H 'Host:' \\",
        "  -H 'User-Agent:' \\",
        "  -H 'Accept:' \\",
        "  --url 'http://127.0.0.1:3000/status'",
        '',
      ].join('\n'),
    );
    const script = [...curlScript(xs, 'requests of s.tinytap')].join('');
    expect(script.startsWith('#!/bin/sh\n# requests of s.tinytap\n\n# #1 GET http://127.0.0.1:3000/api/items?q=caf%C3%A9&x=1+2&flag\n')).toBe(true);
    expect(script.match(/^# #\d+ /gm)).toHaveLength(10);
    expect(script).toMatch(PASTE_SAFE);
  });

  it('run with sh, the commands give curl the captured method, target, headers and body', () => {
    const runs = runWithFakeCurl([...curlScript(xs, 'x')].join(''));
    expect(runs).toHaveLength(10);
    expect(argText(runs[0])).toEqual([
      '--http1.1',
      '-H', 'User-Agent: curl/8.5.0',
      '-H', 'Accept: */*',
      '-H', 'Cookie: a=1; b="two"',
      '-H', 'Authorization: Bearer s3cr3t-token',
      '--url', 'http://127.0.0.1:3000/api/items?q=caf%C3%A9&x=1+2&flag',
    ]); // prettier-ignore
    expect(argText(runs[1])).toContain(FORM_BODY);
    expect(runs[6].stdin.equals(UPLOAD)).toBe(true);
    expect(argText(runs[7]).slice(0, 4)).toEqual(['--http1.0', '--head', '-H', 'X-Name: caf\xe9']);
    expect(runs[7].args[3]).toEqual(Buffer.from('X-Name: caf\xe9', 'latin1'));
    expect(argText(runs[8])).toEqual(['--http1.1', '-X', 'DELETE', '-H', 'User-Agent:', '-H', 'Accept:', '--url', 'http://127.0.0.1:3000/api/items/7']);
    // the truncated body: what was captured
    expect(argText(runs[9])).toContain('r'.repeat(908));
  });
});

describe('curl export of hostile captured bytes', () => {
  const dir = tempDir('tinytap-curl-hostile-');
  const marker = join(dir, 'pwned');
  const evil = (s: string) => s.replace(/MARK/g, marker);
  const headerValue = Buffer.concat([Buffer.from(evil(`it's "q" $(touch MARK) \`touch MARK\` ; touch MARK | x \\ `)), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x0d, 0x41, 0x1b, 0x5b, 0x32, 0x4a])]);
  const body = Buffer.concat([Buffer.from(evil(`line1\n'$(touch MARK)'\n"\`touch MARK\`"\n$HOME\n`)), Buffer.from([0, 1, 2, 0xff, 0x0d, 0x0a, 0x1b, 0x00])]);
  const target = Buffer.concat([Buffer.from(evil("/p/$(touch%20MARK)/'q'/`id`/../x")), Buffer.from([0xc3, 0xa9, 0xff]), Buffer.from('?a=$(id)&b={x}[y]#frag')]);
  let ex: Exchange;

  beforeAll(async () => {
    const file = await scripted((s) => {
      const c = s.tcp(CURL, NODE, { serverPort: 8080 });
      const head = Buffer.concat([
        Buffer.from('POST '),
        target,
        Buffer.from(' HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nX-Evil: '),
        headerValue,
        Buffer.from(`\r\nX-Nul: a\0b\r\nX-Empty:\r\nContent-Length: ${body.length}\r\n\r\n`),
      ]);
      c.send('c2s', Buffer.concat([head, body]));
      c.send('s2c', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
      c.close();
    });
    [ex] = allExchanges(file);
  });

  it('the script is printable ASCII, and a NUL that no argument can carry is said, not sent', () => {
    const text = curlCommand(ex);
    expect(text).toMatch(PASTE_SAFE);
    expect(text).toContain('# left out: the value of X-Nul holds a NUL byte, which no command-line argument can carry\n');
    for (const line of text.split('\n').filter((l) => l.startsWith('#'))) expect(line).toMatch(/^# [\x20-\x7e]*$/);
  });

  it('run with sh, nothing in it is executed and curl gets the exact bytes', () => {
    const [run] = runWithFakeCurl(curlCommand(ex), dir);
    expect(existsSync(marker)).toBe(false);
    const args = argText(run);
    const value = (flag: string) => args[args.indexOf(flag) + 1];
    expect(Buffer.from(value('--request-target'), 'latin1')).toEqual(target);
    expect(value('--url')).toBe('http://127.0.0.1:8080/');
    const headers = args.filter((_, i) => args[i - 1] === '-H');
    expect(headers).toEqual([`X-Evil: ${headerValue.toString('latin1')}`, 'X-Empty;', 'User-Agent:', 'Accept:', 'Content-Type:']);
    expect(run.stdin).toEqual(body);
    expect(args).toContain('--data-binary');
  });
});

describe('curl targets', () => {
  async function only(request: string): Promise<Exchange> {
    const file = await scripted((s) => {
      const c = s.tcp(CURL, NODE, { serverPort: 8080 });
      c.send('c2s', request);
      c.send('s2c', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
      c.close();
    });
    return allExchanges(file)[0];
  }

  it('sends a target curl would rewrite verbatim, and names a host it cannot parse by address', async () => {
    const dots = await only('GET /a/./b/../c HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: x\r\nAccept: y\r\n\r\n');
    expect(curlCommand(dots)).toContain("  --request-target '/a/./b/../c' \\\n  --url 'http://127.0.0.1:8080/'\n");
    const odd = await only('GET /x HTTP/1.1\r\nHost: bad host!\r\nUser-Agent: x\r\nAccept: y\r\n\r\n');
    expect(curlCommand(odd)).toBe(
      "# #1 GET http://bad%20host!/x\ncurl --http1.1 \\\n  -H 'Host: bad host!' \\\n  -H 'User-Agent: x' \\\n  -H 'Accept: y' \\\n  --url 'http://127.0.0.1:8080/x'\n",
    );
    const star = await only('OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: x\r\nAccept: y\r\n\r\n');
    expect(curlCommand(star)).toBe(
      "# #1 OPTIONS http://127.0.0.1:8080*\n# left out, curl writes them itself: Host\ncurl --http1.1 \\\n  -X OPTIONS \\\n  -H 'User-Agent: x' \\\n  -H 'Accept: y' \\\n  --request-target '*' \\\n  --url 'http://127.0.0.1:8080/'\n",
    );
  });
});

describe('curl export of what cannot be sent', () => {
  it('says so for a response whose request was not captured, and for a CONNECT', async () => {
    const file = await scripted((s) => {
      const a = s.tcp(CURL, NODE, { serverPort: 8080, only: 'client' });
      a.send('s2c', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      a.close();
      const b = s.tcp(CURL, NODE, { serverPort: 3128 });
      b.send('c2s', 'CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n');
      b.send('s2c', 'HTTP/1.1 200 Connection established\r\n\r\n');
      b.close();
    });
    const [noRequest, tunnel] = allExchanges(file);
    expect(curlCommand(noRequest)).toBe('# #1: only the response was captured, there is no request to send\n');
    expect(curlCommand(tunnel)).toBe('# #2 CONNECT http://example.test:443\n# a CONNECT opens a tunnel: not exported as a command\n');
    expect(runWithFakeCurl([...curlScript([noRequest, tunnel], 'x')].join(''))).toEqual([]);
  });

  it('says so for a WebSocket: its messages are not a curl command', async () => {
    const file = await scripted((s) => {
      const c = s.tcp(CURL, NODE, { serverPort: 8765 });
      c.send('c2s', UPGRADE);
      c.send('s2c', SWITCHED());
      c.send('c2s', frame(1, 'hello', { masked: true }));
      c.close();
    });
    const [ws] = allExchanges(file);
    expect(curlCommand(ws)).toBe('# #1 GET http://ws.local/chat\n# a WebSocket: its 1 message cannot be a curl command (tinytap show 1 --json has them)\n');
  });
});
