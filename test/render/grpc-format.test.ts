/** How a gRPC call reads (src/render/grpc-format.ts, proto-json.ts): statuses, message order, compact schema-less JSON, secrets. */
import { describe, expect, it } from 'vitest';

import { SecretFilter } from '../../src/export/secrets.js';
import type { GrpcFacts, LoadedGrpcMessage } from '../../src/model/exchange.js';
import { readGrpcCall } from '../../src/protocols/grpc/index.js';
import { decodeProtobuf } from '../../src/protocols/protobuf/tree.js';
import { grpcJson, grpcLines, grpcStatusColor, grpcStatusText, grpcView } from '../../src/render/grpc-format.js';
import { treeJson } from '../../src/render/proto-json.js';
import { frame } from '../protocols/grpc/frame.js';

/** A protobuf field: its key (number, wire type) then its value's bytes. */
const key = (n: number, wire: number) => Buffer.from([(n << 3) | wire]);
const varint = (v: bigint) => {
  const out: number[] = [];
  do {
    out.push(Number(v & 0x7fn) | (v > 0x7fn ? 0x80 : 0));
    v >>= 7n;
  } while (v > 0n);
  return Buffer.from(out);
};
const lengthDelimited = (n: number, bytes: Buffer) => Buffer.concat([key(n, 2), varint(BigInt(bytes.length)), bytes]);

describe('gRPC statuses in a list', () => {
  it('names a code, and says a code gRPC does not name', () => {
    expect([0, 5, 14, 16].map(grpcStatusText)).toEqual(['OK', 'NOT_FOUND', 'UNAVAILABLE', 'UNAUTHENTICATED']);
    expect(grpcStatusText(99n)).toBe('grpc 99');
  });

  it('colours the server side red, the request side yellow, OK green', () => {
    expect([0, 5, 3, 13, 14, 4, 99].map(grpcStatusColor)).toEqual(['32', '33', '33', '31', '31', '31', '31']);
  });
});

describe('a message read without a schema, as JSON', () => {
  it('lists repeated fields, keeps big numbers exact, shows bytes as hex and nests messages', () => {
    const bytes = Buffer.concat([
      key(1, 0),
      varint(2n ** 64n - 1n),
      key(2, 0),
      varint(150n),
      lengthDelimited(3, Buffer.from('a')),
      lengthDelimited(3, Buffer.from('b')),
      lengthDelimited(4, Buffer.from([0xff, 0x00, 0xfe])),
      lengthDelimited(5, Buffer.concat([key(1, 0), varint(7n)])),
    ]);
    expect(treeJson(decodeProtobuf(bytes))).toEqual({ '1': '18446744073709551615', '2': 150, '3': ['a', 'b'], '4': '0xff00fe', '5': { '1': 7 } });
  });

  it('keeps what does not parse, saying where and why; of a cut message, the fields before the cut', () => {
    const bytes = Buffer.concat([key(1, 0), varint(1n), Buffer.from([0xff])]);
    expect(treeJson(decodeProtobuf(bytes))).toEqual({ '#unparsed': { at: 2, reason: 'varint runs past the end', hex: '0x0801ff' } });
    expect(treeJson(decodeProtobuf(bytes, { truncated: true }))).toEqual({ '1': 1, '#unparsed': { at: 2, reason: 'varint runs past the end', hex: '0xff' } });
  });
});

/** A call as loaded, from request and response bodies, with the times the build would have stored. */
function loaded(requests: Buffer[], responses: Buffer[], times: { requests: (bigint | null)[]; responses: (bigint | null)[] }, metadata: [string, string][] = []): GrpcFacts {
  const call = readGrpcCall({
    requestHeaders: [[':path', '/shop.Cart/Sync'], ['content-type', 'application/grpc'], ...metadata],
    responseHeaders: [[':status', '200'], ['content-type', 'application/grpc']],
    trailers: [['grpc-status', '0']],
    requestBody: [{ bytes: Buffer.concat(requests), ts: 0 }],
    responseBody: [{ bytes: Buffer.concat(responses), ts: 0 }],
  });
  const timed = (list: typeof call.requests.messages, ns: (bigint | null)[]): LoadedGrpcMessage[] => list.map(({ ts: _ts, endTs: _endTs, ...m }, i) => ({ ...m, ns: ns[i] }));
  return { ...call, requests: { ...call.requests, messages: timed(call.requests.messages, times.requests) }, responses: { ...call.responses, messages: timed(call.responses.messages, times.responses) } };
}

describe('a call in show', () => {
  const text = (s: string) => frame(lengthDelimited(1, Buffer.from(s)));

  it('puts both directions in time order, an untimed message right after the one before it', () => {
    const grpc = loaded([text('a'), text('b'), text('c')], [text('x'), text('y')], { requests: [100n, 300n, null], responses: [200n, 400n] });
    const view = grpcView(grpc);
    expect(view.kind).toBe('bidirectional');
    expect(view.messages.map((m) => `${m.direction} ${m.number}`)).toEqual(['request 1', 'response 1', 'request 2', 'request 3', 'response 2']);
  });

  it('prints each message with its time after the request, its size and its content', () => {
    const grpc = loaded([text('hello')], [text('world')], { requests: [1_000_000n], responses: [3_500_000n] });
    const lines = grpcLines(grpc, grpcView(grpc), 1_000_000n, false).map(String);
    expect(lines[0]).toBe('gRPC  shop.Cart/Sync · unary · OK (0)');
    expect(lines).toContain('  messages    1 request, 1 response');
    expect(lines.find((l) => l.includes('← response 1'))).toMatch(/\+2\.5 ms  7 B$/);
    expect(lines).toContain('      {"1":"world"}');
  });

  it('leaves credentials in metadata out of --json unless asked', () => {
    const grpc = loaded([text('a')], [], { requests: [0n], responses: [] }, [['authorization', 'Bearer s3cr3t'], ['x-tenant', 't1']]);
    const json = (keep: boolean) => {
      const secrets = new SecretFilter(keep);
      return grpcJson(grpc, grpcView(grpc), (n, v) => secrets.headerOrPlaceholder(n, v)).metadata as { request: [string, string][] };
    };
    expect(json(false).request).toEqual([
      ['authorization', expect.not.stringContaining('s3cr3t') as unknown as string],
      ['x-tenant', 't1'],
    ]);
    expect(json(true).request[0]).toEqual(['authorization', 'Bearer s3cr3t']);
  });
});
