// SNI, ALPN and version read from real handshakes: Node's OpenSSL as client and server, with the
// bytes taken off the wire by a TCP relay between them.
import { readFileSync } from 'node:fs';
import { type AddressInfo, connect as tcpConnect, createServer as tcpServer } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect, createServer as tlsServer, type SecureVersion } from 'node:tls';
import { describe, expect, it } from 'vitest';

import { firstHandshakeMessage, parseClientHello, parseServerHello } from '../../../src/protocols/tls/hello.js';

const TLS_DIR = join(import.meta.dirname, '../../../testdata/tls');

/** The first bytes each side sent in one real handshake. */
async function handshake(o: { servername?: string; alpn?: string[]; serverAlpn?: string[]; maxVersion?: SecureVersion }) {
  const server = tlsServer({ cert: readFileSync(join(TLS_DIR, 'cert.pem')), key: readFileSync(join(TLS_DIR, 'key.pem')), ALPNProtocols: o.serverAlpn, maxVersion: o.maxVersion }, (s) => s.end('bye'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const seen = { c2s: [] as Buffer[], s2c: [] as Buffer[] };
  const relay = tcpServer((down) => {
    const up = tcpConnect((server.address() as AddressInfo).port, '127.0.0.1');
    down.on('data', (d: Buffer) => (seen.c2s.push(d), up.write(d)));
    up.on('data', (d: Buffer) => (seen.s2c.push(d), down.write(d)));
    down.on('close', () => up.destroy());
    up.on('close', () => down.destroy());
    down.on('error', () => {});
    up.on('error', () => {});
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  try {
    await new Promise<void>((resolve, reject) => {
      const c = tlsConnect({ port: (relay.address() as AddressInfo).port, host: '127.0.0.1', servername: o.servername, ALPNProtocols: o.alpn, rejectUnauthorized: false, maxVersion: o.maxVersion });
      c.on('error', reject);
      c.on('data', () => {});
      c.on('end', () => (c.end(), resolve()));
    });
  } finally {
    relay.close();
    server.close();
  }
  return { client: Buffer.concat(seen.c2s), server: Buffer.concat(seen.s2c) };
}

describe('TLS hello', () => {
  it('TLS 1.3: the server name and offered protocols from the client; the version from the server', async () => {
    const { client, server } = await handshake({ servername: 'api.example.test', alpn: ['h2', 'http/1.1'], serverAlpn: ['h2'] });
    expect(parseClientHello(client)).toEqual({ serverName: 'api.example.test', alpn: ['h2', 'http/1.1'] });
    // 1.3 sends the chosen protocol encrypted
    expect(parseServerHello(server)).toEqual({ version: 'TLS 1.3', alpn: null });
  });

  it('TLS 1.2: the chosen protocol is in the server hello', async () => {
    const { client, server } = await handshake({ servername: 'localhost', alpn: ['h2', 'http/1.1'], serverAlpn: ['http/1.1'], maxVersion: 'TLSv1.2' });
    expect(parseClientHello(client)?.serverName).toBe('localhost');
    expect(parseServerHello(server)).toEqual({ version: 'TLS 1.2', alpn: 'http/1.1' });
  });

  it('no SNI (an IP address) and no ALPN', async () => {
    const { client } = await handshake({});
    expect(parseClientHello(client)).toEqual({ serverName: null, alpn: [] });
  });

  it('a hello split over two records is joined', async () => {
    const { client } = await handshake({ servername: 'split.example', alpn: ['http/1.1'] });
    const msg = firstHandshakeMessage(client)!;
    const body = Buffer.concat([Buffer.from([1]), Buffer.from([0, (msg.body.length >> 8) & 0xff, msg.body.length & 0xff]), msg.body]);
    const cut = 40;
    const record = (b: Buffer) => Buffer.concat([Buffer.from([22, 3, 1, b.length >> 8, b.length & 0xff]), b]);
    const split = Buffer.concat([record(body.subarray(0, cut)), record(body.subarray(cut))]);
    expect(parseClientHello(split)).toEqual({ serverName: 'split.example', alpn: ['http/1.1'] });
  });

  it('cut short anywhere, or not a hello at all: what could be read, never an exception', async () => {
    const { client, server } = await handshake({ servername: 'cut.example', alpn: ['h2'] });
    for (let n = 0; n <= client.length; n++) expect(() => parseClientHello(client.subarray(0, n))).not.toThrow();
    for (let n = 0; n <= server.length; n++) expect(() => parseServerHello(server.subarray(0, n))).not.toThrow();
    expect(parseClientHello(Buffer.from('GET / HTTP/1.1\r\n\r\n'))).toBeNull();
    expect(parseServerHello(client)).toBeNull(); // a client hello is not a server hello
    // lengths that lie
    const lying = Buffer.from(client);
    lying.writeUInt16BE(0xffff, 3);
    expect(() => parseClientHello(lying)).not.toThrow();
  });
});
