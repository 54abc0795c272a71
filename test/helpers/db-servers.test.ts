/**
 * The database servers the capture tests start: each comes up with its `app` data, answers the
 * real CLI through TCP (with the password) and through its unix socket, and stop() takes it
 * and its temp dir away. Root only (postgres runs through setpriv); in CI they always run.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { describeCapture } from '../e2e/harness.js';
import { outputOf } from '../e2e/programs.js';
import { type DbServer, type MariadbServer, type PostgresServer, startMariadb, startPostgres, startRedis } from './db-servers.js';
import { SEED_USERS } from './db-seed.js';

// servers start in a few seconds, but the unit project runs many files at once
const SLOW = 60_000;

describeCapture('db servers: PostgreSQL', () => {
  let pg: PostgresServer;
  beforeAll(async () => (pg = await startPostgres()), SLOW);
  afterAll(() => pg?.stop(), SLOW);

  const psql = (host: string, sql: string) =>
    outputOf('psql', ['-X', '-A', '-t', '-h', host, '-p', String(pg.port), '-U', pg.user, '-d', pg.database, '-c', sql], {
      env: { ...process.env, PGPASSWORD: pg.password, PGSSLMODE: 'disable' },
    });

  it('answers psql over TCP with the password, from the seeded tables', async () => {
    expect(await psql(pg.host, 'SELECT count(*) FROM users')).toBe(`${SEED_USERS.length}\n`);
  });

  it('answers psql over its unix socket', async () => {
    expect(existsSync(pg.socketPath)).toBe(true);
    expect(await psql(pg.socketDir, 'SELECT name FROM users WHERE id = 1')).toBe('Ada Lovelace\n');
  });

  it('refuses a wrong password over TCP', async () => {
    const wrong = outputOf('psql', ['-X', '-h', pg.host, '-p', String(pg.port), '-U', pg.user, '-d', pg.database, '-c', 'SELECT 1'], {
      env: { ...process.env, PGPASSWORD: 'wrong', PGSSLMODE: 'disable' },
    });
    await expect(wrong).rejects.toThrow(/password authentication failed/);
  });
});

describeCapture('db servers: MariaDB', () => {
  let db: MariadbServer;
  beforeAll(async () => (db = await startMariadb()), SLOW);
  afterAll(() => db?.stop(), SLOW);

  const mariadb = (target: string[], sql: string) =>
    outputOf('mariadb', ['--no-defaults', ...target, `--user=${db.user}`, `--database=${db.database}`, '-B', '-N', '-e', sql], {
      env: { ...process.env, MYSQL_PWD: db.password },
    });

  it('answers the mariadb client over TCP as app, from the seeded tables', async () => {
    expect(await mariadb(['--protocol=tcp', '-h', db.host, '-P', String(db.port)], 'SELECT count(*) FROM users')).toBe(`${SEED_USERS.length}\n`);
  });

  it('answers over its unix socket', async () => {
    expect(await mariadb([`--socket=${db.socketPath}`], 'SELECT name FROM users WHERE id = 2')).toBe('Alan Turing\n');
  });
});

describeCapture('db servers: Redis', () => {
  let redis: DbServer;
  beforeAll(async () => (redis = await startRedis()), SLOW);
  afterAll(() => redis?.stop(), SLOW);

  it('answers redis-cli over TCP and over its unix socket', async () => {
    expect(await outputOf('redis-cli', ['-h', redis.host, '-p', String(redis.port), 'SET', 'k', 'v'])).toBe('OK\n');
    expect(await outputOf('redis-cli', ['-s', redis.socketPath, 'GET', 'k'])).toBe('v\n');
  });
});

describeCapture('db servers: stop', () => {
  it('stops each server and removes its temp dir, and a second stop() is harmless', async () => {
    const servers = await Promise.all([startPostgres(), startMariadb(), startRedis({ password: 'pw' })]);
    for (const s of servers) {
      await s.stop();
      await s.stop();
      expect(existsSync(dirname(s.socketPath))).toBe(false);
      expect(() => process.kill(s.pid, 0)).toThrow();
    }
  }, SLOW);

  it('a Redis with a password refuses commands before AUTH', async () => {
    const redis = await startRedis({ password: 'pw' });
    try {
      const r = await outputOf('redis-cli', ['-p', String(redis.port), 'PING']);
      expect(r).toMatch(/NOAUTH/);
      expect(await outputOf('redis-cli', ['-p', String(redis.port), 'PING'], { env: { ...process.env, REDISCLI_AUTH: redis.password } })).toBe('PONG\n');
    } finally {
      await redis.stop();
    }
  }, SLOW);
});
