/**
 * Numbers of the MySQL/MariaDB client/server protocol, named once.
 * https://dev.mysql.com/doc/dev/mysql-server/latest/PAGE_PROTOCOL.html and
 * https://mariadb.com/kb/en/clientserver-protocol/
 */

/** Capability flags (Protocol::CapabilityFlags); MariaDB's own live in bits 32-63. */
export const CAP = {
  LONG_PASSWORD: 1n, // MariaDB calls bit 0 CLIENT_MYSQL: clear means "MariaDB, read bits 32-63"
  CONNECT_WITH_DB: 1n << 3n,
  COMPRESS: 1n << 5n,
  LOCAL_FILES: 1n << 7n,
  PROTOCOL_41: 1n << 9n,
  SSL: 1n << 11n,
  SECURE_CONNECTION: 1n << 15n,
  MULTI_STATEMENTS: 1n << 16n,
  MULTI_RESULTS: 1n << 17n,
  PS_MULTI_RESULTS: 1n << 18n,
  PLUGIN_AUTH: 1n << 19n,
  CONNECT_ATTRS: 1n << 20n,
  PLUGIN_AUTH_LENENC_CLIENT_DATA: 1n << 21n,
  SESSION_TRACK: 1n << 23n,
  DEPRECATE_EOF: 1n << 24n,
  OPTIONAL_RESULTSET_METADATA: 1n << 25n,
  ZSTD_COMPRESSION: 1n << 26n,
  QUERY_ATTRIBUTES: 1n << 27n,
  MARIADB_PROGRESS: 1n << 32n,
  MARIADB_EXTENDED_METADATA: 1n << 35n,
  MARIADB_CACHE_METADATA: 1n << 36n,
} as const;

/** Names of the negotiated capabilities worth showing, in bit order. */
export function capabilityNames(caps: bigint): string[] {
  const names: string[] = [];
  for (const [name, bit] of Object.entries(CAP)) if (caps & bit) names.push(name);
  return names;
}

/** Command bytes (the first byte of a command packet). */
export const COM = {
  QUIT: 0x01,
  INIT_DB: 0x02,
  QUERY: 0x03,
  FIELD_LIST: 0x04,
  CREATE_DB: 0x05,
  DROP_DB: 0x06,
  REFRESH: 0x07,
  SHUTDOWN: 0x08,
  STATISTICS: 0x09,
  PROCESS_INFO: 0x0a,
  PROCESS_KILL: 0x0c,
  DEBUG: 0x0d,
  PING: 0x0e,
  CHANGE_USER: 0x11,
  BINLOG_DUMP: 0x12,
  STMT_PREPARE: 0x16,
  STMT_EXECUTE: 0x17,
  STMT_SEND_LONG_DATA: 0x18,
  STMT_CLOSE: 0x19,
  STMT_RESET: 0x1a,
  SET_OPTION: 0x1b,
  STMT_FETCH: 0x1c,
  RESET_CONNECTION: 0x1f,
  BINLOG_DUMP_GTID: 0x1e,
  STMT_BULK_EXECUTE: 0xfa, // MariaDB
} as const;

/** Server status flags (OK/EOF packets). */
export const STATUS = {
  IN_TRANS: 0x0001,
  AUTOCOMMIT: 0x0002,
  MORE_RESULTS_EXISTS: 0x0008,
  NO_GOOD_INDEX_USED: 0x0010,
  NO_INDEX_USED: 0x0020,
  CURSOR_EXISTS: 0x0040,
  LAST_ROW_SENT: 0x0080,
  DB_DROPPED: 0x0100,
  NO_BACKSLASH_ESCAPES: 0x0200,
  METADATA_CHANGED: 0x0400,
  QUERY_WAS_SLOW: 0x0800,
  PS_OUT_PARAMS: 0x1000,
  IN_TRANS_READONLY: 0x2000,
  SESSION_STATE_CHANGED: 0x4000,
} as const;

export function statusNames(flags: number): string[] {
  return Object.entries(STATUS)
    .filter(([, bit]) => (flags & bit) !== 0)
    .map(([name]) => name);
}

/** Column / parameter types (enum_field_types). */
export const TYPE = {
  DECIMAL: 0x00,
  TINY: 0x01,
  SHORT: 0x02,
  LONG: 0x03,
  FLOAT: 0x04,
  DOUBLE: 0x05,
  NULL: 0x06,
  TIMESTAMP: 0x07,
  LONGLONG: 0x08,
  INT24: 0x09,
  DATE: 0x0a,
  TIME: 0x0b,
  DATETIME: 0x0c,
  YEAR: 0x0d,
  NEWDATE: 0x0e,
  VARCHAR: 0x0f,
  BIT: 0x10,
  TIMESTAMP2: 0x11,
  DATETIME2: 0x12,
  TIME2: 0x13,
  VECTOR: 0xf2,
  JSON: 0xf5,
  NEWDECIMAL: 0xf6,
  ENUM: 0xf7,
  SET: 0xf8,
  TINY_BLOB: 0xf9,
  MEDIUM_BLOB: 0xfa,
  LONG_BLOB: 0xfb,
  BLOB: 0xfc,
  VAR_STRING: 0xfd,
  STRING: 0xfe,
  GEOMETRY: 0xff,
} as const;

const TYPE_NAMES = new Map<number, string>(Object.entries(TYPE).map(([name, code]) => [code, name]));

export function typeName(code: number): string {
  return TYPE_NAMES.get(code) ?? `TYPE_${code}`;
}

/** Column flag: the integer is unsigned. */
export const UNSIGNED_FLAG = 0x20;
/** Character set number of binary data (blobs, BINARY, VARBINARY). */
export const BINARY_CHARSET = 63;

/** Payloads this long continue in the next packet. */
export const MAX_PACKET_PAYLOAD = 0xffffff;
