/**
 * A session of every kind at once, for the tests that compare ways of building it: many
 * interleaved keep-alive connections over many blocks, gzip bodies, Redis calls made while a
 * request is served (linked, N+1), a request left unanswered on an open connection, a WebSocket,
 * TLS plaintext and a connection with only its client captured.
 */
import { gzipSync } from 'node:zlib';

import { CURL, NODE, PYTHON, ScriptedSession } from './scripted-session.js';
import { SWITCHED, UPGRADE, frame } from './ws-frames.js';

export function scriptEverything(path: string): ScriptedSession {
  const s = new ScriptedSession(path);
  const app = { pid: 21, comm: 'node' };
  const redis = { pid: 22, comm: 'redis-server' };
  const gz = gzipSync(Buffer.from('compressed needle text '.repeat(40)));
  const conns = Array.from({ length: 12 }, (_, k) => s.tcp({ pid: 100 + k, comm: 'curl' }, app, { serverPort: 3000 }));
  const r = s.tcp(app, redis, { serverPort: 6379 });
  for (let round = 0; round < 40; round++) {
    for (const [k, c] of conns.entries()) {
      c.send('c2s', `GET /items/${round}/${k}?q=${round * k} HTTP/1.1\r\nHost: app.local\r\nAccept: */*\r\n\r\n`);
      // the server asks Redis while it serves: linked to the request, N+1 past five
      for (let q = 0; q < (k % 7); q++) {
        r.send('c2s', `*2\r\n$3\r\nGET\r\n$6\r\nuser:${q}\r\n`);
        r.send('s2c', '$1\r\n1\r\n');
      }
      if (k % 3 === 0) c.send('s2c', Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`), gz]));
      else c.send('s2c', `HTTP/1.1 ${k % 4 === 1 ? '404 Not Found' : '200 OK'}\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{"round":${String(round).padStart(4, '0')}}`);
      s.wait(1);
    }
    if (round % 5 === 4) s.commit();
  }
  // a request that never got its answer, on a connection left open
  conns[0].send('c2s', 'POST /late HTTP/1.1\r\nHost: app.local\r\nContent-Length: 4\r\n\r\nlate');
  for (const c of conns.slice(1)) c.close();
  r.close();
  const ws = s.tcp(NODE, PYTHON, { serverPort: 8765 });
  ws.send('c2s', UPGRADE);
  ws.send('s2c', Buffer.concat([Buffer.from(SWITCHED(''), 'latin1'), frame(1, 'welcome')]));
  for (let i = 0; i < 30; i++) {
    ws.send('c2s', frame(1, `{"subscribe":"prices-${i}"}`, { masked: true }));
    ws.send('s2c', frame(1, `price ${i}`));
    if (i % 10 === 9) s.commit();
  }
  ws.close();
  const tls = s.tcp(CURL, NODE, { serverPort: 8443, tls: {} });
  tls.send('c2s', 'GET /secret HTTP/1.1\r\nHost: tls.local\r\n\r\n');
  tls.send('s2c', 'HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret');
  tls.close();
  const remote = s.tcp(CURL, NODE, { serverPort: 9000, only: 'client' });
  remote.send('c2s', 'GET /far HTTP/1.1\r\nHost: far\r\n\r\n');
  remote.send('s2c', 'HTTP/1.1 204 No Content\r\n\r\n');
  remote.close();
  return s;
}

