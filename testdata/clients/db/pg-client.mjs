// A real PostgreSQL client (node-postgres, `pg`): one connection, the calls an application
// makes, and an account of each as pg saw it. pg picks the protocol: a query without values is
// a simple Query message (several statements allowed); with values it is the extended protocol
// (Parse/Bind/Describe/Execute/Sync, unnamed statement); with a name, Parse is sent once per
// connection and the second execution only Binds the statement again.
// Usage: DB_PASSWORD=... node pg-client.mjs --host H --port P --user U --database D
//   (or --socket DIR for the unix socket); prints { client, connections, calls } (README.md).
import pg from 'pg';

import { connection, describeConnection, libraryVersion, printAccount } from './args.mjs';

const conn = connection();
const client = new pg.Client({
  host: conn.via === 'unix' ? conn.socket : conn.host,
  port: conn.port,
  user: conn.user,
  password: conn.password,
  database: conn.database,
  application_name: 'pg-client',
});

/** Every call made, in order. */
const calls = [];
let current = null;
client.on('notice', (n) => current?.notices.push({ severity: n.severity, code: n.code, message: n.message }));

function result(r) {
  return { command: r.command, rowCount: r.rowCount, fields: r.fields.map((f) => f.name), rows: r.rows };
}

/** One client.query(): what was issued, then what came back (or the error). */
async function call(sql, params = null, statement = null) {
  current = {
    sql,
    params,
    protocol: params === null && statement === null ? 'simple' : 'extended',
    statement,
    results: [],
    notices: [],
    error: null,
  };
  calls.push(current);
  try {
    const r = await client.query({ text: sql, values: params ?? undefined, name: statement ?? undefined, rowMode: 'array' });
    // several statements in one simple query give one result each
    current.results = (Array.isArray(r) ? r : [r]).map(result);
  } catch (err) {
    if (err.code === undefined) throw err; // not the server's answer: the run itself is broken
    current.error = { code: err.code, severity: err.severity, message: err.message };
  }
}

await client.connect();
await call('SELECT 6 * 7 AS answer');
await call("SELECT 1 AS a; SELECT 'two' AS b");
await call('SELECT $1::text AS t, $2::int AS i, $3::text AS n', ['hello', 42, null]);
await call('SELECT id, name, email FROM users WHERE id <= $1 ORDER BY id', [3]);
await call('SELECT id, user_id, total FROM orders ORDER BY id');
await call('SELECT * FROM no_such_table');
await call('SELECT name FROM users WHERE id = $1', ['not a number']);
await call('BEGIN');
await call('INSERT INTO orders (user_id, total) VALUES ($1, $2) RETURNING id', [4, '15.00']);
await call('COMMIT');
// the seeded data stays as it was for the next client (the id is the sequence's: it grows)
await call('DELETE FROM orders WHERE id = $1', [calls.at(-2).results[0].rows[0][0]]);
await call('BEGIN');
await call('SELECT 1 / 0');
await call('ROLLBACK');
await call('SELECT sum(total) AS total FROM orders WHERE user_id = $1', [1], 'order-total');
await call('SELECT sum(total) AS total FROM orders WHERE user_id = $1', [3], 'order-total');
await call("DO $$ BEGIN RAISE NOTICE 'hello from pg-client'; END $$");
await client.end();

printAccount({
  client: `pg ${libraryVersion('pg')}`,
  connections: [describeConnection(1, conn)],
  calls,
});
