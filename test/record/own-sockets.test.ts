/**
 * The records tinytap writes for its own sockets (a replay's session), read back by the same
 * Session as any recording: a real connection over IPv6 loopback to a real server.
 */
import { once } from 'node:events';
import { type Server, createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Capture, defaultCaptureOptions } from '../../src/record/capture.js';
import { addressBytes, ownSocketsBinding } from '../../src/record/own-sockets.js';
import { Http1ClientConnection } from '../../src/replay/http1-client.js';
import { parseTarget } from '../../src/replay/targets.js';
import { Session } from '../../src/session/session.js';
import { tempDir } from '../helpers/session-files.js';

describe('records of tinytap\'s own sockets', () => {
  it('addresses as a CONN record holds them', () => {
    expect(addressBytes('127.0.0.1')).toEqual({ family: 2, bytes: [127, 0, 0, 1] });
    expect(addressBytes('::1')).toEqual({ family: 10, bytes: [...Array<number>(15).fill(0), 1] });
    expect(addressBytes('::ffff:127.0.0.1').bytes).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1]);
    expect(addressBytes('2001:db8::8:1').bytes).toEqual([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 1]);
  });

  let server: Server;
  let port = 0;
  beforeAll(async () => {
    // answers every request with a body framed by the close, as an HTTP/1.0 server does, after
    // a response split across many writes
    server = createServer((sock) => {
      sock.once('data', () => {
        sock.write('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n');
        for (let i = 0; i < 50; i++) sock.write(`line ${i} ${'x'.repeat(3000)}\n`);
        sock.end();
      });
    });
    server.listen(0, '::1');
    await once(server, 'listening');
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('a connection over ::1, a response framed by the close, written and read back whole', async () => {
    const file = join(tempDir('tinytap-own-'), 'own.tinytap');
    const binding = ownSocketsBinding();
    const capture = new Capture(defaultCaptureOptions(file, { tls: false, sendfileBodies: false }), binding);
    capture.start();
    const conn = new Http1ClientConnection(parseTarget(`http://[::1]:${port}`), binding.recorder()!, { address: '::1', insecure: false, timeoutMs: 5000 });
    await conn.open();
    const res = await conn.exchange(Buffer.from(`GET /x HTTP/1.1\r\nHost: [::1]:${port}\r\n\r\n`));
    conn.close();
    const ended = await capture.stop('quit');
    expect(ended.error).toBeUndefined();
    const want = Array.from({ length: 50 }, (_, i) => `line ${i} ${'x'.repeat(3000)}\n`).join('');
    expect(res.body.toString()).toBe(want);
    expect(res.keepAlive).toBe(false);

    const s = Session.open(file);
    try {
      const [row] = s.exchanges();
      const ex = s.exchange(Number(row.id))!;
      expect(ex.server.addr).toBe('::1');
      expect(ex.server.port).toBe(port);
      expect(ex.client.pid).toBe(process.pid);
      expect(ex.request.target).toBe('/x');
      expect(Buffer.from(ex.response!.body.captured).toString()).toBe(want);
      expect(ex.response!.body.complete).toBe(true);
    } finally {
      s.close();
    }
  });
});
