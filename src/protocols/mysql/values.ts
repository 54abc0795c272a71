/**
 * Values as text (DbValue): text-protocol rows, binary-protocol rows (COM_STMT_EXECUTE replies)
 * and the parameters of COM_STMT_EXECUTE, which use the binary encoding of
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_binary_resultset.html
 * Binary data (binary character set, blob parameters) is `\x` + hex; everything is cut at
 * DB_TEXT_LIMIT. A value running past the end of a cut payload is cut, never an exception.
 */
import type { DbValue } from '../db-call.js';
import { boundedText, hexText } from '../db-text.js';
import { BINARY_CHARSET, TYPE, UNSIGNED_FLAG } from './constants.js';
import { PayloadReader } from './payload-reader.js';

/** What decoding a value needs to know about its column or parameter. */
export interface ValueType {
  type: number;
  unsigned: boolean;
  /** Shown as hex: binary character set, or a blob parameter. */
  binary: boolean;
}

export interface ColumnDef extends ValueType {
  name: string;
}

export function columnValueType(type: number, flags: number, charset: number): ValueType {
  return { type, unsigned: (flags & UNSIGNED_FLAG) !== 0, binary: charset === BINARY_CHARSET && isStringType(type) };
}

/** A parameter type as COM_STMT_EXECUTE sends it: the type byte, then 0x80 for unsigned. */
export function paramValueType(type: number, flag: number): ValueType {
  const blob = type >= TYPE.TINY_BLOB && type <= TYPE.BLOB;
  return { type, unsigned: (flag & 0x80) !== 0, binary: blob || type === TYPE.GEOMETRY };
}

/** A value's bytes as DbValue text: a binary column's as `\\x` hex, any other's as UTF-8. */
export function bytesAsText(bytes: Uint8Array, binary: boolean): string {
  return binary ? hexText(bytes) : boundedText(bytes);
}

/** One text-protocol row: a length-encoded string or 0xfb (NULL) per column. */
export function decodeTextRow(payload: Buffer, columns: readonly ValueType[]): DbValue[] {
  const reader = new PayloadReader(payload);
  const row: DbValue[] = [];
  for (const column of columns) {
    if (reader.atEnd) break;
    const bytes = reader.lenencBytes();
    if (bytes === undefined) break;
    row.push(bytes === null ? null : bytesAsText(bytes, column.binary));
  }
  return row;
}

/** One binary-protocol row: 0x00, a NULL bitmap offset by 2 bits, then the non-NULL values. */
export function decodeBinaryRow(payload: Buffer, columns: readonly ValueType[]): DbValue[] {
  const reader = new PayloadReader(payload, 1);
  const bitmap = reader.take(Math.floor((columns.length + 7 + 2) / 8));
  return decodeValues(reader, columns, bitmap, 2);
}

/** Values in the binary encoding, NULL where the bitmap (from bit `bitOffset`) says so. */
export function decodeValues(reader: PayloadReader, types: readonly ValueType[], bitmap: Uint8Array, bitOffset: number): DbValue[] {
  const values: DbValue[] = [];
  for (let i = 0; i < types.length; i++) {
    const bit = i + bitOffset;
    if (((bitmap[bit >> 3] ?? 0) >> (bit & 7)) & 1 || types[i].type === TYPE.NULL) {
      values.push(null);
      continue;
    }
    if (reader.atEnd) break;
    const value = decodeBinaryValue(reader, types[i]);
    if (value === undefined) break;
    values.push(value);
  }
  return values;
}

/** One binary-encoded value; undefined when the payload ends first. */
export function decodeBinaryValue(reader: PayloadReader, t: ValueType): DbValue | undefined {
  switch (t.type) {
    case TYPE.NULL:
      return null;
    case TYPE.TINY:
      return intText(reader, 1, t.unsigned);
    case TYPE.SHORT:
    case TYPE.YEAR:
      return intText(reader, 2, t.unsigned);
    case TYPE.LONG:
    case TYPE.INT24:
      return intText(reader, 4, t.unsigned);
    case TYPE.LONGLONG: {
      const v = reader.int8();
      if (v === undefined) return undefined;
      return (t.unsigned ? v : BigInt.asIntN(64, v)).toString();
    }
    case TYPE.FLOAT: {
      const bytes = reader.take(4);
      return bytes.length === 4 ? String(Math.fround(bytes.readFloatLE(0))) : undefined;
    }
    case TYPE.DOUBLE: {
      const bytes = reader.take(8);
      return bytes.length === 8 ? String(bytes.readDoubleLE(0)) : undefined;
    }
    case TYPE.DATE:
    case TYPE.DATETIME:
    case TYPE.TIMESTAMP:
    case TYPE.NEWDATE:
    case TYPE.DATETIME2:
    case TYPE.TIMESTAMP2:
      return dateTimeText(reader, t.type === TYPE.DATE || t.type === TYPE.NEWDATE);
    case TYPE.TIME:
    case TYPE.TIME2:
      return timeText(reader);
    default: {
      const bytes = reader.lenencBytes();
      if (bytes === undefined) return undefined;
      return bytes === null ? null : bytesAsText(bytes, t.binary);
    }
  }
}

function intText(reader: PayloadReader, size: 1 | 2 | 4, unsigned: boolean): string | undefined {
  const v = reader.int(size);
  if (v === undefined) return undefined;
  if (unsigned) return String(v);
  const bits = size * 8;
  return String(v >= 2 ** (bits - 1) ? v - 2 ** bits : v);
}

/** Length 0, 4 (date), 7 (+ time) or 11 (+ microseconds). */
function dateTimeText(reader: PayloadReader, dateOnly: boolean): string | undefined {
  const length = reader.int(1);
  if (length === undefined) return undefined;
  const b = reader.take(length);
  if (b.length < length) return undefined;
  const year = length >= 4 ? b.readUInt16LE(0) : 0;
  const date = `${pad(year, 4)}-${pad(b[2] ?? 0, 2)}-${pad(b[3] ?? 0, 2)}`;
  if (dateOnly) return date;
  const time = `${pad(b[4] ?? 0, 2)}:${pad(b[5] ?? 0, 2)}:${pad(b[6] ?? 0, 2)}`;
  return `${date} ${time}${length >= 11 ? `.${pad(b.readUInt32LE(7), 6)}` : ''}`;
}

/** Length 0, 8 (sign, days, h:m:s) or 12 (+ microseconds). */
function timeText(reader: PayloadReader): string | undefined {
  const length = reader.int(1);
  if (length === undefined) return undefined;
  const b = reader.take(length);
  if (b.length < length) return undefined;
  if (length < 8) return '00:00:00';
  const hours = b.readUInt32LE(1) * 24 + b[5];
  const sign = b[0] === 1 ? '-' : '';
  return `${sign}${pad(hours, 2)}:${pad(b[6], 2)}:${pad(b[7], 2)}${length >= 12 ? `.${pad(b.readUInt32LE(8), 6)}` : ''}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function isStringType(type: number): boolean {
  return (
    type === TYPE.VARCHAR ||
    type === TYPE.VAR_STRING ||
    type === TYPE.STRING ||
    (type >= TYPE.TINY_BLOB && type <= TYPE.BLOB) ||
    type === TYPE.GEOMETRY
  );
}
