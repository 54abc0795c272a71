// Where a client in this folder connects, read the same way by each of them: options on the
// command line, else DB_* variables. The password comes only from DB_PASSWORD, never argv:
// tinytap records every process's argv, and a test checks the password appears nowhere.
//   --host H --port P     TCP (default 127.0.0.1)
//   --socket S            a unix socket instead (for PostgreSQL its directory, libpq's way)
//   --user U --database D
// and what a client prints: one JSON document, { client, connections, calls }, see README.md.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

export function connection(argv = process.argv.slice(2), env = process.env) {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      socket: { type: 'string' },
      user: { type: 'string' },
      database: { type: 'string' },
    },
    strict: true,
  });
  const socket = values.socket ?? env.DB_SOCKET ?? '';
  return {
    via: socket ? 'unix' : 'tcp',
    host: values.host ?? env.DB_HOST ?? '127.0.0.1',
    port: Number(values.port ?? env.DB_PORT ?? 0),
    socket,
    user: values.user ?? env.DB_USER ?? '',
    password: env.DB_PASSWORD ?? '',
    database: values.database ?? env.DB_NAME ?? '',
  };
}

/** What the account says about a connection: never the password, only whether one was sent. */
export function describeConnection(id, conn, extra = {}) {
  const where = conn.via === 'unix' ? { socket: conn.socket } : { host: conn.host, port: conn.port };
  return { id, via: conn.via, ...where, user: conn.user, database: conn.database, password: conn.password !== '', ...extra };
}

/** The account, as one JSON document on stdout, and the exit code: 0 even when calls failed on purpose. */
export function printAccount(account) {
  process.stdout.write(formatAccount(account));
}

/** JSON with one connection or call per line: still one document, and a diff shows which call. */
export function formatAccount({ client, connections, calls }) {
  const list = (items) => (items.length ? `[\n${items.map((i) => `    ${JSON.stringify(i)}`).join(',\n')}\n  ]` : '[]');
  return `{\n  "client": ${JSON.stringify(client)},\n  "connections": ${list(connections)},\n  "calls": ${list(calls)}\n}\n`;
}

/** The version of an npm package this repository installed (the account names it). */
export function libraryVersion(name) {
  const file = new URL(`../../../node_modules/${name}/package.json`, import.meta.url);
  return JSON.parse(readFileSync(file, 'utf8')).version;
}
