/**
 * The Node mysql2 conversations captured for the corpus (run by capture.sh from a scratch dir
 * where mysql2 is installed): `node node-clients.cjs PORT NAME`.
 */
const mysql = require('mysql2/promise');

const port = Number(process.argv[2]);
const name = process.argv[3];
const base = { host: '127.0.0.1', port, user: 'app', password: 's3cret-pw', database: 'shop' };

const scenarios = {
  // prepared statements: params of several types, the same statement twice, binary result rows
  async execute(c) {
    await c.execute('SELECT id, name, price, qty, weight, added, note, data, d, t, b, big, f FROM items WHERE id >= ? AND name <> ?', [1, 'zzz']);
    await c.execute('SELECT ? AS i, ? AS s, ? AS dbl, ? AS n, ? AS dt, ? AS buf, ? AS big, ? AS neg', [
      42, 'héllo', 3.25, null, new Date(Date.UTC(2026, 11, 3, 10, 20, 30, 400)), Buffer.from([0, 1, 2, 255]), 9007199254740993n, -7,
    ]);
    await c.execute('SELECT ? AS i, ? AS s, ? AS dbl, ? AS n, ? AS dt, ? AS buf, ? AS big, ? AS neg', [
      1, 'again', 0.5, 'not null', new Date(Date.UTC(2000, 0, 1)), Buffer.from('ab'), 1n, 0,
    ]);
    await c.execute('INSERT INTO items (name, price, qty) VALUES (?, ?, ?)', ['plum', '3.75', 7]);
  },
  // text protocol: multiple statements in one COM_QUERY, with an UPDATE between two SELECTs
  async multi(c) {
    await c.query("SELECT 1 AS a; UPDATE items SET qty = qty + 1 WHERE name = 'apple'; SELECT name, qty FROM items ORDER BY id");
  },
  // errors: a query, a prepare and an execute that fail, and a duplicate key
  async errors(c) {
    await c.query('SELECT * FROM no_such_table').catch(() => {});
    await c.execute('SELEC broken ?', [1]).catch(() => {});
    await c.query('INSERT INTO items (id, name) VALUES (1, "dup")').catch(() => {});
    await c.query('SELECT 1');
  },
  // USE as a query changes the database; ping; change user (with a password, never stored)
  async use(c) {
    await c.query('USE other');
    await c.query('SELECT DATABASE() AS db');
    await c.ping();
    await c.changeUser({ user: 'app', password: 's3cret-pw', database: 'shop' });
    await c.query('SELECT DATABASE() AS db');
  },
  // a prepared statement closed (COM_STMT_CLOSE) and prepared again; a transaction; a warning
  async close(c) {
    await c.execute('SELECT name FROM items WHERE id = ?', [2]);
    c.unprepare('SELECT name FROM items WHERE id = ?');
    await c.execute('SELECT name FROM items WHERE id = ?', [1]);
    await c.query('BEGIN');
    await c.query("UPDATE items SET note = 'n' WHERE id = 1");
    await c.query('COMMIT');
    await c.query('SELECT 1/0 AS x');
  },
  // a result of 100 rows (only the first ones are kept as samples)
  async many(c) {
    await c.query('SELECT seq, CONCAT("row ", seq) AS label FROM seq_1_to_100');
    await c.execute('SELECT seq FROM seq_1_to_30 WHERE seq > ?', [0]);
  },
  // a stored procedure returning two result sets and the final OK
  async call(c) {
    await c.query('CALL two()');
  },
};

(async () => {
  const c = await mysql.createConnection({ ...base, multipleStatements: name === 'multi' });
  try {
    await scenarios[name](c);
  } finally {
    await c.end();
  }
})().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
