/**
 * A gRPC exchange's call, read again when it is loaded: from the heads the detail keeps and the
 * body bytes the loader re-read from the capture (exchange-loader.ts), with each message's time
 * from what the build stored (reconstruct/grpc-call-row.ts StoredGrpc): the re-read bodies are
 * one run of bytes each and no longer say which DATA frame brought what. Pure.
 */
import type { Body, Exchange, GrpcFacts, HeaderField, LoadedGrpcDirection } from '../model/exchange.js';
import { readGrpcCall } from '../protocols/grpc/index.js';
import type { BodyChunk, GrpcDirection, GrpcExchangeInput, HeaderList } from '../protocols/grpc/types.js';
import type { StoredGrpc } from '../reconstruct/grpc-call-row.js';

const fieldList = (headers: HeaderField[]): HeaderList => headers.map((h) => [h.name, h.value] as const);

/** The captured bytes, then what was not captured (the framing loses its place there). */
function bodyChunks(body: Body): BodyChunk[] {
  // ts: the re-read bytes are untimed; the messages are timed from the stored times below
  const chunks: BodyChunk[] = [{ bytes: body.captured, ts: 0 }];
  if (body.size > body.captured.length) chunks.push({ bytes: new Uint8Array(0), ts: 0, missing: body.size - body.captured.length });
  return chunks;
}

function timed(direction: GrpcDirection, times: number[], startedNs: bigint): LoadedGrpcDirection {
  return {
    ...direction,
    messages: direction.messages.map(({ ts: _ts, endTs: _endTs, ...message }, i) => ({ ...message, ns: i < times.length ? startedNs + BigInt(times[i]) : null })),
  };
}

export function grpcFacts(ex: Exchange, stored: StoredGrpc): GrpcFacts {
  const input: GrpcExchangeInput = {
    requestHeaders: fieldList(ex.request.headers),
    requestBody: bodyChunks(ex.request.body),
    responseBody: ex.response ? bodyChunks(ex.response.body) : [],
  };
  if (ex.response) {
    input.responseHeaders = fieldList(ex.response.headers);
    if (ex.response.trailers.length) input.trailers = fieldList(ex.response.trailers);
  }
  const call = readGrpcCall(input);
  return {
    ...call,
    requests: timed(call.requests, stored.times[0], ex.request.startedNs),
    responses: timed(call.responses, stored.times[1], ex.request.startedNs),
  };
}
