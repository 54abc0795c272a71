/**
 * A protobuf message read without its schema: the fields as the wire says, with each value read
 * the ways that make sense for its wire type. What each reading means is in tree.ts.
 */
import type { WireType } from './wire.js';

export interface ProtoVarint {
  kind: 'varint';
  /** Unsigned decimal, as protoc --decode_raw prints it. */
  value: string;
  /** Its int64 reading, when the top bit is set (a negative int32/int64). */
  signed?: string;
  /** Its sint32/sint64 reading, when it differs from `value` (zigzag). */
  zigzag?: string;
}

export interface ProtoFixed32 {
  kind: 'fixed32';
  /** uint32. */
  value: number;
  /** int32, when negative. */
  signed?: number;
  /** The IEEE 754 float reading. */
  float: number;
}

export interface ProtoFixed64 {
  kind: 'fixed64';
  /** uint64, decimal. */
  value: string;
  /** int64, when negative. */
  signed?: string;
  /** The IEEE 754 double reading. */
  double: number;
}

export interface ProtoText {
  kind: 'string';
  /** The text, up to PROTOBUF_LIMITS.keepValueBytes bytes of it. */
  value: string;
  /** Its length in bytes. */
  length: number;
  cut?: true;
}

/** Numbers read from a length-delimited value as a packed repeated field. */
export interface ProtoPacked {
  varints?: string[];
  fixed32?: number[];
  fixed64?: string[];
  /** Numbers beyond PROTOBUF_LIMITS.maxPackedNumbers, not listed. */
  omitted?: number;
}

export interface ProtoBytes {
  kind: 'bytes';
  /** Lowercase hex of up to PROTOBUF_LIMITS.keepValueBytes bytes. */
  hex: string;
  length: number;
  cut?: true;
  /** The ways the bytes read as a packed repeated field of numbers, when any does. */
  packed?: ProtoPacked;
  /** The bytes would parse as a message, but it would nest deeper than PROTOBUF_LIMITS.maxDepth. */
  depthCut?: true;
}

export interface ProtoMessage {
  kind: 'message';
  fields: ProtoField[];
  /** Fields not listed because the tree reached PROTOBUF_LIMITS.maxFields. */
  omittedFields?: number;
}

/** A group (wire types 3 and 4, deprecated): its fields, like a message. */
export interface ProtoGroup {
  kind: 'group';
  fields: ProtoField[];
  omittedFields?: number;
}

/** Bytes that are not a protobuf message: where and why the reading stopped. */
export interface ProtoUnparsed {
  kind: 'unparsed';
  /** Index in the message where the bytes stopped parsing. */
  at: number;
  reason: string;
  hex: string;
  length: number;
  cut?: true;
}

export type ProtoValue = ProtoVarint | ProtoFixed32 | ProtoFixed64 | ProtoText | ProtoBytes | ProtoMessage | ProtoGroup;

export interface ProtoField {
  number: number;
  wireType: WireType;
  value: ProtoValue;
}

/**
 * A whole message: its fields, or, when the bytes do not parse, an unparsed leaf. A message
 * known to be cut short (`truncated`) gives the fields before the cut and the unparsed rest.
 */
export interface ProtoTree {
  message?: ProtoMessage;
  unparsed?: ProtoUnparsed;
}
