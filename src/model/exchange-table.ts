/**
 * The exchanges table (formats/exchanges.sql), defined once: each column's name, its SQL
 * declaration, the field of the built row it is written from, whether list rows hold it, and
 * whether and as what it sorts. The writer's statement, the loader's row, the list columns, the
 * sort columns and the row type checks are all made from this list, so a column added in the
 * middle moves every use of it together (it used to be written out by hand nine times).
 *
 * formats/exchanges.sql stays hand-written, with its comments, because SPEC.md and readers point
 * at it and the schema check (session/schema-check.ts) compares files with it token by token;
 * test/model/exchange-table.test.ts fails when the two disagree on a column's name, place, type
 * or constraint. (Generating the SQL at build time would have lost its comments, or put them
 * here, away from the tables they describe.)
 *
 * Lives in model/: session/ (reads and writes the file) and reconstruct/ (builds the rows) both
 * import it, and it imports neither.
 */

interface ColumnDef {
  readonly name: string;
  /** The declaration after the name, exactly as formats/exchanges.sql writes it. */
  readonly sql: string;
  /** The field of the built row (ExchangeFields) it is written from; none: the writer makes it. */
  readonly field?: string;
  /** An INTEGER that is a wall-clock time: a bigint in the built row too (a number cannot hold it). */
  readonly time?: boolean;
  /**
   * Never NULL as tinytap writes it, though the SQL allows NULL (the schema is kept as old files
   * have it): the types trust the writer, as they always have.
   */
  readonly written?: true;
  /** Read back: false for what only a rebuild compares (digest). Default true. */
  readonly read?: false;
  /** In the rows of the exchange list (Session.exchanges). Default true for what is read. */
  readonly summary?: false;
  /**
   * A list may be ordered by it: true, or the name `ls --sort` knows it by and the place of that
   * name in `ls --sort`'s help.
   */
  readonly sort?: true | { readonly as: string; readonly listed: number };
}

export const EXCHANGE_COLUMNS = [
  { name: 'id', sql: 'INTEGER PRIMARY KEY', sort: { as: 'id', listed: 1 } },
  { name: 'flow_id', sql: 'INTEGER NOT NULL', field: 'flowId' },
  { name: 'seq', sql: 'INTEGER NOT NULL', field: 'seq' },
  { name: 'protocol', sql: 'TEXT NOT NULL', field: 'protocol', sort: { as: 'proto', listed: 11 } },
  { name: 'operation', sql: 'TEXT', field: 'operation', sort: { as: 'operation', listed: 12 } },
  { name: 'target', sql: 'TEXT', field: 'target' },
  { name: 'client_pid', sql: 'INTEGER', field: 'clientPid', sort: true },
  { name: 'client_comm', sql: 'TEXT', field: 'clientComm', sort: { as: 'client', listed: 9 } },
  { name: 'server_pid', sql: 'INTEGER', field: 'serverPid', sort: true },
  { name: 'server_comm', sql: 'TEXT', field: 'serverComm', sort: { as: 'server', listed: 10 } },
  { name: 'server_port', sql: 'INTEGER', field: 'serverPort', sort: true },
  { name: 'client_port', sql: 'INTEGER', field: 'clientPort' },
  { name: 'method', sql: 'TEXT', field: 'method', sort: { as: 'method', listed: 3 } },
  { name: 'scheme', sql: 'TEXT', field: 'scheme', written: true },
  { name: 'host', sql: 'TEXT', field: 'host', sort: { as: 'host', listed: 4 } },
  { name: 'path', sql: 'TEXT', field: 'path', sort: { as: 'path', listed: 5 } },
  { name: 'query', sql: 'TEXT', field: 'query' },
  { name: 'url', sql: 'TEXT', field: 'url', written: true, sort: { as: 'url', listed: 6 } },
  { name: 'http_version', sql: 'TEXT', field: 'httpVersion' },
  { name: 'status', sql: 'INTEGER', field: 'status', sort: { as: 'status', listed: 2 } },
  { name: 'reason', sql: 'TEXT', field: 'reason' },
  { name: 'req_started', sql: 'INTEGER NOT NULL', field: 'reqStarted', time: true, sort: { as: 'time', listed: 0 } },
  { name: 'req_ended', sql: 'INTEGER', field: 'reqEnded', time: true },
  { name: 'resp_started', sql: 'INTEGER', field: 'respStarted', time: true },
  { name: 'resp_ended', sql: 'INTEGER', field: 'respEnded', time: true },
  { name: 'duration_ns', sql: 'INTEGER', field: 'durationNs', sort: { as: 'duration', listed: 8 } },
  { name: 'ttfb_ns', sql: 'INTEGER', field: 'ttfbNs', sort: true },
  { name: 'req_body_size', sql: 'INTEGER', field: 'reqBodySize' },
  { name: 'resp_body_size', sql: 'INTEGER', field: 'respBodySize', sort: { as: 'size', listed: 7 } },
  { name: 'req_size', sql: 'INTEGER', field: 'reqSize' },
  { name: 'resp_size', sql: 'INTEGER', field: 'respSize', sort: true },
  { name: 'req_type', sql: 'TEXT', field: 'reqType' },
  { name: 'resp_type', sql: 'TEXT', field: 'respType' },
  { name: 'resp_encoding', sql: 'TEXT', field: 'respEncoding' },
  { name: 'flags', sql: 'INTEGER NOT NULL DEFAULT 0', field: 'flags' },
  { name: 'upgrade', sql: 'TEXT', field: 'upgrade' },
  { name: 'error', sql: 'TEXT', field: 'error' },
  { name: 'error_dir', sql: 'TEXT', field: 'errorDir' },
  { name: 'error_offset', sql: 'INTEGER', field: 'errorOffset' },
  { name: 'error_code', sql: 'TEXT', field: 'errorCode' },
  { name: 'db', sql: 'TEXT', field: 'db' },
  { name: 'rows', sql: 'INTEGER', field: 'rows', sort: { as: 'rows', listed: 13 } },
  { name: 'shape', sql: 'TEXT', field: 'shape' },
  { name: 'names', sql: 'TEXT', field: 'names' },
  { name: 'parent_id', sql: 'INTEGER', field: 'parentId' },
  { name: 'link', sql: 'TEXT', field: 'link' },
  { name: 'queries', sql: 'INTEGER', field: 'queries', sort: { as: 'queries', listed: 14 } },
  { name: 'db_ns', sql: 'INTEGER', field: 'dbNs' },
  { name: 'grpc_service', sql: 'TEXT', field: 'grpcService' },
  { name: 'grpc_method', sql: 'TEXT', field: 'grpcMethod' },
  { name: 'grpc_status', sql: 'INTEGER', field: 'grpcStatus' },
  { name: 'digest', sql: 'INTEGER NOT NULL', read: false },
  { name: 'first_event', sql: 'INTEGER', field: 'firstEvent' },
  { name: 'last_event', sql: 'INTEGER', field: 'lastEvent' },
  { name: 'detail', sql: 'BLOB NOT NULL', summary: false },
] as const satisfies readonly ColumnDef[];

type Column = (typeof EXCHANGE_COLUMNS)[number];

/** A column's name: code naming a column by this type fails to compile when the column goes. */
export type ExchangeColumn = Column['name'];

/** NOT NULL, or an INTEGER PRIMARY KEY (SQLite's rowid). */
type Required<S extends string> = S extends `${string}NOT NULL${string}` | `INTEGER PRIMARY KEY${string}` ? true : false;
type Nullable<C extends Column> = Required<C['sql']> extends true ? never : C extends { written: true } ? never : null;

/** A value as better-sqlite3 reads it with safeIntegers: every INTEGER a bigint. */
type Stored<S extends string> = S extends `INTEGER${string}` ? bigint : S extends `TEXT${string}` ? string : S extends `BLOB${string}` ? Buffer : never;

/** A value as the row builder (reconstruct/exchange-row.ts) gives it: integers are numbers but for times. */
type Built<C extends Column> = C['sql'] extends `INTEGER${string}` ? (C extends { time: true } ? bigint : number) : C['sql'] extends `TEXT${string}` ? string : never;

type ReadColumn = Exclude<Column, { read: false }>;
type SummaryColumn = Exclude<ReadColumn, { summary: false }>;
type FieldColumn = Extract<Column, { field: string }>;

/** A row of the exchanges table as the loader reads it (READ_COLUMNS, safe integers). */
export type ExchangeRowData = { [C in ReadColumn as C['name']]: Stored<C['sql']> | Nullable<C> };

/** A row of the exchange list: the columns of SUMMARY_COLUMNS. */
export type ExchangeSummary = { [C in SummaryColumn as C['name']]: Stored<C['sql']> | Nullable<C> };

/** The fields of a built row that are written as they are (the writer adds id, digest and detail). */
export type ExchangeFields = { [C in FieldColumn as C['field']]: Built<C> | Nullable<C> };

const isRead = (c: ColumnDef) => c.read !== false;
const columns: readonly ColumnDef[] = EXCHANGE_COLUMNS;

/** Every column, in table order. */
export const ALL_COLUMNS: readonly string[] = columns.map((c) => c.name);

/** The columns a whole exchange is loaded from, in table order. */
export const READ_COLUMNS: readonly string[] = columns.filter(isRead).map((c) => c.name);

/** The columns of the exchange list's rows (no detail), in table order. */
export const SUMMARY_COLUMNS: readonly string[] = columns.filter((c) => isRead(c) && c.summary !== false).map((c) => c.name);

/** Columns a list may be sorted by (anything else is refused: it is pasted into SQL). */
export const SORTABLE: ReadonlySet<string> = new Set(columns.filter((c) => c.sort).map((c) => c.name));

/** `ls --sort` names → columns, in the order its help lists them. */
export const SORT_NAMES: Readonly<Record<string, string>> = Object.fromEntries(
  columns
    .flatMap((c) => (typeof c.sort === 'object' ? [{ ...c.sort, column: c.name }] : []))
    .sort((a, b) => a.listed - b.listed)
    .map((s) => [s.as, s.column]),
);

/** Columns the SQL declares NOT NULL (an INTEGER PRIMARY KEY too). */
export const NOT_NULL_COLUMNS: ReadonlySet<string> = new Set(columns.filter((c) => isRequired(c.sql)).map((c) => c.name));

function isRequired(sql: string): boolean {
  return /\bNOT NULL\b/.test(sql) || sql.startsWith('INTEGER PRIMARY KEY');
}

/** What values a column may hold, as session/schema-check.ts's DeclaredColumn says it. */
export interface ColumnType {
  name: string;
  /** 'integer', 'text', 'blob'. */
  type: string;
  required: boolean;
}

/** The types of `names`, for checking rows read from a file (session/damage.ts RowCheck). */
export function columnTypes(names: readonly string[]): ColumnType[] {
  return names.map((name) => {
    const c = columns.find((x) => x.name === name);
    if (!c) throw new Error(`exchanges has no column ${name}`);
    return { name, type: c.sql.split(' ')[0].toLowerCase(), required: isRequired(c.sql) };
  });
}

/** The built row's field a column is written from, if the writer does not make it itself. */
export function fieldOf(name: string): string | undefined {
  return columns.find((c) => c.name === name)?.field;
}
