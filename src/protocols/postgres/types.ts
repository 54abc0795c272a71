/**
 * What a PostgreSQL call's `detail` holds (DbCall.detail): plain data, small, every text bounded.
 * Which fields appear depends on the call's kind; absent fields were not seen.
 */
import type { DbValue } from '../db-call.js';
import type { ServerNotice } from './backend.js';

export interface PostgresColumn {
  name: string;
  /** The column's type OID (pg_type.oid): 23 int4, 25 text, ... */
  type: number;
  /** 0 text, 1 binary. */
  format: number;
}

export interface PostgresCopy {
  /** in: COPY FROM STDIN (client sends the data), out: COPY TO STDOUT, both: replication. */
  direction: 'in' | 'out' | 'both';
  format: 'text' | 'binary';
  /** CopyData messages, their data bytes (uncaptured ones included) and newlines seen in them. */
  messages: number;
  bytes: number;
  lines: number;
  /** How the data ended: CopyDone, or CopyFail with its message. */
  end?: 'done' | 'fail';
  failMessage?: string;
}

export interface PostgresDetail {
  // ---- STARTUP ----
  /** Protocol version of the StartupMessage ('3.0'). */
  protocolVersion?: string;
  /** Startup parameters other than user and database (application_name, client_encoding, options...). */
  parameters?: Record<string, string>;
  /** ParameterStatus messages of the server (server_version, client_encoding, TimeZone, ...). */
  serverParameters?: Record<string, string>;
  /** BackendKeyData's process id (its secret key is never kept). */
  backendPid?: number;
  /** How the server authenticated the client: 'trust' (no request), 'cleartext', 'md5', 'SASL', ... */
  authMethod?: string;
  /** NegotiateProtocolVersion: the newest minor version the server supports. */
  negotiatedMinor?: number;

  // ---- AUTH ----
  /** SASL mechanisms the server offered, and the one the client chose. */
  mechanisms?: string[];
  mechanism?: string;
  /** Client authentication messages sent (their content is never kept). */
  authMessages?: number;

  // ---- SSL_REQUEST / GSSENC_REQUEST / CANCEL ----
  /** The server's one-byte answer: 'S' or 'G' accepted, 'N' refused. */
  answer?: string;
  /** CancelRequest: the process it asks to cancel (its secret key is never kept). */
  cancelPid?: number;

  // ---- queries ----
  /** Extended protocol: the prepared statement and portal names ('' is the unnamed one). */
  statement?: string;
  portal?: string;
  /** Parse's parameter type OIDs, or the server's ParameterDescription. */
  paramTypes?: number[];
  /** Bind's parameter and result format codes (0 text, 1 binary), as sent. */
  paramFormats?: number[];
  resultFormats?: number[];
  /** Execute's row limit when not 0 (all rows). */
  maxRows?: number;
  /** The extended-protocol messages this call is made of, in order ('P', 'B', 'D', 'E', 'S', ...). */
  messages?: string;
  /** The first result set's columns. */
  columns?: PostgresColumn[];
  /** The first DB_SAMPLE_ROWS result rows, as text. */
  sampleRows?: DbValue[][];
  /** DataRow messages received. */
  dataRows?: number;
  /** CommandComplete tags, in order. */
  tags?: string[];
  /** EmptyQueryResponse: the query was empty. */
  emptyQuery?: boolean;
  /** Execute stopped at maxRows (PortalSuspended). */
  suspended?: boolean;
  /** The ErrorResponse, field by field. */
  error?: ServerNotice;
  /** NoticeResponses received while this call was answered (at most DB_SAMPLE_ROWS). */
  notices?: ServerNotice[];
  /** ParameterStatus changes reported during this call (after SET, say). */
  parameterStatus?: Record<string, string>;
  /** ReadyForQuery's transaction status: 'I' idle, 'T' in a transaction, 'E' failed transaction. */
  transactionStatus?: string;
  copy?: PostgresCopy;
  /** The server discarded this call's messages after an earlier error of the same batch. */
  skipped?: boolean;

  // ---- FUNCTION ----
  functionOid?: number;

  // ---- MESSAGE (NotificationResponse) ----
  channel?: string;
  payload?: string;
  pid?: number;

  // ---- anomalies ----
  /** Replies that did not fit what the call expected (a capture started mid-stream, say). */
  unexpected?: number;
  /** Handed out before its reply, because too many calls were waiting (limits.maxCallsInFlight). */
  givenUp?: boolean;
  /** Replies seen without a request (the capture started after it was sent). */
  orphan?: boolean;
}
