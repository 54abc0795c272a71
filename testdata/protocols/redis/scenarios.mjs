// Node clients (ioredis, node-redis) for record.sh, run from a scratch directory where they are
// installed (NODE_PATH); one scenario per invocation, against the server on PORT.
//
//   NODE_PATH=/tmp/redis-clients/node_modules node scenarios.mjs SCENARIO PORT
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(join(process.env.NODE_PATH ?? '.', 'x.js'));
const [scenario, portText] = process.argv.slice(2);
const port = Number(portText);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const scenarios = {
  // ioredis: a pipeline of mixed commands, then a MULTI/EXEC transaction
  async 'ioredis-pipeline'() {
    const Redis = require('ioredis');
    const r = new Redis({ port, enableReadyCheck: false, lazyConnect: true });
    await r.connect();
    await r.pipeline().set('p:a', '1').incr('p:a').hset('p:h', 'f1', 'v1', 'f2', 'v2').hgetall('p:h').lpush('p:a', 'x').get('p:nope').exec();
    await r.multi().set('t:a', 'x').incr('t:n').get('t:a').exec();
    await r.quit();
  },
  // node-redis with RESP3: HELLO 3, maps, sets, doubles
  async 'node-redis-resp3'() {
    const { createClient } = require('redis');
    const c = createClient({ socket: { port }, RESP: 3 });
    await c.connect();
    await c.hSet('r3:h', { a: '1', b: '2' });
    await c.hGetAll('r3:h');
    await c.sAdd('r3:s', ['x', 'y']);
    await c.sMembers('r3:s');
    await c.zAdd('r3:z', [{ score: 1.5, value: 'm' }]);
    await c.zScore('r3:z', 'm');
    await c.close();
  },
  // RESP3 client-side caching: GET with tracking on, then another connection changes the key
  async 'tracking-invalidate'() {
    const net = require('node:net');
    const s = net.connect(port, '127.0.0.1');
    const send = (...args) => s.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
    s.on('data', () => {});
    send('HELLO', '3');
    await sleep(100);
    send('CLIENT', 'TRACKING', 'on');
    await sleep(100);
    send('GET', 'tr:k');
    await sleep(100);
    const Redis = require('ioredis');
    const other = new Redis({ port });
    await other.set('tr:k', 'changed');
    await other.quit();
    await sleep(200);
    send('PING');
    await sleep(100);
    s.end();
    await sleep(100);
  },
};

await scenarios[scenario]();
