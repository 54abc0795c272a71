// A test client of testdata/servers/diff-server.mjs, as an integration suite would run it: log
// in, then call each route five times (so a median latency means something even when the first
// calls meet a cold server on a busy machine), one request at a time on one keep-alive
// connection. Extra paths given after the port are fetched at the end:
// the tests a newer suite adds for new routes. Every request carries a fresh X-Request-Id and
// the session cookie of its run: noise `tinytap diff` must ignore.
// Usage: node diff-client.mjs PORT [PATH...]
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';

const port = Number(process.argv[2]);
const extra = process.argv.slice(3);
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
let cookie = null;

function call(method, path, body = null) {
  return new Promise((resolve, reject) => {
    const headers = { accept: 'application/json', 'x-request-id': randomUUID() };
    if (cookie) headers.cookie = cookie;
    if (body) headers['content-type'] = 'application/json';
    const req = request({ host: '127.0.0.1', port, method, path, agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const set = res.headers['set-cookie'];
        if (set) cookie = set[0].split(';')[0];
        resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() });
      });
    });
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

const TIMES = 5;
const calls = [];
for (let i = 0; i < TIMES; i++) calls.push(['GET', '/health']);
for (let i = 0; i < TIMES; i++) calls.push(['POST', '/api/login', { user: 'ann' }]);
for (let i = 0; i < TIMES; i++) calls.push(['GET', `/api/users/${42 + i}`]);
for (let i = 0; i < TIMES; i++) calls.push(['GET', `/api/products?page=${1 + i}`]);
for (let i = 0; i < TIMES; i++) calls.push(['GET', '/api/slow']);
for (const path of extra) calls.push(['GET', path]);

for (const [method, path, body] of calls) {
  const r = await call(method, path, body);
  if (r.status >= 400) {
    console.error(`${method} ${path}: ${r.status} ${r.body}`);
    process.exitCode = 1;
  }
}
agent.destroy();
