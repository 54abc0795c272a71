/**
 * What the connection remembers of its prepared statements, by statement id: the SQL (an execute
 * carries only the id), the parameter count (to read an execute at all), the result columns
 * (a fetch, or MariaDB's cached metadata, sends rows without them) and the parameter types of
 * the last execute (an execute may say "same types as before"). Bounded: the oldest statements
 * are forgotten past MAX_STATEMENTS.
 */
import type { DbValue } from '../db-call.js';
import { PayloadReader } from './payload-reader.js';
import { bytesAsText, decodeValues, paramValueType, type ColumnDef, type ValueType } from './values.js';
import { CAP, typeName } from './constants.js';

const MAX_STATEMENTS = 1024;
/** Bytes of COM_STMT_SEND_LONG_DATA kept per parameter (they are shown cut anyway). */
const MAX_LONG_DATA = 64 * 1024;
/** Parameters whose long data is kept per statement (a statement may have 65535). */
const MAX_LONG_DATA_PARAMS = 16;

export interface PreparedStatement {
  id: number;
  sql: string;
  paramCount: number;
  columns: ColumnDef[];
  paramTypes?: ValueType[];
  /** Parameters sent with COM_STMT_SEND_LONG_DATA since the last execute (their values are not in the execute). */
  longDataParams: Set<number>;
  /** The first bytes of some of them. */
  longData: Map<number, Buffer>;
}

export interface ExecuteRequest {
  statementId: number;
  statement?: PreparedStatement;
  flags: number;
  params?: DbValue[];
  paramTypes?: string[];
}

export class StatementRegistry {
  private readonly byId = new Map<number, PreparedStatement>();

  get(id: number): PreparedStatement | undefined {
    return this.byId.get(id);
  }

  add(statement: PreparedStatement): void {
    this.byId.delete(statement.id);
    this.byId.set(statement.id, statement);
    if (this.byId.size > MAX_STATEMENTS) this.byId.delete(this.byId.keys().next().value as number);
  }

  close(id: number): void {
    this.byId.delete(id);
  }

  /** COM_STMT_SEND_LONG_DATA: statement id, parameter id, data. */
  longData(payload: Buffer): void {
    const r = new PayloadReader(payload, 1);
    const statement = this.byId.get(r.int(4) ?? -1);
    const param = r.int(2);
    if (!statement || param === undefined) return;
    statement.longDataParams.add(param);
    if (!statement.longData.has(param) && statement.longData.size >= MAX_LONG_DATA_PARAMS) return;
    const had = statement.longData.get(param) ?? Buffer.alloc(0);
    if (had.length >= MAX_LONG_DATA) return;
    const more = r.rest();
    statement.longData.set(param, Buffer.concat([had, more.subarray(0, MAX_LONG_DATA - had.length)]));
  }

  /**
   * COM_STMT_EXECUTE: statement id, flags, iteration count, then (when the statement has
   * parameters) the NULL bitmap, the new-params-bound flag, the types if bound, the values.
   */
  execute(payload: Buffer, caps: bigint): ExecuteRequest {
    const r = new PayloadReader(payload, 1);
    const statementId = r.int(4) ?? 0;
    const flags = r.int(1) ?? 0;
    r.skip(4); // iteration count, always 1
    const statement = this.byId.get(statementId);
    const request: ExecuteRequest = { statementId, statement, flags };
    if (!statement) return request;
    let count = statement.paramCount;
    // MySQL 8 query attributes: the count is sent when the flag says so
    if (caps & CAP.QUERY_ATTRIBUTES && flags & 0x08) count = r.lenencNumber() ?? count;
    if (count === 0) return request;
    const bitmap = r.take((count + 7) >> 3);
    const bound = r.int(1);
    if (bound === 1) {
      const types: ValueType[] = [];
      for (let i = 0; i < count; i++) {
        const type = r.int(1) ?? 0xfd;
        types.push(paramValueType(type, r.int(1) ?? 0));
        if (caps & CAP.QUERY_ATTRIBUTES) r.lenencBytes(); // parameter name
      }
      statement.paramTypes = types;
    }
    const types = statement.paramTypes;
    if (!types || types.length !== count) return request;
    const { longData, longDataParams } = statement;
    const decoded = decodeValues(r, types.map((t, i) => (longDataParams.has(i) ? NO_VALUE : t)), bitmap, 0);
    request.params = decoded.map((v, i) => {
      if (!longDataParams.has(i)) return v;
      const sent = longData.get(i);
      return sent ? bytesAsText(sent, types[i].binary) : '(long data, not kept)';
    });
    request.paramTypes = types.map((t) => typeName(t.type) + (t.unsigned ? ' UNSIGNED' : ''));
    statement.longData = new Map();
    statement.longDataParams = new Set();
    return request;
  }
}

/** A parameter sent as long data: nothing of it is in the execute packet. */
const NO_VALUE: ValueType = { type: 0x06, unsigned: false, binary: false };
