// A WebSocket server and client from the `ws` package, for the capture tests: the client says
// on stdout, one JSON line per message, exactly what it sent and what it got, so the test holds
// the recording against the peer's own account.
//
//   node peer.mjs server PORT [--deflate|--no-deflate] [--tls CERT KEY]
//   node peer.mjs client URL [--deflate|--no-deflate] [--ca CERT]
//
// The server echoes every text or binary message back, and answers the text "push" with three
// messages of its own. The client sends: two JSON texts, a binary message, a text sent in three
// fragments, a ping, a large (200 kB) compressible text, "push", then closes with 4000 "done".
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import WebSocket, { WebSocketServer } from 'ws';

const [mode, where, ...flags] = process.argv.slice(2);
const deflate = !flags.includes('--no-deflate');
const say = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const describe = (data, isBinary) =>
  isBinary ? { type: 'binary', hex: Buffer.from(data).toString('hex') } : { type: 'text', text: Buffer.from(data).toString('utf8') };
// context takeover both ways (the default): each message's window reaches into the ones before
const perMessageDeflate = deflate ? { threshold: 0 } : false;

if (mode === 'server') {
  const tls = flags.indexOf('--tls');
  const options = { perMessageDeflate };
  let wss;
  if (tls >= 0) {
    const server = createServer({ cert: readFileSync(flags[tls + 1]), key: readFileSync(flags[tls + 2]) });
    wss = new WebSocketServer({ server, ...options });
    server.listen(Number(where), '127.0.0.1');
  } else wss = new WebSocketServer({ port: Number(where), host: '127.0.0.1', ...options });
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => {
      if (!isBinary && data.toString() === 'push') {
        for (let i = 1; i <= 3; i++) ws.send(JSON.stringify({ push: i, note: 'sent by the server unasked' }));
        return;
      }
      ws.send(data, { binary: isBinary });
    });
  });
} else if (mode === 'client') {
  const ca = flags.indexOf('--ca');
  const ws = new WebSocket(where, { perMessageDeflate, ...(ca >= 0 ? { ca: readFileSync(flags[ca + 1]) } : {}) });
  const expected = 9; // echoes of 2 texts, binary, fragmented, large; 3 pushes; the pong
  let got = 0;
  const done = () => {
    if (++got === expected) ws.close(4000, 'done');
  };
  ws.on('open', async () => {
    const send = (data, opts = {}) => {
      say({ dir: 'sent', ...describe(data, !!opts.binary) });
      ws.send(data, opts);
    };
    send(JSON.stringify({ hello: 'tinytap', n: 1 }));
    send(JSON.stringify({ hello: 'tinytap', n: 2, list: [1, 2, 3] }));
    send(Buffer.from([0, 1, 2, 3, 250, 251, 252, 253, 254, 255]), { binary: true });
    // one message in three frames (fin only on the last)
    const parts = ['fragmented ', 'text in ', 'three frames'];
    say({ dir: 'sent', type: 'text', text: parts.join(''), frames: 3 });
    parts.forEach((p, i) => ws.send(p, { fin: i === parts.length - 1 }));
    say({ dir: 'sent', type: 'ping', hex: Buffer.from('are you there').toString('hex') });
    ws.ping('are you there');
    send('large text, compressible. '.repeat(8000));
    send('push');
  });
  ws.on('message', (data, isBinary) => {
    say({ dir: 'received', ...describe(data, isBinary) });
    done();
  });
  ws.on('pong', (data) => {
    say({ dir: 'received', type: 'pong', hex: Buffer.from(data).toString('hex') });
    done();
  });
  ws.on('close', (code, reason) => {
    say({ dir: 'closed', code, reason: reason.toString() });
    // exit once stdout has taken every line: CI once lost the line of the last message sent
    // (after the 208 kB one) to an exit with writes still queued
    process.stdout.write('', () => process.exit(0));
  });
  ws.on('error', (e) => {
    console.error(e.message);
    process.exit(1);
  });
} else {
  console.error('usage: peer.mjs server PORT [--deflate|--no-deflate] [--tls CERT KEY] | client URL [--deflate|--no-deflate] [--ca CERT]');
  process.exit(2);
}
