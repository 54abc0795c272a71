/** What the HPACK decoder gives: header fields, some of which a decoder that joined late cannot know. */

/**
 * Why a field (or its name) is not known:
 * - 'dynamic-index-before-recording': it refers to a dynamic-table entry inserted before the
 *   decoder started (the capture began mid-connection, or the decoder's state was lost);
 * - 'dynamic-index-over-limit': it refers to an entry this decoder dropped to stay within
 *   HPACK_LIMITS.maxTableBytes while the peer's larger table still holds it.
 */
export type UnknownFieldReason = 'dynamic-index-before-recording' | 'dynamic-index-over-limit';

/** A decoded field. Names and values are latin1 strings (one char per octet), so no byte is lost. */
export type HpackField =
  | { name: string; value: string; unknown?: undefined }
  /** Nothing is guessed: an unknown name or value is null. A literal with an unknown indexed name keeps its value. */
  | { name: string | null; value: string | null; unknown: UnknownFieldReason };

/** Why a header block could not be decoded (a COMPRESSION_ERROR, RFC 9113 §4.3). */
export type HpackErrorCode =
  | 'invalid-integer' // an integer that runs past the block or past HPACK_LIMITS.maxInteger
  | 'invalid-string' // a string that runs past the block
  | 'invalid-huffman' // a Huffman string holding EOS or badly padded
  | 'invalid-index' // index 0, or past the end of a table the decoder fully knows
  | 'invalid-size-update' // a size update after a field, or above the size the decoder allowed
  | 'internal'; // a bug in the decoder, caught so that decode never throws

export interface HpackError {
  code: HpackErrorCode;
  /** Byte position in the block where it went wrong. */
  at: number;
  message: string;
}

export interface HpackBlockResult {
  /** The fields in order, as many as HPACK_LIMITS.maxDecodedBytes allowed. */
  fields: HpackField[];
  /** Fields decoded (their table effects applied) but left out of `fields`: the block decoded to more than the limit. */
  omittedFields: number;
  /** Set when the block was malformed: the fields before the error are kept, and the table is forgotten. */
  error?: HpackError;
}

export interface HpackDecoderOptions {
  /**
   * The decoder starts after the connection did (the capture began mid-connection): earlier
   * insertions into the dynamic table were missed, and fields that use them come out unknown.
   */
  joinedMidway?: boolean;
  /**
   * The table size in force before any size update: SETTINGS_HEADER_TABLE_SIZE as the decoding
   * side advertised it (4096 unless it said otherwise). HTTP/2 peers that lower it also send a
   * size update, so a connection parser can leave it at its default.
   */
  initialTableSize?: number;
}
