#!/usr/bin/env node
// One scenario of real WebSocket traffic between the `ws` package's server and client on
// 127.0.0.1, for record.sh to capture. Each peer logs what it received (the receiver sees every
// message of its direction, pings and pongs included) to LOG as JSON lines, which the corpus test
// compares with the parser's messages.
//
//   node scenarios.mjs NAME PORT LOG          (NAME: see SCENARIOS below)
//   node scenarios.mjs --server PORT LOG OPTIONS_JSON    (a server alone, for other clients)
import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { WebSocket, WebSocketServer } from 'ws';

const [name, portText, log, optionsJson] = process.argv.slice(2);
const port = Number(portText);
const KEEP = 64 * 1024;

/** What the corpus test compares: direction, type, length, and a digest of the first 64 KiB. */
function record(dir, type, data, extra = {}) {
  const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
  const head = createHash('sha256').update(bytes.subarray(0, KEEP)).digest('hex').slice(0, 16);
  appendFileSync(log, `${JSON.stringify({ dir, type, length: bytes.length, head, ...extra })}\n`);
}

/** A server that logs what it receives (c2s) and runs `onConnection` for its part of the scenario. */
function server(options, onConnection = () => {}) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port, ...options });
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => record('c2s', isBinary ? 'binary' : 'text', data));
    ws.on('ping', (data) => record('c2s', 'ping', data));
    ws.on('pong', (data) => record('c2s', 'pong', data));
    ws.on('close', (code, reason) => {
      record('c2s', 'close', reason, { code });
      wss.close();
    });
    onConnection(ws);
  });
  return new Promise((resolve) => wss.on('listening', () => resolve(wss)));
}

/** A client that logs what it receives (s2c), runs its part, and resolves when closed. */
function client(options, run) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/chat`, options);
  ws.on('message', (data, isBinary) => record('s2c', isBinary ? 'binary' : 'text', data));
  ws.on('ping', (data) => record('s2c', 'ping', data));
  ws.on('pong', (data) => record('s2c', 'pong', data));
  return new Promise((resolve, reject) => {
    ws.on('close', (code, reason) => {
      record('s2c', 'close', reason, { code });
      resolve();
    });
    ws.on('error', reject);
    ws.on('open', () => run(ws));
  });
}

const pause = (ms) => new Promise((r) => setTimeout(r, ms));
const binary = (n, seed = 7) => Buffer.from(Array.from({ length: n }, (_, i) => (i * seed + (i >> 8)) & 0xff));
/** Runs of one byte (a case file writes each as one "> repeat" line), in a pattern that ends mid-run. */
const blocks = (n) => Buffer.from(Array.from({ length: n }, (_, i) => Math.floor(i / 999) & 0xff));
/** Text that compresses well and repeats across messages: what context takeover is for. */
const chatter = (k) => `{"type":"update","channel":"prices","seq":${k},"symbol":"ACME","bid":${100 + k},"ask":${101 + k}}`;

/** The server's side of every scenario: echo, and on "big" or "fragments" send those. */
function serverPart(ws) {
  ws.on('message', (data, isBinary) => {
    const text = isBinary ? '' : data.toString();
    if (text === 'big') ws.send(blocks(200_000));
    else if (text === 'fragments') {
      // one message in three frames, a ping between two of them (ws sends control frames at once)
      ws.send('first part, ', { fin: false });
      ws.ping('between');
      ws.send('second part, ', { fin: false });
      ws.send('last part: ünïcödé ✓', { fin: true });
    } else ws.send(data, { binary: isBinary });
  });
}

async function clientPart(ws, extra) {
  ws.send('hello');
  ws.send(binary(300));
  ws.send('ünïcödé text ✓ 🎉');
  ws.ping('are you there');
  for (let k = 0; k < 3; k++) ws.send(chatter(k));
  ws.send(binary(1000, 3)); // a 16-bit length
  ws.send('fragments');
  await pause(100);
  if (extra.big) {
    ws.send('big');
    await pause(200);
  }
  ws.send('', { binary: false });
  await pause(100);
  ws.close(4001, 'done here');
}

const SCENARIOS = {
  // no extension: masking, 7/16-bit lengths, UTF-8, ping/pong, a fragmented message, close 4001
  plain: { server: { perMessageDeflate: false }, client: { perMessageDeflate: false }, extra: { big: true } },
  // permessage-deflate with context takeover (threshold 0: every message compressed)
  deflate: { server: { perMessageDeflate: { threshold: 0 } }, client: { perMessageDeflate: { threshold: 0 } }, extra: { big: true } },
  // no context takeover on the server's side, smaller windows both ways
  'deflate-no-takeover': {
    server: { perMessageDeflate: { threshold: 0, serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10 } },
    client: { perMessageDeflate: { threshold: 0, clientMaxWindowBits: 11 } },
    extra: {},
  },
};

if (name === '--server') {
  await server(JSON.parse(optionsJson ?? '{}'), serverPart);
} else {
  const scenario = SCENARIOS[name];
  if (!scenario) throw new Error(`unknown scenario ${name}: ${Object.keys(SCENARIOS).join(', ')}`);
  const wss = await server(scenario.server, serverPart);
  await client(scenario.client, (ws) => void clientPart(ws, scenario.extra));
  await pause(100);
  wss.close();
}
