/**
 * Calls between a real gRPC server and client (@grpc/grpc-js), captured with tcpdump and cut
 * into HTTP/2 streams by tshark (testdata/protocols/grpc/README.md): every message decodes with
 * the schema to what the receiving peer logged, the status is the one the client saw, the
 * schema-less trees agree with `protoc --decode_raw`, and the bodies cut anywhere give the same.
 */
import { describe, expect, it } from 'vitest';
import { callContents, readGrpcCall } from '../../../src/protocols/grpc/index.js';
import type { BodyChunk, GrpcExchangeInput } from '../../../src/protocols/grpc/types.js';
import { decodeProtobuf } from '../../../src/protocols/protobuf/tree.js';
import { expectAgreesWithProtoc, protocDecodeRaw } from '../protobuf/decode-raw.js';
import { loadRealCalls, loadSchema } from './real-calls.js';

const calls = loadRealCalls();
const schema = loadSchema();

const KINDS: Record<string, string> = { GetItem: 'unary', ListItems: 'server-streaming', RecordStock: 'client-streaming', Chat: 'bidirectional' };

describe('real gRPC calls (grpc-js, captured)', () => {
  it('has every scenario the peers ran', () => {
    expect(calls.map((c) => c.name)).toEqual(['GetItem', 'ListItems', 'RecordStock', 'Chat', 'GetItem', 'GetItem', 'GetItem', 'ListItems']);
  });

  for (const [index, real] of calls.entries()) {
    describe(`call ${index} ${real.name}`, () => {
      const call = readGrpcCall(real.input, { streaming: { requestStream: real.name === 'RecordStock' || real.name === 'Chat', responseStream: real.name === 'ListItems' || real.name === 'Chat' } });
      const contents = callContents(call, schema);

      it('names the service, method and kind', () => {
        expect(call).toMatchObject({ service: 'tinytap.demo.Inventory', method: real.name, subtype: 'proto', kind: KINDS[real.name], kindSource: 'schema' });
        expect(readGrpcCall(real.input).kind).toBe(real.name === 'Chat' || real.name === 'RecordStock' || (real.name === 'ListItems' && call.responses.messageCount > 1) ? KINDS[real.name] : 'unary');
      });

      it('decodes each message to what the receiving peer logged', () => {
        expect(contents.schemaProblem).toBeUndefined();
        const typed = (list: typeof contents.requests) => list.map((c) => (c.format === 'typed' ? c.json : c));
        expect(typed(contents.requests)).toEqual(real.requests);
        expect(typed(contents.responses)).toEqual(real.responses);
        expect(call.requests.messageCount).toBe(real.requests.length);
        expect(call.responses.messageCount).toBe(real.responses.length);
      });

      it('gives the status the client saw', () => {
        expect(call.status?.code).toBe(real.status.code);
        if (real.status.code !== 0) expect(call.status?.message).toBe(real.status.details);
        expect(call.status?.name).toBeDefined();
      });

      it('agrees with protoc --decode_raw on every message', () => {
        for (const message of [...call.requests.messages, ...call.responses.messages]) {
          const tree = decodeProtobuf(message.bytes);
          expect(tree.unparsed).toBeUndefined();
          expectAgreesWithProtoc(tree.message!.fields, protocDecodeRaw(message.bytes));
        }
      });

      it('gives the same call however the bodies are cut', () => {
        const whole = readGrpcCall(real.input);
        for (const cut of cuttings(real.input)) expect(readGrpcCall(cut)).toEqual(whole);
      });
    });
  }

  it('reads a Trailers-Only error, an error after messages, and the deadline', () => {
    const notFound = readGrpcCall(calls[6].input);
    expect(notFound).toMatchObject({ trailersOnly: true, status: { code: 5, name: 'NOT_FOUND', source: 'headers', message: 'item 404: not here ✗ (100% sure)' } });
    const exhausted = readGrpcCall(calls[7].input);
    expect(exhausted.trailersOnly).toBeUndefined();
    expect(exhausted.status).toMatchObject({ code: 8, name: 'RESOURCE_EXHAUSTED', source: 'trailers', message: 'at most 3 items' });
    expect(exhausted.responses.messageCount).toBe(3);
    const first = readGrpcCall(calls[0].input);
    expect(first.timeout).toMatch(/^\d+m$/);
    expect(first.timeoutMs).toBe(Number(first.timeout!.slice(0, -1)));
    expect(first.requestAcceptEncoding).toEqual(['identity', 'deflate', 'gzip']);
  });

  it('frames every call the same without keeping or inflating a payload (framingOnly)', () => {
    for (const real of calls) {
      const whole = readGrpcCall(real.input);
      const shape = readGrpcCall(real.input, { framingOnly: true });
      const facts = (c: typeof whole) => ({
        ...c,
        requests: { ...c.requests, messages: c.requests.messages.map((m) => [m.offset, m.ts, m.endTs, m.length, m.compressed, m.complete]) },
        responses: { ...c.responses, messages: c.responses.messages.map((m) => [m.offset, m.ts, m.endTs, m.length, m.compressed, m.complete]) },
      });
      expect(facts(shape)).toEqual(facts(whole));
      for (const m of [...shape.requests.messages, ...shape.responses.messages]) {
        expect(m.bytes.length).toBe(0);
        expect(m.decodedLength).toBeUndefined();
        expect(m.decodeError).toBeUndefined();
        expect(m.cut === true).toBe(m.length > 0);
      }
    }
  });

  it('inflates the gzip and deflate requests', () => {
    for (const [index, encoding] of [
      [4, 'gzip'],
      [5, 'deflate'],
    ] as const) {
      const call = readGrpcCall(calls[index].input);
      expect(call.requests.encoding).toBe(encoding);
      const [message] = call.requests.messages;
      expect(message).toMatchObject({ compressed: true, complete: true });
      expect(message.decodedLength).toBe(message.bytes.length);
      expect(message.length).not.toBe(message.bytes.length);
    }
  });
});

/** The same bodies cut in two at every byte of each direction, and one byte per chunk. */
function* cuttings(input: GrpcExchangeInput): Generator<GrpcExchangeInput> {
  for (const side of ['requestBody', 'responseBody'] as const) {
    const chunks = input[side];
    const total = chunks.reduce((n, c) => n + c.bytes.length, 0);
    for (let at = 1; at < total; at++) yield { ...input, [side]: cutAt(chunks, at) };
  }
  yield { ...input, requestBody: bytewise(input.requestBody), responseBody: bytewise(input.responseBody) };
}

function cutAt(chunks: readonly BodyChunk[], at: number): BodyChunk[] {
  const out: BodyChunk[] = [];
  let start = 0;
  for (const chunk of chunks) {
    const end = start + chunk.bytes.length;
    if (at > start && at < end) out.push({ ...chunk, bytes: chunk.bytes.subarray(0, at - start) }, { bytes: chunk.bytes.subarray(at - start), ts: chunk.ts });
    else out.push(chunk);
    start = end;
  }
  return out;
}

function bytewise(chunks: readonly BodyChunk[]): BodyChunk[] {
  return chunks.flatMap((chunk) => Array.from(chunk.bytes, (byte, i) => ({ bytes: Uint8Array.of(byte), ts: chunk.ts, ...(i === 0 && chunk.missing ? { missing: chunk.missing } : {}) })));
}
