/**
 * What the HTTP/2 parser produces: one exchange per stream, shaped like Http1Exchange
 * (src/protocols/http1/types.ts) where HTTP/2 allows, and the connection's own facts. Nothing
 * holds payload bytes: header fields are decoded (small, every view needs them), bodies are the
 * stream ranges of DATA payloads (frame headers and padding excluded).
 */
import type { UnknownFieldReason } from '../hpack/types.js';
import type { BodyGap, ExchangeTiming, HeaderField, StreamRange } from '../http1/types.js';
import type { StreamDirection } from '../stream.js';

export type { BodyGap, ExchangeTiming, HeaderField, StreamRange };

/** A field the HPACK decoder could not know (the capture began mid-connection, or a header block was lost). */
export interface Http2UnknownField {
  /** Its position: the number of known fields (`headers`) that came before it. */
  at: number;
  /** Null unless it was a literal whose name alone was unknown. */
  value: string | null;
  reason: UnknownFieldReason;
}

export interface Http2Body {
  /** Data bytes so far (padding excluded), captured or not: the sum of all ranges, kept or omitted. */
  length: number;
  /** Stream ranges of the data bytes, one per DATA frame, in order. */
  ranges: StreamRange[];
  /**
   * When each range's DATA frame had wholly arrived (ns since the session began), one per
   * range: what a layer above needs to time what the body carries (gRPC messages).
   */
  times: number[];
  /** DATA frames past HTTP2_LIMITS.maxBodyRanges, counted in `length` but not listed. */
  omittedRanges: number;
  /** Parts of `ranges` that were moved but not captured. */
  gaps: BodyGap[];
}

interface Http2MessageBase {
  /** Regular header fields in the order sent (pseudo-header fields are their own properties). */
  headers: HeaderField[];
  /** Fields that could not be decoded; they were in the block but are not in `headers`. */
  unknownFields: Http2UnknownField[];
  /** Fields decoded but left out: the block decoded to more than HPACK_LIMITS.maxDecodedBytes. */
  omittedFields?: number;
  /** Stream offset of the first byte of its HEADERS frame (PUSH_PROMISE for a pushed request). */
  start: number;
  /** Stream offset just past the frame that ended its header block. */
  headEnd: number;
  /** Stream offset just past its last frame (END_STREAM, or the last one seen). */
  end: number;
  startTs: number;
  headEndTs: number;
  endTs: number;
  body: Http2Body;
  /** A second header block after the body (ending the stream). */
  trailers: HeaderField[];
  /** END_STREAM was seen: the sender finished it. */
  complete: boolean;
}

export interface Http2Request extends Http2MessageBase {
  kind: 'request';
  /** Pseudo-header fields; unset when absent or unknown. */
  method?: string;
  scheme?: string;
  authority?: string;
  path?: string;
  /** The request was the HTTP/1.1 request that upgraded the connection (h2c, RFC 7540 §3.2): offsets are of that message. */
  http1Upgrade?: true;
}

export interface Http2Response extends Http2MessageBase {
  kind: 'response';
  /** :status; unset when it could not be decoded. */
  status?: number;
}

export type Http2Message = Http2Request | Http2Response;

/** Which endpoint sent a frame. */
export type Http2Side = 'client' | 'server';

export interface Http2Reset {
  by: Http2Side;
  code: number;
  /** RFC 9113 §7 name ('CANCEL'), or the code in hex. */
  name: string;
  offset: number;
  ts: number;
}

export type Http2ErrorCode =
  | 'gap' // bytes missing where the parser needed them (a frame header, a header block)
  | 'no-frame-boundary' // joined mid-connection and no chain of frames was found
  | 'frame-too-large' // a frame longer than the peer's SETTINGS_MAX_FRAME_SIZE
  | 'invalid-frame' // a frame whose fields break RFC 9113 (a padding longer than the frame, ...)
  | 'protocol' // frames in an order RFC 9113 forbids (a CONTINUATION missing, a frame on a stream never opened)
  | 'compression' // a header block HPACK could not decode (the decoder's table is forgotten after it)
  | 'header-block-too-large' // a header block over HTTP2_LIMITS.maxHeaderBlockBytes, skipped
  | 'too-many-streams' // more open streams than HTTP2_LIMITS.maxOpenStreams
  | 'internal'; // a bug in the parser, caught so that push never throws

export interface Http2ParseError {
  dir: StreamDirection;
  /** Stream offset where it went wrong (the frame's first byte, or the first missing byte). */
  offset: number;
  code: Http2ErrorCode;
  message: string;
  /** Set when the rest of the direction could not be parsed. */
  directionLost?: true;
}

/** One stream: the request, what answered it, and how it ended. */
export interface Http2Exchange {
  /** Position on the connection, from 0, in the order streams were first seen. */
  index: number;
  streamId: number;
  request?: Http2Request;
  /** The final (non-1xx) response. */
  response?: Http2Response;
  /** 1xx responses before the final one (103 Early Hints, 100 Continue). */
  informational: Http2Response[];
  /** A server push: the stream its PUSH_PROMISE came on (the request is the promised one). */
  pushedOn?: number;
  /** The stream was reset (RST_STREAM). */
  reset?: Http2Reset;
  /** First seen without its request's HEADERS: it began before the recording did. */
  startedBeforeRecording?: true;
  /** Some of its header fields could not be decoded (see each message's unknownFields). */
  fieldsUnknown?: true;
  errors: Http2ParseError[];
  /** Request and final response both ended (END_STREAM), fully known, with no reset or error. */
  complete: boolean;
  timing: ExchangeTiming;
}

export interface Http2SettingsFrame {
  by: Http2Side;
  offset: number;
  ts: number;
  /** [name, value] in the order sent; an ACK has none. */
  values: [name: string, value: number][];
  ack: boolean;
}

export interface Http2Goaway {
  by: Http2Side;
  offset: number;
  ts: number;
  lastStreamId: number;
  code: number;
  name: string;
  /** Debug data, latin1, cut at HTTP2_LIMITS.maxGoawayDebugChars. */
  debug: string;
  debugLength: number;
}

/** How the connection's HTTP/2 began, as seen. */
export type Http2Start =
  | 'prior-knowledge' // c2s began with the client preface
  | 'upgrade' // after an HTTP/1.1 `Upgrade: h2c` and 101
  | 'midway'; // the recording began after the connection did

/** What is known of the connection as a whole. */
export interface Http2ConnectionFacts {
  start: Http2Start;
  /** Per direction: bytes skipped before the first frame boundary found (joining mid-connection). */
  skipped: Record<StreamDirection, number>;
  /** Per direction: it began mid-connection (no preface or SETTINGS first). */
  joinedMidway: Record<StreamDirection, boolean>;
  /** SETTINGS frames, both sides, in order (the first HTTP2_LIMITS.maxConnectionFrames). */
  settings: Http2SettingsFrame[];
  goaways: Http2Goaway[];
  /** SETTINGS and GOAWAY frames not kept. */
  omittedFrames: number;
  pings: Record<Http2Side, number>;
  /** Frames of unknown types, ignored (RFC 9113 §5.5). */
  unknownFrames: number;
  /** Frames on streams already closed (late WINDOW_UPDATE, RST_STREAM...), ignored. */
  framesOnClosedStreams: number;
  /** Streams handed out unfinished because more were open than HTTP2_LIMITS.maxOpenStreams. */
  droppedStreams: number;
  /** Errors of the connection (a lost direction) and of header blocks. */
  errors: Http2ParseError[];
}

/** How the HTTP/2 byte streams begin, when a caller knows. */
export interface Http2ConnectionOptions {
  /**
   * The connection was upgraded from HTTP/1.1 (`Upgrade: h2c`): that request is stream 1's
   * (RFC 7540 §3.2), and HTTP/2 starts at these offsets (Http1Exchange.protocolSwitch's).
   */
  upgrade?: { request: import('../http1/types.js').HttpRequest; c2sOffset: number; s2cOffset: number };
  /** The recording began after the connection did: search both directions for frame boundaries. */
  joinedMidway?: boolean;
}
