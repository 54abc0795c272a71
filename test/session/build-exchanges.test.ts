import Database from 'better-sqlite3';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

import { ExchangeFlag } from '../../src/model/exchange-flags.js';
import { buildExchanges, exchangesAreCurrent } from '../../src/session/build-exchanges.js';
import { Session } from '../../src/session/session.js';
import { CURL, NODE, PYTHON, ScriptedSession } from '../helpers/scripted-session.js';
import { tempDir, textHits } from '../helpers/session-files.js';

const dir = tempDir('tinytap-build-');

async function scripted(name: string, script: (s: ScriptedSession) => void): Promise<string> {
  const path = join(dir, name);
  const s = new ScriptedSession(path);
  script(s);
  await s.finish();
  return path;
}

describe('building exchanges from a session', () => {
  it('joins both ends of a loopback connection into one exchange naming both processes', async () => {
    const file = await scripted('loopback.tinytap', (s) => {
      const c = s.tcp(CURL, PYTHON, { clientPort: 50312, serverPort: 8080 });
      c.send('c2s', 'GET /index.html HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: curl/8\r\n\r\n');
      s.wait(5);
      c.send('s2c', 'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 11\r\n\r\nhello world', { readSize: 20 });
      c.close();
    });
    const session = Session.open(file);
    try {
      expect(session.built).toMatchObject({ exchanges: 1, flows: 1, added: 1 });
      const [x] = session.exchanges();
      expect(x).toMatchObject({ method: 'GET', host: '127.0.0.1', path: '/index.html', status: 200n, client_comm: 'curl', client_pid: 4121n, server_comm: 'python3', server_pid: 4088n, server_port: 8080n, resp_body_size: 11n, url: 'http://127.0.0.1:8080/index.html' });
      expect(Number(x.duration_ns)).toBeGreaterThan(5e6);
      const ex = session.exchange(1)!;
      expect(Buffer.from(ex.response!.body.captured).toString()).toBe('hello world');
      expect(ex.response!.body.complete).toBe(true);
      expect(ex.client).toMatchObject({ pid: 4121, comm: 'curl', argv: CURL.argv, addr: '127.0.0.1', port: 50312 });
      expect(ex.server).toMatchObject({ pid: 4088, comm: 'python3', port: 8080 });
      const [flow] = session.flows();
      expect(flow).toMatchObject({ client_comm: 'curl', server_comm: 'python3', protocol: 'http/1.1', exchanges: 1, transport: 'tcp' });
      const wire = session.wireBytes(1)!;
      expect(wire.request.toString()).toMatch(/^GET \/index\.html HTTP\/1\.1\r\n[\s\S]*\r\n\r\n$/);
      expect(wire.response.toString()).toMatch(/hello world$/);
    } finally {
      session.close();
    }
  });

  it('keep-alive, gzip bodies decoded for display and search, a POST body, a 404', async () => {
    const json = JSON.stringify({ ok: true, items: [1, 2, 3] });
    const gz = gzipSync(Buffer.from('compressed needle text '.repeat(20)));
    const file = await scripted('keepalive.tinytap', (s) => {
      const c = s.tcp(CURL, NODE, { serverPort: 3000 });
      c.send('c2s', `POST /api/items HTTP/1.1\r\nHost: api.local\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{"name":"x1"}`);
      c.send('s2c', `HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: ${json.length}\r\n\r\n${json}`);
      c.send('c2s', 'GET /gz HTTP/1.1\r\nHost: api.local\r\n\r\n');
      c.send('s2c', Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`), gz]));
      c.send('c2s', 'GET /missing HTTP/1.1\r\nHost: api.local\r\n\r\n');
      c.send('s2c', 'HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nnope\r\n0\r\n\r\n');
      c.close();
    });
    const session = Session.open(file);
    try {
      const xs = session.exchanges();
      expect(xs.map((x) => [x.method, x.path, Number(x.status), Number(x.seq)])).toEqual([
        ['POST', '/api/items', 201, 0],
        ['GET', '/gz', 200, 1],
        ['GET', '/missing', 404, 2],
      ]);
      const post = session.exchange(Number(xs[0].id))!;
      expect(Buffer.from(post.request.body.captured).toString()).toBe('{"name":"x1"}');
      expect(post.request.body.mimeType).toBe('application/json');
      const gzx = session.exchange(Number(xs[1].id))!;
      expect(gzx.response!.body.encoding).toBe('gzip');
      expect(Buffer.from(gzx.response!.body.decoded!).toString()).toBe('compressed needle text '.repeat(20));
      // the index holds the decoded text, once the first search fills it (the build leaves it)
      const hits = () => textHits(session.db, 'needle', ['resp_body']);
      expect(hits()).toEqual([]);
      session.ensureTextIndex();
      expect(hits()).toEqual([Number(xs[1].id)]);
      const notFound = session.exchange(Number(xs[2].id))!;
      expect(Buffer.from(notFound.response!.body.captured).toString()).toBe('nope');
    } finally {
      session.close();
    }
  });

  it('a sendfile body missing on the server side is complete from the client side', async () => {
    const body = 'x'.repeat(5000);
    const file = await scripted('sendfile.tinytap', (s) => {
      const c = s.tcp(CURL, { pid: 77, comm: 'nginx' }, { serverPort: 80 });
      c.send('c2s', 'GET /big HTTP/1.1\r\nHost: localhost\r\n\r\n');
      c.send('s2c', `HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n${body}`, { zeroCopyTail: 5000, readSize: 1024 });
      c.close();
    });
    const session = Session.open(file);
    try {
      const ex = session.exchange(1)!;
      expect(ex.response!.body.captured.length).toBe(5000);
      expect(ex.response!.body.missing).toBeNull();
    } finally {
      session.close();
    }
  });

  it('with only the server end, a sendfile body is a noted gap with its real length', async () => {
    const file = await scripted('sendfile-server.tinytap', (s) => {
      const c = s.tcp(CURL, { pid: 77, comm: 'nginx' }, { serverPort: 80, only: 'server' });
      c.send('c2s', 'GET /big HTTP/1.1\r\nHost: localhost\r\n\r\n');
      c.send('s2c', `HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n${'y'.repeat(5000)}`, { zeroCopyTail: 5000 });
      c.close();
    });
    const session = Session.open(file);
    try {
      const [x] = session.exchanges();
      expect(Number(x.flags) & ExchangeFlag.ZEROCOPY).toBeTruthy();
      expect(x.client_comm).toBeNull();
      expect(x.server_comm).toBe('nginx');
      const ex = session.exchange(1)!;
      expect(ex.response!.body).toMatchObject({ size: 5000, missing: 'zerocopy', complete: false });
      expect(ex.response!.body.captured.length).toBe(0);
    } finally {
      session.close();
    }
  });

  it('keeps connections no parser reads as flows with a protocol guess', async () => {
    const file = await scripted('ssh.tinytap', (s) => {
      const c = s.tcp({ pid: 9, comm: 'ssh' }, { pid: 10, comm: 'sshd' }, { serverPort: 2222 });
      c.send('c2s', 'SSH-2.0-OpenSSH_9.2\r\n');
      c.send('s2c', 'SSH-2.0-x\r\n');
      c.close();
    });
    const session = Session.open(file);
    try {
      expect(session.exchanges()).toHaveLength(0);
      expect(session.flows()).toMatchObject([{ protocol: 'ssh', client_comm: 'ssh', server_comm: 'sshd', bytes_c2s: 21, bytes_s2c: 11, exchanges: 0 }]);
    } finally {
      session.close();
    }
  });

  it('reads a database connection into calls, in the same list as HTTP', async () => {
    const file = await scripted('redis.tinytap', (s) => {
      const c = s.tcp({ pid: 9, comm: 'redis-cli' }, { pid: 10, comm: 'redis-server' }, { serverPort: 6379 });
      c.send('c2s', '*1\r\n$4\r\nPING\r\n');
      c.send('s2c', '+PONG\r\n');
      c.send('c2s', '*2\r\n$3\r\nGET\r\n$7\r\nuser:42\r\n');
      c.send('s2c', '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n');
      c.close();
    });
    const session = Session.open(file);
    try {
      expect(session.flows()).toMatchObject([{ protocol: 'redis', bytes_c2s: 40, bytes_s2c: 75, exchanges: 2 }]);
      const [ping, get] = session.exchanges();
      expect(ping).toMatchObject({ protocol: 'redis', operation: 'PING', target: 'PING', method: null, status: null, url: 'redis://127.0.0.1:6379/0', db: '0' });
      expect(get).toMatchObject({ operation: 'GET', names: 'user:42', shape: 'GET user:*', error_code: 'WRONGTYPE' });
      expect(Number(get.flags) & ExchangeFlag.DB_ERROR).toBeTruthy();
      expect(session.exchange(2)).toBeNull();
      expect(session.call(2)).toMatchObject({ operation: 'GET', status: 'error', errorMessage: 'Operation against a key holding the wrong kind of value', names: ['user:42'] });
      expect(session.callWireBytes(2)!.response.toString()).toBe('-WRONGTYPE Operation against a key holding the wrong kind of value\r\n');
    } finally {
      session.close();
    }
  });

  it('loads the same exchanges inside one read as outside it, and ends the read even when it throws', async () => {
    const file = await scripted('one-read.tinytap', (s) => {
      const c = s.tcp(CURL, PYTHON, { serverPort: 8080 });
      c.send('c2s', 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n');
      c.send('s2c', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      c.close();
      const r = s.tcp({ pid: 9, comm: 'redis-cli' }, { pid: 10, comm: 'redis-server' }, { serverPort: 6379 });
      r.send('c2s', '*1\r\n$4\r\nPING\r\n');
      r.send('s2c', '+PONG\r\n');
      r.close();
    });
    const session = Session.open(file);
    try {
      const outside = [session.exchange(1), session.exchange(2), session.exchange(3)];
      const inside = session.inOneRead(() => {
        expect(session.db.inTransaction).toBe(true);
        // twice: the second load of an exchange uses the rows the first looked up
        return [1, 2, 3, 1].map((id) => session.exchange(id));
      });
      expect(inside).toEqual([...outside, outside[0]]);
      expect(outside[0]).toMatchObject({ client: { comm: 'curl' }, server: { comm: 'python3' } });
      expect(outside[1]).toBeNull(); // the Redis call
      expect(session.db.inTransaction).toBe(false);
      expect(() => session.inOneRead(() => {
        throw new Error('boom');
      })).toThrow('boom');
      expect(session.db.inTransaction).toBe(false);
    } finally {
      session.close();
    }
  });

  it('links the calls a server makes while it serves a request to that request, and flags N+1', async () => {
    const file = await scripted('nplusone.tinytap', (s) => {
      const curl = { pid: 20, comm: 'curl' };
      const app = { pid: 21, comm: 'node' };
      const redis = { pid: 22, comm: 'redis-server' };
      const h = s.tcp(curl, app, { serverPort: 3000 });
      const r = s.tcp(app, redis, { serverPort: 6379 });
      const serve = (path: string, keys: string[]) => {
        h.send('c2s', `GET ${path} HTTP/1.1\r\nHost: app\r\n\r\n`);
        for (const k of keys) {
          s.wait(1);
          r.send('c2s', `*2\r\n$3\r\nGET\r\n$${k.length}\r\n${k}\r\n`);
          s.wait(1);
          r.send('s2c', '$1\r\n1\r\n');
        }
        s.wait(1);
        h.send('s2c', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        s.wait(5);
      };
      serve('/one', ['user:1']);
      serve('/many', ['user:1', 'user:2', 'user:3', 'user:4', 'user:5']);
      // between requests: linked to none
      r.send('c2s', '*1\r\n$4\r\nPING\r\n');
      r.send('s2c', '+PONG\r\n');
      h.close();
      r.close();
    });
    const session = Session.open(file);
    try {
      const all = session.exchanges();
      const http = all.filter((x) => x.protocol === 'http');
      expect(http.map((x) => [x.path, Number(x.queries), Number(x.flags) & ExchangeFlag.N_PLUS_ONE])).toEqual([
        ['/one', 1, 0],
        ['/many', 5, ExchangeFlag.N_PLUS_ONE],
      ]);
      const calls = all.filter((x) => x.protocol === 'redis');
      expect(calls.map((x) => [x.operation, x.parent_id === null ? null : Number(x.parent_id), x.link])).toEqual([
        ['GET', Number(http[0].id), 'sole'],
        ...[1, 2, 3, 4, 5].map(() => ['GET', Number(http[1].id), 'sole']),
        ['PING', null, null],
      ]);
      expect(calls.filter((x) => Number(x.flags) & ExchangeFlag.N_PLUS_ONE)).toHaveLength(5);
      expect(session.childCalls(Number(http[1].id)).map((x) => x.target)).toEqual(['GET user:1', 'GET user:2', 'GET user:3', 'GET user:4', 'GET user:5']);
      // the build left the planner its counts (countForPlanner), samples included
      const counted = (t: string) => session.db.prepare(`SELECT count(*) FROM ${t} WHERE tbl = 'exchanges'`).pluck().get() as number;
      expect(counted('sqlite_stat1')).toBeGreaterThan(0);
      expect(counted('sqlite_stat4')).toBeGreaterThan(0);
    } finally {
      session.close();
    }
  });

  it('reparse is idempotent, and restores deleted or outdated exchanges', async () => {
    const file = await scripted('reparse.tinytap', (s) => {
      const c = s.tcp(CURL, PYTHON);
      for (let i = 0; i < 3; i++) {
        c.send('c2s', `GET /${i} HTTP/1.1\r\nHost: h\r\n\r\n`);
        c.send('s2c', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      }
      c.close();
    });
    Session.open(file).close();
    const db = new Database(file);
    try {
      expect(exchangesAreCurrent(db)).toBe(true);
      expect(buildExchanges(db)).toMatchObject({ exchanges: 3, added: 0, changed: 0, removed: 0, unchanged: 3 });
      db.exec('DELETE FROM exchanges WHERE seq = 1');
      expect(buildExchanges(db)).toMatchObject({ exchanges: 3, added: 1, unchanged: 2 });
      // an older parser version: stale, rebuilt on next open
      db.exec(`UPDATE derived_meta SET value = '"http1-0.build-0"' WHERE key = 'version'`);
      db.exec("UPDATE exchanges SET status = 500, digest = 0"); // what an older parser said differently
      expect(exchangesAreCurrent(db)).toBe(false);
    } finally {
      db.close();
    }
    const s = Session.open(file);
    try {
      expect(s.built).toMatchObject({ exchanges: 3, changed: 3 });
      expect(s.exchanges().map((x) => Number(x.status))).toEqual([200, 200, 200]);
    } finally {
      s.close();
    }
  });
});

describe('the capture model: one socket, every process that held it, both ends as witnesses', () => {
  const POSTMASTER = { pid: 7000, comm: 'postgres', argv: ['/usr/lib/postgresql/15/bin/postgres', '-D', '/tmp/pg'] };
  const BACKEND = { pid: 7001, comm: 'postgres', argv: ['postgres: postgres postgres 127.0.0.1(50000) idle'] };

  it('names the forked child that served what its parent accepted, and the parent beside it', async () => {
    const file = await scripted('forked.tinytap', (s) => {
      const c = s.tcp(CURL, POSTMASTER, { clientPort: 50000, serverPort: 5432, servedBy: BACKEND });
      c.send('c2s', 'GET / HTTP/1.1\r\nHost: db\r\n\r\n');
      c.send('s2c', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      c.close();
    });
    const session = Session.open(file);
    try {
      const [flow] = session.flows();
      expect(flow).toMatchObject({ client_comm: 'curl', server_pid: BACKEND.pid, bytes_c2s: 28, bytes_s2c: 40 });
      expect(JSON.parse(flow.server_processes!)).toEqual([
        { pid: POSTMASTER.pid, comm: 'postgres', cause: 2 },
        { pid: BACKEND.pid, comm: 'postgres', cause: 4 },
      ]);
      const ex = session.exchange(1)!;
      expect(ex.server).toMatchObject({ pid: BACKEND.pid, argv: BACKEND.argv, others: [{ pid: POSTMASTER.pid, how: 'accepted' }] });
      expect(ex.response!.status).toBe(200);
      // the parent letting go of its copy did not end the connection; the child's close did
      const [server] = session.db.prepare('SELECT closed_at, closed_how FROM connections WHERE pid = ?').all(POSTMASTER.pid) as any[];
      expect(server.closed_at).not.toBeNull();
      const users = session.db.prepare('SELECT pid, cause, let_go_at IS NOT NULL AS gone FROM connection_users ORDER BY since').all();
      expect(users).toEqual([
        { pid: CURL.pid, cause: 1, gone: 1 },
        { pid: POSTMASTER.pid, cause: 2, gone: 1 },
        { pid: BACKEND.pid, cause: 4, gone: 1 },
      ]);
    } finally {
      session.close();
    }
  });

  it('takes the body a server answered without reading from the client\'s copy', async () => {
    const body = 'x'.repeat(5000);
    const file = await scripted('unread-body.tinytap', (s) => {
      const c = s.tcp(CURL, PYTHON, { serverPort: 8080 });
      const head = `POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: ${body.length}\r\n\r\n`;
      c.send('c2s', head + body, { readOnly: head.length });
      c.send('s2c', 'HTTP/1.0 501 Unsupported method\r\nContent-Length: 0\r\n\r\n');
      c.close();
    });
    const session = Session.open(file);
    try {
      const [x] = session.exchanges();
      expect(x).toMatchObject({ method: 'POST', status: 501n, req_body_size: 5000n, flags: 0n });
      const ex = session.exchange(Number(x.id))!;
      expect(Buffer.from(ex.request.body.captured).toString()).toBe(body);
      expect(ex.request.body.complete).toBe(true);
      expect(ex.timings.sendNs).toBeGreaterThanOrEqual(0);
    } finally {
      session.close();
    }
  });

  it('lists a non-blocking connect refused after EINPROGRESS under failed connects, not as a connection', async () => {
    const file = await scripted('refused-later.tinytap', (s) => {
      s.refusedLater(CURL, 9);
    });
    const session = Session.open(file);
    try {
      expect(session.flows()).toEqual([]);
      expect(session.failedConnects()).toMatchObject([{ pid: CURL.pid, comm: 'curl', remote: '127.0.0.1:9', error: 111 }]);
    } finally {
      session.close();
    }
  });
});
