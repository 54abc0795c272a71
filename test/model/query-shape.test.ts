/**
 * Query shapes: real queries as ORMs and drivers send them to PostgreSQL and MySQL, the N+1 case
 * (one shape for many ids), lists of any length, the quoting corners of both dialects, and
 * properties: never throws, a shape shaped again is itself, other values never change a shape.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  redisKeyPattern,
  redisShape,
  shapeId,
  sqlOperation,
  sqlShape,
  sqlTables,
} from '../../src/model/query-shape.js';
import { sqlTokens } from '../../src/model/sql-tokens.js';

describe('sqlShape: queries as ORMs send them', () => {
  const cases: [string, string, string][] = [
    [
      'Prisma (PostgreSQL)',
      'SELECT "public"."User"."id", "public"."User"."email" FROM "public"."User" WHERE ("public"."User"."id" = $1 AND 1=1) LIMIT $2 OFFSET $3',
      'select "public"."User"."id", "public"."User"."email" from "public"."User" where ("public"."User"."id" = ? and ? = ?) limit ? offset ?',
    ],
    [
      'Prisma IN list',
      'SELECT "public"."Post"."id" FROM "public"."Post" WHERE "public"."Post"."authorId" IN ($1,$2,$3,$4)',
      'select "public"."Post"."id" from "public"."Post" where "public"."Post"."authorId" in (?...)',
    ],
    [
      'Sequelize (MySQL)',
      "SELECT `id`, `name`, `createdAt` FROM `Users` AS `User` WHERE `User`.`id` = 42 AND `User`.`deletedAt` IS NULL LIMIT 1;",
      'select `id`, `name`, `createdAt` from `Users` as `User` where `User`.`id` = ? and `User`.`deletedAt` is null limit ?',
    ],
    [
      'Sequelize bulkCreate',
      "INSERT INTO `Tags` (`id`,`name`,`createdAt`) VALUES (NULL,'a','2026-12-03 10:00:00'),(NULL,'b','2026-12-03 10:00:00');",
      'insert into `Tags`(`id`, `name`, `createdAt`) values (null, ?, ?)...',
    ],
    [
      'Django (PostgreSQL, interpolated by psycopg)',
      'SELECT "auth_user"."id", "auth_user"."username" FROM "auth_user" WHERE "auth_user"."username" = \'alice\' LIMIT 21',
      'select "auth_user"."id", "auth_user"."username" from "auth_user" where "auth_user"."username" = ? limit ?',
    ],
    [
      'Django with %s placeholders',
      'SELECT "app_item"."id" FROM "app_item" WHERE ("app_item"."owner_id" = %s AND "app_item"."id" IN (%s, %s))',
      'select "app_item"."id" from "app_item" where ("app_item"."owner_id" = ? and "app_item"."id" in (?...))',
    ],
    [
      'Rails (MySQL) with a sqlcommenter comment',
      "SELECT `posts`.* FROM `posts` WHERE `posts`.`user_id` = 7 ORDER BY `posts`.`id` DESC LIMIT 20 /*application:Blog,controller:posts,action:index*/",
      'select `posts`.* from `posts` where `posts`.`user_id` = ? order by `posts`.`id` desc limit ?',
    ],
    [
      'Rails (PostgreSQL) insert returning',
      'INSERT INTO "comments" ("body", "post_id", "created_at") VALUES ($1, $2, $3) RETURNING "id"',
      'insert into "comments"("body", "post_id", "created_at") values (?, ?, ?)... returning "id"',
    ],
    [
      'Hibernate',
      'select u1_0.id,u1_0.email,u1_0.version from app_user u1_0 where u1_0.id in (?,?,?) for update',
      'select u1_0.id, u1_0.email, u1_0.version from app_user u1_0 where u1_0.id in (?...) for update',
    ],
    [
      'Hibernate batch insert',
      'insert into order_line (qty,price,order_id,id) values (?,?,?,?)',
      'insert into order_line(qty, price, order_id, id) values (?, ?, ?, ?)...',
    ],
    [
      'node-postgres with casts and jsonb',
      "SELECT data->>'name' AS name, data #> '{a,b}' FROM docs WHERE data @> $1::jsonb AND tags ?| array['x','y'] AND created_at > now() - interval '1 day'",
      'select data ->> ? as name, data #> ? from docs where data @> ?::jsonb and tags ?| array[?...] and created_at > now() - interval ?',
    ],
    [
      'PostgreSQL upsert',
      'INSERT INTO counters (k, n) VALUES ($1, 1) ON CONFLICT (k) DO UPDATE SET n = counters.n + EXCLUDED.n',
      'insert into counters(k, n) values (?, ?)... on conflict (k) do update set n = counters.n + excluded.n',
    ],
    [
      'MySQL upsert with VALUES(col)',
      'INSERT INTO stats (day, hits) VALUES (?, ?) ON DUPLICATE KEY UPDATE hits = hits + VALUES(hits)',
      'insert into stats(day, hits) values (?, ?)... on duplicate key update hits = hits + values (hits)',
    ],
    [
      'pgjdbc named :param style (JPA native query)',
      'SELECT * FROM accounts WHERE owner = :owner AND balance > :min',
      'select * from accounts where owner = ? and balance > ?',
    ],
    [
      'numbers of every form',
      'SELECT 1, -2, +3.5, .5, 6., 1e10, 2.5E-3, 0x1F, 1_000_000, X\'0A\', B\'101\', N\'ñ\' FROM dual',
      'select ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? from dual',
    ],
    [
      'SQLAlchemy pyformat',
      'SELECT users.id, users.name FROM users WHERE users.name = %(name_1)s AND users.age > %(age_1)s',
      'select users.id, users.name from users where users.name = ? and users.age > ?',
    ],
    [
      'TypeORM',
      'SELECT "User"."id" AS "User_id" FROM "user" "User" WHERE ("User"."id" = $1) LIMIT 1',
      'select "User"."id" as "User_id" from "user" "User" where ("User"."id" = ?) limit ?',
    ],
    [
      'pg_dump session setup',
      "SELECT pg_catalog.set_config('search_path', '', false);",
      'select pg_catalog.set_config(?, ?, false)',
    ],
    [
      'MySQL Connector/J session setup',
      'SET autocommit=1, sql_mode = CONCAT(@@sql_mode, \',STRICT_TRANS_TABLES\')',
      'set autocommit = ?, sql_mode = concat(@@sql_mode, ?)',
    ],
    [
      'binary minus stays',
      'SELECT a - 1, a-1, (b) -2, c * -3 FROM t',
      'select a - ?, a - ?, (b) - ?, c * ? from t',
    ],
    [
      'keywords kept: TRUE FALSE NULL',
      'UPDATE flags SET on_ = TRUE, off_ = FALSE, gone = NULL WHERE id = 3',
      'update flags set on_ = true, off_ = false, gone = null where id = ?',
    ],
  ];
  it.each(cases)('%s', (_name, sql, shape) => {
    expect(sqlShape(sql)).toBe(shape);
    expect(sqlShape(shape)).toBe(shape);
  });
});

describe('sqlShape: one shape for one query', () => {
  it('N+1: the same query for twelve ids is one shape', () => {
    const shapes = new Set<string>();
    for (let id = 1; id <= 12; id++) {
      shapes.add(sqlShape(`SELECT * FROM "comments" WHERE "comments"."post_id" = ${id * 7919}`));
      shapes.add(sqlShape(`select * from "comments" where "comments"."post_id" = '${id}'`));
      shapes.add(sqlShape(`SELECT  *\n  FROM "comments"\n WHERE "comments"."post_id" = $1 -- id ${id}`));
    }
    expect([...shapes]).toEqual(['select * from "comments" where "comments"."post_id" = ?']);
  });

  it('IN lists of 1, 2 and 300 values share a shape, and tuples too', () => {
    const list = (n: number) => Array.from({ length: n }, (_, k) => String(k)).join(', ');
    const one = sqlShape(`SELECT id FROM t WHERE id IN (${list(1)})`);
    expect(sqlShape(`SELECT id FROM t WHERE id IN (${list(2)})`)).toBe(one);
    expect(sqlShape(`SELECT id FROM t WHERE id IN (${list(300)})`)).toBe(one);
    expect(sqlShape('select id from t where id in (?, ?, ?)')).toBe(one);
    expect(sqlShape('SELECT id FROM t WHERE (a, b) IN ((1, 2))')).toBe(sqlShape('SELECT id FROM t WHERE (a, b) IN ((1, 2), (3, 4), (5, 6))'));
  });

  it('a batch or list cut at the text limit has the shape of an uncut one', () => {
    const rows = Array.from({ length: 3000 }, (_, k) => `(${k}, 'x${k}', now())`).join(',');
    const cut = `INSERT INTO t (a, b, c) VALUES ${rows}`;
    expect(cut.length).toBeGreaterThan(64 * 1024);
    expect(sqlShape(cut)).toBe(sqlShape("INSERT INTO t (a, b, c) VALUES (1, 'y', now())"));
    expect(sqlShape('INSERT INTO t (a, b) VALUES (1, 2), (3, 4), (5, 6), (7, now(')).toBe('insert into t(a, b) values (?, ?)...');
    expect(sqlShape('SELECT * FROM t WHERE id IN (1, 2, 3,')).toBe('select * from t where id in (?...)');
    expect(sqlShape('SELECT * FROM t WHERE id IN (1, 2, 3')).toBe('select * from t where id in (?...)');
    expect(sqlShape('SELECT * FROM t WHERE id IN (a, 2')).toBe('select * from t where id in (a, ?');
    // DbCall.text marks its cut with '…'
    expect(sqlShape('SELECT * FROM t WHERE id IN (1, 2, 34…')).toBe('select * from t where id in (?...)');
    expect(sqlShape("INSERT INTO t VALUES (1, 'a'), (2, 'b…")).toBe('insert into t values (?, ?)...');
  });

  it('a list with names or a subquery is not collapsed', () => {
    expect(sqlShape('SELECT * FROM t WHERE a IN (b, c)')).toBe('select * from t where a in (b, c)');
    expect(sqlShape('SELECT * FROM t WHERE a IN (SELECT id FROM u WHERE x = 1)')).toBe(
      'select * from t where a in (select id from u where x = ?)',
    );
    expect(sqlShape('SELECT * FROM t WHERE a IN (?, b)')).toBe('select * from t where a in (?, b)');
  });

  it('VALUES batches of any size share a shape; rows that differ stay apart', () => {
    const rows = (n: number) => Array.from({ length: n }, (_, k) => `(${k}, 'n${k}', now())`).join(', ');
    const one = sqlShape(`INSERT INTO t (a, b, c) VALUES ${rows(1)}`);
    expect(one).toBe('insert into t(a, b, c) values (?, ?, now())...');
    expect(sqlShape(`INSERT INTO t (a, b, c) VALUES ${rows(50)}`)).toBe(one);
    expect(sqlShape('INSERT INTO t VALUES (1, 2), (3, DEFAULT), (4, 5)')).toBe(
      'insert into t values (?, ?)..., (?, default)..., (?, ?)...',
    );
  });

  it('case and spacing do not matter outside quotes; quoted names keep their case', () => {
    expect(sqlShape('SeLeCt A,B\tFROM\n\nT')).toBe(sqlShape('select a, b from t'));
    expect(sqlShape('SELECT "A" FROM `T`')).toBe('select "A" from `T`');
    expect(sqlShape('select count( * ) from t ;')).toBe('select count(*) from t');
  });

  it('comments go, whatever quotes they hold; quotes hold comment marks', () => {
    expect(sqlShape("SELECT 1 -- it's a 'test\nFROM t")).toBe('select ? from t');
    expect(sqlShape("SELECT /* don't */ 1 /* \"x */ FROM t # it's MySQL\n WHERE a = 1")).toBe('select ? from t where a = ?');
    expect(sqlShape("SELECT '-- not a comment', '/* nor this */' FROM t")).toBe('select ?, ? from t');
    expect(sqlShape('SELECT "a--b", `c/*d` FROM t')).toBe('select "a--b", `c/*d` from t');
    expect(sqlShape('SELECT 1 /* never closed')).toBe('select ?');
    expect(sqlShape('/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */')).toBe(
      'set @old_character_set_client = @@character_set_client',
    );
    expect(sqlShape('SELECT /*+ MAX_EXECUTION_TIME(1000) */ * FROM t')).toBe('select * from t');
  });

  it('dollar-quoted bodies are one value, whatever they hold', () => {
    expect(sqlShape("DO $$ BEGIN RAISE NOTICE 'it''s $1'; END $$")).toBe('do ?');
    expect(sqlShape("CREATE FUNCTION f() RETURNS text AS $fn$ SELECT 'a $$ b' $fn$ LANGUAGE sql")).toBe(
      'create function f() returns text as ? language sql',
    );
    expect(sqlShape('SELECT $1, $23, $ FROM t')).toBe('select ?, ?, $ from t');
  });

  it('backslashes: MySQL escapes, PostgreSQL standard strings, E strings', () => {
    expect(sqlShape("SELECT * FROM t WHERE a = 'it\\'s' AND b = 1")).toBe('select * from t where a = ? and b = ?');
    // PostgreSQL: 'C:\' ends at its second quote; read with escapes it would never end
    expect(sqlShape("SELECT * FROM t WHERE p = 'C:\\' AND b = 1")).toBe('select * from t where p = ? and b = ?');
    expect(sqlShape("SELECT E'a\\'b', _utf8mb4'x' COLLATE utf8mb4_bin")).toBe('select ?, ? collate utf8mb4_bin');
  });

  it('parameters of every driver are ?', () => {
    const shape = 'select * from t where a = ? and b = ?';
    for (const [a, b] of [['$1', '$2'], ['?', '?'], [':a', ':b'], ['%s', '%s'], ['%(a)s', '%(b)s'], ['?1', '?2'], ['1', "'x'"]]) {
      expect(sqlShape(`SELECT * FROM t WHERE a = ${a} AND b = ${b}`)).toBe(shape);
    }
    // not parameters: casts, slices, modulo, assignment
    expect(sqlShape('SELECT a::text, b[1:2], c % d, e %s, @x := 1')).toBe('select a::text, b[?:?], c % d, e % s, @x := ?');
  });

  it('never throws and stays linear on unterminated and pathological text', () => {
    for (const sql of ["SELECT 'abc", 'SELECT "abc', 'SELECT `abc', 'SELECT $tag$ abc', 'SELECT E\'\\', '(((', ')))', "'", '"', '$', '%(', '']) {
      expect(() => sqlShape(sql)).not.toThrow();
      expect(sqlShape(sqlShape(sql))).toBe(sqlShape(sql));
    }
    for (const unit of ['(', "'\\'", 'in (', '$a', '/*', "'", 'values (1),', '[', '\\']) {
      const big = unit.repeat(Math.ceil(200_000 / unit.length));
      const started = performance.now();
      sqlShape(big);
      sqlTables(big);
      sqlOperation(big);
      expect(performance.now() - started).toBeLessThan(1000);
    }
  });

  it('reads at most 64 KiB', () => {
    const sql = `SELECT * FROM t WHERE a = 1 ${'AND b = 2 '.repeat(20_000)}`;
    expect(sqlShape(sql).length).toBeLessThan(64 * 1024);
  });
});

describe('sqlOperation', () => {
  it.each([
    ['SELECT 1', 'SELECT'],
    ['  -- hi\n /* x */ ((select 1))', 'SELECT'],
    ['insert into t values (1)', 'INSERT'],
    ['WITH a AS (SELECT 1), b AS (DELETE FROM t RETURNING *) SELECT * FROM a, b', 'SELECT'],
    ['WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) INSERT INTO t SELECT n FROM r', 'INSERT'],
    ['with x as (select 1) update t set a = 1', 'UPDATE'],
    ['WITH x AS (SELECT 1) DELETE FROM t', 'DELETE'],
    ['begin', 'BEGIN'],
    ['/*!40101 SET NAMES utf8 */', 'SET'],
    ['COPY t FROM STDIN', 'COPY'],
    ['', ''],
    ['  -- only a comment', ''],
    ["'x'", ''],
  ])('%j → %j', (sql, op) => {
    expect(sqlOperation(sql)).toBe(op);
  });
});

describe('sqlTables', () => {
  it.each([
    ['SELECT * FROM users', ['users']],
    ['SELECT * FROM public.users u JOIN "Orders" o ON o.user_id = u.id', ['users', 'public.users', 'orders']],
    ['SELECT * FROM a, b AS bb, c cc WHERE a.x = 1', ['a', 'b', 'c']],
    ['SELECT * FROM `shop`.`items` LEFT OUTER JOIN `stock` USING (sku)', ['items', 'shop.items', 'stock']],
    ['INSERT INTO t (a) SELECT a FROM s', ['t', 's']],
    ['UPDATE accounts SET n = 1 WHERE id IN (SELECT id FROM flagged)', ['accounts', 'flagged']],
    ['UPDATE a, b SET a.x = b.x WHERE a.id = b.id', ['a', 'b']],
    ['DELETE FROM sessions WHERE expires < now()', ['sessions']],
    ['DELETE LOW_PRIORITY QUICK FROM logs', ['logs']],
    ['TRUNCATE TABLE audit, history', ['audit', 'history']],
    ['TRUNCATE ONLY audit', ['audit']],
    ['COPY items (a, b) FROM STDIN WITH (FORMAT csv)', ['items']],
    ['COPY (SELECT * FROM items) TO STDOUT', ['items']],
    ['CREATE TABLE IF NOT EXISTS events (id int)', ['events']],
    ['DROP TABLE IF EXISTS tmp_x CASCADE', ['tmp_x']],
    ['LOCK TABLES t1 READ, t2 WRITE', ['t1']],
    ['TABLE users', ['users']],
    ['SELECT * FROM ONLY parent', ['parent']],
    ['SELECT * FROM unnest($1) AS x(id) JOIN items i ON i.id = x.id', ['items']],
    ['SELECT * FROM generate_series(1, 10) g, LATERAL (SELECT * FROM t WHERE t.n = g) s', ['t']],
    ['WITH recent AS (SELECT * FROM orders) SELECT * FROM recent JOIN users ON true', ['orders', 'users']],
    ['SELECT EXTRACT(YEAR FROM created_at), SUBSTRING(s FROM 2 FOR 3), TRIM(BOTH FROM s) FROM t', ['t']],
    ['SELECT * FROM t WHERE a IS DISTINCT FROM b', ['t']],
    ['SELECT * FROM jobs WHERE state = 1 FOR UPDATE SKIP LOCKED', ['jobs']],
    ['SELECT * FROM jobs FOR UPDATE OF jobs', ['jobs']],
    ['INSERT INTO c (k) VALUES (1) ON CONFLICT (k) DO UPDATE SET n = 1', ['c']],
    ['INSERT INTO c (k) VALUES (1) ON DUPLICATE KEY UPDATE n = 1', ['c']],
    ['INSERT IGNORE INTO `db`.`t` VALUES (1)', ['t', 'db.t']],
    ['SELECT 1', []],
    ['', []],
    ['SELECT * FROM', []],
    ['SELECT * FROM t, users, t', ['t', 'users']],
  ])('%j', (sql, tables) => {
    expect(sqlTables(sql)).toEqual(tables);
  });
});

describe('redisKeyPattern and redisShape', () => {
  it.each([
    ['session:3f2a8c9e-1234-4bcd-9abc-0123456789ab', 'session:*'],
    ['session:3F2A8C9E12344BCD9ABC0123456789AB', 'session:*'],
    ['user:42:profile', 'user:*:profile'],
    ['cache', 'cache'],
    ['cache:homepage', 'cache:homepage'],
    ['rate:192.168.1.10', 'rate:*.*.*.*'],
    ['csrf:V1StGXR8_Z5jdHi6B-myT', 'csrf:*'],
    ['tok:dGhpcyBpcyBhIHNlY3JldCB0b2tlbg==', 'tok:*'],
    ['job:01ARZ3NDEKTSV4RRFFQ69G5FAV', 'job:*'],
    ['cuid:cjld2cjxh0000qzrmn831i7rn', 'cuid:*'],
    ['sha:deadbeefcafe1234', 'sha:*'],
    ['cache:UserProfileV2Cache', 'cache:UserProfileV2Cache'],
    ['cache_v2_homepage_2024', 'cache_v2_homepage_*'],
    ['visits:2026-12-03', 'visits:*-*-*'],
    ['item_42', 'item_*'],
    ['{user:1000}:cart', '{user:*}:cart'],
    ['/api/v1/users/42', '/api/v1/users/*'],
    ['bull:email:123:lock', 'bull:email:*:lock'],
    ['', ''],
  ])('%j → %j', (key, pattern) => {
    expect(redisKeyPattern(key)).toBe(pattern);
    expect(redisKeyPattern(pattern)).toBe(pattern);
  });

  it('a command with its keys, repeated patterns once', () => {
    expect(redisShape('hgetall', ['user:42'])).toBe('HGETALL user:*');
    expect(redisShape('MGET', ['user:1', 'user:2', 'user:3'])).toBe(redisShape('MGET', ['user:9']));
    expect(redisShape('MGET', ['a:1', 'b:2', 'a:3'])).toBe('MGET a:* b:*');
    expect(redisShape('PING', [])).toBe('PING');
    expect(redisShape('CLIENT SETNAME', [])).toBe('CLIENT SETNAME');
  });
});

describe('shapeId', () => {
  it('is 16 hex digits, the same for the same shape, different for another', () => {
    const id = shapeId(sqlShape('SELECT 1'));
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(shapeId('select ?')).toBe(id);
    expect(shapeId('select ?, ?')).not.toBe(id);
  });
});

// ---- properties ----

/** Pieces of SQL text whose joins reach the tokenizer's corners: quotes, comments, signs, lists. */
const sqlPieces = fc.constantFrom(
  'select', 'SELECT', ' ', '\n', 'from', 't', 'a.b', '"Q"', '"', '`', "'", "''", "\\'", '\\', 'E', 'e', 'N', 'x',
  '_utf8', '$', '$$', '$1', '$a$', '?', '?|', ':', '::', ':x', ':=', '%', '%s', '%(n)s', '%(', '-', '--', '+', '/*',
  '*/', '/*!', '*', '#', '#>', '.', '..', '...', '(', ')', '[', ']', ',', ';', '=', '<>', '1', '0x1f', '1e5',
  '.5', 'in', 'IN', 'values', 'array', 'null', 'with', 'as', 'join', 'update', 'into', '@', '@@', '=@', '~', '|',
  'ü', '#-', '1.', '0', 'then', '{', '}', '&', '?&',
);
const arbSqlish = fc.array(sqlPieces, { maxLength: 40 }).map((pieces) => pieces.join(''));
const arbSqlText = fc.oneof(arbSqlish, fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 100 }));

describe('properties', () => {
  it('never throws, on random text or SQL-like text', () => {
    fc.assert(
      fc.property(arbSqlText, (sql) => {
        expect(typeof sqlShape(sql)).toBe('string');
        expect(Array.isArray(sqlTables(sql))).toBe(true);
        expect(typeof sqlOperation(sql)).toBe('string');
        expect(typeof redisKeyPattern(sql)).toBe('string');
      }),
      { numRuns: 2000 },
    );
  });

  it('a shape shaped again is itself', () => {
    fc.assert(
      fc.property(arbSqlText, (sql) => {
        const shape = sqlShape(sql);
        expect(sqlShape(shape)).toBe(shape);
      }),
      { numRuns: 3000 },
    );
  });

  it('a Redis pattern patterned again is itself', () => {
    const keyPiece = fc.constantFrom('user', ':', '42', '-', '_', 'deadbeef01', '.', '/', '{', '}', 'aB3xY9kQ2mZ7pL1w', 'x');
    fc.assert(
      fc.property(fc.oneof(fc.array(keyPiece, { maxLength: 20 }).map((p) => p.join('')), fc.string()), (key) => {
        const pattern = redisKeyPattern(key);
        expect(redisKeyPattern(pattern)).toBe(pattern);
      }),
    );
  });

  /** A literal in any of the forms the dialects write, or a parameter of any driver. */
  const arbLiteral = fc.oneof(
    fc.integer().map(String),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => String(n)),
    fc.string({ maxLength: 20 }).map((s) => `'${s.replace(/'/g, "''").replace(/\\/g, '\\\\')}'`),
    fc.string({ maxLength: 20 }).map((s) => `N'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`),
    fc.string({ maxLength: 20 }).map((s) => `_utf8mb4'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`),
    fc.string({ maxLength: 20 }).map((s) => `E'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`),
    fc.string({ maxLength: 20 }).filter((s) => !s.includes('$')).map((s) => `$q$${s}$q$`),
    fc.string({ maxLength: 20 }).filter((s) => !s.includes('$')).map((s) => `$$${s}$$`),
    fc.nat().map((n) => `0x${n.toString(16)}`),
    fc.nat().map((n) => `X'${n.toString(16)}'`),
    fc.nat({ max: 99 }).map((n) => `$${n + 1}`),
    fc.constantFrom('?', ':name', '%s', '%(id)s'),
  );
  // § marks where a value goes
  const templates = [
    'SELECT * FROM "users" WHERE "users"."id" = § LIMIT § OFFSET §',
    'select a, b from t where a > § and b like § or c between § and § -- x',
    'UPDATE `t` SET `n` = §, `m` = § WHERE `id` IN (§, §, §)',
    'INSERT INTO t (a, b) VALUES (§, §), (§, §)',
    'SELECT f(§, §), g(§)::int, h[§] FROM t WHERE x = ANY(ARRAY[§, §]) -- done',
    'select case when a = § then § else § end from t where b in (§)',
    'select a - §, a + §, a * §, a / §, a % §, a<§, a<=§, a<>§, a!=§, a||§, a=§, a>=§ from t',
    'insert into t values(§,§) on duplicate key update a=§, b=values(b)',
    'select json_extract(j, §), j->>§, j#>§, j@>§, j?|array[§] from t where (a, b) in ((§, §), (§, §))',
    'SELECT /* c */ § AS x, - §, (§), [§], {§}, §::text, §;',
  ];

  it('other values never change a shape', () => {
    const holes = (t: string) => t.split('§').length - 1;
    fc.assert(
      fc.property(
        fc.constantFrom(...templates).chain((t) =>
          fc.tuple(fc.constant(t), fc.array(arbLiteral, { minLength: holes(t), maxLength: holes(t) }), fc.array(arbLiteral, { minLength: holes(t), maxLength: holes(t) })),
        ),
        ([template, first, second]) => {
          const fill = (values: string[]) => template.split('§').map((part, k) => (k === 0 ? part : values[k - 1] + part)).join('');
          expect(sqlShape(fill(first))).toBe(sqlShape(fill(second)));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('the shape names the same tables and operation as the text', () => {
    fc.assert(
      fc.property(arbSqlText, (sql) => {
        const shape = sqlShape(sql);
        expect(sqlTables(shape)).toEqual(sqlTables(sql));
        expect(sqlOperation(shape)).toBe(sqlOperation(sql));
      }),
      { numRuns: 3000 },
    );
  });

  it('tokens never hold a value: a literal is always ?', () => {
    fc.assert(
      fc.property(arbSqlText, (sql) => {
        for (const t of sqlTokens(sql)) if (t.kind === 'value') expect(t.text).toBe('?');
      }),
    );
  });
});
