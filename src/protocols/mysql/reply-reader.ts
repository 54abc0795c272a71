/**
 * Reads the server's reply to one command, packet by packet, and says when it is over: one
 * state per step of the reply (first packet, column definitions, rows, ...), chosen by the
 * command's ReplyKind. Multi-statement queries and CALL give several results, chained by
 * SERVER_MORE_RESULTS_EXISTS; each becomes one ResultPart.
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_query_response.html
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_stmt_prepare.html
 */
import { DB_SAMPLE_ROWS, DB_TEXT_LIMIT, type DbValue } from '../db-call.js';
import { CAP, STATUS, statusNames, typeName } from './constants.js';
import type { ReplyKind } from './commands.js';
import type { Packet } from './framing.js';
import { classifyAuthReply } from './handshake.js';
import { PayloadReader } from './payload-reader.js';
import { errResult, parseColumnDef, parseEof, parseErr, parseOk, type ErrPacket, type OkPacket } from './replies.js';
import { cutText } from '../db-text.js';
import { bytesAsText, decodeBinaryRow, decodeTextRow, type ColumnDef } from './values.js';
import type { MysqlResultPart } from './types.js';

/** Results kept in detail.results; later ones still count in `rows` and the summary. */
const MAX_PARTS = DB_SAMPLE_ROWS;
/** Characters of a value kept in detail.sampleRows (detail stays small; replyText has more). */
export const SAMPLE_VALUE_LIMIT = 256;
/** Column names kept per result in detail. */
const MAX_COLUMNS = 256;
/** Column definitions read per result set: MySQL's limit per table; more is not a real stream. */
const MAX_DEFINITIONS = 4096;
/** Characters of sample values kept per result: a wide table's rows must not make detail big. */
const SAMPLE_BUDGET = 16 * 1024;
const MAX_AUTH_STEPS = 16;

type State =
  | 'first' // a reply's first packet: OK, ERR, LOCAL INFILE, or a column count
  | 'columns'
  | 'columnsEof'
  | 'rows'
  | 'prepareParams'
  | 'prepareParamsEof'
  | 'prepareColumns'
  | 'prepareColumnsEof'
  | 'fieldList'
  | 'done';

export interface PreparedReply {
  statementId: number;
  paramCount: number;
  columns: ColumnDef[];
  params: ColumnDef[];
}

export class ReplyReader {
  private state: State = 'first';
  readonly parts: MysqlResultPart[] = [];
  private partCount = 0;
  private summaries: string[] = [];
  private summaryLength = 0;
  rows = 0;
  error: ErrPacket | undefined;
  /** The last OK or EOF's status flags and the warnings summed over the reply. */
  status: number | undefined;
  warnings = 0;
  /** SESSION_TRACK_SCHEMA in an OK: the database is now this one. */
  schema: string | undefined;
  localInfile: string | undefined;
  prepared: PreparedReply | undefined;
  /** Authentication steps (CHANGE_USER, STARTUP): 'switch to client_ed25519', 'fast auth success'. */
  readonly authSteps: string[] = [];
  private replyText = '';
  // the result set being read
  private columns: ColumnDef[] = [];
  private columnCount = 0;
  private resultRows = 0;
  private sampleRows: DbValue[][] = [];
  private prepareLeft = 0;
  private definitionsRead = 0;
  private sampleChars = 0;
  /** The definitions of the last result set that came with them (an execute's may not). */
  resultColumns: ColumnDef[] | undefined;

  constructor(
    readonly kind: ReplyKind,
    private readonly caps: bigint,
    /** Rows are in the binary protocol (COM_STMT_EXECUTE, COM_STMT_FETCH). */
    private readonly binary: boolean,
    /** The statement's columns, for rows sent without definitions (fetch, cached metadata). */
    private readonly knownColumns: ColumnDef[] | undefined,
  ) {
    if (kind === 'fetch') {
      this.columns = knownColumns ?? [];
      this.state = 'rows';
    } else if (kind === 'fieldList') this.state = 'fieldList';
  }

  get done(): boolean {
    return this.state === 'done';
  }

  /** The summaries of the results so far, joined: the call's `result`. */
  get summary(): string | undefined {
    if (this.summaries.length === 0) return undefined;
    return cutText(this.summaries.join('; ') + (this.partCount > this.summaries.length ? '; …' : ''));
  }

  get text(): string | undefined {
    return this.replyText || undefined;
  }

  /** The first result set's columns and sample rows, for the call's detail. */
  firstResultSet(): MysqlResultPart | undefined {
    return this.parts.find((p) => p.columns);
  }

  push(packet: Packet): void {
    const p = packet.payload;
    if (this.kind === 'auth') return this.auth(p);
    if (this.kind === 'stream') return this.streamed(p);
    const head = p[0];
    // MariaDB progress reports (an ERR with code 0xffff) can come at any time: not the reply
    if (head === 0xff && this.caps & CAP.MARIADB_PROGRESS && p.length >= 3 && p.readUInt16LE(1) === 0xffff) return;
    switch (this.state) {
      case 'first':
        return this.first(packet);
      case 'columns':
        return this.column(p);
      case 'columnsEof':
        if (this.isEof(packet)) {
          const eof = parseEof(p);
          // a cursor was opened: the rows come with COM_STMT_FETCH
          if (eof.status & STATUS.CURSOR_EXISTS) return this.endResultSet(eof.status, eof.warnings);
          this.state = 'rows';
          return;
        }
        this.state = 'rows';
        return this.row(packet);
      case 'rows':
        return this.row(packet);
      case 'prepareParams':
      case 'prepareColumns':
        return this.prepareDefinition(p);
      case 'prepareParamsEof':
      case 'prepareColumnsEof':
        if (this.isEof(packet)) return this.afterPrepareEof();
        this.state = this.state === 'prepareParamsEof' ? 'prepareParams' : 'prepareColumns';
        return this.push(packet);
      case 'fieldList':
        return this.fieldListColumn(packet);
      case 'done':
        return;
    }
  }

  private first(packet: Packet): void {
    const p = packet.payload;
    switch (p[0]) {
      case 0x00:
        if (this.kind === 'prepare') return this.prepareOk(p);
        return this.ok(parseOk(p, this.caps));
      case 0xff:
        return this.err(parseErr(p));
      case 0xfe:
        if (packet.length < 9) return this.endResultSet(parseEof(p).status, parseEof(p).warnings, 'OK');
        break;
      case 0xfb:
        if (this.kind === 'query') {
          // the server asks for a local file; the client sends it, then an OK or ERR follows
          this.localInfile = bytesAsText(p.subarray(1), false);
          this.addSummary(`LOCAL INFILE '${this.localInfile}' requested`);
          return;
        }
        break;
    }
    if (this.kind === 'statistics') {
      this.addSummary(bytesAsText(p, false));
      this.state = 'done';
      return;
    }
    if (this.kind !== 'query') {
      this.addSummary(`unexpected reply 0x${(p[0] ?? 0).toString(16)}`);
      this.state = 'done';
      return;
    }
    this.beginResultSet(p);
  }

  private beginResultSet(p: Buffer): void {
    const r = new PayloadReader(p);
    this.columnCount = r.lenencNumber() ?? 0;
    this.columns = [];
    this.definitionsRead = 0;
    this.sampleChars = 0;
    this.resultRows = 0;
    this.sampleRows = [];
    // MariaDB's cached metadata / MySQL's optional metadata: a byte says whether definitions follow
    const optional = this.caps & (CAP.MARIADB_CACHE_METADATA | CAP.OPTIONAL_RESULTSET_METADATA);
    const metadataFollows = optional ? r.int(1) !== 0 : true;
    if (!metadataFollows) {
      this.columns = this.knownColumns ?? [];
      this.state = this.caps & CAP.DEPRECATE_EOF ? 'rows' : 'columnsEof';
      return;
    }
    this.state = this.columnCount > 0 ? 'columns' : 'rows';
  }

  private column(p: Buffer): void {
    if (this.columns.length < MAX_DEFINITIONS) this.columns.push(parseColumnDef(p, this.caps));
    if (++this.definitionsRead < this.columnCount) return;
    this.resultColumns = this.columns;
    this.state = this.caps & CAP.DEPRECATE_EOF ? 'rows' : 'columnsEof';
  }

  private row(packet: Packet): void {
    const p = packet.payload;
    if (this.isEof(packet)) {
      if (this.caps & CAP.DEPRECATE_EOF) {
        const ok = parseOk(p, this.caps);
        return this.endResultSet(ok.status, ok.warnings);
      }
      const eof = parseEof(p);
      return this.endResultSet(eof.status, eof.warnings);
    }
    if (p[0] === 0xff) return this.err(parseErr(p));
    this.resultRows++;
    const needText = this.replyText.length < DB_TEXT_LIMIT;
    if (this.sampleRows.length >= DB_SAMPLE_ROWS && !needText) return;
    const values = this.binary ? decodeBinaryRow(p, this.columns) : decodeTextRow(p, this.columns);
    if (this.sampleRows.length < DB_SAMPLE_ROWS && this.sampleChars < SAMPLE_BUDGET) {
      const sample = values.slice(0, MAX_COLUMNS).map(sampleValue);
      this.sampleChars += sample.reduce((n, v) => n + (v?.length ?? 4), 0);
      this.sampleRows.push(sample);
    }
    if (needText) this.addReplyText(values.map((v) => v ?? 'NULL').join('\t'));
  }

  /** An EOF packet, or under CLIENT_DEPRECATE_EOF the OK packet with header 0xfe that replaces it. */
  private isEof(packet: Packet): boolean {
    if (packet.payload[0] !== 0xfe) return false;
    const okAsEof = this.caps & CAP.DEPRECATE_EOF && (this.state === 'rows' || this.state === 'fieldList');
    return okAsEof ? packet.length < 0xffffff : packet.length < 9;
  }

  private endResultSet(status: number, warnings: number, summary?: string): void {
    const rows = this.resultRows;
    const part: MysqlResultPart = summary
      ? { result: summary }
      : {
          result: `${rows} row${rows === 1 ? '' : 's'}`,
          rows,
          columns: this.columns.slice(0, MAX_COLUMNS).map((c) => c.name),
          columnTypes: this.columns.slice(0, MAX_COLUMNS).map((c) => typeName(c.type)),
          sampleRows: this.sampleRows,
        };
    if (warnings) part.warnings = warnings;
    this.rows += rows;
    this.resultRows = 0;
    this.finishPart(part, status, warnings);
  }

  private ok(ok: OkPacket): void {
    // a PING, INIT_DB or login affects no rows: their OK is just 'OK'
    const counts = this.kind === 'query';
    const affected = counts ? Number(ok.affectedRows) : 0;
    const part: MysqlResultPart = counts
      ? { result: `OK, ${affected} row${affected === 1 ? '' : 's'} affected`, affectedRows: affected }
      : { result: 'OK' };
    if (ok.insertId) part.insertId = ok.insertId.toString();
    if (ok.warnings) part.warnings = ok.warnings;
    if (ok.info) part.info = ok.info;
    if (ok.schema !== undefined) this.schema = ok.schema;
    this.rows += affected;
    this.finishPart(part, ok.status, ok.warnings);
  }

  private err(err: ErrPacket): void {
    this.error = err;
    const part: MysqlResultPart = { result: errResult(err), errorNumber: err.code };
    if (err.sqlState) part.sqlState = err.sqlState;
    this.finishPart(part, undefined, 0);
    this.state = 'done'; // an error ends a multi-statement query
  }

  private finishPart(part: MysqlResultPart, status: number | undefined, warnings: number): void {
    this.partCount++;
    if (this.parts.length < MAX_PARTS) this.parts.push(part);
    this.addSummary(part.result);
    if (status !== undefined) {
      this.status = status;
      part.status = statusNames(status);
    }
    this.warnings += warnings;
    const more = status !== undefined && (status & STATUS.MORE_RESULTS_EXISTS) !== 0;
    this.state = more && this.kind === 'query' ? 'first' : 'done';
  }

  private addSummary(text: string): void {
    if (this.summaryLength > DB_TEXT_LIMIT) return;
    this.summaries.push(text);
    this.summaryLength += text.length + 2;
  }

  private addReplyText(line: string): void {
    this.replyText = cutText(this.replyText ? `${this.replyText}\n${line}` : line);
  }

  // ---- COM_STMT_PREPARE ----

  /** COM_STMT_PREPARE_OK: statement id, column count, parameter count, filler, warnings. */
  private prepareOk(p: Buffer): void {
    const r = new PayloadReader(p, 1);
    const statementId = r.int(4) ?? 0;
    const columnCount = r.int(2) ?? 0;
    const paramCount = r.int(2) ?? 0;
    r.skip(1);
    const warnings = r.int(2) ?? 0;
    const metadataFollows = this.caps & CAP.OPTIONAL_RESULTSET_METADATA && !r.atEnd ? r.int(1) !== 0 : true;
    this.prepared = { statementId, paramCount, columns: [], params: [] };
    this.columnCount = columnCount;
    this.warnings += warnings;
    this.partCount++;
    this.addSummary(`statement ${statementId}: ${paramCount} param${paramCount === 1 ? '' : 's'}, ${columnCount} column${columnCount === 1 ? '' : 's'}`);
    if (!metadataFollows) {
      this.state = 'done';
      return;
    }
    this.prepareLeft = paramCount;
    this.state = 'prepareParams';
    this.nextPrepareStep();
  }

  private prepareDefinition(p: Buffer): void {
    const def = parseColumnDef(p, this.caps);
    const list = this.state === 'prepareParams' ? this.prepared!.params : this.prepared!.columns;
    if (list.length < MAX_DEFINITIONS) list.push(def);
    this.prepareLeft--;
    this.nextPrepareStep();
  }

  private nextPrepareStep(): void {
    if (this.prepareLeft > 0) return;
    const eof = !(this.caps & CAP.DEPRECATE_EOF);
    if (this.state === 'prepareParams') {
      if (this.prepared!.paramCount > 0 && eof) this.state = 'prepareParamsEof';
      else this.beginPrepareColumns();
    } else if (this.state === 'prepareColumns') {
      this.state = this.columnCount > 0 && eof ? 'prepareColumnsEof' : 'done';
    }
  }

  private afterPrepareEof(): void {
    if (this.state === 'prepareParamsEof') this.beginPrepareColumns();
    else this.state = 'done';
  }

  private beginPrepareColumns(): void {
    this.prepareLeft = this.columnCount;
    this.state = 'prepareColumns';
    this.nextPrepareStep();
  }

  // ---- COM_FIELD_LIST ----

  private fieldListColumn(packet: Packet): void {
    const p = packet.payload;
    if (p[0] === 0xff) return this.err(parseErr(p));
    if (this.isEof(packet)) {
      const n = this.columns.length;
      const part: MysqlResultPart = { result: `${n} column${n === 1 ? '' : 's'}`, columns: this.columns.map((c) => c.name) };
      this.finishPart(part, parseEof(p).status, parseEof(p).warnings);
      return;
    }
    if (this.columns.length < MAX_COLUMNS) this.columns.push(parseColumnDef(p, this.caps));
  }

  // ---- COM_BINLOG_DUMP: replication events, never a last one ----

  private events = 0;

  private streamed(p: Buffer): void {
    if (p[0] === 0xff) return this.err(parseErr(p));
    if (p[0] === 0xfe && p.length < 9) return this.endResultSet(parseEof(p).status, 0, `${this.events} events`);
    this.events++;
    this.summaries = [`${this.events} events`];
  }

  // ---- authentication (handshake, COM_CHANGE_USER) ----

  private auth(p: Buffer): void {
    const step = classifyAuthReply(p);
    switch (step.kind) {
      case 'ok':
        return this.ok(parseOk(p, this.caps));
      case 'error':
        return this.err(parseErr(p));
      case 'switch':
        if (this.authSteps.length < MAX_AUTH_STEPS) this.authSteps.push(`switch to ${step.plugin}`);
        return;
      case 'more':
        if (this.authSteps.length < MAX_AUTH_STEPS) this.authSteps.push(step.what);
        return;
    }
  }
}

function sampleValue(value: DbValue): DbValue {
  return value !== null && value.length > SAMPLE_VALUE_LIMIT ? `${value.slice(0, SAMPLE_VALUE_LIMIT - 1)}…` : value;
}
