// Connection identity, filters, UDP, unix sockets, and overload, with real processes.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { DataFlag, Direction, Role } from '../../src/events/layout.js';
import {
  type Server,
  SessionView,
  TESTDATA,
  curl,
  describeCapture,
  freePort,
  recordWhile,
  runAsync,
  runRecorder,
  startNodeServer,
  tempDir,
} from './harness.js';

const clients = join(TESTDATA, 'clients');

function startPython(args: string[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const p = spawn('python3', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    p.stdout.on('data', (d) => String(d).includes('ready') && resolve(p));
    p.on('exit', (code) => reject(new Error(`python3 ${args.join(' ')} exited with ${code}`)));
  });
}

describeCapture('record: connections and filters', () => {
  let node: Server;
  let other: Server;
  beforeAll(async () => {
    [node, other] = await Promise.all([startNodeServer(), startNodeServer()]);
  });
  afterAll(async () => {
    await Promise.all([node?.stop(), other?.stop()]);
  });

  it('keeps two concurrent connections and a reused fd apart', async () => {
    let reusedFd = -1;
    const rec = await recordWhile(['--port', String(node.port)], async () => {
      const r = await runAsync('python3', [join(clients, 'fd-reuse.py'), String(node.port)]);
      expect(r.code, r.stderr).toBe(0);
      reusedFd = Number(r.stdout.trim());
    });
    const s = new SessionView(rec.file);
    try {
      const clientConns = s.connections("c.role = ? AND p.comm = 'python3'", Role.CLIENT);
      expect(clientConns).toHaveLength(3);
      expect(new Set(clientConns.map((c) => c.id)).size).toBe(3);
      // the first and the third share the fd number and are still two connections
      const onReused = clientConns.filter((c) => c.fd === reusedFd);
      expect(onReused).toHaveLength(2);
      const requests = clientConns.map((c) => s.stream(c.id, Direction.EGRESS).toString('latin1'));
      expect(requests.map((r) => /GET \/\?(\w+)/.exec(r)?.[1])).toEqual(['first', 'second', 'third']);
      for (const c of clientConns) {
        expect(c.closed_at).not.toBeNull();
        // each got exactly its own response
        expect(s.stream(c.id, Direction.INGRESS).toString("latin1")).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*hello from node\n\r\n0\r\n\r\n$/);
      }
      // distinct local ports: distinct TCP connections, matched on the server side
      const servers = s.connections('c.role = ?', Role.SERVER);
      expect(new Set(servers.map((c) => c.remote_port))).toEqual(new Set(clientConns.map((c) => c.local_port)));
    } finally {
      s.close();
    }
  });

  it('--port keeps connections on other ports out', async () => {
    const rec = await recordWhile(['--port', String(node.port)], async () => {
      await curl('-o', '/dev/null', `http://127.0.0.1:${node.port}/`);
      await curl('-o', '/dev/null', `http://127.0.0.1:${other.port}/`);
    });
    const s = new SessionView(rec.file);
    try {
      const conns = s.connections();
      expect(conns.length).toBe(2);
      for (const c of conns) expect([c.local_port, c.remote_port]).toContain(node.port);
      expect(s.events().every((e) => conns.some((c) => c.id === e.connId))).toBe(true);
    } finally {
      s.close();
    }
  });

  it('--pid captures only that process', async () => {
    const rec = await recordWhile(['--pid', String(node.proc.pid)], async () => {
      await curl('-o', '/dev/null', `http://127.0.0.1:${node.port}/json`);
      await curl('-o', '/dev/null', `http://127.0.0.1:${other.port}/json`);
    });
    const s = new SessionView(rec.file);
    try {
      const conns = s.connections();
      expect(conns.length).toBeGreaterThan(0);
      for (const c of conns) expect(c.pid).toBe(node.proc.pid);
      expect(conns.some((c) => c.role === Role.SERVER && c.local_port === node.port)).toBe(true);
      expect(new Set(s.events().map((e) => e.pid))).toEqual(new Set([node.proc.pid]));
    } finally {
      s.close();
    }
  });

  it('--comm captures only processes with that name', async () => {
    const rec = await recordWhile(['--comm', 'curl'], async () => {
      await curl('-o', '/dev/null', `http://127.0.0.1:${node.port}/`);
    });
    const s = new SessionView(rec.file);
    try {
      const conns = s.connections();
      expect(conns.some((c) => c.remote_port === node.port && c.role === Role.CLIENT)).toBe(true);
      expect(new Set(s.events().map((e) => e.comm))).toEqual(new Set(['curl']));
      expect(s.processes().every((p) => p.comm === 'curl')).toBe(true);
    } finally {
      s.close();
    }
  });

  it('-- CMD captures the command and its children only, and exits with its code', async () => {
    const dir = tempDir();
    const file = join(dir, 'cmd.tinytap');
    // the shell forks curl twice: children are followed; the node server is not captured
    const r = runRecorder([
      '-o',
      file,
      '--',
      'sh',
      '-c',
      `curl -s -o /dev/null http://127.0.0.1:${node.port}/ && curl -s -o /dev/null http://127.0.0.1:${node.port}/json; exit 3`,
    ]);
    const { code } = await r.exited;
    expect(code, r.stderr).toBe(3);
    const s = new SessionView(file);
    try {
      const tcp = s.connections('c.family = 2');
      expect(tcp).toHaveLength(2);
      for (const c of tcp) {
        expect(c.comm).toBe('curl');
        expect(c.role).toBe(Role.CLIENT);
      }
      expect(s.events().every((e) => e.comm === 'curl')).toBe(true);
      expect(s.meta('stop_reason')).toBe('command-exited');
      expect(s.meta('filters').command).toEqual(['sh', '-c', expect.stringContaining('curl')]);
    } finally {
      s.close();
    }
  });

  it('records a DNS-like exchange over UDP, with each datagram\'s peer', async () => {
    const port = await freePort();
    const server = await startPython([join(clients, 'udp-echo.py'), 'server', String(port)]);
    try {
      const rec = await recordWhile(['--port', String(port)], async () => {
        const r = await runAsync('python3', [join(clients, 'udp-echo.py'), 'client', String(port)]);
        expect(r.stdout).toBe('answer:query example.test A\nanswer:query example.test AAAA\n');
      });
      const s = new SessionView(rec.file);
      try {
        const udp = s.connections('c.type = 2');
        expect(udp.every((c) => c.protocol === 17)).toBe(true);
        const srv = udp.find((c) => c.pid === server.pid)!;
        expect(srv.local_port).toBe(port);
        const received = s.events({ connId: srv.id, dir: Direction.INGRESS });
        expect(received.map((e) => e.payload.toString())).toEqual(['query example.test A', 'query example.test AAAA']);
        const sent = s.events({ connId: srv.id, dir: Direction.EGRESS });
        expect(sent.map((e) => e.payload.toString())).toEqual(['answer:query example.test A', 'answer:query example.test AAAA']);
        // an unconnected server answers each datagram to its sender: the peer is recorded
        for (const e of [...received, ...sent]) {
          expect(e.flags & DataFlag.PEER).toBeTruthy();
          expect(e.peer).toMatchObject({ family: 2, addr: '127.0.0.1', port: expect.any(Number) });
        }
        const clientsSeen = udp.filter((c) => c.comm === 'python3' && c.pid !== server.pid);
        expect(clientsSeen.length).toBe(2);
        const connected = clientsSeen.find((c) => c.role === Role.CLIENT)!;
        expect(connected.remote_port).toBe(port);
      } finally {
        s.close();
      }
    } finally {
      server.kill();
    }
  });

  it('records a unix socket connection with its path', async () => {
    const path = join(tempDir(), 'echo.sock');
    const server = await startPython([join(clients, 'unix-echo.py'), 'server', path]);
    try {
      const rec = await recordWhile(['--pid', String(server.pid)], async () => {
        const r = await runAsync('python3', [join(clients, 'unix-echo.py'), 'client', path]);
        expect(r.stdout).toBe('unix reply to hello over unix\n');
      });
      const s = new SessionView(rec.file);
      try {
        const conns = s.connections('c.family = 1');
        expect(conns).toHaveLength(1);
        const c = conns[0];
        expect(c.role).toBe(Role.SERVER);
        expect(c.local_path).toBe(path);
        expect(s.stream(c.id, Direction.INGRESS).toString()).toBe('hello over unix');
        expect(s.stream(c.id, Direction.EGRESS).toString()).toBe('unix reply to hello over unix');
        expect(rec.stdout).toContain(`server  ${path}`);
      } finally {
        s.close();
      }
    } finally {
      server.kill();
    }
  });

  it('counts drops when the ring buffer overflows, and says so', async () => {
    // a one-page ring cannot even hold one 16 KiB chunk: drops are certain, and must be counted
    const rec = await recordWhile(['--port', String(node.port), '--buffer-size', '4k'], () =>
      curl('-o', '/dev/null', `http://127.0.0.1:${node.port}/big?n=4000000`),
    );
    expect(rec.code).toBe(0);
    expect(rec.stderr).toMatch(/warning: [\d,]+ records .* dropped because the ring buffer was full/);
    const s = new SessionView(rec.file);
    try {
      const drops = s.meta('drops');
      expect(drops.records).toBeGreaterThan(0);
      expect(drops.bytes).toBeGreaterThan(0);
      expect(drops.events).toBeGreaterThan(0);
    } finally {
      s.close();
    }
    const info = await runAsync(process.execPath, [join(TESTDATA, '../bin/tinytap.js'), 'info', rec.file]);
    expect(info.stdout).toMatch(/drops\s+[\d,]+ records, .* \(INCOMPLETE/);
  });
});
