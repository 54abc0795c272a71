/** How much of a protobuf message the decoders look at and show. */
export const PROTOBUF_LIMITS = Object.freeze({
  /**
   * Nested messages a tree goes down (protoc's default recursion limit is 100; 32 is deeper than
   * real schemas nest and keeps a crafted message from costing depth × size work). Deeper
   * length-delimited values are shown as bytes with `depthCut`.
   */
  maxDepth: 32,
  /** Fields a tree holds in all; the rest of each message is counted in `omittedFields`. */
  maxFields: 4096,
  /** Bytes of one string or bytes value shown (its real length is kept in `length`). */
  keepValueBytes: 1024,
  /** Numbers read from one packed value (the rest is counted). */
  maxPackedNumbers: 256,
});
