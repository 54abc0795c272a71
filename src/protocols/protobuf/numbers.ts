/** The readings of a number field that the wire type alone allows. */
import type { ProtoFixed32, ProtoFixed64, ProtoVarint } from './types.js';

const TWO_63 = 1n << 63n;
const TWO_64 = 1n << 64n;

export function varintReading(value: bigint): ProtoVarint {
  const reading: ProtoVarint = { kind: 'varint', value: value.toString() };
  if (value >= TWO_63) reading.signed = (value - TWO_64).toString();
  const zigzag = (value >> 1n) ^ -(value & 1n);
  if (zigzag !== value) reading.zigzag = zigzag.toString();
  return reading;
}

export function fixed32Reading(value: bigint): ProtoFixed32 {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, Number(value), true);
  const reading: ProtoFixed32 = { kind: 'fixed32', value: Number(value), float: view.getFloat32(0, true) };
  if (value >= 0x80000000n) reading.signed = view.getInt32(0, true);
  return reading;
}

export function fixed64Reading(value: bigint): ProtoFixed64 {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, value, true);
  const reading: ProtoFixed64 = { kind: 'fixed64', value: value.toString(), double: view.getFloat64(0, true) };
  if (value >= TWO_63) reading.signed = (value - TWO_64).toString();
  return reading;
}
