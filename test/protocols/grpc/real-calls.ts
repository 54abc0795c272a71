/** The captured corpus (testdata/protocols/grpc/real-calls.json) and the peers' log beside it. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BodyChunk, GrpcExchangeInput } from '../../../src/protocols/grpc/types.js';
import { buildSchema, isSchemaFailure, readProtoDir, type ProtoSchema } from '../../../src/protocols/protobuf/index.js';

export const GRPC_TESTDATA = fileURLToPath(new URL('../../../testdata/protocols/grpc/', import.meta.url));
export const PROTO_DIR = `${GRPC_TESTDATA}protos`;

/** The schema of protos/, which the peers use. */
export function loadSchema(): ProtoSchema {
  const sources = readProtoDir(PROTO_DIR);
  if (isSchemaFailure(sources)) throw new Error(sources.reason);
  const schema = buildSchema(sources);
  if (isSchemaFailure(schema)) throw new Error(schema.reason);
  return schema;
}

interface StoredExchange {
  connection: number;
  stream: number;
  requestHeaders: [string, string][];
  responseHeaders?: [string, string][];
  trailers?: [string, string][];
  requestBody: { hex: string; ts: number }[];
  responseBody: { hex: string; ts: number }[];
}

export interface PeerLogEntry {
  call: string;
  side?: 'server' | 'client';
  message?: Record<string, unknown>;
  status?: { code: number; details?: string };
}

/** One captured call with what the peers logged about it. */
export interface RealCall {
  name: string;
  input: GrpcExchangeInput;
  /** Messages the server received (the requests) and the client received (the responses). */
  requests: Record<string, unknown>[];
  responses: Record<string, unknown>[];
  status: { code: number; details?: string };
}

/**
 * protobufjs (under grpc-js) gives the keys of a map with 64-bit integer keys as its internal
 * 8-character hash of the number (LongBits.toHash: the little-endian bytes as chars), not as
 * decimal; this reads such a key back as the decimal the sender wrote.
 */
function longHashKeys(map: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(map).map(([key, value]) => [key.length === 8 ? Buffer.from(key, 'latin1').readBigUInt64LE().toString() : key, value]));
}

function peerMessage(call: string, message: Record<string, unknown>): Record<string, unknown> {
  return call === 'RecordStock' && message.totals ? { ...message, totals: longHashKeys(message.totals as Record<string, unknown>) } : message;
}

const body = (chunks: StoredExchange['requestBody']): BodyChunk[] => chunks.map((c) => ({ bytes: Buffer.from(c.hex, 'hex'), ts: c.ts }));

/** What the peers logged, call by call (each call's entries end with its status). */
export type LoggedCall = Omit<RealCall, 'input'>;

export function callsOfLog(peerLog: PeerLogEntry[]): LoggedCall[] {
  const segments: PeerLogEntry[][] = [[]];
  for (const entry of peerLog) {
    segments[segments.length - 1].push(entry);
    if (entry.status) segments.push([]);
  }
  return segments
    .filter((log) => log.length > 0)
    .map((log) => ({
      name: log[log.length - 1].call,
      requests: log.filter((e) => e.side === 'server').map((e) => e.message!),
      responses: log.filter((e) => e.side === 'client').map((e) => peerMessage(e.call, e.message!)),
      status: log[log.length - 1].status!,
    }));
}

export function loadRealCalls(): RealCall[] {
  const stored = JSON.parse(readFileSync(`${GRPC_TESTDATA}real-calls.json`, 'utf8')) as { exchanges: StoredExchange[]; peerLog: PeerLogEntry[] };
  // the peers made one call at a time, so the calls in time order meet the log's calls in order
  const exchanges = [...stored.exchanges].sort((a, b) => a.requestBody[0].ts - b.requestBody[0].ts);
  const logged = callsOfLog(stored.peerLog);
  return exchanges.map((exchange, i) => {
    const input: GrpcExchangeInput = {
      requestHeaders: exchange.requestHeaders,
      requestBody: body(exchange.requestBody),
      responseBody: body(exchange.responseBody),
    };
    if (exchange.responseHeaders) input.responseHeaders = exchange.responseHeaders;
    if (exchange.trailers) input.trailers = exchange.trailers;
    return { ...logged[i], input };
  });
}
