/**
 * The shape of DbCall.detail for MySQL/MariaDB calls. Every field is optional; only what the
 * call had is set. Nothing here ever holds a password, a scramble or an auth plugin's data.
 */
import type { DbValue } from '../db-call.js';

/** One result of a reply: an OK, an ERR, or a result set (a multi-statement query has several). */
export interface MysqlResultPart {
  /** 'OK, 1 row affected', '3 rows', 'ERROR 1146 (42S02): ...'. */
  result: string;
  /** Rows of a result set. */
  rows?: number;
  affectedRows?: number;
  /** LAST_INSERT_ID, as text (it is 64 bits). */
  insertId?: string;
  warnings?: number;
  /** Server status flags named: 'AUTOCOMMIT', 'IN_TRANS', 'MORE_RESULTS_EXISTS', ... */
  status?: string[];
  /** The OK packet's human-readable info ('Rows matched: 1  Changed: 1  Warnings: 0'). */
  info?: string;
  columns?: string[];
  /** Type names of the columns: 'LONG', 'VAR_STRING', 'NEWDECIMAL', ... */
  columnTypes?: string[];
  /** The first DB_SAMPLE_ROWS rows, values as text cut at SAMPLE_VALUE_LIMIT (256) characters. */
  sampleRows?: DbValue[][];
  errorNumber?: number;
  sqlState?: string;
}

/** detail of every call. */
export interface MysqlCallDetail {
  /** The command as the protocol names it: 'COM_QUERY', 'COM_STMT_EXECUTE', 'HANDSHAKE'. */
  command?: string;
  // ---- STARTUP (the greeting, the handshake response and the authentication result) ----
  serverVersion?: string;
  connectionId?: number;
  protocolVersion?: number;
  /** Capabilities both sides announced (names from constants.ts CAP). */
  capabilities?: string[];
  /** The server's default auth plugin, and the one the client answered with. */
  authPlugin?: string;
  clientAuthPlugin?: string;
  /** Steps between the handshake response and the result: 'switch to client_ed25519', 'fast auth success'. */
  auth?: string[];
  /** A password (auth response) was sent; never what it was. */
  passwordSent?: boolean;
  /** Connection attributes the client sent (program_name, _client_name, _os, ...), cut to 256 characters. */
  clientAttributes?: Record<string, string>;
  /** The client asked for TLS: what follows is encrypted. */
  sslRequest?: boolean;
  /** Compression was negotiated: zlib packets are inflated and parsed; zstd ones are not (a 'compressed' error). */
  compression?: 'zlib' | 'zstd';
  // ---- results (also for STARTUP's OK) ----
  /** Of the last OK or EOF. */
  status?: string[];
  /** Summed over the reply. */
  warnings?: number;
  affectedRows?: number;
  insertId?: string;
  info?: string;
  /** The first result set's column names, types and first rows. */
  columns?: string[];
  columnTypes?: string[];
  sampleRows?: DbValue[][];
  /** Every result of a multi-result reply (multi-statements, CALL), sample rows left out; at most DB_SAMPLE_ROWS. */
  results?: MysqlResultPart[];
  errorNumber?: number;
  sqlState?: string;
  /** LOAD DATA LOCAL INFILE: the file the server asked for, and the bytes the client sent. */
  localInfile?: string;
  localInfileBytes?: number;
  // ---- prepared statements ----
  statementId?: number;
  paramCount?: number;
  columnCount?: number;
  /** COM_STMT_PREPARE's parameter definitions, or COM_STMT_EXECUTE's parameter types ('LONGLONG', 'VAR_STRING UNSIGNED'). */
  paramTypes?: string[];
  /** COM_STMT_EXECUTE of a statement whose PREPARE was not seen: its SQL and parameters are unknown. */
  unknownStatement?: boolean;
  /** COM_STMT_EXECUTE flags (cursor type). */
  executeFlags?: number;
  /** COM_STMT_SEND_LONG_DATA: which parameter, how many bytes. */
  param?: number;
  bytes?: number;
  fetchRows?: number;
  /** COM_CHANGE_USER: the user and database asked for. */
  changeUser?: string;
}
