// Extended-protocol shapes node-postgres does not produce on its own, sent with its serializer
// (pg-protocol) over a plain socket to the real server: pipelined batches, a prepare without
// execute, an error inside a pipeline, a portal read in pieces, a FunctionCall.
// Usage: node raw-protocol.mjs SCENARIO PORT
import { createRequire } from 'node:module';
import net from 'node:net';

const require = createRequire((process.env.PG_CLIENTS ?? '/tmp/pg-clients') + '/');
const { serialize } = require('pg-protocol');
const [scenario, port] = process.argv.slice(2);

const socket = net.connect(Number(port), '127.0.0.1');
let received = Buffer.alloc(0);
socket.on('data', (d) => (received = Buffer.concat([received, d])));

/** Waits until `n` ReadyForQuery messages have arrived in all. */
async function readyCount(n) {
  for (;;) {
    let count = 0;
    for (let i = 0; i + 5 <= received.length; ) {
      const len = received.readInt32BE(i + 1);
      if (received[i] === 0x5a) count++;
      i += 1 + len;
    }
    if (count >= n) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

function functionCall(oid, args) {
  const parts = [Buffer.from([0, 1, 0, 0])]; // one argument format code: text
  parts.push(Buffer.from([0, args.length]));
  for (const a of args) {
    const b = Buffer.from(a);
    const len = Buffer.alloc(4);
    len.writeInt32BE(b.length);
    parts.push(len, b);
  }
  parts.push(Buffer.from([0, 0])); // result format text
  const oidBuf = Buffer.alloc(4);
  oidBuf.writeInt32BE(oid);
  const body = Buffer.concat([oidBuf, ...parts]);
  const head = Buffer.alloc(5);
  head[0] = 0x46;
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const scenarios = {
  // three Parse/Bind/Execute/Sync batches written at once, before any reply
  async pipeline() {
    const batch = (sql, values) => [serialize.parse({ text: sql }), serialize.bind({ values }), serialize.describe({ type: 'P' }), serialize.execute(), serialize.sync()];
    socket.write(Buffer.concat([...batch('SELECT $1::int AS a', ['1']), ...batch('SELECT $1::text AS b', ['two']), ...batch('SELECT $1::int + 1 AS c', ['3'])]));
    await readyCount(4);
  },
  // one batch, many Executes and one Sync; the second fails, so the third is skipped
  async batchError() {
    socket.write(Buffer.concat([
      serialize.parse({ name: 'ins', text: 'SELECT 10 / $1::int AS q' }),
      serialize.bind({ statement: 'ins', values: ['2'] }), serialize.execute(),
      serialize.bind({ statement: 'ins', values: ['0'] }), serialize.execute(),
      serialize.bind({ statement: 'ins', values: ['5'] }), serialize.execute(),
      serialize.sync(),
    ]));
    await readyCount(2);
    socket.write(Buffer.concat([serialize.bind({ statement: 'ins', values: ['1'] }), serialize.execute(), serialize.sync()]));
    await readyCount(3);
  },
  // a driver preparing: Parse + Describe statement + Sync, no Execute; then Close
  async prepare() {
    socket.write(Buffer.concat([serialize.parse({ name: 'st1', text: 'SELECT $1::int4 AS id, $2::text AS label', types: [23, 0] }), serialize.describe({ type: 'S', name: 'st1' }), serialize.sync()]));
    await readyCount(2);
    socket.write(Buffer.concat([serialize.bind({ statement: 'st1', values: ['7', 'seven'], binary: true }), serialize.describe({ type: 'P' }), serialize.execute(), serialize.sync()]));
    await readyCount(3);
    socket.write(Buffer.concat([serialize.close({ type: 'S', name: 'st1' }), serialize.sync()]));
    await readyCount(4);
  },
  // a portal read two rows at a time (Execute with max rows → PortalSuspended), inside a transaction
  async portal() {
    socket.write(serialize.query('BEGIN'));
    await readyCount(2);
    socket.write(Buffer.concat([serialize.parse({ text: 'SELECT g FROM generate_series(1, 5) g' }), serialize.bind({ portal: 'cur' }), serialize.describe({ type: 'P', name: 'cur' }), serialize.execute({ portal: 'cur', rows: 2 }), serialize.flush()]));
    await new Promise((r) => setTimeout(r, 50));
    socket.write(Buffer.concat([serialize.execute({ portal: 'cur', rows: 2 }), serialize.flush()]));
    await new Promise((r) => setTimeout(r, 50));
    socket.write(Buffer.concat([serialize.execute({ portal: 'cur', rows: 2 }), serialize.sync()]));
    await readyCount(3);
    socket.write(serialize.query('COMMIT'));
    await readyCount(4);
  },
  // FunctionCall: int4abs (OID looked up first with a simple query)
  async functionCall() {
    socket.write(serialize.query("SELECT 'int4abs'::regproc::oid"));
    await readyCount(2);
    const text = received.toString('latin1');
    const oid = Number(/\d{2,}/.exec(text.slice(text.lastIndexOf('D')))[0]);
    socket.write(functionCall(oid, ['-42']));
    await readyCount(3);
  },
};

socket.on('connect', async () => {
  socket.write(serialize.startup({ user: 'postgres', database: 'postgres', application_name: 'raw-' + scenario }));
  await readyCount(1);
  await scenarios[scenario]();
  socket.end(serialize.end());
});
