// Process metadata, and container-like isolation made by the test itself: a cgroup and a
// network namespace joined by a veth pair (no Docker engine on these machines).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { cgroup2Mount } from '../../src/record/proc-info.js';
import { Role } from '../../src/events/layout.js';
import { SessionView, TESTDATA, curl, describeCapture, freePort, recordWhile, waitForPort } from './harness.js';

const NS = `tt${process.pid}`;
const HOST_IP = '10.231.7.1';
const NS_IP = '10.231.7.2';

function sh(cmd: string[]): void {
  execFileSync(cmd[0], cmd.slice(1), { stdio: 'pipe' });
}

describeCapture('record: processes, cgroups and network namespaces', () => {
  const cgroupRoot = cgroup2Mount()!;
  const cgroupName = `tinytap-test-${process.pid}`;
  const cgroupDir = join(cgroupRoot, cgroupName);
  let port: number;
  let server: ReturnType<typeof spawn>;

  beforeAll(async () => {
    mkdirSync(cgroupDir);
    sh(['ip', 'netns', 'add', NS]);
    sh(['ip', 'link', 'add', `${NS}h`, 'type', 'veth', 'peer', 'name', `${NS}c`]);
    sh(['ip', 'link', 'set', `${NS}c`, 'netns', NS]);
    sh(['ip', 'addr', 'add', `${HOST_IP}/30`, 'dev', `${NS}h`]);
    sh(['ip', 'link', 'set', `${NS}h`, 'up']);
    sh(['ip', 'netns', 'exec', NS, 'ip', 'addr', 'add', `${NS_IP}/30`, 'dev', `${NS}c`]);
    sh(['ip', 'netns', 'exec', NS, 'ip', 'link', 'set', `${NS}c`, 'up']);
    sh(['ip', 'netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up']);
    port = await freePort();
    // the "container": a node server in its own cgroup and network namespace
    server = spawn('sh', [
      '-c',
      `echo $$ > ${cgroupDir}/cgroup.procs && exec ip netns exec ${NS} node ${join(TESTDATA, 'servers/node-http-server.mjs')} ${port}`,
    ]);
    await new Promise((r) => setTimeout(r, 300));
    // the server listens on 127.0.0.1 inside the namespace: reach it through a forwarder there
    await waitForPortInNs(port);
  });

  afterAll(() => {
    server?.kill('SIGKILL');
    try {
      sh(['ip', 'netns', 'del', NS]);
    } catch {
      // already gone
    }
    for (let i = 0; i < 50; i++) {
      try {
        rmdirSync(cgroupDir);
        break;
      } catch {
        execFileSync('sleep', ['0.1']);
      }
    }
  });

  async function waitForPortInNs(p: number): Promise<void> {
    for (let i = 0; i < 100; i++) {
      try {
        execFileSync('ip', ['netns', 'exec', NS, 'curl', '-s', '-o', '/dev/null', `http://127.0.0.1:${p}/`]);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error('the namespaced server did not start');
  }

  it('names the process of each end with its command line, executable, cgroup and parent', async () => {
    const rec = await recordWhile(['--port', String(port)], async () => {
      execFileSync('ip', ['netns', 'exec', NS, 'curl', '-s', '-o', '/dev/null', `http://127.0.0.1:${port}/json`]);
    });
    const s = new SessionView(rec.file);
    try {
      const srv = s.connections('c.role = ?', Role.SERVER)[0];
      const proc = s.processes().find((p) => p.pid === srv.pid);
      expect(proc.comm).toBe('node');
      expect(JSON.parse(proc.argv)).toEqual(['node', join(TESTDATA, 'servers/node-http-server.mjs'), String(port)]);
      expect(proc.exe).toMatch(/\/node$/);
      expect(proc.cgroup).toBe(`/${cgroupName}`);
      expect(proc.ppid).toBeGreaterThan(0);
      expect(proc.source).toBe('proc');
      expect(BigInt(proc.start_time)).toBeLessThan(BigInt(proc.first_seen));
      // curl exited long before anyone could read /proc: the kernel's copy of its command line
      const client = s.connections('c.role = ?', Role.CLIENT)[0];
      const curlProc = s.processes().find((p) => p.pid === client.pid);
      expect(JSON.parse(curlProc.argv)).toEqual(['curl', '-s', '-o', '/dev/null', `http://127.0.0.1:${port}/json`]);
      expect(curlProc.cgroup).not.toBe(`/${cgroupName}`);
    } finally {
      s.close();
    }
  });

  it('captures traffic crossing into a network namespace, with the addresses each side sees', async () => {
    // a forwarder in the namespace listens on its veth address and relays to the server
    const fwdPort = await freePort();
    const fwd = spawn('ip', ['netns', 'exec', NS, 'python3', '-c', `
import socket, threading
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(('${NS_IP}', ${fwdPort})); srv.listen(4)
while True:
    c, _ = srv.accept()
    req = c.recv(65536)
    if req:  # the readiness probe connects and closes without a request
        u = socket.create_connection(('127.0.0.1', ${port}))
        u.sendall(req); c.sendall(u.recv(65536)); u.close()
    c.close()
`]);
    try {
      await waitForPort(fwdPort, NS_IP);
      const rec = await recordWhile(['--port', String(fwdPort)], () => curl('-o', '/dev/null', `http://${NS_IP}:${fwdPort}/json`));
      const s = new SessionView(rec.file);
      try {
        const client = s.connections('c.role = ?', Role.CLIENT)[0];
        const server = s.connections('c.role = ?', Role.SERVER)[0];
        expect(client).toMatchObject({ comm: 'curl', local_addr: HOST_IP, remote_addr: NS_IP, remote_port: fwdPort });
        expect(server).toMatchObject({ comm: 'python3', local_addr: NS_IP, local_port: fwdPort, remote_addr: HOST_IP, remote_port: client.local_port });
      } finally {
        s.close();
      }
    } finally {
      fwd.kill('SIGKILL');
    }
  });
});
