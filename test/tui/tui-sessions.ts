/**
 * Session files for the TUI tests, written through the real recorder (ScriptedSession): HTTP
 * exchanges of every kind the views draw, a connection that is not HTTP, and one whose captured
 * bytes hold terminal escape sequences.
 */
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

import { CURL, NODE, PYTHON, type Party, ScriptedSession } from '../helpers/scripted-session.js';
import { tempDir } from '../helpers/session-files.js';

export const SSH: Party = { pid: 6100, comm: 'ssh', argv: ['ssh', '-p', '2222', 'localhost'] };
export const SSHD: Party = { pid: 6001, comm: 'sshd', argv: ['sshd', '-D', '-p', '2222'] };

export const ITEM_JSON = JSON.stringify({ id: 7, name: 'tinytap', tags: ['a', 'b'], note: 'a needle in the body' });
export const GZ_TEXT = 'compressed needle text '.repeat(20);

const dir = tempDir('tinytap-tui-');
let made = 0;

/** A new file each call: tests change what they open (a live build, a reparse). */
async function write(name: string, script: (s: ScriptedSession) => void): Promise<string> {
  const path = join(dir, `${++made}-${name}`);
  const s = new ScriptedSession(path);
  script(s);
  await s.finish();
  return path;
}

/**
 * Exchanges, in time order:
 *  1 POST api.local/api/items 201 (JSON both ways), 2 GET api.local/gz 200 (gzip text),
 *  3 GET api.local/missing 404 (chunked), on one keep-alive connection curl → node;
 *  4..(3+files) GET 127.0.0.1:8080/file-N.txt from python, every 7th a 500;
 *  then GET /slow with no response; and an ssh connection (no parser reads it).
 */
export function basicSession(files = 12): Promise<string> {
  return write(`basic-${files}.tinytap`, (s) => {
    const c = s.tcp(CURL, NODE, { serverPort: 3000, clientPort: 51000 });
    c.send('c2s', `POST /api/items HTTP/1.1\r\nHost: api.local\r\nContent-Type: application/json\r\nX-Request-Id: req-7f3a\r\nContent-Length: 13\r\n\r\n{"name":"x1"}`);
    s.wait(3);
    c.send('s2c', `HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: ${ITEM_JSON.length}\r\n\r\n${ITEM_JSON}`);
    s.wait(10);
    const gz = gzipSync(Buffer.from(GZ_TEXT));
    c.send('c2s', 'GET /gz HTTP/1.1\r\nHost: api.local\r\n\r\n');
    s.wait(20);
    c.send('s2c', Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`), gz]));
    s.wait(2);
    c.send('c2s', 'GET /missing HTTP/1.1\r\nHost: api.local\r\n\r\n');
    s.wait(5);
    c.send('s2c', 'HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nnope\r\n0\r\n\r\n');
    c.close();
    for (let i = 0; i < files; i++) {
      s.wait(7);
      const d = s.tcp(CURL, PYTHON, { serverPort: 8080, clientPort: 52000 + i });
      d.send('c2s', `GET /file-${i}.txt HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n`);
      s.wait(1 + (i % 5));
      const status = i % 7 === 0 ? '500 Internal Server Error' : '200 OK';
      d.send('s2c', `HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nContent-Length: ${6 + String(i).length}\r\n\r\nfile ${i}\n`);
      d.close();
    }
    s.wait(5);
    const slow = s.tcp(CURL, NODE, { serverPort: 3000, clientPort: 53000 });
    slow.send('c2s', 'GET /slow HTTP/1.1\r\nHost: api.local\r\n\r\n');
    s.wait(50);
    slow.close();
    s.wait(5);
    // a connection no parser reads: listed with its protocol guess only
    const r = s.tcp(SSH, SSHD, { serverPort: 2222, clientPort: 54000 });
    r.send('c2s', 'SSH-2.0-OpenSSH_9.2\r\n');
    s.wait(1);
    r.send('s2c', 'SSH-2.0-x\r\n');
    r.close();
  });
}

/** Captured bytes that are terminal commands: in a header, in the Host (so in the URL), in a body. */
export const EVIL = ['\x1b[2J', '\x1b]0;pwned\x07', '\x1b[31m'];

export function ansiSession(): Promise<string> {
  return write('ansi.tinytap', (s) => {
    const c = s.tcp(CURL, NODE, { serverPort: 3000, clientPort: 51000 });
    // enough plain text around the escapes for the body to read as text, not binary
    const body = `hello ${EVIL.join(' and ')} world, ${'plain text around the escapes '.repeat(10)}\n`.repeat(3);
    c.send('c2s', `GET /page HTTP/1.1\r\nHost: evil${EVIL[0]}.local\r\nX-Evil: ${EVIL.join('')}red\r\n\r\n`);
    s.wait(2);
    c.send('s2c', `HTTP/1.1 200 OK${EVIL[2]}\r\nContent-Type: text/plain\r\nX-Title: ${EVIL[1]}\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    c.close();
  });
}

/** `n` exchanges on one keep-alive connection, the i-th with status 200 + (i % 3). */
export function manySession(n: number): Promise<string> {
  return write(`many-${n}.tinytap`, (s) => {
    const c = s.tcp(CURL, NODE, { serverPort: 3000, clientPort: 51000 });
    for (let i = 0; i < n; i++) {
      c.send('c2s', `GET /item/${i} HTTP/1.1\r\nHost: api.local\r\n\r\n`);
      s.wait(1);
      c.send('s2c', `HTTP/1.1 ${200 + (i % 3)} OK\r\nContent-Length: 2\r\n\r\nok`);
      s.wait(1);
    }
    c.close();
  });
}

/** One GET api.local/PATH 200 per path, on one keep-alive connection. */
export function pathsSession(paths: string[]): Promise<string> {
  return write('paths.tinytap', (s) => {
    const c = s.tcp(CURL, NODE, { serverPort: 3000, clientPort: 51000 });
    for (const path of paths) {
      c.send('c2s', `GET ${path} HTTP/1.1\r\nHost: api.local\r\n\r\n`);
      s.wait(1);
      c.send('s2c', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      s.wait(1);
    }
    c.close();
  });
}

/** One exchange whose response is one line of text of `bytes` bytes (minified, say). */
export function hugeLineSession(bytes: number): Promise<string> {
  return write('huge.tinytap', (s) => {
    const c = s.tcp(CURL, NODE, { serverPort: 3000, clientPort: 51000 });
    c.send('c2s', 'GET /huge HTTP/1.1\r\nHost: api.local\r\n\r\n');
    const line = Buffer.alloc(bytes, 'abcdefghij');
    line.write('needle', bytes - 100);
    c.send('s2c', Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${bytes}\r\n\r\n`), line]), { readSize: 16384 });
    c.close();
  });
}

/** One exchange whose JSON response pretty-prints to hundreds of lines, "needle" in two items. */
export function longJsonSession(): Promise<string> {
  return write('long-json.tinytap', (s) => {
    const items = Array.from({ length: 100 }, (_, i) => ({ id: i, name: i === 70 || i === 90 ? `needle ${i}` : `item ${i}` }));
    const body = JSON.stringify({ items });
    const c = s.tcp(CURL, NODE, { serverPort: 3000, clientPort: 51000 });
    c.send('c2s', 'GET /items HTTP/1.1\r\nHost: api.local\r\n\r\n');
    c.send('s2c', `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    c.close();
  });
}

export const REDIS: Party = { pid: 6002, comm: 'redis-server', argv: ['redis-server', '*:6379'] };

/**
 * An HTTP request to node that, while node serves it, runs GET user:N on Redis five times (an
 * N+1), then a WRONGTYPE error: one timeline of 1 HTTP exchange and 6 Redis calls.
 */
export function callsSession(): Promise<string> {
  return write('calls.tinytap', (s) => {
    const h = s.tcp(CURL, NODE, { serverPort: 3000, clientPort: 55000 });
    const r = s.tcp(NODE, REDIS, { serverPort: 6379, clientPort: 55001 });
    h.send('c2s', 'GET /users HTTP/1.1\r\nHost: api.local\r\n\r\n');
    for (let i = 1; i <= 5; i++) {
      s.wait(1);
      r.send('c2s', `*2\r\n$3\r\nGET\r\n$6\r\nuser:${i}\r\n`);
      s.wait(1);
      r.send('s2c', `$5\r\nname${i}\r\n`);
    }
    s.wait(1);
    r.send('c2s', '*3\r\n$5\r\nLPUSH\r\n$6\r\nuser:1\r\n$1\r\nx\r\n');
    r.send('s2c', '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n');
    s.wait(1);
    h.send('s2c', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]');
    h.close();
    r.close();
  });
}
