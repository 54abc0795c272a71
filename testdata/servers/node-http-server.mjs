// A Node.js http server for the capture tests: keep-alive, chunked, gzip, JSON, echo, 404.
// Node writes a response's head and body together with writev, which is what the tests check.
// Usage: node node-http-server.mjs PORT
import { createServer } from 'node:http';
import { gzipSync } from 'node:zlib';

const port = Number(process.argv[2]);

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    switch (url.pathname) {
      case '/':
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('hello from node\n');
        break;
      case '/json':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 7, name: 'tinytap', tags: ['a', 'b'] }));
        break;
      case '/chunked':
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first chunk\n');
        setTimeout(() => {
          res.write('second chunk\n');
          res.end('last chunk\n');
        }, 20);
        break;
      case '/gzip':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
        res.end(gzipSync(Buffer.from('compressed hello '.repeat(50))));
        break;
      case '/echo':
        res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/octet-stream' });
        res.end(body);
        break;
      case '/big': {
        const n = Number(url.searchParams.get('n') ?? 1000);
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': n });
        res.end(Buffer.alloc(n, 'x'));
        break;
      }
      case '/slow':
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('slow\n');
        }, Number(url.searchParams.get('ms') ?? 150));
        break;
      default:
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found\n');
    }
  });
});
server.keepAliveTimeout = 30_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
