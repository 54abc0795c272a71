/**
 * The one timeline: a small Node service (testdata/services/shop/) that reads from PostgreSQL
 * and Redis, recorded while a driver calls each endpoint once. Every HTTP request must be
 * listed with the queries and commands it made (its queries count, their time), in the same
 * list as those calls; the endpoint with an N+1 must be flagged, with its query shape run once
 * per user, and nothing else flagged.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';

import { ExchangeFlag } from '../../src/model/exchange-flags.js';
import { Session } from '../../src/session/session.js';
import { SEED_USERS } from '../helpers/db-seed.js';
import { type DbServer, type PostgresServer, startPostgres, startRedis } from '../helpers/db-servers.js';
import { type DrivenCall, driveShop, startShop } from '../helpers/shop-service.js';
import { CLI, describeCapture, freePort, recordWhile, run } from './harness.js';

/** `tinytap ARGS` as a user runs it: its stdout (it fails the test if it fails). */
const tinytap = (...args: string[]) => Buffer.from(run(process.execPath, [CLI, ...args]), 'latin1').toString('utf8');

const N_PLUS_ONE = 'select id, total from orders where user_id = ? order by id';

describeCapture('one timeline: an HTTP service, its SQL and its Redis calls', () => {
  let pg: PostgresServer;
  let redis: DbServer;
  let file: string;
  let driven: DrivenCall[];

  beforeAll(async () => {
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
    const port = await freePort();
    // the service starts while recording: its connections to both databases are seen from their first byte
    const rec = await recordWhile(['--port', String(port), '--port', String(pg.port), '--port', String(redis.port)], async () => {
      const shop = await startShop(pg, redis, port);
      try {
        driven = await driveShop(shop);
      } finally {
        await shop.stop();
      }
    });
    expect(rec.code, rec.stderr).toBe(0);
    file = rec.file;
  }, 120_000);
  afterAll(async () => {
    await Promise.all([pg?.stop(), redis?.stop()]);
  });

  it('lists each request with the calls it made, and flags the N+1 endpoint alone', () => {
    const session = Session.open(file);
    try {
      const http = session.exchanges({ where: "x.protocol = 'http'" });
      expect(http.map((x) => [x.path, Number(x.status)])).toEqual(driven.map((c) => [c.path, c.status]));
      const calls = (x: (typeof http)[number]) =>
        session.childCalls(Number(x.id)).map((c) => `${c.protocol} ${c.protocol === 'redis' ? `${c.operation} ${c.names}` : c.shape}`);
      const byPath = Object.fromEntries(http.map((x) => [`${x.path} ${x.status}`, calls(x)]));
      expect(byPath).toEqual({
        '/health 200': [],
        '/users 200': ['postgresql select id, name, email from users order by id'],
        // a cache miss: look in Redis, ask PostgreSQL, fill the cache
        '/users/1 200': ['redis GET user:1', 'postgresql select id, name, email from users where id = ?', 'redis SET user:1'],
        '/orders-n-plus-one 200': ['postgresql select id, name from users order by id', ...SEED_USERS.map(() => `postgresql ${N_PLUS_ONE}`)],
        '/orders 200': [
          'postgresql select u.id, u.name, o.id as order_id, o.total from users u left join orders o on o.user_id = u.id order by u.id, o.id',
        ],
      });
      // query counts and time on the request's row; the N+1 request alone flagged, and its repeated queries
      for (const x of http) {
        const n = calls(x).length;
        expect(x.queries === null ? 0 : Number(x.queries)).toBe(n);
        if (n) expect(Number(x.db_ns)).toBeGreaterThan(0);
      }
      const flagged = session.exchanges({ where: 'x.flags & ? != 0', params: [ExchangeFlag.N_PLUS_ONE] });
      const nPlusOne = http.find((x) => x.path === '/orders-n-plus-one')!;
      expect(flagged.filter((x) => x.protocol === 'http').map((x) => x.id)).toEqual([nPlusOne.id]);
      expect(flagged.filter((x) => x.protocol !== 'http').map((x) => x.shape)).toEqual(SEED_USERS.map(() => N_PLUS_ONE));
      // each call knows it was the only request its process was serving (one at a time)
      expect(session.exchanges({ where: 'x.parent_id IS NOT NULL' }).every((x) => x.link === 'sole')).toBe(true);
    } finally {
      session.close();
    }
  });

  it('shows it as a user reads it: ls with the query counts, show with the queries, the filters', () => {
    const ls = tinytap('ls', file);
    const line = ls.split('\n').find((l) => l.includes('/orders-n-plus-one'))!;
    expect(line).toMatch(new RegExp(`${1 + SEED_USERS.length} queries · [\\d.]+ [mµ]?s N\\+1$`));
    const id = /^\s*(\d+)/.exec(line)![1];
    const show = tinytap('show', file, id);
    expect(show).toContain(`Database  ${1 + SEED_USERS.length} queries`);
    expect(show).toContain(`N+1: ${SEED_USERS.length} × ${N_PLUS_ONE}`);
    const rows = (out: string) => out.split('\n').filter((l) => /^\s*\d+ /.test(l));
    expect(rows(tinytap('ls', file, 'is:n+1', 'proto:http'))).toHaveLength(1);
    expect(tinytap('ls', file, 'queries:>5')).toContain('/orders-n-plus-one');
    // the users table: /users, /users/1, and the first query of each orders endpoint
    expect(rows(tinytap('ls', file, 'table:users', 'proto:pg'))).toHaveLength(4);
    // search reads SQL, its results, Redis keys and values as it reads HTTP bodies
    const found = tinytap('search', file, 'Barbara Liskov');
    expect(found).toMatch(/ pg SELECT SELECT id, name, email FROM users ORDER BY id .*\n +result +.*Barbara Liskov/);
    expect(found).toMatch(/ http GET|GET http:\/\/127\.0\.0\.1:\d+\/users /);
    expect(tinytap('search', file, 'ada@example.com', 'proto:redis')).toMatch(/ redis SET set user:1 .*\n +command +.*ada@example\.com/);
  });
});
