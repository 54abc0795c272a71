/**
 * gRPC over HTTP/2 (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md): what the
 * layer takes from the HTTP/2 parser (one stream as a GrpcExchangeInput) and what it gives (a
 * GrpcCall: one per RPC of any kind, with the messages of each direction).
 */

/** Header fields in the order they came; names lowercase as HTTP/2 requires. */
export type HeaderList = ReadonlyArray<readonly [name: string, value: string]>;

/** One DATA frame's payload (or a part of it) in stream order. */
export interface BodyChunk {
  bytes: Uint8Array;
  /** Time of the DATA frame (nanoseconds since the session started). */
  ts: number;
  /**
   * Bytes of the body that came just before `bytes` and were not captured. A gap at the end of
   * a body is a last chunk with no bytes.
   */
  missing?: number;
}

export interface GrpcExchangeInput {
  requestHeaders: HeaderList;
  /** Absent when no response headers were seen. */
  responseHeaders?: HeaderList;
  trailers?: HeaderList;
  requestBody: readonly BodyChunk[];
  responseBody: readonly BodyChunk[];
}

export type GrpcStatusName =
  | 'OK'
  | 'CANCELLED'
  | 'UNKNOWN'
  | 'INVALID_ARGUMENT'
  | 'DEADLINE_EXCEEDED'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'PERMISSION_DENIED'
  | 'RESOURCE_EXHAUSTED'
  | 'FAILED_PRECONDITION'
  | 'ABORTED'
  | 'OUT_OF_RANGE'
  | 'UNIMPLEMENTED'
  | 'INTERNAL'
  | 'UNAVAILABLE'
  | 'DATA_LOSS'
  | 'UNAUTHENTICATED';

export interface GrpcStatus {
  code: number;
  /** Absent for a code gRPC does not define. */
  name?: GrpcStatusName;
  /** grpc-message, percent-decoded. */
  message?: string;
  messageCut?: true;
  /**
   * Where it came from: the trailers; the response headers (a trailers-only response); or the
   * HTTP status, when a non-200 response carried no grpc-status (http-grpc-status-mapping.md).
   */
  source: 'trailers' | 'headers' | 'http-status';
}

export interface GrpcMessage {
  /** Stream offset of the 5-byte prefix in its direction's body. */
  offset: number;
  /** Time of the DATA frame holding the prefix's first byte, and of the one holding its last byte. */
  ts: number;
  endTs: number;
  /** The compressed flag of the prefix. */
  compressed: boolean;
  /** Payload length the prefix declares (compressed size when compressed). */
  length: number;
  /** Every byte of the message arrived (false: the body ended inside it). */
  complete: boolean;
  /** Some of its bytes were not captured. */
  gap?: true;
  /** The decoded payload, up to GRPC_LIMITS.keepMessageBytes (empty when the call's budget ran out). */
  bytes: Uint8Array;
  /** A compressed message's inflated length (of the part that arrived, when `cut`). */
  decodedLength?: number;
  /** `bytes` is shorter than the decoded payload. */
  cut?: true;
  /** Why the payload was not decoded (an unsupported encoding, a corrupt deflate stream...). */
  decodeError?: string;
}

export interface GrpcDirection {
  /** The first GRPC_LIMITS.keepMessages messages. */
  messages: GrpcMessage[];
  /** Messages seen, listed or not (an unfinished last one included). */
  messageCount: number;
  /** Body bytes moved, captured or not. */
  bodyBytes: number;
  /** The framing could not be followed from this offset on (a gap hid a length prefix). */
  lostAt?: number;
  /** grpc-encoding of this direction ('identity' when absent). */
  encoding: string;
}

export type GrpcCallKind = 'unary' | 'server-streaming' | 'client-streaming' | 'bidirectional';

export interface GrpcCall {
  /** `:path` as sent. */
  path: string;
  /** `package.Service` and `Method`, when :path has the form /Service/Method. */
  service?: string;
  method?: string;
  /** Content-type as sent, and its subtype: 'proto' for application/grpc and +proto, 'json', ... */
  contentType?: string;
  subtype?: string;
  /** grpc-accept-encoding of each side. */
  requestAcceptEncoding?: string[];
  responseAcceptEncoding?: string[];
  /** grpc-timeout as sent, and in milliseconds. */
  timeout?: string;
  timeoutMs?: number;
  /** :status of the response. */
  httpStatus?: number;
  status?: GrpcStatus;
  /** The response was its headers alone, the status in them (Trailers-Only). */
  trailersOnly?: true;
  /** From the schema when known, else from the number of messages each way. */
  kind: GrpcCallKind;
  kindSource: 'schema' | 'messages';
  requests: GrpcDirection;
  responses: GrpcDirection;
  /** Custom metadata of the request, headers and trailers of the response (reserved names left out). */
  requestMetadata: HeaderList;
  responseMetadata: HeaderList;
  trailerMetadata: HeaderList;
}
