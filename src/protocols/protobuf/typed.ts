/**
 * Decoding a message with its type, by walking protobufjs's reflection objects over the fields
 * wire.ts reads. protobufjs's own Type.decode is not used: it compiles a decoder for each type
 * with `new Function` (util/codegen.js) from names found in the schema, and a schema from
 * someone else must not become code. This walk never evaluates anything, and it is lenient
 * where protobufjs throws (an unknown field is kept, not skipped).
 *
 * The JSON follows the proto3 JSON mapping (https://protobuf.dev/programming-guides/json/)
 * except that fields keep their .proto names, only fields present on the wire appear (no
 * defaults), map keys are strings, and fields the type does not know are kept under
 * UNKNOWN_FIELDS as schema-less fields (tree.ts).
 */
import protobuf from 'protobufjs';
import { PROTOBUF_LIMITS } from './limits.js';
import { isSchemaFailure, type SchemaFailure } from './schema.js';
import { decodeWireField } from './tree.js';
import type { ProtoField } from './types.js';
import { isWireFailure, readFields, readVarint, type WireField, type WireType } from './wire.js';

/** The key of a decoded message's unknown fields: `#` cannot start a .proto field name. */
export const UNKNOWN_FIELDS = '#unknown';

export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

const fail = (reason: string): SchemaFailure => ({ failed: true, reason });

/** The message as JSON, or why the bytes are not a message of that type. */
export function decodeWithType(type: protobuf.Type, bytes: Uint8Array): JsonObject | SchemaFailure {
  return decodeMessage(type, bytes, 0, bytes.length, 1);
}

function decodeMessage(type: protobuf.Type, bytes: Uint8Array, start: number, end: number, depth: number): JsonObject | SchemaFailure {
  if (depth > PROTOBUF_LIMITS.maxDepth) return fail(`${type.name} nests deeper than ${PROTOBUF_LIMITS.maxDepth} messages`);
  const { fields, failure } = readFields(bytes, start, end);
  if (failure) return fail(`${type.name}: ${failure.reason} at byte ${failure.at}`);
  const json: JsonObject = {};
  const unknown: ProtoField[] = [];
  for (const wire of fields) {
    const field = type.fieldsById[wire.number];
    if (!field) {
      unknown.push(decodeWireField(bytes, wire));
      continue;
    }
    const problem = addField(json, field, wire, bytes, depth);
    if (problem) return problem;
  }
  if (unknown.length > 0) json[UNKNOWN_FIELDS] = unknown as unknown as JsonValue;
  return json;
}

/** Sets a property without letting a name like `__proto__` (a map key) reach the prototype. */
function put(object: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

function own(object: JsonObject, key: string): JsonValue | undefined {
  return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
}

function addField(json: JsonObject, field: protobuf.Field, wire: WireField, bytes: Uint8Array, depth: number): SchemaFailure | undefined {
  if (field.map) return addMapEntry(json, field as unknown as protobuf.MapField, wire, bytes, depth);
  const values = fieldValues(field, field.type, wire, bytes, depth);
  if (isSchemaFailure(values)) return values;
  if (field.repeated) {
    const list = own(json, field.name);
    put(json, field.name, [...(Array.isArray(list) ? list : []), ...values]);
    return undefined;
  }
  // a oneof holds one member: the last one sent
  for (const other of field.partOf?.fieldsArray ?? []) if (other !== field) delete json[other.name];
  const previous = own(json, field.name);
  const value = values[values.length - 1]!;
  put(json, field.name, previous !== undefined && isObject(previous) && isObject(value) ? merged(previous, value) : value);
  return undefined;
}

const isObject = (value: JsonValue): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A singular message sent twice is the merge of both (later scalars win, lists append). */
function merged(first: JsonObject, second: JsonObject): JsonObject {
  const result: JsonObject = { ...first };
  for (const [key, value] of Object.entries(second)) {
    const before = own(result, key);
    if (Array.isArray(before) && Array.isArray(value)) put(result, key, [...before, ...value]);
    else if (before !== undefined && isObject(before) && isObject(value)) put(result, key, merged(before, value));
    else put(result, key, value);
  }
  return result;
}

function addMapEntry(json: JsonObject, field: protobuf.MapField, wire: WireField, bytes: Uint8Array, depth: number): SchemaFailure | undefined {
  if (wire.wireType !== 'len') return wrongWireType(field, wire.wireType, 'len');
  const { fields, failure } = readFields(bytes, wire.valueStart, wire.valueEnd);
  if (failure) return fail(`${field.name}: map entry: ${failure.reason}`);
  let key: JsonValue = defaultKey(field.keyType);
  let value: JsonValue | undefined;
  for (const entryField of fields) {
    const type = entryField.number === 1 ? field.keyType : entryField.number === 2 ? field.type : undefined;
    if (type === undefined) continue;
    const values = fieldValues(field, type, entryField, bytes, depth);
    if (isSchemaFailure(values)) return values;
    if (entryField.number === 1) key = values[values.length - 1]!;
    else value = values[values.length - 1]!;
  }
  const map = own(json, field.name);
  const entries = map !== undefined && isObject(map) ? map : {};
  put(entries, typeof key === 'object' ? JSON.stringify(key) : String(key), value ?? defaultMapValue(field));
  put(json, field.name, entries);
  return undefined;
}

function defaultKey(keyType: string): JsonValue {
  return keyType === 'string' ? '' : keyType === 'bool' ? false : 0;
}

function defaultMapValue(field: protobuf.MapField): JsonValue {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return {};
  if (resolved instanceof protobuf.Enum) return resolved.valuesById[0] ?? 0;
  if (field.type === 'string' || field.type === 'bytes') return '';
  if (field.type === 'bool') return false;
  return /64$/.test(field.type) ? '0' : 0;
}

const VARINT_TYPES = new Set(['int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'bool']);
const FIXED32_TYPES = new Set(['float', 'fixed32', 'sfixed32']);
const FIXED64_TYPES = new Set(['double', 'fixed64', 'sfixed64']);

function scalarWireType(type: string, resolved: protobuf.ReflectionObject | null): WireType | undefined {
  if (resolved instanceof protobuf.Enum || VARINT_TYPES.has(type)) return 'varint';
  if (FIXED32_TYPES.has(type)) return 'fixed32';
  if (FIXED64_TYPES.has(type)) return 'fixed64';
  return undefined;
}

function wrongWireType(field: protobuf.FieldBase, sent: WireType, expected: WireType): SchemaFailure {
  return fail(`field ${field.id} (${field.name}) was sent as ${sent}, the schema says ${expected}`);
}

/** The value(s) of one wire field: several when a packed repeated field carries them. */
function fieldValues(field: protobuf.FieldBase, type: string, wire: WireField, bytes: Uint8Array, depth: number): JsonValue[] | SchemaFailure {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) {
    const start = wire.wireType === 'len' || wire.wireType === 'start-group' ? wire.valueStart : -1;
    if (start < 0) return wrongWireType(field, wire.wireType, 'len');
    const message = decodeMessage(resolved, bytes, wire.valueStart, wire.valueEnd, depth + 1);
    return isSchemaFailure(message) ? message : [message];
  }
  const expected = scalarWireType(type, resolved);
  if (expected === undefined) {
    if (wire.wireType !== 'len') return wrongWireType(field, wire.wireType, 'len');
    return textOrBytes(field, type, bytes.subarray(wire.valueStart, wire.valueEnd));
  }
  if (wire.wireType === expected) return [scalar(type, resolved, wire.number64!)];
  if (wire.wireType === 'len' && field.repeated) return packed(field, type, resolved, expected, bytes.subarray(wire.valueStart, wire.valueEnd));
  return wrongWireType(field, wire.wireType, expected);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function textOrBytes(field: protobuf.FieldBase, type: string, payload: Uint8Array): JsonValue[] | SchemaFailure {
  if (type === 'bytes') return [Buffer.from(payload).toString('base64')];
  try {
    return [strictUtf8.decode(payload)];
  } catch {
    return fail(`field ${field.id} (${field.name}) is not valid UTF-8`);
  }
}

function packed(field: protobuf.FieldBase, type: string, resolved: protobuf.ReflectionObject | null, wireType: WireType, payload: Uint8Array): JsonValue[] | SchemaFailure {
  const values: JsonValue[] = [];
  const size = wireType === 'fixed32' ? 4 : wireType === 'fixed64' ? 8 : 0;
  if (size > 0 && payload.length % size !== 0) return fail(`field ${field.id} (${field.name}): packed length ${payload.length} is not a multiple of ${size}`);
  let pos = 0;
  while (pos < payload.length) {
    if (size > 0) {
      let value = 0n;
      for (let i = size - 1; i >= 0; i--) value = (value << 8n) | BigInt(payload[pos + i]);
      values.push(scalar(type, resolved, value));
      pos += size;
      continue;
    }
    const one = readVarint(payload, pos, payload.length);
    if (isWireFailure(one)) return fail(`field ${field.id} (${field.name}): packed varints run past the end`);
    values.push(scalar(type, resolved, one.value));
    pos = one.next;
  }
  return values;
}

function floatOf(value: number): JsonValue {
  return Number.isFinite(value) ? value : String(value);
}

function scalar(type: string, resolved: protobuf.ReflectionObject | null, raw: bigint): JsonValue {
  if (resolved instanceof protobuf.Enum) {
    const number = Number(BigInt.asIntN(32, raw));
    return resolved.valuesById[number] ?? number;
  }
  const view = new DataView(new ArrayBuffer(8));
  switch (type) {
    case 'int32':
    case 'sfixed32':
      return Number(BigInt.asIntN(32, raw));
    case 'uint32':
    case 'fixed32':
      return Number(BigInt.asUintN(32, raw));
    case 'sint32': {
      const low = BigInt.asUintN(32, raw);
      return Number((low >> 1n) ^ -(low & 1n));
    }
    case 'int64':
    case 'sfixed64':
      return BigInt.asIntN(64, raw).toString();
    case 'uint64':
    case 'fixed64':
      return BigInt.asUintN(64, raw).toString();
    case 'sint64':
      return ((raw >> 1n) ^ -(raw & 1n)).toString();
    case 'bool':
      return raw !== 0n;
    case 'float':
      view.setUint32(0, Number(BigInt.asUintN(32, raw)), true);
      return floatOf(view.getFloat32(0, true));
    case 'double':
      view.setBigUint64(0, BigInt.asUintN(64, raw), true);
      return floatOf(view.getFloat64(0, true));
    default:
      return raw.toString();
  }
}
