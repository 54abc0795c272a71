/** exchanges.flags (SPEC.md "Exchange flags"): set by reconstruct/, read by the filters and views. */
export const ExchangeFlag = {
  REQ_BODY_PARTIAL: 1 << 0, // request body bytes missing (truncated, zero-copy or lost)
  RESP_BODY_PARTIAL: 1 << 1,
  ZEROCOPY: 1 << 2, // some body bytes were sent with sendfile/splice and not captured
  NO_RESPONSE: 1 << 3,
  INCOMPLETE: 1 << 4, // request or response did not reach its end
  UPGRADE: 1 << 5, // the connection switched protocols after this exchange
  PARSE_ERROR: 1 << 6,
  NO_REQUEST: 1 << 7, // a response whose request was not captured
  LOST: 1 << 8, // bytes of it were lost (ring buffer full)
  TRUNCATED: 1 << 9, // body bytes cut at --max-payload
  DECRYPTED: 1 << 10, // read from TLS plaintext tinytap took at the library (https)
  N_PLUS_ONE: 1 << 11, // an HTTP exchange that ran one query shape N+ times, and those queries
  ONE_WAY: 1 << 12, // a message nobody asked for (pub/sub message, notification)
  DB_ERROR: 1 << 13, // a database call the server answered with an error
  FIELDS_UNKNOWN: 1 << 14, // HTTP/2 header fields the recording could not decode (HPACK entries from before it began)
  RESET: 1 << 15, // an HTTP/2 stream ended by RST_STREAM
} as const;
