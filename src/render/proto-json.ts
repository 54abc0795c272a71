/**
 * A gRPC message's content as JSON, for `show` and `show --json`: decoded with its type (already
 * JSON), or read without a schema and shown compactly: an object of field numbers, a repeated
 * field as a list, numbers as numbers while they are exact (else their decimal text), text as
 * text, bytes as `0x…` hex. Cuts are said in the value (`…` and the real length), never silent.
 */
import type { MessageContent } from '../protocols/grpc/index.js';
import type { JsonObject, JsonValue } from '../protocols/protobuf/typed.js';
import type { ProtoField, ProtoTree, ProtoValue } from '../protocols/protobuf/types.js';

const exact = (decimal: string): JsonValue => {
  const n = Number(decimal);
  return Number.isSafeInteger(n) ? n : decimal;
};

const cutNote = (length: number, shown: number) => ` …(${length - shown} more bytes)`;

function valueJson(v: ProtoValue): JsonValue {
  switch (v.kind) {
    case 'varint':
      return exact(v.value);
    case 'fixed32':
      return v.value;
    case 'fixed64':
      return exact(v.value);
    case 'string':
      return v.cut ? `${v.value}${cutNote(v.length, Buffer.byteLength(v.value))}` : v.value;
    case 'bytes':
      return `0x${v.hex}${v.cut ? cutNote(v.length, v.hex.length / 2) : ''}`;
    case 'message':
    case 'group':
      return fieldsJson(v.fields, v.omittedFields);
  }
}

function fieldsJson(fields: ProtoField[], omitted?: number): JsonObject {
  const byNumber = new Map<number, JsonValue[]>();
  for (const f of fields) {
    const values = byNumber.get(f.number) ?? [];
    values.push(valueJson(f.value));
    byNumber.set(f.number, values);
  }
  // a field seen once is its value; one repeated, the list of its values
  const out: JsonObject = {};
  for (const [number, values] of byNumber) out[String(number)] = values.length === 1 ? values[0] : values;
  if (omitted) out['#omitted'] = `${omitted} more fields`;
  return out;
}

/** A schema-less tree as compact JSON (what could not be read kept as hex, with why). */
export function treeJson(tree: ProtoTree): JsonValue {
  const message = tree.message ? fieldsJson(tree.message.fields, tree.message.omittedFields) : undefined;
  if (!tree.unparsed) return message ?? {};
  const u = tree.unparsed;
  const unparsed: JsonObject = { reason: u.reason, at: u.at, hex: `0x${u.hex}${u.cut ? cutNote(u.length, u.hex.length / 2) : ''}` };
  return message ? { ...message, '#unparsed': unparsed } : { '#unparsed': unparsed };
}

/** A message's content as JSON, whichever way it was decoded. */
export function contentJson(content: MessageContent): JsonValue {
  switch (content.format) {
    case 'typed':
      return content.json;
    case 'tree':
      return treeJson(content.tree);
    case 'text':
      return content.text;
    case 'none':
      return { '#not-decoded': content.reason };
  }
}
