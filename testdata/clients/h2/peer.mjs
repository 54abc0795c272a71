// A Node.js HTTP/2 server and client in cleartext (prior knowledge), for test/e2e/http2.test.ts:
// the client logs, one JSON line each, what it sent and what came back, so that the test can
// hold the recording against the peer's own account.
//   node peer.mjs server PORT          serves until killed; prints "listening" once it does
//   node peer.mjs many PORT            20 concurrent GETs, a 64 kB POST, trailers, a reset stream
//   node peer.mjs midway PORT          5 requests, "waiting" on stdout, then on a line on stdin 5 more
import http2 from 'node:http2';
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';

const [mode, portText] = process.argv.slice(2);
const port = Number(portText);
const sha = (b) => createHash('sha256').update(b).digest('hex');
const log = (o) => process.stdout.write(JSON.stringify(o) + '\n');

if (mode === 'server') {
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const path = headers[':path'];
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      if (path === '/trailers') {
        stream.respond({ ':status': 200, 'content-type': 'text/plain' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'x-checksum': 'abc123' }));
        stream.end('with trailers\n');
      } else if (path === '/slow') {
        // answered with headers and a first piece, then never finished: the client resets it
        stream.respond({ ':status': 200, 'content-type': 'text/plain' });
        stream.write('first piece\n');
      } else if (path === '/upload') {
        stream.respond({ ':status': 201, 'content-type': 'application/json' });
        stream.end(JSON.stringify({ received: body.length, sha: sha(body) }));
      } else {
        stream.respond({ ':status': path.startsWith('/missing') ? 404 : 200, 'content-type': 'application/json', 'x-path': path });
        stream.end(JSON.stringify({ path, x: headers['x-request-id'] ?? null }));
      }
    });
    stream.on('error', () => {});
  });
  server.listen(port, '127.0.0.1', () => log({ listening: port }));
} else {
  const client = http2.connect(`http://127.0.0.1:${port}`);
  client.on('error', (e) => {
    console.error(e.message);
    process.exit(1);
  });
  const request = (headers, body) =>
    new Promise((resolve) => {
      const req = client.request(headers, body === undefined ? { endStream: true } : {});
      let status = 0;
      let trailers = null;
      const chunks = [];
      req.on('response', (h) => (status = h[':status']));
      req.on('trailers', (t) => (trailers = { ...t }));
      req.on('data', (c) => {
        chunks.push(c);
        // the reset: once its first piece came, the client gives up on it
        if (headers[':path'] === '/slow') req.close(http2.constants.NGHTTP2_CANCEL);
      });
      req.on('close', () => {
        const got = Buffer.concat(chunks);
        resolve({ method: headers[':method'] ?? 'GET', path: headers[':path'], status, bytes: got.length, sha: sha(got), trailers, rstCode: req.rstCode });
      });
      req.on('error', () => {});
      if (body !== undefined) req.end(body);
    });
  if (mode === 'many') {
    const jobs = [];
    for (let i = 0; i < 20; i++) jobs.push(request({ ':path': `/item/${i}`, 'x-request-id': `req-${i}` }));
    jobs.push(request({ ':path': '/missing/1' }));
    const upload = Buffer.alloc(64 * 1024, 'u');
    jobs.push(request({ ':method': 'POST', ':path': '/upload', 'content-type': 'application/octet-stream' }, upload));
    jobs.push(request({ ':path': '/trailers' }));
    jobs.push(request({ ':path': '/slow' }));
    for (const r of await Promise.all(jobs)) log(r);
    client.close();
  } else if (mode === 'midway') {
    // the same custom fields on every request: HPACK indexes them on first use, then refers
    // to the dynamic table, so the later requests lean on entries made before the recording
    const fields = (i) => ({ ':path': `/midway/${i}`, 'x-tenant': 'tenant-7f3a', 'x-request-id': `mid-${i}` });
    for (let i = 0; i < 5; i++) log({ before: true, ...(await request(fields(i))) });
    log({ waiting: true });
    const input = createInterface({ input: process.stdin });
    await new Promise((resolve) => input.once('line', resolve));
    input.close();
    for (let i = 5; i < 10; i++) log(await request(fields(i)));
    client.close();
  }
}
