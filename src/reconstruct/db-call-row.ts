/**
 * A database call (protocols/db-call.ts: a PostgreSQL query, a MySQL statement, a Redis
 * command) turned into what the session stores: the same exchanges row an HTTP exchange has
 * (model/exchange-table.ts), its HTTP columns empty, and a detail of its own. Pure.
 */
import type { DbCall } from '../protocols/db-call.js';
import type { ExchangeFields } from '../model/exchange-table.js';
import { ExchangeFlag } from '../model/exchange-flags.js';
import { redisShape, sqlShape, sqlTables } from '../model/query-shape.js';
import type { ExchangeText, FlowContext, WitnessRef } from './exchange-row.js';
import { flowFields, wallTimes, witnessRef } from './exchange-row.js';
import { NOT_GRPC } from './grpc-call-row.js';

/** The most characters of a call's text the row's target column holds (the detail has all of it). */
export const TARGET_CHARS = 1000;

/**
 * What the detail column holds for a database call (msgpack), told apart from an HTTP
 * exchange's by its first element: where its bytes are, and the call as the parser gave it but
 * for what the row's columns already say.
 */
export type CallDetail = [
  kind: 'call',
  c2s: WitnessRef,
  s2c: WitnessRef,
  call: StoredCall,
];

/** The parts of a DbCall the columns do not hold (SPEC.md "Exchange detail"). */
export interface StoredCall {
  text: string;
  params?: DbCall['params'];
  keys?: string[];
  status: DbCall['status'];
  result?: string;
  errorMessage?: string;
  user?: string;
  request?: [number, number];
  response?: [number, number];
  errors: [dir: 0 | 1, offset: number, code: string, message: string][];
  /** The protocol's own facts (each parser's types.ts). */
  more: Record<string, unknown>;
}

export type CallRow = ExchangeFields & { detail: CallDetail };

function hostPort(ctx: FlowContext): string {
  const a = ctx.serverAddr ?? '';
  const host = a.includes(':') ? `[${a}]` : a;
  return ctx.serverPort ? `${host}:${ctx.serverPort}` : host;
}

function cut(text: string, chars: number): string {
  return text.length > chars ? `${text.slice(0, chars - 1)}…` : text;
}

/** The names a call acts on, one per line: the tables of a SQL statement, or a Redis command's keys. */
function namesOf(call: DbCall): string | null {
  const names = call.protocol === 'redis' ? (call.keys ?? []) : call.text ? sqlTables(call.text) : [];
  return names.length ? names.join('\n') : null;
}

function shapeOf(call: DbCall): string | null {
  if (call.protocol === 'redis') return redisShape(call.operation, call.keys ?? []);
  return call.text ? sqlShape(call.text) : null;
}

function flagsOf(call: DbCall, ctx: FlowContext): number {
  let f = 0;
  if (call.status === 'none' && !call.oneWay) f |= ExchangeFlag.NO_RESPONSE;
  if (!call.complete) f |= ExchangeFlag.INCOMPLETE;
  if (call.errors.length) f |= ExchangeFlag.PARSE_ERROR;
  if (call.gap) f |= ExchangeFlag.TRUNCATED;
  if (call.oneWay) f |= ExchangeFlag.ONE_WAY;
  if (call.status === 'error') f |= ExchangeFlag.DB_ERROR;
  if (ctx.layer === 'tls') f |= ExchangeFlag.DECRYPTED;
  return f;
}

/** The searchable text: the request (and its parameters) as the request body, the result's values as the response's. */
function textOf(call: DbCall, url: string): ExchangeText {
  // a Redis command line holds its arguments already; SQL's parameters are apart from it
  const params = call.protocol !== 'redis' && call.params?.length ? `\n${call.params.map((p) => (p === null ? 'NULL' : p)).join('\n')}` : '';
  const error = call.errorMessage ? `\n${call.errorMessage}` : '';
  return {
    url,
    reqHeaders: '',
    respHeaders: '',
    reqBody: call.text + params,
    respBody: (call.replyText ?? call.result ?? '') + error,
  };
}

export function dbCallRow(call: DbCall, ctx: FlowContext, events: { first: number | null; last: number | null }): { row: CallRow; text: ExchangeText } {
  const times = wallTimes(call.timing, ctx.baseNs);
  const scheme = call.protocol;
  const url = `${scheme}://${hostPort(ctx)}/${call.database ?? ''}`;
  const err = call.errors[0] ?? null;
  const row: CallRow = {
    seq: call.index,
    protocol: call.protocol,
    operation: call.operation || null,
    target: call.text ? cut(call.text, TARGET_CHARS) : null,
    ...flowFields(ctx),
    method: null,
    scheme,
    host: ctx.serverAddr,
    path: null,
    query: null,
    url,
    httpVersion: null,
    status: null,
    reason: null,
    ...times,
    // a message nobody asked for took no time to answer
    ...(call.oneWay ? { durationNs: null, ttfbNs: null } : {}),
    reqBodySize: null,
    respBodySize: null,
    reqSize: call.request ? call.request[1] - call.request[0] : null,
    respSize: call.response ? call.response[1] - call.response[0] : null,
    reqType: null,
    respType: null,
    respEncoding: null,
    flags: flagsOf(call, ctx),
    upgrade: null,
    error: err?.message ?? null,
    errorDir: err ? (err.dir === 'c2s' ? 'request' : 'response') : null,
    errorOffset: err?.offset ?? null,
    errorCode: call.errorCode ?? null,
    db: call.database ?? null,
    rows: call.rows ?? null,
    shape: shapeOf(call),
    names: namesOf(call),
    parentId: null,
    link: null,
    queries: null,
    ...NOT_GRPC,
    dbNs: null,
    firstEvent: events.first,
    lastEvent: events.last,
    detail: ['call', witnessRef(ctx.witnesses.c2s), witnessRef(ctx.witnesses.s2c), storedCall(call)],
  };
  return { row, text: textOf(call, url) };
}

function storedCall(call: DbCall): StoredCall {
  const s: StoredCall = {
    text: call.text,
    status: call.status,
    errors: call.errors.map((e) => [e.dir === 'c2s' ? 0 : 1, e.offset, e.code, e.message]),
    more: call.detail,
  };
  if (call.params) s.params = call.params;
  if (call.keys) s.keys = call.keys;
  if (call.result !== undefined) s.result = call.result;
  if (call.errorMessage !== undefined) s.errorMessage = call.errorMessage;
  if (call.user !== undefined) s.user = call.user;
  if (call.request) s.request = call.request;
  if (call.response) s.response = call.response;
  return s;
}
