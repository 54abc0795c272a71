// Real HTTP traffic on loopback, recorded by the real recorder: what the session file holds.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { Direction, Role, Syscall, DataFlag } from '../../src/events/layout.js';
import {
  type Server,
  SessionView,
  curl,
  describeCapture,
  recordWhile,
  startNginx,
  startNodeServer,
  startPythonHttp,
  tempDir,
} from './harness.js';

describeCapture('record: HTTP on loopback', () => {
  const www = tempDir('tinytap-www-');
  const page = '<html><body>' + 'tinytap test page '.repeat(40) + '</body></html>\n';
  const big = Buffer.alloc(300 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 8)) & 0xff;
  writeFileSync(join(www, 'index.html'), page);
  writeFileSync(join(www, 'big.bin'), big);
  chmodSync(www, 0o755); // nginx's workers run as nobody
  let python: Server;
  let node: Server;
  let nginx: Server;
  beforeAll(async () => {
    [python, node, nginx] = await Promise.all([startPythonHttp(www), startNodeServer(), startNginx(www)]);
  });
  afterAll(async () => {
    await Promise.all([python?.stop(), node?.stop(), nginx?.stop()]);
  });

  it('curl against python http.server: both processes, both ends, bytes, tuples and roles', async () => {
    const rec = await recordWhile(['--port', String(python.port)], () => curl('-o', '/dev/null', `http://127.0.0.1:${python.port}/index.html`));
    expect(rec.code, rec.stderr).toBe(0);
    expect(rec.stderr).toMatch(/recorded .* → /);
    const s = new SessionView(rec.file);
    try {
      const conns = s.connections();
      const client = conns.find((c) => c.role === Role.CLIENT && c.remote_port === python.port)!;
      const server = conns.find((c) => c.role === Role.SERVER && c.local_port === python.port)!;
      expect(client, JSON.stringify(conns)).toBeDefined();
      expect(server).toBeDefined();
      expect(client.comm).toBe('curl');
      expect(server.comm).toMatch(/^python3/);
      expect(server.pid).toBe(python.proc.pid);
      // the same TCP connection seen from both ends: reversed tuples
      expect([client.local_addr, client.local_port]).toEqual([server.remote_addr, server.remote_port]);
      expect([client.remote_addr, client.remote_port]).toEqual(['127.0.0.1', python.port]);
      expect([client.family, client.type, client.protocol]).toEqual([2, 1, 6]);
      expect(client.closed_at).not.toBeNull();

      const request = s.stream(client.id, Direction.EGRESS).toString('latin1');
      expect(request).toMatch(/^GET \/index\.html HTTP\/1\.1\r\nHost: 127\.0\.0\.1:\d+\r\n/);
      expect(s.stream(server.id, Direction.INGRESS).toString('latin1')).toBe(request);
      const response = s.stream(client.id, Direction.INGRESS).toString('latin1');
      expect(response).toMatch(/^HTTP\/1\.0 200 OK\r\n/);
      expect(response.endsWith(page)).toBe(true);
      expect(s.stream(server.id, Direction.EGRESS).toString('latin1')).toBe(response);
      expect(client.bytes_sent).toBe(request.length);
      expect(client.bytes_received).toBe(response.length);

      // every event carries its process, thread, fd and syscall
      for (const e of s.events({ connId: client.id })) {
        expect(e.pid).toBe(client.pid);
        expect(e.comm).toBe('curl');
        expect(e.fd).toBe(client.fd);
        expect(e.tid).toBeGreaterThan(0);
      }
      const proc = s.processes().find((p) => p.pid === client.pid);
      expect(JSON.parse(proc.argv)).toEqual(['curl', '-sS', '--noproxy', '*', '-o', '/dev/null', `http://127.0.0.1:${python.port}/index.html`]);
      // the connection line printed while recording
      expect(rec.stdout).toMatch(new RegExp(`curl \\(\\d+\\)\\s+client\\s+127\\.0\\.0\\.1:\\d+ → 127\\.0\\.0\\.1:${python.port}\\s+tcp`));
    } finally {
      s.close();
    }
  });

  it('a Node.js http server: responses written with writev are captured whole', async () => {
    const rec = await recordWhile(['--port', String(node.port)], () =>
      curl('-o', '/dev/null', `http://127.0.0.1:${node.port}/json`, `http://127.0.0.1:${node.port}/chunked`),
    );
    const s = new SessionView(rec.file);
    try {
      const server = s.connections('c.role = ? AND c.local_port = ?', Role.SERVER, node.port)[0];
      expect(server.comm).toBe('node');
      const out = s.events({ connId: server.id, dir: Direction.EGRESS });
      expect(out.some((e) => e.syscall === Syscall.WRITEV)).toBe(true);
      const response = s.stream(server.id, Direction.EGRESS).toString('latin1');
      expect(response).toContain('{"id":7,"name":"tinytap","tags":["a","b"]}');
      expect(response).toContain('Transfer-Encoding: chunked');
      expect(response).toContain('second chunk');
      // keep-alive: both requests on one connection, as curl reused it
      const client = s.connections('c.role = ? AND c.remote_port = ?', Role.CLIENT, node.port);
      expect(client).toHaveLength(1);
      expect(s.stream(client[0].id, Direction.INGRESS).toString('latin1')).toBe(response);
    } finally {
      s.close();
    }
  });

  it('nginx serving a static file with sendfile: the sendfile event has the byte count', async () => {
    const rec = await recordWhile(['--port', String(nginx.port), '--no-sendfile-body'], () =>
      curl('-o', '/dev/null', `http://127.0.0.1:${nginx.port}/index.html`),
    );
    const s = new SessionView(rec.file);
    try {
      const server = s.connections('c.role = ? AND c.local_port = ?', Role.SERVER, nginx.port)[0];
      expect(server.comm).toBe('nginx');
      const sf = s.events({ connId: server.id, syscall: Syscall.SENDFILE });
      expect(sf).toHaveLength(1);
      expect(sf[0].ret).toBe(page.length);
      expect(sf[0].flags & DataFlag.ZEROCOPY).toBeTruthy();
      expect(sf[0].payload.length).toBe(0);
      expect(sf[0].auxFd).toBeGreaterThan(2);
      // the head went out with write/writev before it, at stream offset 0
      const head = s.events({ connId: server.id, dir: Direction.EGRESS }).filter((e) => e.syscall !== Syscall.SENDFILE)[0];
      expect(head.payload.toString('latin1')).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*Content-Length: 747\r\n[\s\S]*\r\n\r\n$/);
      expect(sf[0].streamOff).toBe(head.streamOff + head.ret);
    } finally {
      s.close();
    }
  });

  it('a body larger than --max-payload is recorded as truncated with its real length', async () => {
    const rec = await recordWhile(['--port', String(node.port), '--max-payload', '64k'], () =>
      curl('-o', '/dev/null', `http://127.0.0.1:${node.port}/big?n=200000`),
    );
    const s = new SessionView(rec.file);
    try {
      const server = s.connections('c.role = ? AND c.local_port = ?', Role.SERVER, node.port)[0];
      const out = s.events({ connId: server.id, dir: Direction.EGRESS });
      const total = out.reduce((n, e) => n + e.ret, 0);
      expect(total).toBeGreaterThan(200000);
      const truncated = out.filter((e) => e.flags & DataFlag.TRUNCATED);
      expect(truncated.length).toBeGreaterThan(0);
      for (const e of truncated) {
        expect(e.payload.length).toBe(64 * 1024);
        expect(e.ret).toBeGreaterThan(e.payload.length);
      }
    } finally {
      s.close();
    }
  });
});
