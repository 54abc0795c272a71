/** How much one HTTP/2 connection may make the parser hold, whatever the streams carry. */
export const HTTP2_LIMITS = Object.freeze({
  /** A header block (HEADERS or PUSH_PROMISE and its CONTINUATIONs) larger than this is skipped, not decoded (the stream says so). */
  maxHeaderBlockBytes: 256 * 1024,
  /** Streams open at once; beyond this the oldest is handed out unfinished ('too-many-streams'). */
  maxOpenStreams: 4096,
  /** Closed stream ids remembered, so that late frames on them (WINDOW_UPDATE, RST_STREAM) make no new exchange. */
  closedStreamsRemembered: 4096,
  /** Bytes searched for a frame boundary when joining mid-connection before the direction is given up. */
  maxSyncSearchBytes: 1024 * 1024,
  /**
   * Server bytes held back while the client's direction, joined mid-connection, has not found
   * its first frame: past this they are parsed anyway (the requests then come after their
   * responses were handed out, and those exchanges lack them).
   */
  maxHeldWhileSyncing: 1024 * 1024,
  /** Plausible frame headers in a row that a mid-connection boundary must start (unless the stream ends first). */
  syncChainFrames: 3,
  /** Ranges kept per body (one per DATA frame); beyond this they are counted, and the length stays true. */
  maxBodyRanges: 65536,
  /** Characters of a GOAWAY's debug data kept. */
  maxGoawayDebugChars: 1024,
  /** SETTINGS and GOAWAY frames kept in the connection facts (the rest are counted). */
  maxConnectionFrames: 64,
});
