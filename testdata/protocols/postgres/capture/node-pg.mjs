// Real node-postgres traffic for the corpus: `pg` is installed outside the repository
// (PG_CLIENTS=/tmp/pg-clients, `npm install pg@8` there). Usage: node node-pg.mjs SCENARIO PORT
import { createRequire } from 'node:module';

const require = createRequire((process.env.PG_CLIENTS ?? '/tmp/pg-clients') + '/');
const pg = require('pg');
const [scenario, port] = process.argv.slice(2);

const scenarios = {
  // parameterised queries use the extended protocol (Parse/Bind/Describe/Execute/Sync), text params
  async params(c) {
    await c.query('CREATE TEMP TABLE items (id int PRIMARY KEY, name text, price numeric, data bytea)');
    await c.query('INSERT INTO items VALUES ($1, $2, $3, $4), ($5, $6, $7, $8)', [1, 'apple', 1.5, Buffer.from([0, 1, 2]), 2, 'pear', null, null]);
    await c.query('SELECT id, name, price FROM items WHERE id > $1 ORDER BY id', [0]);
    await c.query('UPDATE items SET price = price * $1 WHERE name = $2', [2, 'apple']);
  },
  // a named prepared statement: Parse once, then Bind/Execute only
  async named(c) {
    for (const id of [1, 2, 3]) await c.query({ name: 'by-id', text: 'SELECT $1::int * 2 AS doubled, now() IS NOT NULL AS ok', values: [id] });
  },
  // results in binary format (binary: true asks for binary result columns)
  async binary(c) {
    await c.query({ text: "SELECT 1::int2 AS a, 2::int4 AS b, 3::int8 AS c, 1.5::float4 AS d, 2.25::float8 AS e, true AS f, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS g, 'x'::text AS h, '\\x0102'::bytea AS i, $1::text AS j", values: ['v'], binary: true });
  },
  // an error in the extended protocol: the server skips to Sync
  async error(c) {
    await c.query('SELECT * FROM missing_table WHERE id = $1', [1]).catch(() => {});
    await c.query('SELECT 1 / $1::int', [0]).catch(() => {});
    await c.query('SELECT $1::text AS after_errors', ['fine']);
  },
  // an empty query and many rows (more than the sample keeps)
  async rows(c) {
    await c.query('');
    await c.query('SELECT g AS n, md5(g::text) AS h FROM generate_series(1, 50) g');
    await c.query('SELECT g FROM generate_series(1, $1::int) g', [30]);
  },
  // a transaction with a notice raised by a function
  async transaction(c) {
    await c.query('BEGIN');
    await c.query("DO $$ BEGIN RAISE NOTICE 'inside %', 'tx'; END $$");
    await c.query('SELECT $1::jsonb AS doc', [JSON.stringify({ a: 1 })]);
    await c.query('COMMIT');
  },
};

const client = new pg.Client({ host: '127.0.0.1', port: Number(port), user: 'postgres', database: 'postgres', application_name: 'corpus-' + scenario });
await client.connect();
await scenarios[scenario](client);
await client.end();
