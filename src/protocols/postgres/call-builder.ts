/**
 * One call being assembled from the messages that belong to it: the request messages extend its
 * request range, the reply messages its response range, and the reply's facts (tags, rows,
 * errors, notices) accumulate until finish() turns them into the DbCall that is handed out.
 */
import { DB_SAMPLE_ROWS, DB_TEXT_LIMIT, type DbCall, type DbParseError, type DbValue, newDbCall } from '../db-call.js';
import type { ServerNotice } from './backend.js';
import type { PgMessage } from './framer.js';
import { appendBounded, cutText } from '../db-text.js';
import type { PostgresColumn, PostgresDetail } from './types.js';

export class CallBuilder {
  readonly call: DbCall;
  readonly detail: PostgresDetail = {};
  /** More request messages may still join this call. */
  requestOpen = true;
  /** Replies still expected (one per expectation queued for it). */
  pending = 0;
  /** A reply was expected but the server side ended first. */
  unanswered = false;
  /** Some message of the call was cut short by the end of a stream. */
  cut = false;
  private replied = false;
  private failed = false;
  private readonly tags: string[] = [];
  private rowsFromTags = 0;
  private anyCount = false;
  private dataRows = 0;
  private rowsSinceTag = 0;
  private replyText = '';
  /** The shape of the rows being received: from RowDescription or the statement. */
  rowShape: PostgresColumn[] | undefined;

  constructor(index: number, operation: string) {
    this.call = newDbCall('postgresql', index, operation, this.detail as Record<string, unknown>);
  }

  /** Handed out before its reply came, to bound memory (limits.maxCallsInFlight). */
  private givenUp = false;

  get settled(): boolean {
    return this.givenUp || (!this.requestOpen && this.pending === 0);
  }

  /**
   * Stops waiting for this call: it is handed out as it stands. Its replies may still arrive and
   * are matched to it (so later calls pair right), but they change only this builder's copy.
   */
  giveUp(): void {
    this.givenUp = true;
  }

  addRequest(m: PgMessage): void {
    const { call } = this;
    if (call.request === undefined) {
      call.request = [m.start, m.end];
      call.timing.requestStart = m.startTs;
    }
    call.request[1] = m.end;
    call.timing.requestEnd = m.endTs;
    this.noteMessage(m);
  }

  addReply(m: PgMessage): void {
    const { call } = this;
    this.replied = true;
    if (call.response === undefined) {
      call.response = [m.start, m.end];
      call.timing.responseStart = m.startTs;
    }
    call.response[1] = m.end;
    call.timing.responseEnd = m.endTs;
    this.noteMessage(m);
  }

  get isFailed(): boolean {
    return this.failed;
  }

  /** The reply's first message was seen (for a call whose reply starts before its request ends). */
  get hasReply(): boolean {
    return this.replied;
  }

  setColumns(columns: PostgresColumn[]): void {
    this.rowShape = columns;
    this.detail.columns ??= columns;
  }

  addRow(values: DbValue[]): void {
    this.dataRows++;
    this.rowsSinceTag++;
    this.detail.dataRows = this.dataRows;
    if (this.dataRows <= DB_SAMPLE_ROWS) (this.detail.sampleRows ??= []).push(values);
    this.replyText = appendBounded(this.replyText, values.map((v) => v ?? 'NULL').join('\t'), '\n');
  }

  /** The searchable text is full: later rows need not be decoded beyond the sample. */
  get wantsRowText(): boolean {
    return this.dataRows < DB_SAMPLE_ROWS || this.replyText.length < DB_TEXT_LIMIT;
  }

  addTag(tag: string): void {
    this.tags.push(tag);
    if (this.tags.length <= DB_SAMPLE_ROWS) (this.detail.tags ??= []).push(tag);
    const count = /(\d+)$/.exec(tag);
    if (count) {
      this.rowsFromTags += Number(count[1]);
      this.anyCount = true;
    } else this.rowsFromTags += this.rowsSinceTag;
    this.rowsSinceTag = 0;
  }

  setError(notice: ServerNotice): void {
    this.failed = true;
    this.detail.error ??= notice;
    this.call.errorCode ??= notice.code;
    this.call.errorMessage ??= notice.message;
    this.tags.push(cutText(`ERROR ${notice.code ?? '?'}: ${notice.message ?? ''}`));
  }

  /** A one-word outcome for a call with no CommandComplete ('ready', 'ok', 'accepted'). */
  markResult(result: string): void {
    this.tags.push(result);
  }

  /** Marks the call failed without an ErrorResponse of its own (skipped, auth refused). */
  markFailed(result: string): void {
    this.failed = true;
    this.tags.push(result);
  }

  addNotice(notice: ServerNotice): void {
    const notices = (this.detail.notices ??= []);
    if (notices.length < DB_SAMPLE_ROWS) notices.push(notice);
  }

  addError(error: DbParseError): void {
    this.call.errors.push(error);
  }

  /** The DbCall as handed out: outcome, result line and row count settled. */
  finish(): DbCall {
    if (this.givenUp) return this.finishGivenUp();
    this.requestOpen = false;
    return this.fill();
  }

  private fill(): DbCall {
    const { call } = this;
    if (this.tags.length > 0) call.result = cutText(this.tags.join('; '));
    if (this.failed) call.status = 'error';
    else if (this.replied || this.tags.length > 0) call.status = 'ok';
    const rows = this.rowsFromTags + this.rowsSinceTag;
    if (this.anyCount || this.dataRows > 0) call.rows = rows;
    if (this.replyText !== '') call.replyText = this.replyText;
    call.complete = !this.cut && !this.unanswered && this.pending === 0 && call.errors.length === 0 && call.gap !== true;
    return call;
  }

  /** A copy of the call as it stands; the builder keeps only what pairing needs. */
  private finishGivenUp(): DbCall {
    this.detail.givenUp = true;
    const copy = structuredClone(this.fill());
    this.call.text = '';
    delete this.call.params;
    delete this.detail.sampleRows;
    return copy;
  }

  private noteMessage(m: PgMessage): void {
    if (m.gap) this.call.gap = true;
    if (m.cut) this.cut = true;
  }
}
