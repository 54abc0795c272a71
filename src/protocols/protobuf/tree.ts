/**
 * A protobuf message as a tree of fields, without its schema (compare `protoc --decode_raw`).
 *
 * The wire type says how to find a value's end, not what it is, so a length-delimited value is
 * read by these rules, in order:
 * 1. empty: an empty string (protoc prints "");
 * 2. valid UTF-8 without control characters (tab, CR, LF allowed): a string. protoc tries a
 *    message first, but text often happens to parse ("hello" is field 13 = 101, ...), and a real
 *    nested message nearly always has a control byte: any tag of fields 1 to 3 is one, and so is
 *    every length below 32;
 * 3. every byte parses as fields (protoc's rule): a nested message, unless it would be deeper
 *    than PROTOBUF_LIMITS.maxDepth (then bytes, `depthCut`);
 * 4. otherwise bytes, as hex, with its packed readings: varints when the bytes are a whole
 *    number of them, fixed32/fixed64 when the length is a multiple of 4/8.
 * Numbers carry every reading their wire type allows (numbers.ts); which one is meant takes the
 * schema. Nothing here throws: bytes that do not parse are an `unparsed` leaf.
 */
import { PROTOBUF_LIMITS } from './limits.js';
import { fixed32Reading, fixed64Reading, varintReading } from './numbers.js';
import { hexPrefix, printableText, textPrefix } from './text.js';
import type { ProtoBytes, ProtoField, ProtoMessage, ProtoPacked, ProtoTree, ProtoValue } from './types.js';
import { isWireFailure, readFields, readVarint, type WireField } from './wire.js';

export interface DecodeOptions {
  /**
   * The bytes are the start of a longer message (cut at a keep limit, or a gap after them):
   * the fields before the cut are shown and the rest is an unparsed leaf, not the whole.
   */
  truncated?: boolean;
}

/** Shared by all the messages of one tree, so the field limit holds for the whole tree. */
interface Budget {
  fields: number;
}

export function decodeProtobuf(bytes: Uint8Array, options: DecodeOptions = {}): ProtoTree {
  const budget: Budget = { fields: PROTOBUF_LIMITS.maxFields };
  const { fields, failure } = readFields(bytes);
  if (!failure) return { message: messageOf(bytes, fields, 1, budget) };
  const unparsedFrom = options.truncated ? failure.at : 0;
  const unparsed = { kind: 'unparsed' as const, at: failure.at, reason: failure.reason, ...hexPrefix(bytes.subarray(unparsedFrom)) };
  if (!options.truncated) return { unparsed };
  return { message: messageOf(bytes, fields, 1, budget), unparsed };
}

/** One field read without its schema (a field the schema does not know). */
export function decodeWireField(bytes: Uint8Array, field: WireField): ProtoField {
  const budget: Budget = { fields: PROTOBUF_LIMITS.maxFields };
  return { number: field.number, wireType: field.wireType, value: valueOf(bytes, field, 1, budget) };
}

function messageOf(bytes: Uint8Array, wireFields: WireField[], depth: number, budget: Budget): ProtoMessage {
  const fields: ProtoField[] = [];
  let omitted = 0;
  for (const field of wireFields) {
    if (budget.fields <= 0) {
      omitted++;
      continue;
    }
    budget.fields--;
    fields.push({ number: field.number, wireType: field.wireType, value: valueOf(bytes, field, depth, budget) });
  }
  return omitted > 0 ? { kind: 'message', fields, omittedFields: omitted } : { kind: 'message', fields };
}

function valueOf(bytes: Uint8Array, field: WireField, depth: number, budget: Budget): ProtoValue {
  switch (field.wireType) {
    case 'varint':
      return varintReading(field.number64!);
    case 'fixed32':
      return fixed32Reading(field.number64!);
    case 'fixed64':
      return fixed64Reading(field.number64!);
    case 'len':
      return lengthDelimited(bytes.subarray(field.valueStart, field.valueEnd), depth, budget);
    case 'start-group':
    case 'end-group': {
      // the group was read whole by readFields, so its body parses
      const body = bytes.subarray(field.valueStart, field.valueEnd);
      const { fields } = readFields(body);
      return { ...messageOf(body, fields, depth + 1, budget), kind: 'group' };
    }
  }
}

function lengthDelimited(bytes: Uint8Array, depth: number, budget: Budget): ProtoValue {
  if (bytes.length === 0) return { kind: 'string', value: '', length: 0 };
  const text = printableText(bytes);
  if (text !== null) return textValue(bytes, text);
  const { fields, failure } = readFields(bytes);
  if (!failure) {
    if (depth < PROTOBUF_LIMITS.maxDepth) return messageOf(bytes, fields, depth + 1, budget);
    return { kind: 'bytes', ...hexPrefix(bytes), depthCut: true };
  }
  const value: ProtoBytes = { kind: 'bytes', ...hexPrefix(bytes) };
  const packed = packedReadings(bytes);
  if (packed) value.packed = packed;
  return value;
}

function textValue(bytes: Uint8Array, text: string): ProtoValue {
  if (bytes.length <= PROTOBUF_LIMITS.keepValueBytes) return { kind: 'string', value: text, length: bytes.length };
  return { kind: 'string', value: Buffer.from(textPrefix(bytes)).toString('utf8'), length: bytes.length, cut: true };
}

/** The bytes as packed repeated numbers, each way they read whole; undefined when none does. */
export function packedReadings(bytes: Uint8Array): ProtoPacked | undefined {
  const limit = PROTOBUF_LIMITS.maxPackedNumbers;
  const packed: ProtoPacked = {};
  let total = 0;
  const varints = packedVarints(bytes, limit);
  if (varints) {
    packed.varints = varints.kept.map(String);
    total = Math.max(total, varints.count);
  }
  if (bytes.length % 4 === 0) {
    const count = bytes.length / 4;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    packed.fixed32 = Array.from({ length: Math.min(count, limit) }, (_, i) => view.getUint32(i * 4, true));
    total = Math.max(total, count);
  }
  if (bytes.length % 8 === 0) {
    const count = bytes.length / 8;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    packed.fixed64 = Array.from({ length: Math.min(count, limit) }, (_, i) => view.getBigUint64(i * 8, true).toString());
    total = Math.max(total, count);
  }
  if (total === 0) return undefined;
  if (total > limit) packed.omitted = total - limit;
  return packed;
}

function packedVarints(bytes: Uint8Array, keep: number): { kept: bigint[]; count: number } | null {
  const kept: bigint[] = [];
  let count = 0;
  for (let pos = 0; pos < bytes.length; count++) {
    const v = readVarint(bytes, pos, bytes.length);
    if (isWireFailure(v)) return null;
    if (count < keep) kept.push(v.value);
    pos = v.next;
  }
  return { kept, count };
}
