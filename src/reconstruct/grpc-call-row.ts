/**
 * An HTTP/2 stream that is a gRPC call (protocols/grpc), as the session stores it: three columns
 * to filter on (service, method, status) and, in the detail, what cannot be read again when the
 * exchange is loaded. Everything else of the call (status message, metadata, the messages and
 * their contents) is read again at load time from the heads the detail keeps and the bodies the
 * loader re-reads, so nothing is stored twice. What is stored: the kind, the message counts, and
 * when each message arrived (the time of the DATA frame holding its first byte), which the
 * re-read bodies no longer say. Pure.
 */
import { isGrpcExchange, readGrpcCall } from '../protocols/grpc/index.js';
import type { BodyChunk, GrpcCall, GrpcCallKind, GrpcExchangeInput, HeaderList } from '../protocols/grpc/types.js';
import type { Http2Body, Http2Exchange } from '../protocols/http2/types.js';
import type { ExchangeFields } from '../model/exchange-table.js';
import type { ExchangeDetail, Http2Detail } from './exchange-row.js';
import { requestFields, responseFields } from './h2-exchange.js';

/** What the detail of a gRPC exchange keeps of its call (Http2Detail's last element; SPEC.md). */
export interface StoredGrpc {
  kind: GrpcCallKind;
  /** Messages seen each way, listed or not. */
  counts: [requests: number, responses: number];
  /**
   * For each listed message (GRPC_LIMITS.keepMessages each way at most): when the DATA frame
   * holding its first byte arrived, in ns after the exchange's req_started.
   */
  times: [requests: number[], responses: number[]];
}

/** The gRPC columns of every exchange that is not a gRPC call. */
export const NOT_GRPC = { grpcService: null, grpcMethod: null, grpcStatus: null } as const;

/** A captured part of a stream range, at its stream offset (RetainedBytes.pieces). */
export interface CapturedPiece {
  offset: number;
  bytes: Uint8Array;
}

/**
 * A body as gRPC reads it: one chunk per DATA frame, with the frame's time, and the bytes not
 * captured (or no longer retained) said as `missing`, so the framing knows where they were.
 */
export function bodyChunks(body: Http2Body, captured: (start: number, end: number) => CapturedPiece[]): BodyChunk[] {
  const chunks: BodyChunk[] = [];
  let listed = 0;
  body.ranges.forEach(([start, end], i) => {
    const ts = body.times[i] ?? 0;
    let pos = start;
    for (const piece of captured(start, end)) {
      const chunk: BodyChunk = { bytes: piece.bytes, ts };
      if (piece.offset > pos) chunk.missing = piece.offset - pos;
      chunks.push(chunk);
      pos = piece.offset + piece.bytes.length;
    }
    if (pos < end) chunks.push({ bytes: new Uint8Array(0), ts, missing: end - pos });
    listed += end - start;
  });
  // DATA frames past HTTP2_LIMITS.maxBodyRanges are counted, not listed: their bytes are missing
  if (body.length > listed) chunks.push({ bytes: new Uint8Array(0), ts: body.times[body.times.length - 1] ?? 0, missing: body.length - listed });
  return chunks;
}

const fieldList = (fields: [string, string][]): HeaderList => fields;

/** The stream as gRPC's input, when its request says it is a gRPC call; else null. */
export function grpcInput(ex: Http2Exchange, captured: Record<'c2s' | 's2c', (start: number, end: number) => CapturedPiece[]>): GrpcExchangeInput | null {
  // content-type is a regular field: every HTTP/2 stream is asked before its pseudo-fields are joined
  if (!ex.request || !isGrpcExchange(ex.request.headers)) return null;
  const requestHeaders = fieldList(requestFields(ex.request));
  const input: GrpcExchangeInput = {
    requestHeaders,
    requestBody: bodyChunks(ex.request.body, captured.c2s),
    responseBody: ex.response ? bodyChunks(ex.response.body, captured.s2c) : [],
  };
  if (ex.response) {
    input.responseHeaders = fieldList(responseFields(ex.response));
    if (ex.response.trailers.length) input.trailers = fieldList(ex.response.trailers);
  }
  return input;
}

/** What the detail keeps of a call read when the exchange was built; times after `reqStartedTs` (ns since the session began). */
export function storedGrpc(call: GrpcCall, reqStartedTs: number): StoredGrpc {
  const since = (ts: number) => Math.round(ts - reqStartedTs);
  return {
    kind: call.kind,
    counts: [call.requests.messageCount, call.responses.messageCount],
    times: [call.requests.messages.map((m) => since(m.ts)), call.responses.messages.map((m) => since(m.ts))],
  };
}

/**
 * A built HTTP/2 row with its gRPC call, if it is one: the columns set and the call's summary
 * added to the detail. `baseNs` is the wall-clock time of ts 0.
 */
export function withGrpcCall<B extends { row: ExchangeFields & { detail: unknown } }>(
  built: B,
  ex: Http2Exchange,
  captured: Record<'c2s' | 's2c', (start: number, end: number) => CapturedPiece[]>,
  baseNs: bigint,
): B {
  const input = grpcInput(ex, captured);
  const d = built.row.detail as ExchangeDetail;
  if (!input || d[0] !== 3) return built;
  // the build stores the call's shape; its contents are read again when it is loaded
  const call = readGrpcCall(input, { framingOnly: true });
  const [version, c2s, s2c, request, response, informational, protocolSwitch, errors, h2] = d;
  const detail: Http2Detail = [version, c2s, s2c, request, response, informational, protocolSwitch, errors, h2, storedGrpc(call, Number(built.row.reqStarted - baseNs))];
  return { ...built, row: { ...built.row, grpcService: call.service ?? null, grpcMethod: call.method ?? null, grpcStatus: call.status?.code ?? null, detail } };
}
