// Bodies sent with sendfile() and splice() (nginx's static files, Go's http.ServeFile, a splice
// sender), captured on the TCP send path: the server's end alone shows the whole body.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { DataFlag, Syscall } from '../../src/events/layout.js';
import {
  CLI,
  TESTDATA,
  type Server,
  SessionView,
  curl,
  describeCapture,
  freePort,
  recordWhile,
  runAsync,
  runRecorder,
  startNginx,
  startServer,
  tempDir,
} from './harness.js';

function tinytap(...args: string[]) {
  return runAsync(process.execPath, [CLI, ...args]);
}

/** The response body of exchange `id` as captured, from `show --raw` (bytes as on the wire). */
async function rawResponseBody(file: string, id: number): Promise<Buffer> {
  const r = await new Promise<Buffer>((resolve) => {
    const p = spawn(process.execPath, [CLI, 'show', file, String(id), '--raw']);
    const parts: Buffer[] = [];
    p.stdout.on('data', (d) => parts.push(d));
    p.on('exit', () => resolve(Buffer.concat(parts)));
  });
  const at = r.indexOf('HTTP/1.1 200');
  const head = r.indexOf('\r\n\r\n', at);
  return r.subarray(head + 4);
}

async function showJson(file: string, id: number) {
  const r = await tinytap('show', file, String(id), '--json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describeCapture('sendfile and splice bodies', () => {
  const www = tempDir('tinytap-sf-');
  chmodSync(www, 0o755);
  const text = Buffer.from(Array.from({ length: 3000 }, (_, i) => `line ${i} of a text file served by sendfile\n`).join(''));
  const small = Buffer.alloc(20_000);
  const large = Buffer.alloc(300_000);
  for (const b of [small, large]) for (let i = 0; i < b.length; i++) b[i] = (i * 131 + (i >> 7) * 17) & 0xff;
  writeFileSync(join(www, 'notes.txt'), text);
  writeFileSync(join(www, 'small.bin'), small);
  writeFileSync(join(www, 'large.bin'), large);
  for (const f of ['notes.txt', 'small.bin', 'large.bin']) chmodSync(join(www, f), 0o644);

  let nginx: Server;
  beforeAll(async () => {
    nginx = await startNginx(www);
  });
  afterAll(async () => {
    await nginx?.stop();
  });

  async function fetchAll(port: number, files: string[]) {
    for (const f of files) {
      const out = join(tempDir(), f);
      const r = await curl('-o', out, `http://127.0.0.1:${port}/${f}`);
      expect(r.code, r.stderr).toBe(0);
    }
  }

  it('nginx with sendfile on: the server end alone holds every body, byte for byte, once', async () => {
    // --comm nginx: only the server's end is captured, so nothing but the send path has the body
    const rec = await recordWhile(['--comm', 'nginx', '--max-payload', '256k'], () => fetchAll(nginx.port, ['notes.txt', 'small.bin', 'large.bin']));
    const ls = (await tinytap('ls', rec.file, '--json')).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(ls.map((x) => [x.path, x.status, x.response_size, x.client.comm, x.server.comm])).toEqual([
      ['/notes.txt', 200, text.length, null, 'nginx'],
      ['/small.bin', 200, small.length, null, 'nginx'],
      ['/large.bin', 200, large.length, null, 'nginx'],
    ]);
    for (const [i, body] of [text, small].entries()) {
      const ex = await showJson(rec.file, ls[i].id);
      expect(ex.response.body).toMatchObject({ size: body.length, captured: body.length, complete: true, missing: null });
      expect((await rawResponseBody(rec.file, ls[i].id)).equals(body)).toBe(true);
    }
    const shown = await tinytap('show', rec.file, String(ls[0].id), '--full');
    expect(shown.stdout).toContain('line 2999 of a text file served by sendfile');
    expect(shown.stdout).not.toMatch(/sendfile\/splice; .* not captured/);
    // larger than --max-payload: captured up to the cap, the rest noted with the real length
    const big = await showJson(rec.file, ls[2].id);
    expect(big.response.body).toMatchObject({ size: large.length, captured: 256 * 1024, complete: false });
    expect((await rawResponseBody(rec.file, ls[2].id)).equals(large.subarray(0, 256 * 1024))).toBe(true);

    // not duplicated: the body bytes in the file equal what was sent, once
    const s = new SessionView(rec.file);
    try {
      const body = s.events().filter((e) => e.flags & DataFlag.BODY_SOURCE);
      const sendfiles = s.events({ syscall: Syscall.SENDFILE });
      expect(sendfiles.map((e) => e.ret)).toEqual([text.length, small.length, large.length]);
      const captured = body.reduce((n, e) => n + e.payload.length, 0);
      expect(captured).toBe(text.length + small.length + 256 * 1024);
      expect(s.meta('sendfile_bodies')).toEqual({ captured: true, note: null });
    } finally {
      s.close();
    }
  });

  it('with --no-sendfile-body, the sendfile marker has the right size and the body is noted as not captured', async () => {
    const rec = await recordWhile(['--comm', 'nginx', '--no-sendfile-body'], () => fetchAll(nginx.port, ['small.bin']));
    expect(rec.stderr).toContain('note: sendfile/splice bodies are not captured (--no-sendfile-body)');
    const ex = await showJson(rec.file, 1);
    expect(ex.response.body).toMatchObject({ size: small.length, captured: 0, missing: 'zerocopy', complete: false });
    const shown = await tinytap('show', rec.file, '1');
    expect(shown.stdout).toContain(`response body: ${small.length.toLocaleString('en-US')} B sent with sendfile/splice; ${small.length.toLocaleString('en-US')} B not captured`);
    const s = new SessionView(rec.file);
    try {
      const sf = s.events({ syscall: Syscall.SENDFILE });
      expect(sf.map((e) => [e.ret, e.payload.length, !!(e.flags & DataFlag.ZEROCOPY)])).toEqual([[small.length, 0, true]]);
      expect(s.events().some((e) => e.flags & DataFlag.BODY_SOURCE)).toBe(false);
      expect(s.meta('sendfile_bodies')).toEqual({ captured: false, note: 'sendfile/splice bodies are not captured (--no-sendfile-body)' });
    } finally {
      s.close();
    }
    const info = await tinytap('info', rec.file);
    expect(info.stdout).toMatch(/sendfile bodies\s+not captured \(sendfile\/splice bodies are not captured \(--no-sendfile-body\)\)/);
  });

  it('a splice sender (file → pipe → socket) is captured the same way', async () => {
    const port = await freePort();
    const sender = join(tempDir(), 'splice-server.py');
    writeFileSync(
      sender,
      `# answers every request with small.bin moved by splice(2): file -> pipe -> socket
import os, socket, sys
path, port = sys.argv[1], int(sys.argv[2])
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(('127.0.0.1', port)); srv.listen(8)
while True:
    c, _ = srv.accept()
    if not c.recv(65536):
        c.close(); continue
    size = os.path.getsize(path)
    c.sendall(b'HTTP/1.1 200 OK\\r\\nContent-Length: %d\\r\\nConnection: close\\r\\n\\r\\n' % size)
    r, w = os.pipe()
    with open(path, 'rb') as f:
        left = size
        while left:
            n = os.splice(f.fileno(), w, min(left, 65536))
            while n:
                n -= os.splice(r, c.fileno(), n)
            left -= min(left, 65536)
    os.close(r); os.close(w); c.close()
`,
    );
    const server = await startServer('python3', [sender, join(www, 'small.bin'), String(port)], port);
    try {
      const rec = await recordWhile(['--pid', String(server.proc.pid)], () => fetchAll(port, ['small.bin']));
      const s = new SessionView(rec.file);
      try {
        expect(s.events({ syscall: Syscall.SPLICE }).length).toBeGreaterThan(0);
      } finally {
        s.close();
      }
      const ex = await showJson(rec.file, 1);
      expect(ex.response.body).toMatchObject({ size: small.length, captured: small.length, complete: true });
      expect((await rawResponseBody(rec.file, 1)).equals(small)).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it('a 1 MiB splice from a pipe enlarged with F_SETPIPE_SZ: every byte, in order, none flagged short', async () => {
    const dir = tempDir();
    const file = join(dir, 'big-pipe.tinytap');
    const r = runRecorder(['-o', file, '--quiet', '--max-payload', '2m', '--', 'python3', join(TESTDATA, 'clients/splice-big-pipe.py'), '1000000']);
    expect((await r.exited).code, r.stderr).toBe(0);
    const said = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(said.received).toBe(1_000_000);
    const s = new SessionView(file);
    try {
      const [c] = s.connections('c.local_port = ? AND c.role = 1', said.port);
      const body = s.events({ connId: c.id }).filter((e) => e.syscall === Syscall.TCP_SENDMSG);
      body.sort((a, b) => a.streamOff - b.streamOff);
      const bytes = Buffer.concat(body.map((e) => e.payload));
      const expected = Buffer.alloc(1_000_000);
      for (let i = 0; i < expected.length; i++) expected[i] = (i * 7) & 0xff;
      expect(bytes.equals(expected)).toBe(true);
      expect(body.every((e) => !(e.flags & DataFlag.IOV_TRUNCATED))).toBe(true);
      expect(s.meta('drops')).toMatchObject({ walks_cut: 0 });
    } finally {
      s.close();
    }
  });

  it('Go http.ServeFile (sendfile through io.Copy) is captured', async () => {
    if (!existsSync('/usr/bin/go')) {
      // golang-go is one of setup.sh's packages; without it there is no Go server to test
      expect.fail('Go is not installed: run ./setup.sh');
    }
    const dir = tempDir('tinytap-go-');
    writeFileSync(
      join(dir, 'main.go'),
      `package main

import (
	"net/http"
	"os"
)

func main() {
	root := os.Args[1]
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		http.ServeFile(w, r, root+r.URL.Path)
	})
	http.ListenAndServe("127.0.0.1:"+os.Args[2], nil)
}
`,
    );
    execFileSync('go', ['build', '-o', join(dir, 'serve'), join(dir, 'main.go')], {
      cwd: dir,
      env: { ...process.env, GOCACHE: join(dir, 'cache'), GOPATH: join(dir, 'gopath'), GOFLAGS: '-mod=mod', GO111MODULE: 'off' },
    });
    const port = await freePort();
    const server = await startServer(join(dir, 'serve'), [www, String(port)], port);
    try {
      const rec = await recordWhile(['--pid', String(server.proc.pid)], () => fetchAll(port, ['small.bin']));
      const s = new SessionView(rec.file);
      try {
        // Go writes the first bytes with the head (write) and sends the rest with sendfile
        const sf = s.events({ syscall: Syscall.SENDFILE });
        expect(sf.length).toBeGreaterThan(0);
        expect(sf.reduce((n, e) => n + e.ret, 0)).toBeGreaterThan(small.length / 2);
      } finally {
        s.close();
      }
      const ex = await showJson(rec.file, 1);
      expect(ex.server.comm).toBe('serve');
      expect(ex.response.body).toMatchObject({ size: small.length, captured: small.length, complete: true });
      expect((await rawResponseBody(rec.file, 1)).equals(small)).toBe(true);
    } finally {
      await server.stop();
    }
  });
});

