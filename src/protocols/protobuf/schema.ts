/**
 * Schemas from .proto sources, with protobufjs (reflection only: see typed.ts for decoding).
 *
 * The sources are handed in as a map of path → text (proto-dir.ts reads them), and imports are
 * resolved only against that map and protobufjs's bundled well-known types, so a .proto from
 * someone else cannot make us read any other file: protobufjs's own Root.load is not used, as it
 * reads whatever path an import names (relative to the importing file, `../` included).
 * Import paths are looked up as protoc does (relative to the --proto DIR), then relative to the
 * importing file's folder (protobufjs's habit).
 */
import { posix } from 'node:path';
import protobuf from 'protobufjs';
// adds Root.fromDescriptor; its decoding of the descriptor set runs protobufjs's generated
// decoder for descriptor.proto: code made from protobufjs's own fixed schema, not from the file
import 'protobufjs/ext/descriptor/index.js';

export interface ProtoSchema {
  root: protobuf.Root;
  /** The source files that were loaded, in load order. */
  files: string[];
}

/** Why a schema or a method could not be used: one line. */
export interface SchemaFailure {
  failed: true;
  reason: string;
}

export function isSchemaFailure(value: unknown): value is SchemaFailure {
  return typeof value === 'object' && value !== null && (value as SchemaFailure).failed === true;
}

const fail = (reason: string): SchemaFailure => ({ failed: true, reason: reason.split('\n')[0] });

/** protobufjs keeps the well-known types as JSON under these names (google/protobuf/X.proto). */
const bundled = protobuf.common as unknown as Record<string, protobuf.INamespace & { options?: Record<string, unknown> }>;

function bundledSource(name: string): (protobuf.INamespace & { options?: Record<string, unknown> }) | undefined {
  return Object.prototype.hasOwnProperty.call(bundled, name) && name.startsWith('google/protobuf/') ? bundled[name] : undefined;
}

/** Loads every source (sorted by path) and what it imports; field names are kept as written. */
export function buildSchema(sources: ReadonlyMap<string, string>): ProtoSchema | SchemaFailure {
  const root = new protobuf.Root();
  const loaded = new Set<string>();
  const order: string[] = [];
  const load = (path: string, importedBy?: string): void => {
    if (loaded.has(path)) return;
    loaded.add(path);
    const source = sources.get(path);
    if (source === undefined) {
      const json = bundledSource(path);
      if (!json) throw new Error(`${importedBy ?? 'the list'} imports ${path}, which is not under the proto directory`);
      if (json.options) root.setOptions(json.options);
      root.addJSON(json.nested ?? {});
      order.push(path);
      return;
    }
    const parsed = protobuf.parse(source, root, { keepCase: true });
    order.push(path);
    for (const name of [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])]) load(importPath(name, path, sources), path);
  };
  try {
    for (const path of [...sources.keys()].sort()) load(path);
    root.resolveAll();
  } catch (error) {
    return fail(`the .proto files do not load: ${(error as Error).message}`);
  }
  return { root, files: order };
}

function importPath(name: string, importer: string, sources: ReadonlyMap<string, string>): string {
  if (sources.has(name)) return name;
  const sibling = posix.normalize(posix.join(posix.dirname(importer), name));
  if (sources.has(sibling)) return sibling;
  return name;
}

/** A schema from a FileDescriptorSet (protoc --descriptor_set_out --include_imports). */
export function schemaFromDescriptorSet(bytes: Uint8Array): ProtoSchema | SchemaFailure {
  try {
    const root = (protobuf.Root as unknown as { fromDescriptor(input: Uint8Array, options: { keepCase: boolean }): protobuf.Root }).fromDescriptor(bytes, { keepCase: true });
    root.resolveAll();
    return { root, files: root.files };
  } catch (error) {
    return fail(`the descriptor set does not load: ${(error as Error).message}`);
  }
}

/** What a method sends and returns, from the service definition. */
export interface MethodTypes {
  /** `package.Service.Method`. */
  fullName: string;
  requestType: protobuf.Type;
  responseType: protobuf.Type;
  requestStream: boolean;
  responseStream: boolean;
}

/** The method a gRPC :path names (`package.Service` and `Method`). */
export function findMethod(schema: ProtoSchema, service: string, method: string): MethodTypes | SchemaFailure {
  let found: protobuf.ReflectionObject | null;
  try {
    found = schema.root.lookup(service);
  } catch {
    found = null;
  }
  if (!(found instanceof protobuf.Service)) return fail(`service ${service} is not in the .proto files`);
  const rpc = Object.prototype.hasOwnProperty.call(found.methods, method) ? found.methods[method] : undefined;
  if (!rpc) return fail(`service ${service} has no method ${method}`);
  rpc.resolve();
  const requestType = rpc.resolvedRequestType;
  const responseType = rpc.resolvedResponseType;
  if (!requestType || !responseType) return fail(`the types of ${service}.${method} do not resolve`);
  return {
    fullName: `${service}.${method}`,
    requestType,
    responseType,
    requestStream: rpc.requestStream === true,
    responseStream: rpc.responseStream === true,
  };
}
