// WebSocket between real peers (the `ws` package, Python's websockets, through nginx, over TLS),
// recorded by the real recorder: every message of the session held against the client's own
// account of what it sent and got.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';

import type { Exchange } from '../../src/model/exchange.js';
import type { WebSocketMessage } from '../../src/model/ws-message.js';
import { Session } from '../../src/session/session.js';
import { type Server, describeCapture, freePort, recordWhile, run, startNginx, startServer, tempDir, CLI } from './harness.js';
import { makeCertificate } from './peers.js';
import { outputOf, requireProgram } from './programs.js';

const PEER = fileURLToPath(new URL('../../testdata/clients/ws/peer.mjs', import.meta.url));
const PYTHON_CLIENT = fileURLToPath(new URL('../../testdata/clients/ws/python_client.py', import.meta.url));

/** One line of a client's account (peer.mjs, python_client.py). */
interface Said {
  dir: 'sent' | 'received' | 'closed';
  type?: string;
  text?: string;
  hex?: string;
  frames?: number;
  code?: number;
  reason?: string;
}

/** The CLI's output as text (run() keeps the bytes as latin1). */
const cli = (...args: string[]) => Buffer.from(run(CLI, args), 'latin1').toString('utf8');

const account = (out: string): Said[] =>
  out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Said);

interface Upgrade {
  ex: Exchange;
  messages: WebSocketMessage[];
}

/** Every WebSocket upgrade of a session with its messages, in time order. */
function upgradesOf(file: string): Upgrade[] {
  const session = Session.open(file);
  try {
    return session
      .exchanges({ where: "x.upgrade = 'websocket'" })
      .map((x) => session.exchange(Number(x.id))!)
      .map((ex) => ({ ex, messages: session.wsMessages(ex.id) }));
  } finally {
    session.close();
  }
}

/** A message as a client's account would say it (a text the recording cut is held as a prefix). */
function matches(m: WebSocketMessage, s: Said): boolean {
  if (m.type !== s.type) return false;
  if (s.text !== undefined) {
    if (m.text === null || m.length !== Buffer.byteLength(s.text)) return false;
    return m.cut ? s.text.startsWith(m.text) && m.text.length > 0 : m.text === s.text;
  }
  return Buffer.from(m.payload).toString('hex') === s.hex;
}

/** The data and ping/pong messages each way are the client's, in its order; the close is its. */
function expectSameAs(u: Upgrade, said: Said[], opts: { pongSaid?: boolean } = {}): void {
  const each = (dir: 'c2s' | 's2c', saidDir: 'sent' | 'received') => {
    const got = u.messages.filter((m) => m.dir === dir && m.type !== 'close' && (opts.pongSaid !== false || m.type !== 'pong'));
    const want = said.filter((s) => s.dir === saidDir);
    expect(got.map((m) => `${m.type} ${m.length}`)).toEqual(want.map((s) => `${s.type} ${s.text !== undefined ? Buffer.byteLength(s.text) : s.hex!.length / 2}`));
    got.forEach((m, i) => expect(matches(m, want[i]), `${dir} message ${i}: ${m.text ?? m.type}`).toBe(true));
  };
  each('c2s', 'sent');
  each('s2c', 'received');
  const closed = said.find((s) => s.dir === 'closed')!;
  // the client closes; the server answers with the same code
  const closes = u.messages.filter((m) => m.type === 'close');
  expect(closes.map((m) => [m.dir, m.close?.code, m.close?.reason])).toEqual([
    ['c2s', closed.code, closed.reason],
    ['s2c', closed.code, closed.reason],
  ]);
  expect(u.messages.every((m) => m.complete && !m.gap && m.flaws.length === 0)).toBe(true);
  expect(u.messages.map((m) => m.seq)).toEqual(u.messages.map((_, i) => i));
}

async function startWsServer(...flags: string[]): Promise<Server> {
  const port = await freePort();
  return startServer(process.execPath, [PEER, 'server', String(port), ...flags], port);
}

describeCapture('WebSocket from real peers', () => {
  let plain: Server;
  let noDeflate: Server;
  let secure: Server;
  let nginx: Server;
  let cert: { certFile: string; keyFile: string };
  beforeAll(async () => {
    cert = await makeCertificate(tempDir('tinytap-ws-cert-'));
    [plain, noDeflate, secure] = await Promise.all([startWsServer(), startWsServer('--no-deflate'), startWsServer('--tls', cert.certFile, cert.keyFile)]);
    // nginx as a WebSocket proxy: permessage-deflate is negotiated end to end, through it
    nginx = await startNginx(
      tempDir('tinytap-ws-www-'),
      `location /chat {
      proxy_pass http://127.0.0.1:${plain.port};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection "upgrade";
    }`,
    );
  });
  afterAll(async () => {
    await Promise.all([plain?.stop(), noDeflate?.stop(), secure?.stop(), nginx?.stop()]);
  });

  it('ws client and server with permessage-deflate: every message, fragment, ping and close, as the client saw them', async () => {
    let out = '';
    const rec = await recordWhile(['--port', String(plain.port)], async () => {
      out = await outputOf(process.execPath, [PEER, 'client', `ws://127.0.0.1:${plain.port}/chat`]);
    });
    expect(rec.code, rec.stderr).toBe(0);
    const said = account(out);
    const [u] = upgradesOf(rec.file);
    expect(u.ex.response?.status).toBe(101);
    expect(u.ex.websocket).toMatchObject({ extensions: 'permessage-deflate', messages: u.messages.length });
    expectSameAs(u, said);
    // what only the wire shows: compression (with context takeover the repeated pushes shrink),
    // the fragmented message's frames, the 200 kB text cut at the kept limit
    const c2s = u.messages.filter((m) => m.dir === 'c2s');
    expect(c2s.filter((m) => m.type === 'text' || m.type === 'binary').every((m) => m.compressed)).toBe(true);
    expect(c2s.find((m) => m.text === 'fragmented text in three frames')?.frames).toBe(3);
    const pushes = u.messages.filter((m) => m.text?.startsWith('{"push"'));
    expect(pushes[2].wireLength).toBeLessThan(pushes[0].wireLength);
    expect(u.messages.filter((m) => m.cut === 'message-limit').map((m) => [m.dir, m.payload.length])).toEqual([
      ['c2s', 64 * 1024],
      ['s2c', 64 * 1024],
    ]);

    // search finds text inside messages, and says which way they went
    const found = cli('search', rec.file, 'sent by the server unasked');
    expect(found).toContain(`#${u.ex.id}`);
    expect(found).toContain('messages received');
    // show lists them under the upgrade
    const shown = cli('show', rec.file, String(u.ex.id));
    expect(shown).toContain(`WebSocket  ${u.messages.length} messages`);
    expect(shown).toMatch(/→ text +31 B +fragmented text in three frames +\(\d+ B compressed, 3 frames\)/);
    expect(shown).toMatch(/← close +6 B +4000 done/);
    // show --json and HAR carry all of them
    const asJson = JSON.parse(cli('show', rec.file, String(u.ex.id), '--json')) as { websocket: { messages: { text?: string; base64?: string }[] } };
    expect(asJson.websocket.messages).toHaveLength(u.messages.length);
    const har = JSON.parse(cli('export', rec.file, '--har', '--include-secrets')) as {
      log: { entries: { _resourceType?: string; _webSocketMessages?: { type: string; opcode: number; data: string }[] }[] };
    };
    const entry = har.log.entries[0];
    expect(entry._resourceType).toBe('websocket');
    expect(entry._webSocketMessages!.map((m) => `${m.type} ${m.opcode}`)).toEqual(u.messages.map((m) => `${m.dir === 'c2s' ? 'send' : 'receive'} ${m.opcode}`));
    expect(entry._webSocketMessages!.find((m) => m.opcode === 2)?.data).toBe(Buffer.from('00010203fafbfcfdfeff', 'hex').toString('base64'));
  });

  it('without permessage-deflate: the same messages, none compressed', async () => {
    let out = '';
    const rec = await recordWhile(['--port', String(noDeflate.port)], async () => {
      out = await outputOf(process.execPath, [PEER, 'client', `ws://127.0.0.1:${noDeflate.port}/`, '--no-deflate']);
    });
    expect(rec.code, rec.stderr).toBe(0);
    const [u] = upgradesOf(rec.file);
    expect(u.ex.websocket?.extensions).toBeNull();
    expectSameAs(u, account(out));
    expect(u.messages.some((m) => m.compressed)).toBe(false);
  });

  it("Python's websockets client against the ws server", async () => {
    requireProgram('/usr/bin/python3');
    let out = '';
    const rec = await recordWhile(['--port', String(plain.port)], async () => {
      out = await outputOf('/usr/bin/python3', [PYTHON_CLIENT, `ws://127.0.0.1:${plain.port}/py`]);
    });
    expect(rec.code, rec.stderr).toBe(0);
    const [u] = upgradesOf(rec.file);
    expect(u.ex.request.headers.find((h) => h.name.toLowerCase() === 'user-agent')?.value).toMatch(/websockets/i);
    // the client does not print the pong it awaited: the session has it, answering its ping
    expectSameAs(u, account(out), { pongSaid: false });
    expect(u.messages.filter((m) => m.type === 'pong').map((m) => [m.dir, Buffer.from(m.payload).toString()])).toEqual([['s2c', 'py-ping']]);
    expect(u.messages.find((m) => m.text?.startsWith('ünïcödé'))?.text).toBe('ünïcödé text ✓');
  });

  it('through an nginx proxy with compression: both hops hold the same messages', async () => {
    let out = '';
    const rec = await recordWhile(['--port', String(nginx.port), '--port', String(plain.port)], async () => {
      out = await outputOf(process.execPath, [PEER, 'client', `ws://127.0.0.1:${nginx.port}/chat`]);
    });
    expect(rec.code, rec.stderr).toBe(0);
    const said = account(out);
    const ups = upgradesOf(rec.file);
    expect(ups.map((u) => [u.ex.client.comm, u.ex.server.comm, u.ex.response?.status])).toEqual([
      ['node', 'nginx', 101],
      ['nginx', 'node', 101],
    ]);
    for (const u of ups) {
      expect(u.ex.websocket?.extensions).toBe('permessage-deflate');
      expectSameAs(u, said);
    }
  });

  it('over TLS (wss): read from the plaintext, the same messages', async () => {
    let out = '';
    const rec = await recordWhile(['--port', String(secure.port)], async () => {
      out = await outputOf(process.execPath, [PEER, 'client', `wss://127.0.0.1:${secure.port}/tls`, '--ca', cert.certFile]);
    });
    expect(rec.code, rec.stderr).toBe(0);
    const [u] = upgradesOf(rec.file);
    expect(u.ex.tls).not.toBeNull();
    expect(u.ex.request.url).toBe(`https://127.0.0.1:${secure.port}/tls`);
    expectSameAs(u, account(out));
  });
});
