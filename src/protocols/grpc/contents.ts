/**
 * What a call's messages say: decoded with the method's types when a schema has them, else as
 * schema-less trees, each time with a one-line reason why the schema was not used.
 */
import { findMethod, isSchemaFailure, type MethodTypes, type ProtoSchema } from '../protobuf/schema.js';
import { decodeProtobuf } from '../protobuf/tree.js';
import { decodeWithType, type JsonObject } from '../protobuf/typed.js';
import type { ProtoTree } from '../protobuf/types.js';
import type { GrpcCall, GrpcMessage } from './types.js';

export type MessageContent =
  /** Decoded with its type (`type`: the full message name). */
  | { format: 'typed'; type: string; json: JsonObject }
  /** Read without a schema; `schemaProblem` says why the schema was not used, when one was given. */
  | { format: 'tree'; tree: ProtoTree; schemaProblem?: string }
  /** application/grpc+json: the payload is JSON text. */
  | { format: 'text'; text: string }
  /** The payload could not be decoded (GrpcMessage.decodeError). */
  | { format: 'none'; reason: string };

/** What decoding a message reads of it: a GrpcMessage, or one loaded again from a session (its times aside). */
export type MessageBytes = Pick<GrpcMessage, 'bytes' | 'complete' | 'gap' | 'cut' | 'decodeError'>;

/** What decoding a call's messages reads of it. */
export type CallMessages = Pick<GrpcCall, 'path' | 'service' | 'method' | 'subtype'> & {
  requests: { messages: readonly MessageBytes[] };
  responses: { messages: readonly MessageBytes[] };
};

export interface CallContents {
  /** Set when a schema was given but has no types for this call. */
  schemaProblem?: string;
  requests: MessageContent[];
  responses: MessageContent[];
}

/** The method's types from a schema, or why there are none. */
export function methodOf(call: Pick<GrpcCall, 'path' | 'service' | 'method'>, schema: ProtoSchema): MethodTypes | { failed: true; reason: string } {
  if (call.service === undefined || call.method === undefined) return { failed: true, reason: `:path ${JSON.stringify(call.path)} names no service and method` };
  return findMethod(schema, call.service, call.method);
}

export function callContents(call: CallMessages, schema?: ProtoSchema): CallContents {
  const method = schema ? methodOf(call, schema) : undefined;
  const schemaProblem = method && isSchemaFailure(method) ? method.reason : undefined;
  const types = method && !isSchemaFailure(method) ? method : undefined;
  const contents = (messages: readonly MessageBytes[], type: MethodTypes['requestType'] | undefined): MessageContent[] =>
    messages.map((message) => messageContent(message, call.subtype, type, schemaProblem));
  const result: CallContents = { requests: contents(call.requests.messages, types?.requestType), responses: contents(call.responses.messages, types?.responseType) };
  if (schemaProblem) result.schemaProblem = schemaProblem;
  return result;
}

export function messageContent(message: MessageBytes, subtype: string | undefined, type?: MethodTypes['requestType'], schemaProblem?: string): MessageContent {
  if (message.decodeError !== undefined) return { format: 'none', reason: message.decodeError };
  if (subtype === 'json') return { format: 'text', text: Buffer.from(message.bytes).toString('utf8') };
  const partial = message.cut === true || message.gap === true || !message.complete;
  const tree = (problem: string | undefined): MessageContent => {
    const content: MessageContent = { format: 'tree', tree: decodeProtobuf(message.bytes, { truncated: partial }) };
    if (problem) content.schemaProblem = problem;
    return content;
  };
  if (!type) return tree(schemaProblem);
  if (partial) return tree(`only ${message.bytes.length} bytes of the message were kept or captured`);
  const json = decodeWithType(type, message.bytes);
  if (isSchemaFailure(json)) return tree(`not a ${type.fullName.replace(/^\./, '')}: ${json.reason}`);
  return { format: 'typed', type: type.fullName.replace(/^\./, ''), json };
}
