/**
 * From an HTTP/2 stream to a stored gRPC call (src/reconstruct/grpc-call-row.ts): a real
 * grpc-js connection (testdata/protocols/http2/grpc-js.h2) parsed by the HTTP/2 parser, each
 * stream handed to gRPC with its DATA frames' bytes and times, held against what the peers
 * themselves logged (grpc-js.peers.json); then bytes missing in every place a recording can
 * lose them, and the row and detail a build stores.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

import { callContents, readGrpcCall } from '../../src/protocols/grpc/index.js';
import type { Http2Body, Http2Exchange } from '../../src/protocols/http2/types.js';
import type { StreamItem } from '../../src/protocols/stream.js';
import { type CapturedPiece, bodyChunks, grpcInput, storedGrpc, withGrpcCall } from '../../src/reconstruct/grpc-call-row.js';
import type { ExchangeRow, ExchangeText } from '../../src/reconstruct/exchange-row.js';
import { loadCase } from '../protocols/corpus/corpus-format.js';
import { callsOfLog, loadSchema, type PeerLogEntry } from '../protocols/grpc/real-calls.js';
import { runAtOnce } from '../protocols/http2/run-connection.js';

const DIR = fileURLToPath(new URL('../../testdata/protocols/http2/', import.meta.url));
const items = loadCase(`${DIR}grpc-js.h2`).items;
const exchanges = runAtOnce(items).exchanges;
const logged = callsOfLog(JSON.parse(readFileSync(`${DIR}grpc-js.peers.json`, 'utf8')) as PeerLogEntry[]);
// the case is the main channel's connection: the gzip and deflate calls (5th and 6th) had their own
const onThisConnection = logged.filter((_, i) => i !== 4 && i !== 5);

/** Each direction's bytes as one buffer, from the case's segments. */
function streamBytes(dir: 'c2s' | 's2c'): Buffer {
  const segments = items.filter((i): i is Extract<StreamItem, { kind: 'data' }> => i.kind === 'data' && i.dir === dir);
  return Buffer.concat(segments.map((s) => Buffer.from(s.bytes)));
}

const whole = { c2s: streamBytes('c2s'), s2c: streamBytes('s2c') };
const captured = {
  c2s: (start: number, end: number): CapturedPiece[] => [{ offset: start, bytes: whole.c2s.subarray(start, end) }],
  s2c: (start: number, end: number): CapturedPiece[] => [{ offset: start, bytes: whole.s2c.subarray(start, end) }],
};

describe('an HTTP/2 stream as a gRPC call', () => {
  const schema = loadSchema();

  it('reads every call of a real grpc-js connection as the peers logged it', () => {
    expect(exchanges.map((x) => x.request?.path)).toEqual(onThisConnection.map((c) => `/tinytap.demo.Inventory/${c.name}`));
    for (const [i, ex] of exchanges.entries()) {
      const input = grpcInput(ex, captured)!;
      const call = readGrpcCall(input);
      const real = onThisConnection[i];
      expect(call.method, `call ${i}`).toBe(real.name);
      expect(call.status?.code, `call ${i}`).toBe(real.status.code);
      if (real.status.details) expect(call.status?.message).toBe(real.status.details);
      const contents = callContents(call, schema);
      const typed = (list: typeof contents.requests) => list.map((c) => (c.format === 'typed' ? c.json : c));
      expect(typed(contents.requests), `call ${i} requests`).toEqual(real.requests);
      expect(typed(contents.responses), `call ${i} responses`).toEqual(real.responses);
    }
  });

  it('times each message by the DATA frame that brought its first byte', () => {
    const list = exchanges.find((x) => x.request?.path?.endsWith('/ListItems') && x.response?.body.ranges.length === 3)!;
    const call = readGrpcCall(grpcInput(list, captured)!);
    // grpc-js sends each streamed message in a DATA frame of its own
    expect(call.responses.messages.map((m) => m.ts)).toEqual(list.response!.body.times);
    expect(new Set(list.response!.body.times).size).toBeGreaterThan(1);
  });

  it('gives the Trailers-Only response its status from the headers', () => {
    const notFound = readGrpcCall(grpcInput(exchanges[4], captured)!);
    expect(notFound).toMatchObject({ trailersOnly: true, status: { code: 5, name: 'NOT_FOUND', source: 'headers' } });
  });

  it('is not a gRPC call without a gRPC content-type', () => {
    const ex = structuredClone(exchanges[0]);
    ex.request!.headers = ex.request!.headers.map(([n, v]) => [n, n === 'content-type' ? 'application/json' : v]);
    expect(grpcInput(ex, captured)).toBeNull();
    expect(grpcInput({ ...exchanges[0], request: undefined }, captured)).toBeNull();
  });
});

describe('body chunks with bytes missing', () => {
  const body: Http2Body = { length: 30, ranges: [[100, 110], [120, 130], [140, 150]], times: [1, 2, 3], omittedRanges: 0, gaps: [] };
  const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

  it('says where bytes were not captured: before a piece, at a range end, in ranges not listed', () => {
    const pieces = (start: number): CapturedPiece[] => {
      if (start === 100) return [{ offset: 100, bytes: bytes(4, 1) }, { offset: 106, bytes: bytes(4, 2) }];
      if (start === 120) return [{ offset: 120, bytes: bytes(7, 3) }];
      return [];
    };
    const chunks = bodyChunks({ ...body, length: 45, omittedRanges: 2 }, pieces);
    expect(chunks.map((c) => [c.bytes.length, c.ts, c.missing ?? 0])).toEqual([
      [4, 1, 0],
      [4, 1, 2],
      [7, 2, 0],
      [0, 2, 3],
      [0, 3, 10],
      // the 15 bytes of the two DATA frames past the listed ranges
      [0, 3, 15],
    ]);
  });

  it('marks the message a gap falls in, and loses the framing where a gap hides a prefix', () => {
    // two 5-byte messages back to back (10 + 10 bytes), the first range's 7th byte not captured
    const message = (fill: number) => Buffer.concat([Buffer.from([0, 0, 0, 0, 5]), bytes(5, fill)]);
    const stream = Buffer.alloc(160);
    message(7).copy(stream, 100);
    message(8).copy(stream, 120);
    const twoRanges: Http2Body = { length: 20, ranges: [[100, 110], [120, 130]], times: [1, 2], omittedRanges: 0, gaps: [] };
    const holeAt = (hole: number) => (start: number, end: number): CapturedPiece[] =>
      hole >= start && hole < end
        ? [{ offset: start, bytes: stream.subarray(start, hole) }, { offset: hole + 1, bytes: stream.subarray(hole + 1, end) }].filter((p) => p.bytes.length > 0)
        : [{ offset: start, bytes: stream.subarray(start, end) }];
    const read = (hole: number) => readGrpcCall({ requestHeaders: [[':path', '/a.B/C'], ['content-type', 'application/grpc']], requestBody: bodyChunks(twoRanges, holeAt(hole)), responseBody: [] }).requests;
    const inPayload = read(106);
    expect(inPayload.messages.map((m) => [m.gap ?? false, m.complete])).toEqual([
      [true, true],
      [false, true],
    ]);
    expect(inPayload.lostAt).toBeUndefined();
    const inPrefix = read(122);
    expect(inPrefix.messages).toHaveLength(1);
    expect(inPrefix.lostAt).toBe(10);
  });
});

describe('the stored call', () => {
  const ex = exchanges[1];
  const row = (detail: unknown, reqStarted: bigint) => ({ row: { grpcService: null, grpcMethod: null, grpcStatus: null, reqStarted, detail } as unknown as ExchangeRow, text: {} as ExchangeText });
  const h2Detail = [3, [null, null], [null, null], null, null, [], null, [], {}];

  it('sets the columns and keeps kind, counts and times after the request began', () => {
    const base = 1_000_000_000n;
    const reqStartedTs = ex.timing.requestStart!;
    const built = withGrpcCall(row(h2Detail, base + BigInt(reqStartedTs)), ex, captured, base);
    expect(built.row).toMatchObject({ grpcService: 'tinytap.demo.Inventory', grpcMethod: 'ListItems', grpcStatus: 0 });
    const stored = (built.row.detail as unknown[])[9];
    const call = readGrpcCall(grpcInput(ex, captured)!);
    expect(stored).toEqual(storedGrpc(call, reqStartedTs));
    expect(stored).toEqual({
      kind: 'server-streaming',
      counts: [1, 3],
      times: [call.requests.messages.map((m) => m.ts - reqStartedTs), ex.response!.body.times.map((t) => t - reqStartedTs)],
    });
  });

  it('leaves a stream that is no gRPC call, and a detail that is not HTTP/2, as they were', () => {
    const plain: Http2Exchange = { ...ex, request: { ...ex.request!, headers: [] } };
    const built = row(h2Detail, 0n);
    expect(withGrpcCall(built, plain, captured, 0n)).toBe(built);
    const http1 = row([2], 0n);
    expect(withGrpcCall(http1, ex, captured, 0n)).toBe(http1);
  });
});
