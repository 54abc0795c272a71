#!/usr/bin/env node
// Node's built-in http2 module as both peers, for the corpus (record.sh captures it):
//   node node-h2.mjs PORT SCENARIO
// many: 20 concurrent requests; large: a 1 MiB response and a 64 kB upload; reset: the client
// resets a stream with stream.close(NGHTTP2_CANCEL); trailers: a response with trailers
// (waitForTrailers/sendTrailers); push: a server push with pushStream.
import http2 from 'node:http2';

const [port, scenario] = [Number(process.argv[2]), process.argv[3]];
const { NGHTTP2_CANCEL } = http2.constants;

const server = http2.createServer();
server.on('stream', (stream, headers) => {
  const path = headers[':path'];
  if (path === '/large') {
    stream.on('data', () => {});
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/octet-stream' });
      stream.end(Buffer.alloc(1024 * 1024, 0x61));
    });
    return;
  }
  if (path === '/slow') {
    stream.respond({ ':status': 200 });
    stream.write('first part');
    stream.on('error', () => {});
    return;
  }
  if (path === '/trailers') {
    stream.respond({ ':status': 200, 'content-type': 'text/plain' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'x-checksum': 'abc123', 'grpc-status': '0' }));
    stream.end('body before trailers');
    return;
  }
  if (path === '/push') {
    stream.pushStream({ ':path': '/style.css' }, (err, push) => {
      if (err) throw err;
      push.respond({ ':status': 200, 'content-type': 'text/css' });
      push.end('body { color: red }');
    });
    stream.respond({ ':status': 200, 'content-type': 'text/html' });
    stream.end('<link rel="stylesheet" href="/style.css">');
    return;
  }
  stream.respond({ ':status': 200, 'content-type': 'text/plain', 'x-path': path });
  stream.end(`hello ${path}`);
});

server.listen(port, '127.0.0.1', async () => {
  const client = http2.connect(`http://127.0.0.1:${port}`);
  client.on('stream', (pushed) => pushed.resume());
  const get = (path, body) =>
    new Promise((resolve) => {
      const req = client.request({ ':path': path, ':method': body ? 'POST' : 'GET', 'user-agent': 'node-h2-corpus' });
      req.on('data', () => {});
      req.on('trailers', () => {});
      req.on('end', resolve);
      req.on('error', resolve);
      req.end(body);
    });
  if (scenario === 'many') await Promise.all(Array.from({ length: 20 }, (_, k) => get(`/item/${k}`)));
  if (scenario === 'large') await get('/large', Buffer.alloc(64 * 1024, 0x62));
  if (scenario === 'trailers') await get('/trailers');
  if (scenario === 'push') {
    await get('/push');
    await new Promise((r) => setTimeout(r, 100));
  }
  if (scenario === 'reset') {
    await new Promise((resolve) => {
      const req = client.request({ ':path': '/slow' });
      req.on('data', () => req.close(NGHTTP2_CANCEL));
      req.on('close', resolve);
    });
    await get('/after-reset');
  }
  client.close(() => server.close());
});
