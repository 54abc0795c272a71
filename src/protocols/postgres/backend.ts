/**
 * Decoders of the messages a server sends (protocol-message-formats.html, "(B)"), from a body
 * that may be only a prefix. Authentication requests are read only for their method: the
 * challenge data is never looked at.
 */
import type { PgMessage } from './framer.js';
import { int16List } from './frontend.js';
import { boundedText, cutText } from '../db-text.js';
import { Cursor } from './wire.js';

const AUTH_METHODS: Record<number, string> = {
  0: 'ok',
  2: 'KerberosV5',
  3: 'cleartext',
  5: 'md5',
  7: 'GSS',
  8: 'GSS', // GSSContinue
  9: 'SSPI',
  10: 'SASL',
  11: 'SASL', // SASLContinue
  12: 'SASL', // SASLFinal
};

export interface AuthRequest {
  code: number;
  method: string;
  /** AuthenticationSASL: the mechanisms the server offers (names, not secrets). */
  mechanisms?: string[];
}

export function decodeAuth(m: PgMessage): AuthRequest {
  const c = new Cursor(m.body);
  const code = c.int32() ?? -1;
  const request: AuthRequest = { code, method: AUTH_METHODS[code] ?? `unknown(${code})` };
  if (code === 10) {
    request.mechanisms = [];
    while (c.remaining > 1 && request.mechanisms.length < 8) {
      const name = c.cstring();
      if (name === undefined || name.length === 0) break;
      request.mechanisms.push(cutText(Buffer.from(name).toString('latin1'), false, 64));
    }
  }
  return request;
}

/** ErrorResponse / NoticeResponse fields, by their one-letter codes. */
export interface ServerNotice {
  severity?: string;
  code?: string;
  message?: string;
  detail?: string;
  hint?: string;
  position?: string;
  where?: string;
  schema?: string;
  table?: string;
  column?: string;
  constraint?: string;
}

const NOTICE_FIELDS: Record<string, keyof ServerNotice> = {
  S: 'severity',
  V: 'severity', // the non-localized severity, preferred when sent (it comes after S)
  C: 'code',
  M: 'message',
  D: 'detail',
  H: 'hint',
  P: 'position',
  W: 'where',
  s: 'schema',
  t: 'table',
  c: 'column',
  n: 'constraint',
};

export function decodeNotice(m: PgMessage): ServerNotice {
  const c = new Cursor(m.body);
  const out: ServerNotice = {};
  for (;;) {
    const code = c.byte();
    if (code === undefined || code === 0) break;
    const value = c.cstring();
    if (value === undefined) break;
    const field = NOTICE_FIELDS[String.fromCharCode(code)];
    if (field !== undefined) out[field] = boundedText(value, c.short);
  }
  return out;
}

export interface ColumnDescription {
  name: string;
  typeOid: number;
  format: number;
}

export function decodeRowDescription(m: PgMessage): ColumnDescription[] {
  const c = new Cursor(m.body);
  const count = c.int16() ?? 0;
  const columns: ColumnDescription[] = [];
  for (let k = 0; k < count && !c.short; k++) {
    const name = boundedText(c.cstring() ?? new Uint8Array(0), false, 256);
    c.take(6); // table OID, column number
    const typeOid = (c.int32() ?? 0) >>> 0;
    c.take(6); // type size, type modifier
    const format = c.int16() ?? 0;
    if (c.short) break;
    columns.push({ name, typeOid, format });
  }
  return columns;
}

/** A DataRow's values (subarrays of the body), each null for SQL NULL, with whether it is whole. */
export function decodeDataRow(m: PgMessage, max: number): Array<{ bytes: Uint8Array | null; cut: boolean }> {
  const c = new Cursor(m.body);
  const count = c.int16() ?? 0;
  const out: Array<{ bytes: Uint8Array | null; cut: boolean }> = [];
  for (let k = 0; k < count && k < max; k++) {
    const length = c.short ? undefined : c.int32();
    if (length === undefined) out.push({ bytes: new Uint8Array(0), cut: true });
    else if (length < 0) out.push({ bytes: null, cut: false });
    else {
      const bytes = c.take(length);
      out.push({ bytes, cut: c.short });
    }
  }
  return out;
}

export function decodeCstring(m: PgMessage): string {
  const c = new Cursor(m.body);
  return boundedText(c.cstring() ?? new Uint8Array(0), c.short);
}

export function decodeParameterStatus(m: PgMessage): [string, string] {
  const c = new Cursor(m.body);
  const name = boundedText(c.cstring() ?? new Uint8Array(0), false, 256);
  return [name, boundedText(c.cstring() ?? new Uint8Array(0), c.short, 1024)];
}

export function decodeBackendPid(m: PgMessage): number | undefined {
  // the secret key after the pid is what a CancelRequest must show: it is not kept
  return new Cursor(m.body).int32();
}

export function decodeParameterDescription(m: PgMessage): number[] {
  const c = new Cursor(m.body);
  const count = c.int16() ?? 0;
  const out: number[] = [];
  for (let k = 0; k < count && out.length < 1000; k++) {
    const oid = c.int32();
    if (oid === undefined) break;
    out.push(oid >>> 0);
  }
  return out;
}

export function decodeCopyResponse(m: PgMessage): { format: 'text' | 'binary'; columns: number } {
  const c = new Cursor(m.body);
  const format = c.byte() === 1 ? 'binary' : 'text';
  return { format, columns: int16List(c).length };
}

export function decodeNotification(m: PgMessage): { pid?: number; channel: string; payload: string } {
  const c = new Cursor(m.body);
  const pid = c.int32();
  const channel = boundedText(c.cstring() ?? new Uint8Array(0), false, 1024);
  return { pid, channel, payload: boundedText(c.cstring() ?? new Uint8Array(0), c.short) };
}

/** The one value of a FunctionCallResponse (null for NULL). */
export function decodeFunctionResult(m: PgMessage): { bytes: Uint8Array | null; cut: boolean } {
  const c = new Cursor(m.body);
  const length = c.int32() ?? -1;
  if (length < 0) return { bytes: null, cut: false };
  const bytes = c.take(length);
  return { bytes, cut: c.short };
}
