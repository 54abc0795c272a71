/** Protobuf messages with and without their schema. */
export { PROTOBUF_LIMITS } from './limits.js';
export { PROTO_DIR_LIMITS, readProtoDir } from './proto-dir.js';
export { buildSchema, findMethod, isSchemaFailure, schemaFromDescriptorSet, type MethodTypes, type ProtoSchema, type SchemaFailure } from './schema.js';
export { decodeProtobuf, type DecodeOptions } from './tree.js';
export { decodeWithType, UNKNOWN_FIELDS, type JsonObject, type JsonValue } from './typed.js';
export type * from './types.js';
