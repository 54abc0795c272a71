/**
 * The client's messages, as calls: one per startup packet, simple Query, FunctionCall and
 * Terminate; for the extended protocol one per Execute, made of the Parse/Bind/Describe messages
 * before it (and the Sync or Flush right after it), or one 'PREPARE' / 'CLOSE' call for such
 * messages that reach a Sync or Flush without an Execute (a driver preparing a statement).
 * Each message queues the replies the server owes for it (state.ts).
 */
import type { DbValue } from '../db-call.js';
import type { CallBuilder } from './call-builder.js';
import type { PgMessage } from './framer.js';
import {
  decodeBind,
  decodeExecute,
  decodeFunctionCall,
  decodeParse,
  decodeStartupPacket,
  decodeTarget,
  saslMechanism,
} from './frontend.js';
import { sqlOperation } from './sql-operation.js';
import { redactPasswords } from '../sql-secrets.js';
import type { ConnectionState, Portal } from './state.js';
import { boundedText } from '../db-text.js';
import { formatOf, valueText } from './values.js';
import { Cursor, typeChar } from './wire.js';

const MAX_STARTUP_PARAMETERS = 32;

export function handleFrontend(state: ConnectionState, m: PgMessage): void {
  if (m.shape === 'untyped') {
    handleStartupPacket(state, m);
    return;
  }
  const type = typeChar(m.type);
  if (type !== 'S' && type !== 'H' && type !== 'd' && type !== 'c' && type !== 'f' && type !== 'p') closeLastExecute(state);
  switch (type) {
    case 'Q':
      return simpleQuery(state, m);
    case 'P':
    case 'B':
    case 'D':
    case 'C':
      return groupMessage(state, m, type);
    case 'E':
      return execute(state, m);
    case 'S':
      return sync(state, m);
    case 'H':
      return flush(state, m);
    case 'd':
    case 'c':
    case 'f':
      return copyData(state, m, type);
    case 'p':
      return authMessage(state, m);
    case 'F':
      return functionCall(state, m);
    case 'X':
      return terminate(state, m);
    default:
      return;
  }
}

function handleStartupPacket(state: ConnectionState, m: PgMessage): void {
  const packet = decodeStartupPacket(m);
  switch (packet.kind) {
    case 'ssl':
    case 'gssenc': {
      const call = request(state, m, packet.kind === 'ssl' ? 'SSL_REQUEST' : 'GSSENC_REQUEST');
      state.expect('negotiation', call);
      return;
    }
    case 'cancel': {
      // answered by no message: the server just closes this connection
      const call = request(state, m, 'CANCEL');
      if (packet.pid !== undefined) call.detail.cancelPid = packet.pid;
      return;
    }
    case 'startup': {
      const params = new Map(packet.params);
      state.user = params.get('user');
      // the server's rule: the database defaults to the user name
      state.database = params.get('database') ?? state.user;
      const call = request(state, m, 'STARTUP');
      call.detail.protocolVersion = packet.version;
      const others = packet.params.filter(([k]) => k !== 'user' && k !== 'database').slice(0, MAX_STARTUP_PARAMETERS);
      if (others.length > 0) call.detail.parameters = Object.fromEntries(others);
      state.startup = call;
      state.expect('startup', call);
      return;
    }
  }
}

/** A call made of one request message, closed at once. */
function request(state: ConnectionState, m: PgMessage, operation: string): CallBuilder {
  const call = state.newCall(operation);
  call.addRequest(m);
  call.requestOpen = false;
  state.lastRequest = call;
  return call;
}

function simpleQuery(state: ConnectionState, m: PgMessage): void {
  closeGroup(state);
  const c = new Cursor(m.body);
  const sqlBytes = c.cstring() ?? new Uint8Array(0);
  const sql = redactPasswords(boundedText(sqlBytes, !m.whole || c.short));
  const call = request(state, m, sqlOperation(sql));
  call.call.text = sql;
  state.expect('query', call);
}

/** Parse, Bind, Describe, Close: they join the group that the next Execute or Sync makes a call. */
function groupMessage(state: ConnectionState, m: PgMessage, type: 'P' | 'B' | 'D' | 'C'): void {
  const call = (state.group ??= state.newCall('PREPARE'));
  call.addRequest(m);
  noteMessage(call, type);
  state.lastRequest = call;
  switch (type) {
    case 'P': {
      const parse = decodeParse(m);
      state.statements.set(parse.statement, { sql: parse.sql, paramTypes: parse.paramTypes });
      setStatement(call, parse.statement, parse.sql);
      if (parse.paramTypes.length > 0) call.detail.paramTypes = parse.paramTypes;
      return expectUnlessDiscarding(state, 'parse', call);
    }
    case 'B': {
      const portal = bindPortal(state, m);
      setStatement(call, portal.statement, portal.sql);
      call.detail.portal = portal.name;
      return expectUnlessDiscarding(state, 'bind', call);
    }
    case 'D': {
      const target = decodeTarget(m);
      if (target.what === 'statement') {
        setStatement(call, target.name, state.statements.get(target.name)?.sql);
        return expectUnlessDiscarding(state, 'describe', call, target.name);
      }
      return expectUnlessDiscarding(state, 'describe', call);
    }
    case 'C': {
      const target = decodeTarget(m);
      if (target.what === 'statement') state.statements.delete(target.name);
      else state.portals.delete(target.name);
      return expectUnlessDiscarding(state, 'close', call);
    }
  }
}

function bindPortal(state: ConnectionState, m: PgMessage): Portal & { name: string } {
  const bind = decodeBind(m);
  const statement = state.statements.get(bind.statement);
  const types = statement?.paramTypes ?? [];
  const params: DbValue[] = bind.values.map((v, k) => valueText(v.bytes, formatOf(bind.paramFormats, k), types[k] ?? 0, v.cut));
  for (let k = 0; k < bind.missingValues && k < 1000; k++) params.push('…'); // not held: cut away
  const portal: Portal = {
    statement: bind.statement,
    sql: statement?.sql ?? '',
    params,
    paramFormats: bind.paramFormats,
    resultFormats: bind.resultFormats,
  };
  state.portals.set(bind.portal, portal);
  return { ...portal, name: bind.portal };
}

function execute(state: ConnectionState, m: PgMessage): void {
  const { portal: name, maxRows } = decodeExecute(m);
  const call = state.group ?? state.newCall('EXECUTE');
  state.group = undefined;
  call.addRequest(m);
  noteMessage(call, 'E');
  const portal = state.portals.get(name);
  call.detail.portal = name;
  if (portal) {
    setStatement(call, portal.statement, portal.sql);
    if (portal.params.length > 0) call.call.params = portal.params;
    if (portal.paramFormats.length > 0) call.detail.paramFormats = portal.paramFormats;
    if (portal.resultFormats.length > 0) call.detail.resultFormats = portal.resultFormats;
    const columns = state.statements.get(portal.statement)?.columns;
    call.rowShape = columns?.map((c, k) => ({ ...c, format: formatOf(portal.resultFormats, k) }));
  }
  if (maxRows > 0) call.detail.maxRows = maxRows;
  call.call.operation = call.call.text === '' ? 'EXECUTE' : sqlOperation(call.call.text);
  state.lastExecute = call;
  state.lastRequest = call;
  expectUnlessDiscarding(state, 'execute', call);
}

function sync(state: ConnectionState, m: PgMessage): void {
  const call = closeGroup(state) ?? state.lastExecute ?? state.newCall('SYNC');
  call.addRequest(m);
  noteMessage(call, 'S');
  call.requestOpen = false;
  state.lastExecute = undefined;
  state.lastRequest = call;
  state.discardingUntilSync = false;
  state.expect('sync', call);
}

/** Flush asks for the replies so far: the messages before it are a call of their own. */
function flush(state: ConnectionState, m: PgMessage): void {
  const call = closeGroup(state) ?? state.lastExecute;
  if (call === undefined) return;
  call.addRequest(m);
  noteMessage(call, 'H');
  call.requestOpen = false;
  state.lastExecute = undefined;
}

function copyData(state: ConnectionState, m: PgMessage, type: 'd' | 'c' | 'f'): void {
  const call = state.copyIn ?? state.lastRequest;
  if (call === undefined || call.settled) return;
  call.addRequest(m);
  const copy = (call.detail.copy ??= { direction: 'in', format: 'text', messages: 0, bytes: 0, lines: 0 });
  if (type === 'd') {
    copy.messages++;
    copy.bytes += m.bodyLength;
    copy.lines += countNewlines(m.body);
    return;
  }
  copy.end = type === 'c' ? 'done' : 'fail';
  if (type === 'f') copy.failMessage = boundedText(m.body.subarray(0, Math.max(0, m.body.length - 1)), !m.whole, 1024);
  state.copyIn = undefined;
}

/** PasswordMessage, SASLInitialResponse, SASLResponse, GSSResponse: counted, never kept. */
function authMessage(state: ConnectionState, m: PgMessage): void {
  const call = (state.auth ??= state.newCall('AUTH'));
  call.addRequest(m);
  const count = (call.detail.authMessages ?? 0) + 1;
  call.detail.authMessages = count;
  if (count === 1 && call.detail.authMethod === 'SASL') {
    const mechanism = saslMechanism(m);
    if (mechanism !== undefined) {
      // the method a user would name is the mechanism: SCRAM-SHA-256, not SASL
      call.detail.mechanism = mechanism;
      call.detail.authMethod = mechanism;
      if (state.startup) state.startup.detail.authMethod = mechanism;
    }
  }
  state.lastRequest = call;
}

function functionCall(state: ConnectionState, m: PgMessage): void {
  closeGroup(state);
  const call = request(state, m, 'FUNCTION');
  call.detail.functionOid = decodeFunctionCall(m).functionOid;
  state.expect('function', call);
}

function terminate(state: ConnectionState, m: PgMessage): void {
  closeGroup(state);
  request(state, m, 'QUIT');
}

/** The group of Parse/Bind/Describe/Close without an Execute becomes a PREPARE (or CLOSE) call. */
export function closeGroup(state: ConnectionState): CallBuilder | undefined {
  const call = state.group;
  if (call === undefined) return undefined;
  state.group = undefined;
  const messages = call.detail.messages ?? '';
  if (!/[PBD]/.test(messages)) call.call.operation = 'CLOSE';
  call.requestOpen = false;
  return call;
}

function closeLastExecute(state: ConnectionState): void {
  if (state.lastExecute) state.lastExecute.requestOpen = false;
  state.lastExecute = undefined;
}

function expectUnlessDiscarding(state: ConnectionState, kind: 'parse' | 'bind' | 'describe' | 'close' | 'execute', call: CallBuilder, statement?: string): void {
  if (state.discardingUntilSync) markSkipped(call);
  else state.expect(kind, call, statement);
}

export function markSkipped(call: CallBuilder): void {
  if (call.detail.skipped || call.isFailed) return;
  call.detail.skipped = true;
  call.markFailed('skipped: an earlier message of this batch failed');
}

function setStatement(call: CallBuilder, statement: string, sql: string | undefined): void {
  call.detail.statement = statement;
  if (sql !== undefined && sql !== '') call.call.text = sql;
}

function noteMessage(call: CallBuilder, type: string): void {
  const messages = call.detail.messages ?? '';
  if (messages.length < 64) call.detail.messages = messages + type;
}

function countNewlines(bytes: Uint8Array): number {
  let n = 0;
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}
