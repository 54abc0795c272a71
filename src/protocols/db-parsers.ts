/**
 * The database protocols tinytap parses, by the name protocol-guess gives a connection: one
 * place that knows them all, so the layer parser asks for "the parser of `postgresql`" and
 * nothing else names them.
 */
import type { DbConnection } from './db-call.js';
import type { StreamDirection } from './stream.js';
import { MYSQL_PARSER_VERSION, MysqlConnection } from './mysql/index.js';
import { POSTGRES_PARSER_VERSION, PostgresConnection } from './postgres/index.js';
import { REDIS_PARSER_VERSION, RedisConnection } from './redis/index.js';

type Start = Record<StreamDirection, number>;

/** `start`: where each direction begins, at a call boundary; only a restartable parser takes it. */
const PARSERS: Record<string, (start: Start) => DbConnection> = {
  postgresql: () => new PostgresConnection(),
  mysql: () => new MysqlConnection(),
  redis: (start) => new RedisConnection(start),
};

/**
 * A fresh parser for a connection speaking `protocol`, or null when it is not a database
 * protocol. `start`: the stream offsets it begins at (a later file of a chain, SPEC.md §3.1).
 */
export function dbConnectionFor(protocol: string, start: Start = { c2s: 0, s2c: 0 }): DbConnection | null {
  return Object.hasOwn(PARSERS, protocol) ? PARSERS[protocol](start) : null;
}

/** Part of DERIVED_VERSION: a new parser version rebuilds what older ones derived. */
export const DB_PARSER_VERSIONS = `pg-${POSTGRES_PARSER_VERSION}.mysql-${MYSQL_PARSER_VERSION}.redis-${REDIS_PARSER_VERSION}`;
