/** MySQL / MariaDB client/server protocol: the connection parser (calls) and stream sniffing. */

/**
 * Bumped whenever the parser's output for the same bytes changes, so that calls derived and
 * stored by an older parser can be recognized and rebuilt.
 */
export const MYSQL_PARSER_VERSION = 1;

export { MysqlConnection, type MysqlLimits } from './connection.js';
export { looksLikeMysql } from './sniff.js';
export { DEFAULT_MYSQL_MAX_HELD_BYTES } from './limits.js';
export type { MysqlCallDetail, MysqlResultPart } from './types.js';
