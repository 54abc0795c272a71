/**
 * The server's messages, matched to the calls that asked for them. PostgreSQL answers in request
 * order, so the head of the expectation queue (state.ts) says what a message answers; only
 * NoticeResponse, ParameterStatus and NotificationResponse may come at any time.
 * After an ErrorResponse in an extended-protocol batch the server discards messages until Sync
 * (protocol-flow.html#PROTOCOL-FLOW-EXT-QUERY): their calls get no reply of their own and are
 * marked status 'error' with detail.skipped, never 'none' (which means the capture lost them).
 */
import type { CallBuilder } from './call-builder.js';
import {
  decodeAuth,
  decodeBackendPid,
  decodeCopyResponse,
  decodeCstring,
  decodeDataRow,
  decodeFunctionResult,
  decodeNotice,
  decodeNotification,
  decodeParameterDescription,
  decodeParameterStatus,
  decodeRowDescription,
  type ServerNotice,
} from './backend.js';
import type { PgMessage } from './framer.js';
import { markSkipped } from './requests.js';
import type { ConnectionState, Expectation } from './state.js';
import { formatOf, valueText } from './values.js';
import { Cursor, typeChar } from './wire.js';

const MAX_PARAMETERS = 64;

export function handleBackend(state: ConnectionState, m: PgMessage): void {
  if (m.shape === 'byte') return negotiationAnswer(state, m);
  const type = typeChar(m.type);
  switch (type) {
    case 'A':
      return notification(state, m);
    case 'N':
      return notice(state, m, decodeNotice(m));
    case 'S':
      return parameterStatus(state, m);
  }
  let head = state.queue[0];
  if (head?.kind === 'negotiation') {
    // an old server answers SSLRequest with an ErrorResponse instead of 'N'
    state.pop();
    head.call.addReply(m);
    if (type === 'E') head.call.setError(decodeNotice(m));
    return;
  }
  if (head === undefined) head = orphan(state);
  const call = head.call;
  call.addReply(m);
  switch (head.kind) {
    case 'startup':
      return startupReply(state, head, m, type);
    case 'query':
    case 'function':
    case 'orphan':
      return queryReply(state, call, m, type);
    default:
      return extendedReply(state, head, m, type);
  }
}

/** The one byte answering SSLRequest or GSSENCRequest. */
function negotiationAnswer(state: ConnectionState, m: PgMessage): void {
  const head = state.queue[0];
  if (head?.kind !== 'negotiation') return;
  state.pop();
  const answer = typeChar(m.type);
  head.call.addReply(m);
  head.call.detail.answer = answer;
  head.call.markResult(answer === 'N' ? 'refused' : 'accepted');
  if (answer === 'S') state.switchedTo = 'tls';
  else if (answer === 'G') state.switchedTo = 'gssapi';
}

/** Replies with no request seen: the capture began after it was sent. They run until ReadyForQuery. */
function orphan(state: ConnectionState): Expectation {
  const call = state.newCall('UNKNOWN');
  call.requestOpen = false;
  call.detail.orphan = true;
  call.pending++;
  const head: Expectation = { kind: 'orphan', call };
  state.queue.unshift(head);
  return head;
}

function startupReply(state: ConnectionState, head: Expectation, m: PgMessage, type: string): void {
  const call = head.call;
  switch (type) {
    case 'R':
      return authRequest(state, call, m);
    case 'K': {
      const pid = decodeBackendPid(m);
      if (pid !== undefined) call.detail.backendPid = pid;
      return;
    }
    case 'v':
      call.detail.negotiatedMinor = new Cursor(m.body).int32();
      return;
    case 'E': {
      // a startup error is fatal: the server closes the connection after it
      const error = decodeNotice(m);
      call.setError(error);
      const auth = state.auth;
      if (auth && auth.pending > 0) {
        auth.addReply(m);
        auth.setError(error);
        auth.pending = 0;
        auth.requestOpen = false;
      }
      state.pop();
      return;
    }
    case 'Z':
      call.detail.transactionStatus = transactionStatus(m);
      call.markResult('ready');
      state.pop();
      return;
    default:
      call.detail.unexpected = (call.detail.unexpected ?? 0) + 1;
  }
}

/**
 * An Authentication message: the first one that asks for something opens the AUTH call (the
 * STARTUP call is answered by the whole exchange up to ReadyForQuery); AuthenticationOk closes it.
 */
function authRequest(state: ConnectionState, startup: CallBuilder, m: PgMessage): void {
  const request = decodeAuth(m);
  startup.detail.authMethod ??= request.code === 0 ? 'trust' : request.method;
  if (request.code === 0) {
    const auth = state.auth;
    if (auth && auth.pending > 0) {
      auth.addReply(m);
      auth.markResult('ok');
      auth.pending = 0;
      auth.requestOpen = false;
    }
    return;
  }
  let auth = state.auth;
  if (auth === undefined) {
    auth = state.newCall('AUTH');
    state.auth = auth;
  }
  if (auth.pending === 0 && !auth.hasReply) auth.pending = 1;
  auth.addReply(m);
  auth.detail.authMethod ??= request.method;
  if (request.mechanisms) auth.detail.mechanisms = request.mechanisms;
}

/** Simple Query and FunctionCall replies: any number of results, then ReadyForQuery. */
function queryReply(state: ConnectionState, call: CallBuilder, m: PgMessage, type: string): void {
  if (resultMessage(state, call, m, type)) return;
  switch (type) {
    case 'E':
      call.setError(decodeNotice(m));
      return;
    case 'V': {
      const value = decodeFunctionResult(m);
      const text = valueText(value.bytes, 0, 0, value.cut);
      call.addRow([text]);
      call.markResult(text ?? 'NULL');
      return;
    }
    case 'Z':
      call.detail.transactionStatus = transactionStatus(m);
      state.pop();
      return;
    default:
      call.detail.unexpected = (call.detail.unexpected ?? 0) + 1;
  }
}

/**
 * Messages that make up a result, in a simple query or an Execute: RowDescription, DataRow,
 * CommandComplete, EmptyQueryResponse, PortalSuspended and the COPY messages. Returns whether
 * `type` was one of them. An Execute's expectation ends at its CommandComplete.
 */
function resultMessage(state: ConnectionState, call: CallBuilder, m: PgMessage, type: string): boolean {
  switch (type) {
    case 'T':
      call.setColumns(decodeRowDescription(m).map((c) => ({ name: c.name, type: c.typeOid, format: c.format })));
      return true;
    case 'D':
      dataRow(call, m);
      return true;
    case 'C':
      call.addTag(decodeCstring(m));
      return true;
    case 'I':
      call.detail.emptyQuery = true;
      call.addTag('EMPTY');
      return true;
    case 's':
      call.detail.suspended = true;
      call.addTag('SUSPENDED');
      return true;
    case 'G':
    case 'H':
    case 'W': {
      const response = decodeCopyResponse(m);
      const direction = type === 'G' ? 'in' : type === 'H' ? 'out' : 'both';
      const copy = (call.detail.copy ??= { direction, format: response.format, messages: 0, bytes: 0, lines: 0 });
      copy.direction = direction;
      copy.format = response.format;
      if (type !== 'H') state.copyIn = call;
      return true;
    }
    case 'd': {
      const copy = (call.detail.copy ??= { direction: 'out', format: 'text', messages: 0, bytes: 0, lines: 0 });
      copy.messages++;
      copy.bytes += m.bodyLength;
      for (let i = m.body.indexOf(10); i >= 0; i = m.body.indexOf(10, i + 1)) copy.lines++;
      return true;
    }
    case 'c':
      if (call.detail.copy && call.detail.copy.direction !== 'in') call.detail.copy.end = 'done';
      return true;
    default:
      return false;
  }
}

function dataRow(call: CallBuilder, m: PgMessage): void {
  if (m.cut) return; // the stream ended inside it: not a row
  if (!call.wantsRowText) {
    call.addRow([]);
    return;
  }
  const shape = call.rowShape;
  // no description seen (a statement described before the capture): Bind's result formats still
  // say which values are binary, shown as hex
  const formats = call.detail.resultFormats ?? [];
  const values = decodeDataRow(m, 1600).map((v, k) =>
    valueText(v.bytes, shape?.[k]?.format ?? formatOf(formats, k), shape?.[k]?.type ?? 0, v.cut),
  );
  call.addRow(values);
}

/** Replies to Parse, Bind, Describe, Execute, Close and Sync: one expectation each, in order. */
function extendedReply(state: ConnectionState, head: Expectation, m: PgMessage, type: string): void {
  const call = head.call;
  if (type === 'E') return batchError(state, call, decodeNotice(m));
  if (type === 'Z') return readyForQuery(state, head, m);
  switch (head.kind) {
    case 'parse':
      return expectType(state, call, type, '1');
    case 'bind':
      return expectType(state, call, type, '2');
    case 'close':
      return expectType(state, call, type, '3');
    case 'describe':
      return describeReply(state, head, m, type);
    case 'execute':
      if (type === 'T' || !resultMessage(state, call, m, type)) {
        call.detail.unexpected = (call.detail.unexpected ?? 0) + 1;
        return;
      }
      if (type === 'C' || type === 'I' || type === 's') state.pop();
      return;
    default:
      call.detail.unexpected = (call.detail.unexpected ?? 0) + 1;
  }
}

function expectType(state: ConnectionState, call: CallBuilder, type: string, wanted: string): void {
  if (type === wanted) state.pop();
  else call.detail.unexpected = (call.detail.unexpected ?? 0) + 1;
}

function describeReply(state: ConnectionState, head: Expectation, m: PgMessage, type: string): void {
  const call = head.call;
  if (type === 't') {
    const types = decodeParameterDescription(m);
    if (types.length > 0) call.detail.paramTypes = types;
    const statement = head.statement === undefined ? undefined : state.statements.get(head.statement);
    if (statement && statement.paramTypes.every((t) => t === 0)) statement.paramTypes = types;
    return;
  }
  if (type === 'T') {
    const columns = decodeRowDescription(m).map((c) => ({ name: c.name, type: c.typeOid, format: c.format }));
    call.setColumns(columns);
    const statement = head.statement === undefined ? undefined : state.statements.get(head.statement);
    if (statement) statement.columns = columns;
    state.pop();
    return;
  }
  expectType(state, call, type, 'n');
}

/** The ErrorResponse answers the head; the server skips the rest of the batch up to Sync. */
function batchError(state: ConnectionState, call: CallBuilder, error: ServerNotice): void {
  call.setError(error);
  while (state.queue.length > 0 && state.queue[0].kind !== 'sync') {
    const skipped = state.pop()!;
    if (skipped.call !== call) markSkipped(skipped.call);
  }
  if (state.queue.length === 0) state.discardingUntilSync = true;
}

function readyForQuery(state: ConnectionState, head: Expectation, m: PgMessage): void {
  if (head.kind !== 'sync') {
    // ReadyForQuery where another reply was due: those replies will not come (a Sync we missed)
    const syncAt = state.queue.findIndex((e) => e.kind === 'sync');
    if (syncAt < 0) {
      head.call.detail.unexpected = (head.call.detail.unexpected ?? 0) + 1;
      return;
    }
    for (let k = 0; k < syncAt; k++) state.pop()!.call.cut = true;
  }
  const sync = state.pop()!;
  sync.call.detail.transactionStatus = transactionStatus(m);
}

function notification(state: ConnectionState, m: PgMessage): void {
  const n = decodeNotification(m);
  const call = state.newCall('MESSAGE');
  call.requestOpen = false;
  call.call.oneWay = true;
  call.addReply(m);
  call.detail.channel = n.channel;
  call.detail.payload = n.payload;
  if (n.pid !== undefined) call.detail.pid = n.pid;
  call.markResult(n.payload);
}

function notice(state: ConnectionState, m: PgMessage, fields: ServerNotice): void {
  const call = state.queue[0]?.call ?? state.newCall('NOTICE');
  if (state.queue.length === 0) {
    call.requestOpen = false;
    call.call.oneWay = true;
  }
  call.addReply(m);
  call.addNotice(fields);
}

function parameterStatus(state: ConnectionState, m: PgMessage): void {
  const head = state.queue[0];
  if (head === undefined) return;
  const [name, value] = decodeParameterStatus(m);
  head.call.addReply(m);
  const into = head.kind === 'startup' ? (head.call.detail.serverParameters ??= {}) : (head.call.detail.parameterStatus ??= {});
  if (Object.keys(into).length < MAX_PARAMETERS || name in into) into[name] = value;
}

function transactionStatus(m: PgMessage): string {
  const status = m.body[0];
  return status === undefined ? '?' : String.fromCharCode(status);
}

