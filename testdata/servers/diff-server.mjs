// Two versions of one small JSON API, for `tinytap diff` (test/e2e/diff.test.ts). Every run
// differs in the noise a diff must ignore: Date, ETag, X-Request-Id, Set-Cookie values, JSON
// `generatedAt`/`requestId` fields of random length (so Content-Length differs too). Version 2
// differs from version 1 in exactly three ways:
//   - GET /api/products: the price of the second item (`$.items[1].price`) is 25, not 20
//   - GET /api/recommendations/:id exists (version 1 answers 404)
//   - GET /api/slow answers 200 ms later (220 ms instead of 20 ms)
// Usage: node diff-server.mjs PORT --version 1|2
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const v = process.argv.indexOf('--version');
const version = v >= 0 ? Number(process.argv[v + 1]) : 1;
if (!port || (version !== 1 && version !== 2)) {
  console.error('usage: node diff-server.mjs PORT --version 1|2');
  process.exit(2);
}

/** A request id of random length: bodies, and so Content-Length, differ between runs. */
const requestId = () => randomBytes(4 + Math.floor(Math.random() * 8)).toString('hex');

function json(res, status, value, headers = {}) {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-request-id': randomUUID(),
    etag: `W/"${randomBytes(6).toString('hex')}"`,
    ...headers,
  });
  res.end(body);
}

function route(req, res, url, body) {
  const meta = () => ({ generatedAt: new Date().toISOString(), requestId: requestId() });
  let m;
  if (req.method === 'POST' && url.pathname === '/api/login') {
    const { user } = JSON.parse(body.toString() || '{}');
    const expires = new Date(Date.now() + 3600_000).toUTCString();
    return json(res, 200, { ok: true, user, ...meta() }, { 'set-cookie': `sid=${randomBytes(12).toString('hex')}; Path=/; Expires=${expires}; HttpOnly` });
  }
  if (req.method === 'GET' && (m = /^\/api\/users\/(\d+)$/.exec(url.pathname))) {
    const id = Number(m[1]);
    return json(res, 200, { id, name: `user ${id}`, roles: ['reader'], ...meta() });
  }
  if (req.method === 'GET' && url.pathname === '/api/products') {
    const page = Number(url.searchParams.get('page') ?? 1);
    const items = [
      { sku: `P${page}-1`, price: 10 },
      { sku: `P${page}-2`, price: version === 2 ? 25 : 20 },
      { sku: `P${page}-3`, price: 30 },
    ];
    return json(res, 200, { items, meta: { page, ...meta() } });
  }
  if (version === 2 && req.method === 'GET' && (m = /^\/api\/recommendations\/(\d+)$/.exec(url.pathname))) {
    return json(res, 200, { user: Number(m[1]), items: ['P1-1', 'P2-3'], ...meta() });
  }
  if (req.method === 'GET' && url.pathname === '/api/slow') {
    return setTimeout(() => json(res, 200, { done: true, ...meta() }), version === 2 ? 220 : 20);
  }
  if (req.method === 'GET' && url.pathname === '/health') {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 3, 'last-modified': new Date().toUTCString(), 'x-request-id': randomUUID() });
    return res.end('ok\n');
  }
  json(res, 404, { error: 'not found', ...meta() });
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => route(req, res, new URL(req.url, 'http://x'), Buffer.concat(chunks)));
});
server.keepAliveTimeout = 30_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
