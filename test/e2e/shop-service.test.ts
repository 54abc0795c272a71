/**
 * The shop service (testdata/services/shop/) against real PostgreSQL and Redis, without
 * capture: each endpoint answers from the seeded data, makes the SQL and Redis calls it is
 * meant to (the server's statement log and MONITOR say so), and requests sent at once are
 * served one after the other, their calls never interleaved.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SEED_ORDERS, SEED_USERS } from '../helpers/db-seed.js';
import { monitorRedis, postgresStatements } from '../helpers/db-server-logs.js';
import { type DbServer, type PostgresServer, startPostgres, startRedis } from '../helpers/db-servers.js';
import { type Shop, driveShop, startShop } from '../helpers/shop-service.js';
import { describeCapture } from './harness.js';

const USERS_QUERY = 'SELECT id, name FROM users ORDER BY id';
const ORDERS_OF_USER = 'SELECT id, total FROM orders WHERE user_id = $1 ORDER BY id';
const JOIN_QUERY = 'SELECT u.id, u.name, o.id AS order_id, o.total FROM users u LEFT JOIN orders o ON o.user_id = u.id ORDER BY u.id, o.id';

/** What /orders and /orders-n-plus-one both answer. */
const ORDERS_BY_USER = SEED_USERS.map((u) => ({
  id: u.id,
  name: u.name,
  orders: SEED_ORDERS.filter((o) => o.userId === u.id).map((o) => ({ id: o.id, total: o.total })),
}));

describeCapture('shop service', () => {
  let pg: PostgresServer;
  let redis: DbServer;
  let shop: Shop;

  beforeAll(async () => {
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
    shop = await startShop(pg, redis);
  });
  afterAll(async () => {
    await shop?.stop();
    await Promise.all([pg?.stop(), redis?.stop()]);
  });

  const get = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${shop.port}${path}`);
    return { status: res.status, cache: res.headers.get('x-cache'), body: await res.json() };
  };

  /** The statements `fn` made the service send, from the server's log. */
  async function sqlDuring(fn: () => Promise<unknown>): Promise<string[]> {
    const from = readFileSync(pg.log).length;
    // a backend logs a statement before it runs it: by the answer, the line is in the file
    await fn();
    const sessions = () => postgresStatements(readFileSync(pg.log).subarray(from).toString('utf8'));
    return sessions().flatMap((s) => s.commands.map((c) => c.sql));
  }

  describe('one request at a time (the driver)', () => {
    it('drive.mjs calls every endpoint once, in order, and each answers from the seeded data', async () => {
      const calls = await driveShop(shop, ['/users/1', '/users/999', '/users/abc', '/nowhere']);
      expect(calls.map((c) => [c.path, c.status, c.cache])).toEqual([
        ['/health', 200, null],
        ['/users', 200, null],
        ['/users/1', 200, 'miss'],
        ['/orders-n-plus-one', 200, null],
        ['/orders', 200, null],
        ['/users/1', 200, 'hit'],
        ['/users/999', 404, 'miss'],
        ['/users/abc', 400, null],
        ['/nowhere', 404, null],
      ]);
      expect(calls[0].body).toEqual({ ok: true });
      expect(calls[1].body).toEqual(SEED_USERS);
      expect(calls[2].body).toEqual(SEED_USERS[0]);
      expect(calls[5].body).toEqual(SEED_USERS[0]);
      expect(calls[3].body).toEqual(ORDERS_BY_USER);
      expect(calls[4].body).toEqual(ORDERS_BY_USER);
    });

    it('GET /orders-n-plus-one is 1 + N queries, the N of one shape; GET /orders is one JOIN', async () => {
      expect(SEED_USERS.length).toBeGreaterThanOrEqual(6);
      expect(await sqlDuring(() => get('/orders-n-plus-one'))).toEqual([USERS_QUERY, ...SEED_USERS.map(() => ORDERS_OF_USER)]);
      expect(await sqlDuring(() => get('/orders'))).toEqual([JOIN_QUERY]);
      expect(await sqlDuring(() => get('/health'))).toEqual([]);
    });

    it('GET /users/:id checks the cache, queries on a miss and fills the cache; a hit makes no query', async () => {
      const monitor = await monitorRedis(redis);
      const miss = await sqlDuring(async () => expect(await get('/users/2')).toMatchObject({ status: 200, cache: 'miss', body: SEED_USERS[1] }));
      const hit = await sqlDuring(async () => expect(await get('/users/2')).toMatchObject({ status: 200, cache: 'hit', body: SEED_USERS[1] }));
      const sessions = await monitor.stop();
      expect(miss).toEqual(['SELECT id, name, email FROM users WHERE id = $1']);
      expect(hit).toEqual([]);
      expect(sessions.flatMap((s) => s.commands.map((c) => c.args))).toEqual([
        ['get', 'user:2'],
        ['set', 'user:2', JSON.stringify(SEED_USERS[1]), 'EX', '60'],
        ['get', 'user:2'],
      ]);
    });
  });

  describe('requests sent at once', () => {
    it('all answer correctly, and each request’s queries run together, never interleaved', async () => {
      const paths = Array.from({ length: 12 }, (_, i) => ['/orders-n-plus-one', '/orders', '/users', '/health'][i % 4]);
      let answers: Awaited<ReturnType<typeof get>>[] = [];
      const sql = await sqlDuring(async () => (answers = await Promise.all(paths.map(get))));
      for (const [i, a] of answers.entries()) {
        expect(a.status).toBe(200);
        if (paths[i] === '/users') expect(a.body).toEqual(SEED_USERS);
        else if (paths[i] !== '/health') expect(a.body).toEqual(ORDERS_BY_USER);
      }
      // cut the statement log into requests: each N+1 block is whole, in one piece
      const blocks: string[][] = [];
      for (const s of sql) {
        if (s === ORDERS_OF_USER) blocks.at(-1)!.push(s);
        else blocks.push([s]);
      }
      const nPlusOne = blocks.filter((b) => b[0] === USERS_QUERY);
      expect(nPlusOne).toHaveLength(3);
      for (const b of nPlusOne) expect(b).toEqual([USERS_QUERY, ...SEED_USERS.map(() => ORDERS_OF_USER)]);
      expect(blocks.filter((b) => b[0] === JOIN_QUERY)).toHaveLength(3);
    });
  });
});
