// A real MySQL/MariaDB client (mysql2): one connection, the calls an application makes, and an
// account of each as mysql2 saw it. query() is COM_QUERY: its `?` parameters are interpolated
// by mysql2 (the text sent is `sent`); execute() is the binary protocol: COM_STMT_PREPARE the
// first time a connection sees that SQL (then cached), COM_STMT_EXECUTE with typed values each
// time. multipleStatements is on, so one COM_QUERY may carry several statements. No USE and no
// changeUser: the database is the one named at login.
// Usage: DB_PASSWORD=... node mysql2-client.mjs --host H --port P --user U --database D
//   (or --socket FILE for the unix socket); prints { client, connections, calls } (README.md).
import mysql from 'mysql2/promise';

import { connection, describeConnection, libraryVersion, printAccount } from './args.mjs';

const conn = connection();
const db = await mysql.createConnection({
  ...(conn.via === 'unix' ? { socketPath: conn.socket } : { host: conn.host, port: conn.port }),
  user: conn.user,
  password: conn.password,
  database: conn.database,
  multipleStatements: true,
  rowsAsArray: true,
  timezone: 'Z', // a Date parameter goes as UTC whatever the machine's zone
});

const calls = [];
const prepared = new Set();

/** A result as mysql2 returns it: rows with their fields, or an OK packet's counts. */
function result(rows, fields) {
  if (!Array.isArray(rows)) {
    const { affectedRows, insertId, warningStatus, info } = rows;
    return { affectedRows, insertId, warnings: warningStatus, info };
  }
  return { fields: fields.map((f) => f.name), rows };
}

/** COM_QUERY with several statements answers with one result per statement. */
function results(rows, fields, multi) {
  if (!multi) return [result(rows, fields)];
  return rows.map((r, i) => result(r, fields[i]));
}

function failure(err) {
  if (err.sqlState === undefined) throw err; // not the server's answer: the run itself is broken
  return { code: err.code, errno: err.errno, sqlState: err.sqlState, message: err.sqlMessage };
}

async function query(sql, params = null) {
  const e = { sql, params, sent: params === null ? sql : db.format(sql, params), command: 'COM_QUERY', results: [], error: null };
  calls.push(e);
  try {
    const [rows, fields] = await db.query(sql, params ?? undefined);
    e.results = results(rows, fields, sql.includes(';'));
  } catch (err) {
    e.error = failure(err);
  }
}

async function execute(sql, params) {
  const e = { sql, params, command: prepared.has(sql) ? 'COM_STMT_EXECUTE' : 'COM_STMT_PREPARE+COM_STMT_EXECUTE', results: [], error: null };
  calls.push(e);
  try {
    const [rows, fields] = await db.execute(sql, params);
    prepared.add(sql);
    e.results = results(rows, fields, false);
  } catch (err) {
    // a first execution that fails failed at COM_STMT_PREPARE (the SQL is wrong): nothing executed
    if (!prepared.has(sql)) e.command = 'COM_STMT_PREPARE';
    e.error = failure(err);
  }
}

async function ping() {
  calls.push({ command: 'COM_PING', error: null });
  await db.ping();
}

await query('SELECT 6 * 7 AS answer');
await query('SELECT name FROM users WHERE id = ?', [2]);
await execute('SELECT ? AS i, ? AS s, ? AS n, ? AS d', [42, 'hello', null, new Date('2026-12-03T10:20:30.000Z')]);
await execute('SELECT id, name, email FROM users WHERE id <= ? ORDER BY id', [3]);
await execute('SELECT id, name, email FROM users WHERE id <= ? ORDER BY id', [6]);
await query('SELECT id, user_id, total FROM orders ORDER BY id');
await query('SELECT * FROM no_such_table');
await execute('SELECT * FROM no_such_table WHERE id = ?', [1]);
await query("SELECT 1 AS a; SELECT 'two' AS b; UPDATE users SET email = email WHERE id = 1");
await query('START TRANSACTION');
await execute('INSERT INTO orders (user_id, total) VALUES (?, ?)', [4, '15.00']);
await query('ROLLBACK'); // the seeded data stays as it was for the next client
await ping();
await db.end(); // COM_QUIT

printAccount({ client: `mysql2 ${libraryVersion('mysql2')}`, connections: [describeConnection(1, conn)], calls });
