// Calls every endpoint of the shop service once, in order, one request at a time on one
// keep-alive connection, and prints what it called and what came back: one JSON document,
// {"calls": [{"method","path","status","cache","body"}]}. Paths given after the port are called
// after those (e.g. /users/1 again: a cache hit).
// Usage: node drive.mjs PORT [PATH...]
import { Agent, request } from 'node:http';

const ENDPOINTS = ['/health', '/users', '/users/1', '/orders-n-plus-one', '/orders'];

const port = Number(process.argv[2]);
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function get(path) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent, headers: { accept: 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ method: 'GET', path, status: res.statusCode, cache: res.headers['x-cache'] ?? null, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const calls = [];
for (const path of [...ENDPOINTS, ...process.argv.slice(3)]) calls.push(await get(path));
agent.destroy();
process.stdout.write(`{\n  "calls": [\n${calls.map((c) => `    ${JSON.stringify(c)}`).join(',\n')}\n  ]\n}\n`);
