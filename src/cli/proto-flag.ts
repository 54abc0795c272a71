/** `--proto DIR` (show, export): the .proto files under DIR as a schema for gRPC messages. */
import { buildSchema, isSchemaFailure, readProtoDir, type ProtoSchema } from '../protocols/protobuf/index.js';
import { UsageError } from './units.js';

export const PROTO_OPTION = ['--proto <dir>', 'decode gRPC messages with the .proto files under this directory'] as const;

/** The schema, or undefined without the flag; a directory that does not load is a usage error saying why. */
export function protoSchema(dir: string | undefined): ProtoSchema | undefined {
  if (dir === undefined) return undefined;
  const sources = readProtoDir(dir);
  if (isSchemaFailure(sources)) throw new UsageError(`--proto ${dir}: ${sources.reason}`);
  if (sources.size === 0) throw new UsageError(`--proto ${dir}: no .proto files under it`);
  const schema = buildSchema(sources);
  if (isSchemaFailure(schema)) throw new UsageError(`--proto ${dir}: ${schema.reason}`);
  return schema;
}
