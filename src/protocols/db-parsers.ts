/**
 * The database protocols tinytap parses, by the name protocol-guess gives a connection: one
 * place that knows them all, so the layer parser asks for "the parser of `postgresql`" and
 * nothing else names them.
 */
import type { DbConnection } from './db-call.js';
import { MYSQL_PARSER_VERSION, MysqlConnection } from './mysql/index.js';
import { POSTGRES_PARSER_VERSION, PostgresConnection } from './postgres/index.js';
import { REDIS_PARSER_VERSION, RedisConnection } from './redis/index.js';

const PARSERS: Record<string, () => DbConnection> = {
  postgresql: () => new PostgresConnection(),
  mysql: () => new MysqlConnection(),
  redis: () => new RedisConnection(),
};

/** A fresh parser for a connection speaking `protocol`, or null when it is not a database protocol. */
export function dbConnectionFor(protocol: string): DbConnection | null {
  return Object.hasOwn(PARSERS, protocol) ? PARSERS[protocol]() : null;
}

/** Part of DERIVED_VERSION: a new parser version rebuilds what older ones derived. */
export const DB_PARSER_VERSIONS = `pg-${POSTGRES_PARSER_VERSION}.mysql-${MYSQL_PARSER_VERSION}.redis-${REDIS_PARSER_VERSION}`;
