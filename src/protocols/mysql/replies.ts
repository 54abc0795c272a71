/**
 * The generic reply packets: OK, ERR, EOF, and column definitions.
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_response_packets.html
 * https://mariadb.com/kb/en/result-set-packets/
 * Each reads what the payload holds and never throws.
 */
import { CAP } from './constants.js';
import { PayloadReader } from './payload-reader.js';
import { bytesAsText, columnValueType, type ColumnDef } from './values.js';

export interface OkPacket {
  affectedRows: bigint;
  insertId: bigint;
  status: number;
  warnings: number;
  info: string;
  /** SESSION_TRACK_SCHEMA: the database the statement switched to. */
  schema?: string;
}

export interface ErrPacket {
  code: number;
  sqlState?: string;
  message: string;
}

export interface EofPacket {
  warnings: number;
  status: number;
}

/** OK (header 0x00, or 0xfe when it ends a result set under CLIENT_DEPRECATE_EOF). */
export function parseOk(payload: Buffer, caps: bigint): OkPacket {
  const r = new PayloadReader(payload, 1);
  const ok: OkPacket = {
    affectedRows: r.lenenc() ?? 0n,
    insertId: r.lenenc() ?? 0n,
    status: r.int(2) ?? 0,
    warnings: r.int(2) ?? 0,
    info: '',
  };
  if (!(caps & CAP.SESSION_TRACK)) {
    ok.info = bytesAsText(r.rest(), false);
    return ok;
  }
  if (!r.atEnd) ok.info = bytesAsText(r.lenencBytes() ?? Buffer.alloc(0), false);
  if (ok.status & 0x4000 && !r.atEnd) {
    const schema = sessionSchema(r.lenencBytes() ?? Buffer.alloc(0));
    if (schema !== undefined) ok.schema = schema;
  }
  return ok;
}

/** The schema named by a SESSION_TRACK_SCHEMA (type 1) entry of the session state changes. */
function sessionSchema(changes: Buffer): string | undefined {
  const r = new PayloadReader(changes);
  let schema: string | undefined;
  while (!r.atEnd && !r.short) {
    const type = r.int(1);
    const data = r.lenencBytes();
    if (type === 1 && data) schema = bytesAsText(new PayloadReader(data).lenencBytes() ?? Buffer.alloc(0), false);
  }
  return schema;
}

export function parseErr(payload: Buffer): ErrPacket {
  const r = new PayloadReader(payload, 1);
  const code = r.int(2) ?? 0;
  let sqlState: string | undefined;
  if (r.peek() === 0x23) {
    // '#' and five characters: the SQLSTATE (protocol 4.1)
    r.skip(1);
    sqlState = r.take(5).toString('latin1');
  }
  return { code, sqlState, message: bytesAsText(r.rest(), false) };
}

export function parseEof(payload: Buffer): EofPacket {
  const r = new PayloadReader(payload, 1);
  return { warnings: r.int(2) ?? 0, status: r.int(2) ?? 0 };
}

/** Protocol 4.1 column definition; MariaDB adds a string of extended type info before the fixed fields. */
export function parseColumnDef(payload: Buffer, caps: bigint): ColumnDef {
  const r = new PayloadReader(payload);
  for (let i = 0; i < 4; i++) r.lenencBytes(); // catalog, schema, table, org_table
  const name = bytesAsText(r.lenencBytes() ?? Buffer.alloc(0), false);
  r.lenencBytes(); // org_name
  // MariaDB's extended metadata; when the capabilities are unknown (capture began mid-stream)
  // the fixed-length field's 0x0c tells whether it is there
  if (caps & CAP.MARIADB_EXTENDED_METADATA || (r.peek() !== undefined && r.peek() !== 0x0c)) r.lenencBytes();
  r.lenenc(); // length of the fixed fields, 0x0c
  const charset = r.int(2) ?? 0;
  r.skip(4); // column length
  const type = r.int(1) ?? 0xfd;
  const flags = r.int(2) ?? 0;
  return { name, ...columnValueType(type, flags, charset) };
}

/** The one-line form of an ERR: "ERROR 1146 (42S02): Table 'x' doesn't exist", as the mysql client prints it. */
export function errResult(err: ErrPacket): string {
  return `ERROR ${err.code}${err.sqlState ? ` (${err.sqlState})` : ''}: ${err.message}`;
}
