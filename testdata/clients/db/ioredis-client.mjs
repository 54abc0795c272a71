// A real Redis client (ioredis), and an account of every command it sent, on every connection,
// in the order sent: the handshake ioredis adds by itself (CLIENT SETINFO, the INFO ready check,
// HELLO 3, SELECT, AUTH) is marked "implicit". The account is taken where ioredis hands each
// command to its connection (sendCommand), so pipelines and MULTI blocks appear command by
// command, as they go on the wire. Connections: 1 the main one, as ioredis 6 connects by default
// (HELLO 3, then RESP3 replies shown as RESP2 values), 2 a RESP2 subscriber, 3 a RESP3 one whose
// replies keep their RESP3 types (map, set, double, null), 4 a RESP2 one that SELECTs database 1.
// A reply string over 200 characters (INFO) is shown as its start and its length.
// Usage: [DB_PASSWORD=...] node ioredis-client.mjs --host H --port P (or --socket FILE);
// prints { client, connections, calls } (README.md).
import Redis from 'ioredis';

import { connection, describeConnection, libraryVersion, printAccount } from './args.mjs';

const conn = connection();
const calls = [];
const connections = [];
/** Commands the application itself sends; anything else ioredis sent on its own. */
let applicationSends = false;

/** What a reply looks like in JSON: Buffers as text, Maps (RESP3) as objects, errors as their message. */
function plain(v) {
  if (Buffer.isBuffer(v)) return plain(v.toString('utf8'));
  if (typeof v === 'string' && v.length > 200) return { start: v.slice(0, 40), length: Buffer.byteLength(v) };
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [plain(k), plain(x)]));
  if (v instanceof Set) return [...v].map(plain);
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Error) return { error: v.message };
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** A client whose every command lands in the account. lazyConnect: the handshake is seen too. */
function open(id, options = {}, describe = {}) {
  const client = new Redis({
    ...(conn.via === 'unix' ? { path: conn.socket } : { host: conn.host, port: conn.port }),
    ...(conn.password ? { password: conn.password } : {}),
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    ...options,
  });
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command, stream) => {
    const entry = { conn: id, cmd: [command.name, ...command.args.map(plain)], implicit: !applicationSends, reply: null, error: null };
    // AUTH and HELLO ... AUTH carry the password: the account says one was sent, never which
    if (command.name.toLowerCase() === 'auth' || command.name.toLowerCase() === 'hello') {
      entry.cmd = entry.cmd.map((a) => (conn.password && a === conn.password ? '(password)' : a));
    }
    calls.push(entry);
    command.promise.then(
      (r) => (entry.reply = plain(r)),
      (e) => (entry.error = e.message),
    );
    return send(command, stream);
  };
  connections.push(describeConnection(id, conn, describe));
  return client;
}

/** Let ioredis finish its own handshake before the application speaks. */
async function ready(client) {
  applicationSends = false;
  await client.connect();
  applicationSends = true;
}

/** An application command; its error (if the server answers one) stays in the account. */
async function run(promise) {
  try {
    await promise;
  } catch (err) {
    if (!err.message.startsWith('WRONGTYPE') && !err.message.startsWith('ERR')) throw err;
  }
}

const main = open(1, {}, { protocol: 3, replyMapping: 'resp2' });
await ready(main);
await run(main.set('greeting', 'hello'));
await run(main.get('greeting'));
await run(main.get('missing'));
await run(main.hset('user:1', 'name', 'Ada', 'email', 'ada@example.com'));
await run(main.hgetall('user:1'));
await run(main.lpush('greeting', 'x')); // WRONGTYPE: a string is not a list
await run(main.pipeline().set('pipe', '1').incr('pipe').get('pipe').exec());
await run(main.multi().set('tx', 'a').append('tx', 'b').get('tx').exec());

const sub = open(2, { protocol: 2 }, { protocol: 2, role: 'subscriber' });
await ready(sub);
const received = new Promise((resolve) => {
  const seen = [];
  sub.on('message', (channel, message) => {
    calls.push({ conn: 2, received: ['message', channel, message] });
    seen.push(message);
    if (seen.length === 2) resolve();
  });
});
await run(sub.subscribe('news'));
await run(main.publish('news', 'first'));
await run(main.publish('news', 'second'));
await received;
await run(sub.unsubscribe('news'));
await sub.quit();

const resp3 = open(3, { protocol: 3, replyMapping: 'resp3' }, { protocol: 3, replyMapping: 'resp3' });
await ready(resp3);
await run(resp3.hgetall('user:1')); // a map
await run(resp3.get('missing')); // a null
await run(resp3.sadd('tags', 'b', 'a'));
await run(resp3.smembers('tags')); // a set
await run(resp3.zadd('scores', '1.5', 'ada'));
await run(resp3.zscore('scores', 'ada')); // a double
await run(resp3.del('tags', 'scores'));
await resp3.quit();

const db1 = open(4, { protocol: 2 }, { protocol: 2 });
await ready(db1);
await run(db1.select(1));
await run(db1.set('in-db-1', 'yes'));
await run(db1.dbsize());
await run(db1.del('in-db-1'));
await db1.quit();

await run(main.del('greeting', 'user:1', 'pipe', 'tx'));
await main.quit();

printAccount({ client: `ioredis ${libraryVersion('ioredis')}`, connections, calls });
