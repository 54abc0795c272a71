// TLS plaintext recorded at the library, read back as HTTPS exchanges: the ciphertext's bytes are
// not kept, the plaintext's are, on the right connection, in every reader (build, loader, live).
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { TlsLib } from '../../src/events/layout.js';
import { LiveBuild } from '../../src/session/live.js';
import { Session } from '../../src/session/session.js';
import { CURL, NODE, ScriptedSession, type TlsScript } from '../helpers/scripted-session.js';
import { tempDir } from '../helpers/session-files.js';

const dir = tempDir('tinytap-tls-');
const REQ = 'POST /api/login?next=%2F HTTP/1.1\r\nHost: api.local\r\nContent-Length: 11\r\n\r\n{"user":42}';
const RESP = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n{"ok":1}\n';

async function https(name: string, tls: TlsScript, o: { commitBetween?: boolean; only?: 'client' | 'server' } = {}): Promise<string> {
  const path = join(dir, name);
  const s = new ScriptedSession(path);
  const c = s.tcp(CURL, NODE, { serverPort: 8443, tls, only: o.only });
  c.send('c2s', REQ);
  if (o.commitBetween) s.commit();
  c.send('s2c', RESP);
  // a second request on the same connection (keep-alive)
  c.send('c2s', 'GET /me HTTP/1.1\r\nHost: api.local\r\n\r\n');
  if (o.commitBetween) s.commit();
  c.send('s2c', 'HTTP/1.1 204 No Content\r\n\r\n');
  c.close();
  await s.finish();
  return path;
}

function expectHttps(file: string, lib: string): void {
  const session = Session.open(file);
  try {
    const xs = session.exchanges();
    expect(xs.map((x) => [x.method, x.url, Number(x.status)])).toEqual([
      ['POST', 'https://api.local/api/login?next=%2F', 200],
      ['GET', 'https://api.local/me', 204],
    ]);
    const post = session.exchange(Number(xs[0].id))!;
    expect(Buffer.from(post.request.body.captured).toString()).toBe('{"user":42}');
    expect(Buffer.from(post.response!.body.captured).toString()).toBe('{"ok":1}\n');
    const [flow] = session.flows();
    expect(flow).toMatchObject({ protocol: 'http/1.1', tls: lib, exchanges: 2 });
    // the socket's bytes are the ciphertext's: more than the plaintext, none of them kept
    expect(Number(flow.bytes_c2s)).toBeGreaterThan(REQ.length);
    const wire = session.wireBytes(Number(xs[0].id))!;
    expect(wire.request.toString()).toBe(REQ);
  } finally {
    session.close();
  }
}

describe('TLS plaintext in a session', () => {
  it('both ends decrypted by OpenSSL: HTTPS exchanges with bodies, on their connection', async () => {
    expectHttps(await https('openssl.tinytap', { lib: TlsLib.OPENSSL }), 'openssl');
  });

  it('one end decrypted (the other program was not watched): the exchanges are whole from it', async () => {
    expectHttps(await https('client-only.tinytap', { lib: TlsLib.GNUTLS }, { only: 'client' }), 'gnutls');
  });

  it('a client with memory BIOs (Node.js): plaintext written ahead of its socket, joined across blocks', async () => {
    expectHttps(await https('bio.tinytap', { lib: TlsLib.OPENSSL, clientBio: true }), 'openssl');
    // only the client recorded, each request's plaintext in a block of its own with no other
    // record of its connection: reading the connection's blocks finds it all the same
    const file = await https('bio-blocks.tinytap', { lib: TlsLib.OPENSSL, clientBio: true, commitAroundAhead: true }, { only: 'client' });
    expectHttps(file, 'openssl');
    const session = Session.open(file);
    try {
      expect(session.wireBytes(2)!.request.toString()).toBe('GET /me HTTP/1.1\r\nHost: api.local\r\n\r\n');
    } finally {
      session.close();
    }
  });

  it('a live follower joins plaintext written ahead of its socket the same way', async () => {
    const file = await https('bio-live.tinytap', { lib: TlsLib.OPENSSL, clientBio: true }, { commitBetween: true });
    const db = new Database(file, { readonly: true });
    try {
      const live = new LiveBuild(db);
      live.poll();
      live.finish();
      expect(db.prepare('SELECT method, url, status FROM temp.exchanges ORDER BY id').all()).toEqual([
        { method: 'POST', url: 'https://api.local/api/login?next=%2F', status: 200 },
        { method: 'GET', url: 'https://api.local/me', status: 204 },
      ]);
    } finally {
      db.close();
    }
  });
});
