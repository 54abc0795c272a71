/**
 * Property tests: messages of generated schemas, encoded by protobufjs, read back the same with
 * and without the schema; random bytes never make a decoder throw or grow without bound.
 */
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { decodeProtobuf } from '../../../src/protocols/protobuf/tree.js';
import { decodeWithType } from '../../../src/protocols/protobuf/typed.js';
import type { ProtoValue } from '../../../src/protocols/protobuf/types.js';
import { PROTOBUF_LIMITS } from '../../../src/protocols/protobuf/limits.js';

const SCALARS = ['int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'bool', 'fixed32', 'sfixed32', 'fixed64', 'sfixed64', 'float', 'double', 'string', 'bytes'] as const;
type Scalar = (typeof SCALARS)[number];

const arbValue: Record<Scalar, fc.Arbitrary<unknown>> = {
  int32: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  sint32: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  sfixed32: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  uint32: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  fixed32: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  int64: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
  sint64: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
  sfixed64: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
  uint64: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
  fixed64: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
  bool: fc.boolean(),
  float: fc.float({ noNaN: true, noDefaultInfinity: true }),
  double: fc.double({ noNaN: true, noDefaultInfinity: true }),
  string: fc.string({ unit: 'grapheme', maxLength: 20 }),
  bytes: fc.uint8Array({ maxLength: 20 }),
};

interface FieldSpec {
  id: number;
  type: Scalar | 'message';
  repeated: boolean;
}

const arbFields = fc.uniqueArray(
  fc.record({ id: fc.integer({ min: 1, max: 5000 }), type: fc.constantFrom(...SCALARS, 'message' as const), repeated: fc.boolean() }),
  { selector: (f) => f.id, minLength: 1, maxLength: 8 },
);

/** A schema (a message T, and N with one field of each scalar kind for T's message fields). */
function schemaOf(fields: FieldSpec[]): protobuf.Type {
  const root = new protobuf.Root();
  const nested = new protobuf.Type('N');
  SCALARS.forEach((type, i) => nested.add(new protobuf.Field(`n_${type}`, i + 1, type)));
  const type = new protobuf.Type('T');
  for (const f of fields) type.add(new protobuf.Field(`f${f.id}`, f.id, f.type === 'message' ? 'N' : f.type, f.repeated ? 'repeated' : undefined));
  root.add(nested).add(type);
  root.resolveAll();
  return type;
}

const arbNested = fc.record(Object.fromEntries(SCALARS.map((t) => [`n_${t}`, arbValue[t]])), { requiredKeys: [] });

const arbSchemaAndMessage = arbFields.chain((fields) =>
  fc
    .record(
      Object.fromEntries(fields.map((f) => {
        const one = f.type === 'message' ? arbNested : arbValue[f.type];
        return [`f${f.id}`, f.repeated ? fc.array(one, { minLength: 1, maxLength: 4 }) : one];
      })),
      { requiredKeys: [] },
    )
    .map((message) => ({ fields, message })),
);

/** protobufjs's own reading of the bytes, in the JSON our decoder gives. */
function reference(type: protobuf.Type, bytes: Uint8Array): unknown {
  const object = type.toObject(type.decode(bytes), { longs: String, enums: String, bytes: String });
  return JSON.parse(JSON.stringify(object));
}

function wireTypeOf(type: Scalar | 'message'): string {
  if (['fixed32', 'sfixed32', 'float'].includes(type)) return 'fixed32';
  if (['fixed64', 'sfixed64', 'double'].includes(type)) return 'fixed64';
  if (['string', 'bytes', 'message'].includes(type)) return 'len';
  return 'varint';
}

/** What a single scalar's schema-less reading must hold, for the types whose reading is exact. */
function expectReading(type: Scalar, sent: unknown, value: ProtoValue): void {
  switch (type) {
    case 'int32':
    case 'int64':
      expect(value.kind === 'varint' && (value.signed ?? value.value)).toBe(String(sent));
      return;
    case 'uint32':
    case 'uint64':
      expect(value.kind === 'varint' && value.value).toBe(String(sent));
      return;
    case 'sint32':
    case 'sint64':
      expect(value.kind === 'varint' && (value.zigzag ?? value.value)).toBe(String(sent));
      return;
    case 'bool':
      expect(value.kind === 'varint' && value.value).toBe(sent ? '1' : '0');
      return;
    case 'fixed32':
      expect(value.kind === 'fixed32' && value.value).toBe(sent);
      return;
    case 'sfixed32':
      expect(value.kind === 'fixed32' && (value.signed ?? value.value)).toBe(sent);
      return;
    case 'fixed64':
      expect(value.kind === 'fixed64' && value.value).toBe(sent);
      return;
    case 'sfixed64':
      expect(value.kind === 'fixed64' && (value.signed ?? value.value)).toBe(sent);
      return;
    case 'float':
      expect(value.kind === 'fixed32' && value.float).toBe(Math.fround(sent as number));
      return;
    case 'double':
      expect(value.kind === 'fixed64' && value.double).toBe(sent);
      return;
    case 'string':
    case 'bytes':
      return;
  }
}

describe('protobuf properties', () => {
  it('reads messages of generated schemas as protobufjs wrote them, with and without the schema', () => {
    fc.assert(
      fc.property(arbSchemaAndMessage, ({ fields, message }) => {
        const type = schemaOf(fields);
        const bytes = type.encode(type.fromObject(message)).finish();
        // both as JSON text, which is what they are for (and which has no -0)
        expect(JSON.parse(JSON.stringify(decodeWithType(type, bytes)))).toEqual(reference(type, bytes));
        const tree = decodeProtobuf(bytes);
        expect(tree.unparsed).toBeUndefined();
        const seen = tree.message!.fields;
        for (const f of fields) {
          const sent = message[`f${f.id}`];
          const mine = seen.filter((w) => w.number === f.id);
          if (sent === undefined) {
            expect(mine).toEqual([]);
            continue;
          }
          const packedNumbers = type.fieldsById[f.id].packed && wireTypeOf(f.type) !== 'len';
          for (const w of mine) expect(w.wireType).toBe(packedNumbers ? 'len' : wireTypeOf(f.type));
          if (!f.repeated && f.type !== 'message' && mine.length > 0) expectReading(f.type, sent, mine[mine.length - 1].value);
        }
      }),
      { numRuns: 400 },
    );
  }, 60_000);

  it('never throws on random bytes and keeps the tree bounded', () => {
    const Item = schemaOf(SCALARS.map((type, i) => ({ id: i + 1, type, repeated: i % 2 === 0 })));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.array(fc.constantFrom(0x08, 0x0a, 0x0b, 0x0c, 0x12, 0x80, 0xff, 0x01, 0x05), { maxLength: 300 }).map((a) => Uint8Array.from(a))), fc.boolean(), (bytes, truncated) => {
        const tree = decodeProtobuf(bytes, { truncated });
        expect(tree.message ?? tree.unparsed).toBeDefined();
        expect(JSON.stringify(tree).length).toBeLessThan(200 * bytes.length + 1000);
        decodeWithType(Item, bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('stops nesting at maxDepth and counts the fields beyond maxFields', () => {
    let deep: Uint8Array = Uint8Array.of(0x08, 0x01);
    for (let i = 0; i < PROTOBUF_LIMITS.maxDepth + 5; i++) deep = Uint8Array.of(0x0a, ...encodeLength(deep.length), ...deep);
    let node = decodeProtobuf(deep).message!;
    let depth = 1;
    while (node.fields[0]?.value.kind === 'message') {
      node = node.fields[0].value;
      depth++;
    }
    expect(depth).toBe(PROTOBUF_LIMITS.maxDepth);
    expect(node.fields[0].value).toMatchObject({ kind: 'bytes', depthCut: true });
    const many = new Uint8Array((PROTOBUF_LIMITS.maxFields + 7) * 2).fill(0x08).map((b, i) => (i % 2 ? 1 : b));
    expect(decodeProtobuf(many).message).toMatchObject({ omittedFields: 7 });
  });
});

function encodeLength(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}
