/**
 * Decoders of the messages a client sends (protocol-message-formats.html, "(F)"), from a body
 * that may be only a prefix: each returns what the held bytes say, and `short` when they ran out.
 * Raw values (Bind parameters) are subarrays of the body, valid only while the message is handled.
 */
import type { PgMessage } from './framer.js';
import { boundedText } from '../db-text.js';
import { redactPasswords } from '../sql-secrets.js';
import { CANCEL_REQUEST_CODE, Cursor, GSSENC_REQUEST_CODE, SSL_REQUEST_CODE } from './wire.js';

export type StartupPacket =
  | { kind: 'ssl' }
  | { kind: 'gssenc' }
  | { kind: 'cancel'; pid?: number }
  | { kind: 'startup'; version: string; params: Array<[string, string]> };

export function decodeStartupPacket(m: PgMessage): StartupPacket {
  const c = new Cursor(m.body);
  const code = c.int32() ?? 0;
  if (code === SSL_REQUEST_CODE) return { kind: 'ssl' };
  if (code === GSSENC_REQUEST_CODE) return { kind: 'gssenc' };
  // the secret key that follows the pid is what lets anyone cancel: it is not kept
  if (code === CANCEL_REQUEST_CODE) return { kind: 'cancel', pid: c.int32() };
  const params: Array<[string, string]> = [];
  while (c.remaining > 1) {
    const name = c.cstring();
    const value = c.cstring();
    if (name === undefined || name.length === 0 || value === undefined) break;
    params.push([boundedText(name), boundedText(value, c.short)]);
  }
  return { kind: 'startup', version: `${code >>> 16}.${code & 0xffff}`, params };
}

export interface ParseMessage {
  statement: string;
  sql: string;
  paramTypes: number[];
}

export function decodeParse(m: PgMessage): ParseMessage {
  const c = new Cursor(m.body);
  const statement = boundedText(c.cstring() ?? new Uint8Array(0));
  const sqlBytes = c.cstring() ?? new Uint8Array(0);
  const sql = redactPasswords(boundedText(sqlBytes, c.short));
  const count = c.int16() ?? 0;
  const paramTypes: number[] = [];
  for (let k = 0; k < count && !c.short; k++) {
    const oid = c.int32();
    if (oid !== undefined) paramTypes.push(oid >>> 0);
  }
  return { statement, sql, paramTypes };
}

export interface BindMessage {
  portal: string;
  statement: string;
  paramFormats: number[];
  /** Raw values (null for SQL NULL) and whether each is whole. */
  values: Array<{ bytes: Uint8Array | null; cut: boolean }>;
  /** Values the message declares but whose bytes were not held. */
  missingValues: number;
  resultFormats: number[];
}

export function decodeBind(m: PgMessage): BindMessage {
  const c = new Cursor(m.body);
  const portal = boundedText(c.cstring() ?? new Uint8Array(0));
  const statement = boundedText(c.cstring() ?? new Uint8Array(0));
  const paramFormats = int16List(c);
  const count = c.int16() ?? 0;
  const values: BindMessage['values'] = [];
  for (let k = 0; k < count && !c.short; k++) {
    const length = c.int32();
    if (length === undefined) break;
    if (length < 0) values.push({ bytes: null, cut: false });
    else {
      const bytes = c.take(length);
      values.push({ bytes, cut: c.short });
    }
  }
  const resultFormats = c.short ? [] : int16List(c);
  return { portal, statement, paramFormats, values, missingValues: Math.max(0, count - values.length), resultFormats };
}

/** Describe and Close: 'S' statement or 'P' portal, and its name. */
export function decodeTarget(m: PgMessage): { what: 'statement' | 'portal'; name: string } {
  const c = new Cursor(m.body);
  const what = c.byte() === 0x50 ? 'portal' : 'statement';
  return { what, name: boundedText(c.cstring() ?? new Uint8Array(0)) };
}

export function decodeExecute(m: PgMessage): { portal: string; maxRows: number } {
  const c = new Cursor(m.body);
  const portal = boundedText(c.cstring() ?? new Uint8Array(0));
  return { portal, maxRows: c.int32() ?? 0 };
}

export function decodeFunctionCall(m: PgMessage): { functionOid: number; args: number } {
  const c = new Cursor(m.body);
  const functionOid = (c.int32() ?? 0) >>> 0;
  int16List(c);
  return { functionOid, args: Math.max(0, c.int16() ?? 0) };
}

/** A SASLInitialResponse's mechanism name: the only part of it that is not secret. */
export function saslMechanism(m: PgMessage): string | undefined {
  const name = new Cursor(m.body).cstring();
  if (name === undefined) return undefined;
  const text = Buffer.from(name).toString('latin1');
  // IANA SASL mechanism names: upper-case letters, digits, '-' and '_', at most 20 characters
  return /^[A-Z0-9_-]{1,20}$/.test(text) ? text : undefined;
}

export function int16List(c: Cursor): number[] {
  const count = c.int16() ?? 0;
  const out: number[] = [];
  for (let k = 0; k < count && !c.short; k++) {
    const v = c.int16();
    if (v !== undefined) out.push(v);
  }
  return out;
}
