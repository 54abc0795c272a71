/** One HTTP/2 stream of a gRPC call → a GrpcCall: its headers read, its messages framed. */
import { customMetadata, grpcSubtype, header, serviceAndMethod, statusMessage, timeoutMs, tokenList } from './headers.js';
import { GRPC_LIMITS } from './limits.js';
import { readDirection, type CallBudget } from './messages.js';
import { statusFromHttp, statusName } from './status.js';
import type { GrpcCall, GrpcCallKind, GrpcExchangeInput, GrpcStatus, HeaderList } from './types.js';

/** A stream is a gRPC call when its request says so in its content-type. */
export function isGrpcExchange(requestHeaders: HeaderList): boolean {
  return grpcSubtype(header(requestHeaders, 'content-type')) !== undefined;
}

export interface CallOptions {
  /** Whether the method streams each way, from its schema (schema.ts findMethod). */
  streaming?: { requestStream: boolean; responseStream: boolean };
  /**
   * Frame the messages but keep and inflate none of their payloads (each is `cut`, its bytes
   * empty): for a reader that wants the call's shape (counts, times, status), not its contents.
   */
  framingOnly?: boolean;
}

export function readGrpcCall(input: GrpcExchangeInput, options: CallOptions = {}): GrpcCall {
  const path = header(input.requestHeaders, ':path') ?? '';
  const budget: CallBudget = { bytes: options.framingOnly ? 0 : GRPC_LIMITS.keepCallBytes };
  const requests = readDirection(input.requestBody, header(input.requestHeaders, 'grpc-encoding') ?? 'identity', budget);
  const responses = readDirection(input.responseBody, header(input.responseHeaders, 'grpc-encoding') ?? 'identity', budget);
  const call: GrpcCall = {
    path,
    kind: 'unary',
    kindSource: 'messages',
    requests,
    responses,
    requestMetadata: customMetadata(input.requestHeaders),
    responseMetadata: customMetadata(input.responseHeaders),
    trailerMetadata: customMetadata(input.trailers),
  };
  Object.assign(call, serviceAndMethod(path));
  const contentType = header(input.requestHeaders, 'content-type');
  if (contentType !== undefined) call.contentType = contentType;
  const subtype = grpcSubtype(contentType);
  if (subtype !== undefined) call.subtype = subtype;
  const requestAccept = tokenList(header(input.requestHeaders, 'grpc-accept-encoding'));
  if (requestAccept) call.requestAcceptEncoding = requestAccept;
  const responseAccept = tokenList(header(input.responseHeaders, 'grpc-accept-encoding'));
  if (responseAccept) call.responseAcceptEncoding = responseAccept;
  const timeout = header(input.requestHeaders, 'grpc-timeout');
  if (timeout !== undefined) {
    call.timeout = timeout;
    const ms = timeoutMs(timeout);
    if (ms !== undefined) call.timeoutMs = ms;
  }
  const httpStatus = Number(header(input.responseHeaders, ':status'));
  if (Number.isInteger(httpStatus) && httpStatus > 0) call.httpStatus = httpStatus;
  const status = callStatus(input, call.httpStatus);
  if (status) call.status = status;
  if (status?.source === 'headers' && !input.trailers) call.trailersOnly = true;
  if (options.streaming) {
    call.kind = kindOf(options.streaming.requestStream, options.streaming.responseStream);
    call.kindSource = 'schema';
  } else {
    call.kind = kindOf(requests.messageCount > 1, responses.messageCount > 1);
  }
  return call;
}

function kindOf(requestStream: boolean, responseStream: boolean): GrpcCallKind {
  if (requestStream) return responseStream ? 'bidirectional' : 'client-streaming';
  return responseStream ? 'server-streaming' : 'unary';
}

/**
 * grpc-status from the trailers; from the response headers when the response was Trailers-Only
 * (the status is in its only HEADERS frame); from :status when neither has one.
 */
function callStatus(input: GrpcExchangeInput, httpStatus: number | undefined): GrpcStatus | undefined {
  for (const [fields, source] of [
    [input.trailers, 'trailers'],
    [input.responseHeaders, 'headers'],
  ] as const) {
    const code = header(fields, 'grpc-status');
    if (code === undefined) continue;
    const parsed = /^\d{1,10}$/.test(code.trim()) ? Number(code.trim()) : 2; // unparseable: UNKNOWN
    const status: GrpcStatus = { code: parsed, source };
    const name = statusName(parsed);
    if (name) status.name = name;
    const message = header(fields, 'grpc-message');
    if (message !== undefined) Object.assign(status, statusMessage(message));
    return status;
  }
  if (httpStatus !== undefined && httpStatus !== 200) {
    const code = statusFromHttp(httpStatus);
    return { code, name: statusName(code), source: 'http-status' };
  }
  return undefined;
}
