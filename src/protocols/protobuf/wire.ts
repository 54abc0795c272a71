/**
 * The protobuf wire format (https://protobuf.dev/programming-guides/encoding/): tags, varints,
 * fixed values and length-delimited extents, read from a byte range without a schema. Both the
 * schema-less tree and the schema decoder read fields through here, so they agree on what the
 * bytes are. Hand-written because protobufjs's Reader throws on malformed input and has no
 * notion of a field it was not told about; these return a failure instead.
 */

export const WIRE_TYPES = ['varint', 'fixed64', 'len', 'start-group', 'end-group', 'fixed32'] as const;
/** Wire type names, indexed by the 3-bit wire type (6 and 7 are not defined). */
export type WireType = (typeof WIRE_TYPES)[number];

/** The largest field number (2^29 - 1). */
export const MAX_FIELD_NUMBER = 0x1fffffff;

/** One field as it is on the wire, with the extent of its value in the buffer. */
export interface WireField {
  number: number;
  wireType: WireType;
  /** Buffer index of the tag. */
  start: number;
  /** Buffer indices [valueStart, end) of the value: a length-delimited value's payload, a group's body. */
  valueStart: number;
  valueEnd: number;
  /** The index after the whole field (after the end-group tag for a group). */
  end: number;
  /** varint, fixed32 and fixed64: the value as an unsigned 64-bit integer. */
  number64?: bigint;
}

export interface WireFailure {
  failed: true;
  /** Buffer index where the bytes stopped making sense. */
  at: number;
  reason: string;
}

export function isWireFailure(value: unknown): value is WireFailure {
  return typeof value === 'object' && value !== null && (value as WireFailure).failed === true;
}

interface Varint {
  value: bigint;
  next: number;
}

const MASK64 = (1n << 64n) - 1n;

/** A varint at `at`: at most 10 bytes, bits beyond 64 dropped (as protoc does). */
export function readVarint(bytes: Uint8Array, at: number, end: number): Varint | WireFailure {
  let value = 0n;
  for (let i = 0; i < 10; i++) {
    if (at + i >= end) return { failed: true, at, reason: 'varint runs past the end' };
    const byte = bytes[at + i];
    value |= BigInt(byte & 0x7f) << BigInt(7 * i);
    if (byte < 0x80) return { value: value & MASK64, next: at + i + 1 };
  }
  return { failed: true, at, reason: 'varint longer than 10 bytes' };
}

function readLittleEndian(bytes: Uint8Array, at: number, size: number): bigint {
  let value = 0n;
  for (let i = size - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[at + i]);
  return value;
}

/** The field whose tag is at `at`, ending at or before `end`; groups are read to their end-group. */
export function readField(bytes: Uint8Array, at: number, end: number, depth = 0): WireField | WireFailure {
  const tag = readVarint(bytes, at, end);
  if (isWireFailure(tag)) return tag;
  if (tag.value > 0xffffffffn) return { failed: true, at, reason: 'tag larger than 32 bits' };
  const number = Number(tag.value >> 3n);
  const wireType = WIRE_TYPES[Number(tag.value & 7n)];
  if (wireType === undefined) return { failed: true, at, reason: `wire type ${Number(tag.value & 7n)} does not exist` };
  if (number === 0 || number > MAX_FIELD_NUMBER) return { failed: true, at, reason: `field number ${number} is out of range` };
  const valueStart = tag.next;
  const field = (valueEnd: number, fieldEnd = valueEnd, number64?: bigint): WireField => ({ number, wireType, start: at, valueStart, valueEnd, end: fieldEnd, number64 });
  switch (wireType) {
    case 'varint': {
      const v = readVarint(bytes, valueStart, end);
      return isWireFailure(v) ? v : field(v.next, v.next, v.value);
    }
    case 'fixed64':
    case 'fixed32': {
      const size = wireType === 'fixed64' ? 8 : 4;
      if (valueStart + size > end) return { failed: true, at: valueStart, reason: `${wireType} value runs past the end` };
      return field(valueStart + size, valueStart + size, readLittleEndian(bytes, valueStart, size));
    }
    case 'len': {
      const length = readVarint(bytes, valueStart, end);
      if (isWireFailure(length)) return length;
      if (length.value > BigInt(end - length.next)) return { failed: true, at: valueStart, reason: `length ${length.value} runs past the end` };
      const payloadEnd = length.next + Number(length.value);
      return { number, wireType, start: at, valueStart: length.next, valueEnd: payloadEnd, end: payloadEnd };
    }
    case 'start-group':
      return readGroupBody(bytes, at, number, valueStart, end, depth);
    case 'end-group':
      return field(valueStart);
  }
}

/** Groups nest like messages; this bound keeps a run of start-group tags from recursing deeply. */
const MAX_GROUP_DEPTH = 64;

function readGroupBody(bytes: Uint8Array, at: number, number: number, valueStart: number, end: number, depth: number): WireField | WireFailure {
  if (depth >= MAX_GROUP_DEPTH) return { failed: true, at, reason: 'groups nested too deeply' };
  let pos = valueStart;
  while (pos < end) {
    const inner = readField(bytes, pos, end, depth + 1);
    if (isWireFailure(inner)) return inner;
    if (inner.wireType === 'end-group') {
      if (inner.number !== number) return { failed: true, at: pos, reason: `end of group ${inner.number} inside group ${number}` };
      return { number, wireType: 'start-group', start: at, valueStart, valueEnd: pos, end: inner.end };
    }
    pos = inner.end;
  }
  return { failed: true, at, reason: `group ${number} has no end` };
}

/**
 * Every field of the range [start, end), or the failure that stopped the reading along with the
 * fields before it. An end-group tag outside a group is a failure, as it is for protoc.
 */
export function readFields(bytes: Uint8Array, start = 0, end = bytes.length): { fields: WireField[]; failure?: WireFailure } {
  const fields: WireField[] = [];
  let pos = start;
  while (pos < end) {
    const field = readField(bytes, pos, end);
    if (isWireFailure(field)) return { fields, failure: field };
    if (field.wireType === 'end-group') return { fields, failure: { failed: true, at: pos, reason: `end of group ${field.number} outside a group` } };
    fields.push(field);
    pos = field.end;
  }
  return { fields };
}
