/**
 * What the HTTP/1.x parser produces. Nothing here holds payload bytes: heads are decoded (they
 * are small and every view needs them), bodies are described by stream offsets, and the caller
 * rebuilds them from the stored raw bytes.
 */
import type { GapReason, StreamDirection } from '../stream.js';

/** One header (or trailer) field as sent: original case, value latin1-decoded so no byte is lost. */
export type HeaderField = [name: string, value: string];

/** How a body's end is found (RFC 9112 §6.3). */
export type BodyFraming = 'none' | 'length' | 'chunked' | 'close';

/** A [start, end) range of stream offsets in the message's direction. */
export type StreamRange = [start: number, end: number];

/** Body bytes that were moved but not captured. */
export interface BodyGap {
  /** Stream offset of the first missing byte. */
  start: number;
  /** Stream offset just past the last missing byte. */
  end: number;
  /** Why they are missing (truncated capture, zero-copy send, lost records). */
  reason: GapReason;
}

export interface HttpBody {
  /** How the end of the body was found; 'none' with complete false when it could not be decided (see the error). */
  framing: BodyFraming;
  /** The Content-Length value, when framing is 'length'. */
  declaredLength?: number;
  /** Decoded body length so far (chunk framing excluded), captured or not: the sum of `ranges`. */
  length: number;
  /** Stream ranges holding the body's data bytes, in order; one per chunk when chunked. */
  ranges: StreamRange[];
  /** Parts of `ranges` that were not captured; a body with gaps has its true length but not all of its bytes. */
  gaps: BodyGap[];
  /** Trailer fields of a chunked body, in order. */
  trailers: HeaderField[];
  /** The framing reached its end: every body byte was moved (captured or not). */
  complete: boolean;
}

interface HttpMessageBase {
  /** 'HTTP/1.1' or 'HTTP/1.0', as written. */
  version: string;
  /** Header fields in the order sent; an obs-fold is joined into its field with one space. */
  headers: HeaderField[];
  /** Stream offset of the message's first byte (blank lines before a message are skipped). */
  start: number;
  /** Stream offset just past the blank line that ends the head. */
  headEnd: number;
  /** Stream offset just past the message's last byte (the last byte parsed, if incomplete). */
  end: number;
  /** ts of the segment holding the message's first byte. */
  startTs: number;
  /** ts of the segment holding the last byte of the head. */
  headEndTs: number;
  /** ts of the segment holding the message's last byte. */
  endTs: number;
  /** The sender keeps the connection open after it (HTTP/1.1 unless `close`; HTTP/1.0 only with `keep-alive`). */
  keepAlive: boolean;
  /** Where the body is and how it was framed. */
  body: HttpBody;
  /** The message was parsed to its end; false if the stream ended or an error cut it short. */
  complete: boolean;
}

export interface HttpRequest extends HttpMessageBase {
  kind: 'request';
  /** Request method as sent (case-sensitive, RFC 9110 §9.1). */
  method: string;
  /** Request target as sent: origin-form, absolute-form, authority-form (CONNECT) or '*'. */
  target: string;
}

export interface HttpResponse extends HttpMessageBase {
  kind: 'response';
  /** Three-digit status code. */
  status: number;
  /** Reason phrase as sent, possibly empty. */
  reason: string;
}

export type HttpMessage = HttpRequest | HttpResponse;

/** Why a direction could not be parsed further. */
export type Http1ErrorCode =
  | 'invalid-start-line' // request line or status line is not HTTP/1.x syntax
  | 'unsupported-version' // syntactically a start line, but not HTTP/1.x
  | 'invalid-header' // a field line that is not `name: value`
  | 'head-too-large' // no end of head within the limit
  | 'incomplete-head' // the stream ended inside a head
  | 'invalid-content-length' // not a number, or several different ones
  | 'invalid-transfer-encoding' // a request whose last coding is not chunked
  | 'invalid-chunk' // a malformed chunk-size line or chunk terminator
  | 'gap' // bytes missing where the parser needed them (head, chunk framing)
  | 'internal'; // a bug in the parser, caught so that push never throws

/** The point where a direction stopped being parsed; its remaining bytes are raw. */
export interface Http1ParseError {
  /** The direction that could not be parsed. */
  dir: StreamDirection;
  /** Stream offset of the byte where it went wrong (the first missing byte for a gap). */
  offset: number;
  /** Machine-readable kind of the problem. */
  code: Http1ErrorCode;
  /** One line for humans. */
  message: string;
}

/** The connection stopped speaking HTTP/1.x after this exchange (101 or a successful CONNECT). */
export interface ProtocolSwitch {
  /** 'connect', or the Upgrade token lowercased without its version ('websocket', 'h2c'). */
  protocol: string;
  /** c2s stream offset where the opaque stream begins (the end of the request); unset if the request never ended. */
  c2sOffset?: number;
  /** s2c stream offset where the opaque stream begins (the end of the response head). */
  s2cOffset: number;
}

/** Timestamps of an exchange (ns since session start), unset when the message is missing. */
export interface ExchangeTiming {
  /** ts of the request's first byte. */
  requestStart?: number;
  /** ts of the request's last byte. */
  requestEnd?: number;
  /** ts of the final response's first byte (informational responses have their own). */
  responseStart?: number;
  /** ts of the final response's last byte. */
  responseEnd?: number;
}

/** One request and what answered it: the model every view and exporter consumes. */
export interface Http1Exchange {
  /** Position of this exchange in its connection, from 0. */
  index: number;
  /** Missing when a response came without a request we could parse (capture began mid-connection). */
  request?: HttpRequest;
  /** The final (non-1xx, or 101) response; missing if the server never answered or the capture ended. */
  response?: HttpResponse;
  /** 1xx responses before the final one (100 Continue, 103 Early Hints). */
  informational: HttpResponse[];
  /** Set when this exchange switched the connection to another protocol. */
  protocolSwitch?: ProtocolSwitch;
  /** Parse errors that ended a direction at this exchange. */
  errors: Http1ParseError[];
  /** Request and final response were both parsed to their ends, with no error. */
  complete: boolean;
  /** When its bytes were seen. */
  timing: ExchangeTiming;
}

/** Bounds that keep memory finite whatever the stream holds. */
export interface Http1Limits {
  /** Largest head (start line and fields, or a trailer section) accepted; beyond it the direction fails. */
  maxHeadBytes: number;
  /** Longest chunk-size line accepted, extensions included. */
  maxChunkLineBytes: number;
  /** Bytes held while a request waits to learn whether its Upgrade/CONNECT succeeded; beyond this, parsing resumes. */
  maxPausedBytes: number;
}
