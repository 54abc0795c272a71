/**
 * What a reply says, written into its call at hand-out time: status, result line, row count,
 * error fields, reply text, and the detail of MysqlCallDetail (first result set, every result of
 * a multi-result reply, prepared statement facts). Pure: it reads the ReplyReader, writes the call.
 */
import type { DbCall } from '../db-call.js';
import { typeName } from './constants.js';
import { errResult, type ErrPacket } from './replies.js';
import type { ReplyReader } from './reply-reader.js';
import type { MysqlCallDetail } from './types.js';

/** Fills the call from its reply (if it expects one) and decides `complete`. */
export function settleCall(call: DbCall, detail: MysqlCallDetail, reader: ReplyReader | undefined): DbCall {
  if (reader) {
    const summary = reader.summary;
    if (reader.error) applyError(call, detail, reader.error, summary ?? errResult(reader.error));
    else if (summary !== undefined) {
      call.status = 'ok';
      call.result = summary;
    }
    const counts = reader.kind === 'query' || reader.kind === 'fetch';
    if (counts && reader.parts.some((part) => part.errorNumber === undefined)) call.rows = reader.rows;
    if (reader.text !== undefined) call.replyText = reader.text;
    describeReply(detail, reader);
  }
  const replied = !reader || reader.done;
  call.complete = call.request !== undefined && replied && call.errors.length === 0 && !call.gap;
  if (call.gap === undefined) delete call.gap;
  return call;
}

/** An ERR: errorCode is the SQLSTATE when the server sent one, else the error number. */
export function applyError(call: DbCall, detail: MysqlCallDetail, err: ErrPacket, result: string): void {
  call.status = 'error';
  call.result = result;
  call.errorCode = err.sqlState ?? String(err.code);
  call.errorMessage = err.message;
  detail.errorNumber = err.code;
  if (err.sqlState) detail.sqlState = err.sqlState;
}

function describeReply(detail: MysqlCallDetail, reader: ReplyReader): void {
  const lastStatus = reader.parts.at(-1)?.status;
  if (lastStatus) detail.status = lastStatus;
  if (reader.warnings) detail.warnings = reader.warnings;
  if (reader.authSteps.length) detail.auth = reader.authSteps;
  if (reader.localInfile !== undefined) detail.localInfile = reader.localInfile;
  const parts = reader.parts;
  const first = reader.firstResultSet();
  if (first?.columns) detail.columns = first.columns;
  if (first?.columnTypes) detail.columnTypes = first.columnTypes;
  if (first?.sampleRows) detail.sampleRows = first.sampleRows;
  if (parts.length === 1 && parts[0].affectedRows !== undefined) {
    detail.affectedRows = parts[0].affectedRows;
    if (parts[0].insertId) detail.insertId = parts[0].insertId;
    if (parts[0].info) detail.info = parts[0].info;
  }
  // every result of a multi-result reply, without sample rows: detail stays small
  if (parts.length > 1) detail.results = parts.map(({ sampleRows: _rows, ...rest }) => rest);
  const prepared = reader.prepared;
  if (prepared) {
    detail.statementId = prepared.statementId;
    detail.paramCount = prepared.paramCount;
    detail.columnCount = prepared.columns.length;
    if (prepared.params.length) detail.paramTypes = prepared.params.map((p) => typeName(p.type));
    if (prepared.columns.length) detail.columns = prepared.columns.map((c) => c.name);
  }
}
