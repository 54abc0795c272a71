/**
 * What the database protocol parsers (PostgreSQL, MySQL/MariaDB, Redis) produce: one **call**,
 * a request and the reply that answers it, said in terms common to all three so that the rest of
 * tinytap (the exchange row, filters, `ls`, `show`, the N+1 check) handles them alike; what only
 * one protocol has goes in `detail`.
 *
 * Like the HTTP/1.x parser's output, nothing here holds the raw bytes: offsets say where they
 * are. Text fields (the SQL, a command's arguments, values) are decoded copies, bounded by
 * DB_TEXT_LIMIT so a 100 MB blob cannot blow up the derived tables.
 */
import type { StreamDirection, StreamItem } from './stream.js';

export type DbProtocol = 'postgresql' | 'mysql' | 'redis';

/** The most characters any one text field of a call holds; longer text is cut and ends with '…'. */
export const DB_TEXT_LIMIT = 64 * 1024;
/** Result rows (SQL) or reply elements (Redis) kept in a call's detail for `show`. */
export const DB_SAMPLE_ROWS = 20;

/**
 * A value sent or received, as text: SQL NULL and a RESP null are null; text is decoded as UTF-8
 * (invalid sequences replaced); a binary value (a bytea in binary format, a blob) is
 * `\x` followed by lower-case hex, cut at DB_TEXT_LIMIT characters.
 */
export type DbValue = string | null;

/** A [start, end) range of stream offsets in one direction. */
export type DbRange = [start: number, end: number];

/** Why a direction could not be parsed further; the bytes after `offset` are left raw. */
export interface DbParseError {
  dir: StreamDirection;
  offset: number;
  /** Machine-readable: 'invalid-message', 'too-large', 'gap', 'unexpected', 'internal', ... */
  code: string;
  /** One line for humans. */
  message: string;
}

/** ts values (ns since the session started, as in StreamSegment.ts); unset when not seen. */
export interface DbCallTiming {
  /** The request's first byte. */
  requestStart?: number;
  /** The request's last byte. */
  requestEnd?: number;
  /** The reply's first byte. */
  responseStart?: number;
  /** The reply's last byte. */
  responseEnd?: number;
}

export interface DbCall {
  protocol: DbProtocol;
  /** Position on its connection, from 0, in request order (one-way messages in arrival order). */
  index: number;
  /**
   * What kind of call it is, upper case, as a user would say it: for SQL the statement's first
   * keyword ('SELECT', 'INSERT', 'BEGIN', 'COPY', ...) or the protocol step ('STARTUP', 'AUTH',
   * 'PREPARE', 'CLOSE', 'QUIT', 'PING', 'INIT_DB'); for Redis the command name ('HGETALL',
   * 'CLIENT SETNAME' for a command with a subcommand); 'MESSAGE' for a pub/sub message or a
   * PostgreSQL NotificationResponse.
   */
  operation: string;
  /**
   * The request as text: the SQL exactly as sent (for the extended protocol / prepared
   * statements, the prepared SQL, with $1/? placeholders as sent); for Redis the command line
   * with its arguments quoted the way redis-cli prints them. '' when there is none.
   */
  text: string;
  /** Parameter values (extended protocol Bind, COM_STMT_EXECUTE), in order; absent when none. */
  params?: DbValue[];
  /** Redis: the keys the command names (by the command's key positions); absent otherwise. */
  keys?: string[];
  /** The reply's outcome: 'none' when no reply was seen (capture ended, connection closed). */
  status: 'ok' | 'error' | 'none';
  /**
   * The reply in one line: a CommandComplete tag ('SELECT 42', 'INSERT 0 1'), a MySQL OK
   * ('OK, 1 row affected') or result set ('3 rows'), a Redis reply as redis-cli prints it
   * ('OK', '(integer) 5', '(nil)', '"value"', '3 elements'), or the error ('ERROR 42P01: relation
   * "x" does not exist'). Absent when there was no reply.
   */
  result?: string;
  /** Rows returned (result set) or affected (INSERT/UPDATE/DELETE); absent when not known. */
  rows?: number;
  /** SQLSTATE (PostgreSQL, MySQL), MySQL's error number as text, or Redis's error prefix ('WRONGTYPE', 'ERR'). */
  errorCode?: string;
  /** The error message as the server sent it. */
  errorMessage?: string;
  /** The database the connection was using when the call was made (startup, COM_INIT_DB, USE, Redis SELECT n). */
  database?: string;
  /** The user the connection authenticated as (startup / handshake response), when seen. */
  user?: string;
  /** A message nobody asked for: pub/sub message, NotificationResponse. No request range. */
  oneWay?: boolean;
  /** Where the request's bytes are (c2s offsets); absent for one-way messages. */
  request?: DbRange;
  /** Where the reply's bytes are (s2c offsets); absent when no reply was seen. */
  response?: DbRange;
  timing: DbCallTiming;
  /** Both the request and its whole reply were parsed, with no error and no gap. */
  complete: boolean;
  /** Bytes of the request or reply were moved but not captured (truncated, zero-copy, lost). */
  gap?: boolean;
  /** Errors that ended a direction at this call. */
  errors: DbParseError[];
  /**
   * Searchable text of the reply: values of the rows or reply elements, joined by newlines,
   * cut at DB_TEXT_LIMIT. Absent when there is none.
   */
  replyText?: string;
  /**
   * What only this protocol has, as plain data (msgpack stores it): e.g. PostgreSQL's statement
   * and portal names, parameter formats, notices, the result's column names and first
   * DB_SAMPLE_ROWS rows; MySQL's warnings count and status flags; the Redis reply as a tree
   * (first DB_SAMPLE_ROWS elements of each aggregate) and its RESP type. Documented by each
   * parser's types.ts; kept small (a few kB at most).
   */
  detail: Record<string, unknown>;
}

/** A call as it begins, before its request is read: no text, no reply, nothing complete. */
export function newDbCall(protocol: DbProtocol, index: number, operation: string, detail: Record<string, unknown> = {}): DbCall {
  return { protocol, index, operation, text: '', status: 'none', timing: {}, complete: false, errors: [], detail };
}

/** One connection of a database protocol: fed stream items in order, hands out calls. */
export interface DbConnection {
  /** The next stream item of either direction, in capture order. Never throws. */
  push(item: StreamItem): void;
  /** Calls nothing more can change, in index order; each is handed out once. */
  takeCalls(): DbCall[];
  /** End of the streams: every call still open is handed out (status 'none' / incomplete). */
  finish(): DbCall[];
  /**
   * Set once the connection stopped speaking this protocol in the clear: 'tls' after a
   * PostgreSQL SSLRequest the server accepted ('S') or a MySQL SSL request. The bytes after
   * that are not parsed (the TLS layer's plaintext is, if tinytap read it).
   */
  readonly switchedTo: string | null;
  /**
   * Parsing can start again at the first call not handed out, with nothing that came before
   * (SPEC.md §3.1: a later file of a chain restarts there). Absent: this protocol keeps state
   * across calls that a restart would lose (prepared statements, the startup), so it cannot.
   */
  readonly restartable?: boolean;
}
