/**
 * Parameter and column values as DbValue text. Text-format values are UTF-8 text; binary-format
 * values are decoded for the common types (by their type OID, from pg_type.dat) and shown as
 * `\x` hex otherwise, as db-call.ts asks.
 */
import type { DbValue } from '../db-call.js';
import { boundedText, hexText } from '../db-text.js';

const OID = {
  bool: 16,
  bytea: 17,
  char: 18,
  name: 19,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  json: 114,
  float4: 700,
  float8: 701,
  bpchar: 1042,
  varchar: 1043,
  uuid: 2950,
  jsonb: 3802,
} as const;

const TEXT_TYPES = new Set<number>([OID.char, OID.name, OID.text, OID.json, OID.bpchar, OID.varchar]);

/**
 * One value: `bytes` null for SQL NULL; `format` 0 text, 1 binary; `typeOid` 0 when unknown.
 * `cutShort` says `bytes` is only a prefix of the value.
 */
export function valueText(bytes: Uint8Array | null, format: number, typeOid: number, cutShort: boolean): DbValue {
  if (bytes === null) return null;
  if (format !== 1) return boundedText(bytes, cutShort);
  if (!cutShort) {
    const decoded = decodeBinary(bytes, typeOid);
    if (decoded !== undefined) return decoded;
  }
  if (TEXT_TYPES.has(typeOid)) return boundedText(bytes, cutShort);
  return hexText(bytes, cutShort);
}

function decodeBinary(b: Uint8Array, typeOid: number): string | undefined {
  const view = new DataView(b.buffer, b.byteOffset, b.length);
  switch (typeOid) {
    case OID.bool:
      return b.length === 1 ? (b[0] !== 0 ? 't' : 'f') : undefined;
    case OID.int2:
      return b.length === 2 ? String(view.getInt16(0)) : undefined;
    case OID.int4:
      return b.length === 4 ? String(view.getInt32(0)) : undefined;
    case OID.oid:
      return b.length === 4 ? String(view.getUint32(0)) : undefined;
    case OID.int8:
      return b.length === 8 ? String(view.getBigInt64(0)) : undefined;
    case OID.float4:
      return b.length === 4 ? String(view.getFloat32(0)) : undefined;
    case OID.float8:
      return b.length === 8 ? String(view.getFloat64(0)) : undefined;
    case OID.uuid:
      return b.length === 16 ? uuidText(b) : undefined;
    case OID.jsonb:
      // a version byte (1) before the JSON text
      return b.length >= 1 && b[0] === 1 ? boundedText(b.subarray(1)) : undefined;
    default:
      return undefined;
  }
}

function uuidText(b: Uint8Array): string {
  const hex = Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The format of value `k` of `count`, by the protocol's rule for format-code lists: none means
 * all text, one applies to all, otherwise one per value.
 */
export function formatOf(formats: readonly number[], k: number): number {
  if (formats.length === 0) return 0;
  return formats.length === 1 ? formats[0] : (formats[k] ?? 0);
}
