/** How much of a WebSocket connection the parser holds and keeps. */
export const WEBSOCKET_LIMITS = Object.freeze({
  /** Payload bytes kept of one message (DevTools shows about as much of a frame). */
  keepMessageBytes: 64 * 1024,
  /** Payload bytes kept of all the messages of a connection; later ones are cut ('connection-budget'). */
  keepConnectionBytes: 16 * 1024 * 1024,
  /**
   * Compressed bytes of one message held until its final frame (it is inflated whole, see
   * inflate.ts); beyond this it is not decoded, and the direction's window is lost.
   */
  maxCompressedBytes: 16 * 1024 * 1024,
  /** Bytes one message may inflate to; beyond this it is a zip bomb ('inflate-too-large'). */
  maxInflatedBytes: 64 * 1024 * 1024,
  /** Control frame payloads are at most 125 bytes (RFC 6455 §5.5). */
  maxControlPayload: 125,
});
