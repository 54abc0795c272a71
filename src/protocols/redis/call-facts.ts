/**
 * A call's reply facts, and what a reply changes on the connection: SELECT, HELLO, AUTH,
 * MULTI/EXEC/DISCARD, MONITOR, RESET and subscription confirmations.
 */
import { DB_SAMPLE_ROWS, type DbCall } from '../db-call.js';
import { cutText } from '../db-text.js';
import { argText } from './text.js';
import type { Slot } from './pairing.js';
import { confirmationOf, isMonitorLine, kindOf } from './pubsub.js';
import { elementTexts, replyError, replyLine, replyText, replyTree } from './reply-format.js';
import { resetState, type ConnectionState } from './state.js';
import type { RespMessage, RespValue } from './types.js';

/** The reply arrived: the connection state it changes (before the call's own facts are set). */
export function applyReply(slot: Slot, state: ConnectionState): void {
  const command = slot.command!;
  const first = slot.replies[0].value;
  const failed = slot.replies.some((r) => replyError(r.value) !== undefined) || !slot.replies[0].complete;
  const [, arg1] = command.words;
  if (isSimple(first, 'QUEUED') && state.transaction) {
    slot.call.detail.queued = true;
    state.transaction.push({ index: slot.call.index, operation: command.operation });
    return;
  }
  for (const reply of slot.replies) {
    const confirmation = confirmationOf(reply.value);
    if (confirmation) state.subscribed = confirmation.remaining > 0;
  }
  if (failed) {
    if (command.name === 'SELECT' && slot.previousDatabase !== undefined && state.database === command.params[0]) {
      state.database = slot.previousDatabase;
    }
    if (command.name === 'EXEC' || command.name === 'DISCARD') endTransaction(slot, state, undefined);
    return;
  }
  switch (command.name) {
    case 'HELLO':
      if (arg1 === '3' || first.type === 'map') state.resp = 3;
      else if (arg1 === '2') state.resp = 2;
      for (let k = 2; k < command.words.length; k++) if (command.words[k] === 'AUTH') state.user = command.params[k] ?? undefined;
      break;
    case 'AUTH':
      state.user = command.argc >= 2 ? (command.params[0] ?? undefined) : 'default';
      break;
    case 'MULTI':
      state.transaction = [];
      break;
    case 'EXEC':
    case 'DISCARD':
      endTransaction(slot, state, first);
      break;
    case 'MONITOR':
      state.monitoring = true;
      break;
    case 'RESET':
      resetState(state);
      break;
    default:
      break;
  }
}

/** EXEC's detail says which result belongs to which queued command. */
function endTransaction(slot: Slot, state: ConnectionState, reply: RespValue | undefined): void {
  const queued = state.transaction;
  state.transaction = undefined;
  if (!queued || slot.command?.name !== 'EXEC') return;
  const results = reply?.kind === 'aggregate' ? reply.items : [];
  slot.call.detail.transaction = queued.slice(0, DB_SAMPLE_ROWS).map((entry, k) => {
    const result = results[k];
    return result ? { ...entry, result: replyLine(result) } : entry;
  });
}

function isSimple(value: RespValue, text: string): boolean {
  return value.kind === 'scalar' && value.type === 'simple-string' && value.bytes.toString('latin1') === text;
}

/** Nothing more will come for the call: its status, result, reply text, timing and detail. */
export function settleCall(slot: Slot, state: ConnectionState): void {
  const { call, replies } = slot;
  call.detail.resp = state.resp;
  if (replies.length > 0) setReplyFacts(call, replies);
  const request = slot.request;
  const gap = request?.gap === true || replies.some((r) => r.gap);
  if (gap) call.gap = true;
  const answered =
    call.detail.noReply === true ||
    (replies.length > 0 && replies.every((r) => r.complete) && (slot.expected === -1 || replies.length >= slot.expected));
  call.complete = request?.complete === true && answered && !gap && call.errors.length === 0;
}

function setReplyFacts(call: DbCall, replies: RespMessage[]): void {
  const values = replies.map((r) => r.value);
  const first = values[0];
  const error = values.map(replyError).find((e) => e !== undefined);
  call.status = error ? 'error' : 'ok';
  if (error) {
    call.errorCode = error.code;
    call.errorMessage = error.message;
  }
  call.result = values.length === 1 ? replyLine(first) : `${values.length} replies`;
  if (values.length === 1 && first.kind === 'aggregate') call.rows = first.count;
  // an error's text is the errorMessage; replyText is for values
  const text = values.length === 1 && error ? undefined : replyText(values);
  if (text !== undefined) call.replyText = text;
  call.detail.type = first.type;
  if (values.length === 1) call.detail.reply = replyTree(first);
  else call.detail.replies = values.slice(0, DB_SAMPLE_ROWS).map(replyTree);
  call.response = [replies[0].start, replies[replies.length - 1].end];
  call.timing.responseStart = replies[0].startTs;
  call.timing.responseEnd = replies[replies.length - 1].endTs;
}

/** A reply nobody asked for becomes a call of its own: a pub/sub message, a push, a MONITOR line. */
export function oneWayCall(call: DbCall, message: RespMessage, state: ConnectionState): void {
  const value = message.value;
  call.oneWay = true;
  call.database = state.database;
  if (state.user !== undefined) call.user = state.user;
  const kind = kindOf(value);
  const elements = elementTexts(value);
  if (kind === 'message' || kind === 'smessage' || kind === 'pmessage') {
    call.operation = 'MESSAGE';
    const [channel, payload] = kind === 'pmessage' ? elements.slice(2) : elements.slice(1);
    call.params = elements.slice(1);
    call.keys = channel === null || channel === undefined ? [] : [channel];
    call.text = [channel, payload].map(textOf).join(' ');
  } else if (isMonitorLine(value)) {
    call.operation = 'MONITOR';
    call.text = replyLine(value);
  } else {
    call.operation = (kind ?? value.type).toUpperCase();
    call.text = cutText(elements.map(textOf).join(' '));
    if (kind === 'invalidate') {
      call.keys = invalidatedKeys(value);
      call.text = cutText(['invalidate', ...call.keys].map(textOf).join(' '));
    }
  }
  if (value.type === 'push' && kind !== undefined) call.detail.push = kind;
  setReplyFacts(call, [message]);
  call.detail.resp = state.resp;
  if (message.gap) call.gap = true;
  call.complete = message.complete && !message.gap;
}

function textOf(text: string | null | undefined): string {
  return text === null || text === undefined ? '(nil)' : argText(Buffer.from(text));
}

/** ["invalidate", [key, ...]] (a null second element: everything was flushed). */
function invalidatedKeys(value: RespValue): string[] {
  const keys = value.kind === 'aggregate' ? value.items[1] : undefined;
  return keys ? elementTexts(keys).filter((k): k is string => k !== null) : [];
}
