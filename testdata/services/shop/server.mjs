// A small web service in front of PostgreSQL and Redis, as the capture tests' application: one
// HTTP request makes a known set of SQL and Redis calls, so a timeline can show them under it.
//   GET /health              no database
//   GET /users               one query
//   GET /users/:id           Redis GET (cache), on a miss one query then Redis SET; X-Cache says which
//   GET /orders-n-plus-one   the N+1 pattern: one query for the users, then one per user for
//                            their orders (the same `$1` statement each time)
//   GET /orders              the same answer from one JOIN
// Requests are served one at a time, in arrival order, on one PostgreSQL and one Redis
// connection (both opened before it listens): every call a request makes lies between its
// request and its response, whatever the clients do at once.
// Usage: PGPASSWORD=... node server.mjs --port 0 --pg-host 127.0.0.1 --pg-port P --pg-user app
//   --pg-database app --redis-port R   (or --pg-socket DIR, --redis-socket FILE; REDIS_PASSWORD if
//   the Redis server wants one). Prints {"port": N} on stdout once it listens.
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import Redis from 'ioredis';
import pg from 'pg';

const { values: opt } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'pg-host': { type: 'string', default: process.env.PGHOST ?? '127.0.0.1' },
    'pg-port': { type: 'string', default: process.env.PGPORT ?? '5432' },
    'pg-socket': { type: 'string' },
    'pg-user': { type: 'string', default: process.env.PGUSER ?? 'app' },
    'pg-database': { type: 'string', default: process.env.PGDATABASE ?? 'app' },
    'redis-host': { type: 'string', default: process.env.REDIS_HOST ?? '127.0.0.1' },
    'redis-port': { type: 'string', default: process.env.REDIS_PORT ?? '6379' },
    'redis-socket': { type: 'string' },
  },
});

// passwords from the environment only: the recorder keeps argv
const db = new pg.Client({
  host: opt['pg-socket'] ?? opt['pg-host'],
  port: Number(opt['pg-port']),
  user: opt['pg-user'],
  database: opt['pg-database'],
  password: process.env.PGPASSWORD,
  application_name: 'shop',
});
const cache = new Redis({
  ...(opt['redis-socket'] ? { path: opt['redis-socket'] } : { host: opt['redis-host'], port: Number(opt['redis-port']) }),
  ...(process.env.REDIS_PASSWORD ? { password: process.env.REDIS_PASSWORD } : {}),
  lazyConnect: true,
  maxRetriesPerRequest: 0,
});

const CACHE_SECONDS = 60;

async function listUsers() {
  const { rows } = await db.query('SELECT id, name, email FROM users ORDER BY id');
  return rows;
}

async function getUser(id) {
  const key = `user:${id}`;
  const cached = await cache.get(key);
  if (cached !== null) return { status: 200, body: JSON.parse(cached), headers: { 'x-cache': 'hit' } };
  const { rows } = await db.query('SELECT id, name, email FROM users WHERE id = $1', [id]);
  if (rows.length === 0) return { status: 404, body: { error: `no user ${id}` }, headers: { 'x-cache': 'miss' } };
  await cache.set(key, JSON.stringify(rows[0]), 'EX', CACHE_SECONDS);
  return { status: 200, body: rows[0], headers: { 'x-cache': 'miss' } };
}

/** The N+1 on purpose: what a naive ORM loop does, one orders query per user. */
async function ordersNPlusOne() {
  const { rows: users } = await db.query('SELECT id, name FROM users ORDER BY id');
  const result = [];
  for (const user of users) {
    const { rows: orders } = await db.query('SELECT id, total FROM orders WHERE user_id = $1 ORDER BY id', [user.id]);
    result.push({ ...user, orders });
  }
  return result;
}

/** The same answer in one query. */
async function ordersJoined() {
  const { rows } = await db.query(
    'SELECT u.id, u.name, o.id AS order_id, o.total FROM users u LEFT JOIN orders o ON o.user_id = u.id ORDER BY u.id, o.id',
  );
  const byUser = new Map();
  for (const r of rows) {
    if (!byUser.has(r.id)) byUser.set(r.id, { id: r.id, name: r.name, orders: [] });
    if (r.order_id !== null) byUser.get(r.id).orders.push({ id: r.order_id, total: r.total });
  }
  return [...byUser.values()];
}

async function route(method, path) {
  if (method !== 'GET') return { status: 405, body: { error: 'GET only' } };
  if (path === '/health') return { status: 200, body: { ok: true } };
  if (path === '/users') return { status: 200, body: await listUsers() };
  if (path === '/orders-n-plus-one') return { status: 200, body: await ordersNPlusOne() };
  if (path === '/orders') return { status: 200, body: await ordersJoined() };
  const user = /^\/users\/([^/]+)$/.exec(path);
  if (user) {
    if (!/^[1-9]\d{0,8}$/.test(user[1])) return { status: 400, body: { error: 'a user id is a positive integer' } };
    return getUser(Number(user[1]));
  }
  return { status: 404, body: { error: `no route ${path}` } };
}

/** The tail of the queue: each request starts when the one before it has answered. */
let previous = Promise.resolve();

function serve(req, res) {
  const path = new URL(req.url, 'http://shop').pathname;
  const turn = previous.then(async () => {
    let answer;
    try {
      answer = await route(req.method, path);
    } catch (err) {
      answer = { status: 500, body: { error: err.message } };
    }
    const body = JSON.stringify(answer.body);
    res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...answer.headers });
    // 'close' comes when the answer is sent and also when the client went away first: the queue
    // moves on either way
    await new Promise((resolve) => {
      res.once('close', resolve);
      res.end(body);
    });
  });
  previous = turn.catch(() => {});
}

await db.connect();
await cache.connect();
const server = createServer(serve);
server.listen(Number(opt.port), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});

async function shutdown() {
  server.close();
  server.closeAllConnections();
  await previous;
  await Promise.allSettled([db.end(), cache.quit()]);
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
