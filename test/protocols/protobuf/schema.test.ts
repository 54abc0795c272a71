/**
 * Schemas from files of others: nothing outside the --proto DIR is read, no code is generated
 * from a schema, and every way a schema can fail to fit gives a one-line reason.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSchema, decodeWithType, findMethod, isSchemaFailure, readProtoDir, schemaFromDescriptorSet, UNKNOWN_FIELDS, type ProtoSchema } from '../../../src/protocols/protobuf/index.js';
import { GRPC_TESTDATA, PROTO_DIR } from '../grpc/real-calls.js';

function schemaOf(files: Record<string, string>): ProtoSchema | { failed: true; reason: string } {
  return buildSchema(new Map(Object.entries(files)));
}

function ok<T>(value: T | { failed: true; reason: string }): T {
  if (isSchemaFailure(value)) throw new Error(value.reason);
  return value;
}

const item = () => execFileSync('protoc', ['-I', PROTO_DIR, '--encode=tinytap.demo.Item', 'tinytap/demo/inventory.proto'], { input: readFileSync(`${GRPC_TESTDATA}item.txtpb`) });

describe('protobuf schemas', () => {
  it('decodes what protoc --encode wrote, as the JSON mapping says', () => {
    const schema = ok(buildSchema(ok(readProtoDir(PROTO_DIR))));
    const method = ok(findMethod(schema, 'tinytap.demo.Inventory', 'GetItem'));
    expect(decodeWithType(method.responseType, item())).toEqual({
      id: '18446744073709551615',
      name: 'Hammer ✓',
      category: 'TOOLS',
      stock_by_store: [1, -2, 300000],
      tags: ['steel', 'heavy'],
      prices_by_region: { eu: '-123456789012' },
      dimensions: { width_cm: 12.5, weight_kg: 0.75 },
      supplier: 'ACME',
      thumbnail: 'AQL/AA==',
      balance: '-42',
      checksum: '1234567890123',
      discontinued: true,
      price: { currency: 'EUR', units: '19', nanos: -5 },
      updated: { seconds: '1700000000', nanos: 5 },
      other_categories: ['BOOKS', 'FOOD'],
      temperature: -7,
    });
    expect(method).toMatchObject({ requestStream: false, responseStream: false });
    expect(ok(findMethod(schema, 'tinytap.demo.Inventory', 'Chat'))).toMatchObject({ requestStream: true, responseStream: true });
  });

  it('never compiles a decoder from the schema', () => {
    const schema = ok(buildSchema(ok(readProtoDir(PROTO_DIR))));
    const type = ok(findMethod(schema, 'tinytap.demo.Inventory', 'GetItem')).responseType;
    decodeWithType(type, item());
    // protobufjs's Type.setup() replaces these with functions made by `new Function`
    for (const t of [type, type.lookupType('Dimensions'), schema.root.lookupType('tinytap.demo.Money')]) {
      expect(Object.prototype.hasOwnProperty.call(t, 'decode')).toBe(false);
      expect((t as unknown as { _ctor: unknown })._ctor).toBeNull();
    }
  });

  it('reads no file outside the directory, whatever an import says', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tinytap-proto-'));
    mkdirSync(join(dir, 'in'));
    writeFileSync(join(dir, 'secret.proto'), 'syntax = "proto3"; message Secret { string s = 1; }');
    symlinkSync(join(dir, 'secret.proto'), join(dir, 'in', 'link.proto'));
    symlinkSync(dir, join(dir, 'in', 'up'));
    writeFileSync(join(dir, 'in', 'a.proto'), 'syntax = "proto3"; import "../secret.proto"; message A { Secret s = 1; }');
    const sources = ok(readProtoDir(join(dir, 'in')));
    expect([...sources.keys()]).toEqual(['a.proto']);
    const schema = buildSchema(sources);
    expect(schema).toEqual({ failed: true, reason: 'the .proto files do not load: a.proto imports ../secret.proto, which is not under the proto directory' });
    expect(schemaOf({ 'b.proto': 'syntax = "proto3"; import "/etc/passwd"; message B {}' })).toMatchObject({ failed: true, reason: expect.stringContaining('/etc/passwd, which is not under') });
  });

  it('gives one line when a schema does not load or fit', () => {
    expect(schemaOf({ 'bad.proto': 'syntax = "proto3";\nmessage {' })).toMatchObject({ failed: true, reason: expect.stringMatching(/^the .proto files do not load: [^\n]+$/) });
    expect(schemaOf({ 'x.proto': 'syntax = "proto3"; message X { Missing m = 1; }' })).toMatchObject({ failed: true, reason: expect.stringContaining('Missing') });
    const schema = ok(schemaOf({ 't.proto': 'syntax = "proto3"; package p; message T { int32 n = 1; string s = 2; map<string, int32> m = 3; } service S { rpc M(T) returns (T); }' }));
    expect(findMethod(schema, 'p.S', 'N')).toEqual({ failed: true, reason: 'service p.S has no method N' });
    expect(findMethod(schema, 'p.T', 'M')).toEqual({ failed: true, reason: 'service p.T is not in the .proto files' });
    const type = ok(findMethod(schema, 'p.S', 'M')).requestType;
    expect(decodeWithType(type, Uint8Array.of(0x0d, 1, 2, 3, 4))).toEqual({ failed: true, reason: 'field 1 (n) was sent as fixed32, the schema says varint' });
    expect(decodeWithType(type, Uint8Array.of(0x12, 1, 0xff))).toEqual({ failed: true, reason: 'field 2 (s) is not valid UTF-8' });
    expect(decodeWithType(type, Uint8Array.of(0x12, 5, 0x41))).toMatchObject({ failed: true, reason: expect.stringContaining('runs past the end') });
  });

  it('keeps unknown fields, lets the last oneof member win, and never lets a map key reach a prototype', () => {
    const schema = ok(schemaOf({ 't.proto': 'syntax = "proto3"; message T { oneof o { int32 a = 1; string b = 2; } map<string, int32> m = 3; }' }));
    const type = schema.root.lookupType('T');
    const entry = [0x0a, 9, ...Buffer.from('__proto__'), 0x10, 5];
    const json = ok(decodeWithType(type, Uint8Array.of(0x08, 1, 0x12, 1, 0x78, 0x1a, entry.length, ...entry, 0x20, 7)));
    expect(json.a).toBeUndefined();
    expect(json.b).toBe('x');
    expect(Object.getOwnPropertyNames(json.m)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(json.m)).toBe(Object.prototype);
    expect(json[UNKNOWN_FIELDS]).toEqual([{ number: 4, wireType: 'varint', value: { kind: 'varint', value: '7', zigzag: '-4' } }]);
  });

  it('loads a descriptor set written by protoc', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tinytap-desc-'));
    const out = join(dir, 'set.pb');
    execFileSync('protoc', ['-I', PROTO_DIR, '--include_imports', `--descriptor_set_out=${out}`, 'tinytap/demo/inventory.proto']);
    const schema = ok(schemaFromDescriptorSet(readFileSync(out)));
    const method = ok(findMethod(schema, 'tinytap.demo.Inventory', 'GetItem'));
    expect(decodeWithType(method.responseType, item())).toMatchObject({ id: '18446744073709551615', category: 'TOOLS', prices_by_region: { eu: '-123456789012' } });
    expect(schemaFromDescriptorSet(Uint8Array.of(0xff, 0xff))).toMatchObject({ failed: true });
  });
});
