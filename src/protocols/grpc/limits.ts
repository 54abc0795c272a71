/** How much of a gRPC call is kept. Every cut is reported on the call (`cut`, counts, lengths). */
export const GRPC_LIMITS = Object.freeze({
  /** Decoded bytes kept of one message (its real length is reported). */
  keepMessageBytes: 64 * 1024,
  /** Decoded bytes kept of all the messages of one call; later messages keep none. */
  keepCallBytes: 1024 * 1024,
  /** Messages listed per direction; the rest are counted. */
  keepMessages: 1000,
  /** Compressed bytes of one message kept for inflating; a longer one is inflated from its start. */
  keepCompressedBytes: 1024 * 1024,
  /**
   * A compressed message inflating to more than this is not decoded: inflating it whole is the
   * only way to know its real length, and this bounds what that costs (a deflate stream can
   * grow a thousandfold).
   */
  maxInflatedBytes: 16 * 1024 * 1024,
  /** Characters of grpc-message kept. */
  keepStatusMessageChars: 4096,
});
