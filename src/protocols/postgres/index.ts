/**
 * PostgreSQL frontend/backend protocol v3: calls rebuilt from a connection's two byte streams.
 * https://www.postgresql.org/docs/current/protocol.html
 */

/**
 * Bumped whenever the parser's output for the same bytes changes, so that calls derived and
 * stored by an older parser can be recognized and rebuilt.
 */
export const POSTGRES_PARSER_VERSION = 2;

export { PostgresConnection } from './connection.js';
export { looksLikePostgres } from './sniff.js';
export { DEFAULT_POSTGRES_LIMITS, type PostgresLimits } from './limits.js';
export { sqlOperation } from './sql-operation.js';
export type { ServerNotice } from './backend.js';
export type { PostgresColumn, PostgresCopy, PostgresDetail } from './types.js';
