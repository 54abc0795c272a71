/**
 * Database servers as an application meets them, for the capture tests of the PostgreSQL,
 * MySQL and Redis parsers: each in a fresh temp dir, on a free loopback port and a unix socket,
 * with an `app` login that needs a password over TCP and an `app` database holding the tables
 * of db-seed.ts. The bare servers (and their CLIs) are test/e2e/peers/; this adds the login,
 * the data, and the one way the clients in testdata/clients/db/ are told where to connect.
 *
 * Servers run as root only: postgres runs as the `postgres` system user through setpriv, and
 * mariadbd as root. stop() is idempotent and also runs when the test file ends (stopAtEnd), so
 * a failing test leaves no server and no temp dir behind.
 */
import { join } from 'node:path';

import { mariadb, startMariadb as startBareMariadb } from '../e2e/peers/mariadb.js';
import { psql, startPostgres as startBarePostgres } from '../e2e/peers/postgres.js';
import { startRedis as startBareRedis } from '../e2e/peers/redis.js';
import { seedSql } from './db-seed.js';

/**
 * The password of the `app` login on every server. Distinctive on purpose: a capture test can
 * search a whole session file for it and must never find it.
 */
export const APP_PASSWORD = 'tinytap-pw-Q7x2';

export interface DbServer {
  host: '127.0.0.1';
  port: number;
  /** The unix socket file. For PostgreSQL, libpq's host is its directory: socketDir. */
  socketPath: string;
  user: string;
  /** '' when the server asks for none (Redis by default). */
  password: string;
  /** The database: 'app', or Redis's database number ('0'). */
  database: string;
  pid: number;
  stop: () => Promise<void>;
}

export interface PostgresServer extends DbServer {
  socketDir: string;
  /** The server's log; read it while the server runs (it goes with the temp dir). */
  log: string;
}

export interface MariadbServer extends DbServer {
  log: string;
  /** The general query log: every command app's connections sent, as the server read them. */
  generalLog: string;
}

/** Add what failed to start, the log's tail, and stop the server, before rethrowing. */
async function orStop<T>(what: string, stop: () => Promise<void>, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    await stop();
    throw new Error(`${what}: ${(err as Error).message}`);
  }
}

/**
 * PostgreSQL with role `app` (scram-sha-256 password over TCP, trust on the unix socket) owning
 * database `app`.
 */
export async function startPostgres(): Promise<PostgresServer> {
  const pg = await startBarePostgres({ hostAuth: 'scram-sha-256' });
  await orStop('seeding postgres failed', pg.stop, async () => {
    // CREATE DATABASE refuses a transaction block, and one -c of several statements is one
    await psql(pg, `CREATE ROLE app LOGIN PASSWORD '${APP_PASSWORD}'`, { via: 'unix' });
    await psql(pg, 'CREATE DATABASE app OWNER app', { via: 'unix' });
    // the server's own account of every statement app sends, in the log: what a client's
    // account is checked against when it is written
    await psql(pg, "ALTER ROLE app SET log_statement = 'all'", { via: 'unix' });
    // SET ROLE: the tables belong to app, as if the application had migrated them
    await psql(pg, `SET ROLE app;\n${seedSql('postgres')}`, { via: 'unix', database: 'app' });
  });
  return {
    host: '127.0.0.1',
    port: pg.port,
    socketPath: join(pg.socketDir, `.s.PGSQL.${pg.port}`),
    socketDir: pg.socketDir,
    user: 'app',
    password: APP_PASSWORD,
    database: 'app',
    pid: pg.pid,
    log: pg.log,
    stop: pg.stop,
  };
}

/** MariaDB with user `app` (mysql_native_password, from any host) owning database `app`. */
export async function startMariadb(): Promise<MariadbServer> {
  const server = await startBareMariadb();
  await orStop('seeding mariadb failed', server.stop, async () => {
    // 'app'@'localhost' for the socket, 'app'@'%' for 127.0.0.1 (no name resolution)
    await mariadb(server, [
      'CREATE DATABASE app',
      `CREATE USER 'app'@'localhost' IDENTIFIED BY '${APP_PASSWORD}'`,
      `CREATE USER 'app'@'%' IDENTIFIED BY '${APP_PASSWORD}'`,
      "GRANT ALL ON app.* TO 'app'@'localhost'",
      "GRANT ALL ON app.* TO 'app'@'%'",
    ].join(';\n'));
    await mariadb(server, seedSql('mariadb'), { database: 'app' });
  });
  return {
    host: '127.0.0.1',
    port: server.port,
    socketPath: server.socketPath,
    user: 'app',
    password: APP_PASSWORD,
    database: 'app',
    pid: server.pid,
    log: server.log,
    generalLog: server.generalLog,
    stop: server.stop,
  };
}

/** redis-server, nothing persisted; with `password`, clients must AUTH (as user `default`). */
export async function startRedis({ password }: { password?: string } = {}): Promise<DbServer> {
  const redis = await startBareRedis({ password });
  return {
    host: '127.0.0.1',
    port: redis.port,
    socketPath: redis.socketPath,
    user: 'default',
    password: password ?? '',
    database: '0',
    pid: redis.pid,
    stop: redis.stop,
  };
}
