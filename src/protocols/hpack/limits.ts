/** How much one HPACK decoder may hold or produce, whatever the peer sends. */
export const HPACK_LIMITS = Object.freeze({
  /**
   * Dynamic-table bytes (RFC 7541 §4.1 entry sizes) kept. A peer may allow a larger table with
   * SETTINGS_HEADER_TABLE_SIZE; entries beyond this are dropped and fields using them come out
   * unknown ('dynamic-index-over-limit'), never wrong.
   */
  maxTableBytes: 64 * 1024,
  /** Largest integer accepted (2^32 - 1 is far above any sane index, length or size). */
  maxInteger: 0xffffffff,
  /** Name and value octets one block may decode to (a small block can reference big entries many times). */
  maxDecodedBytes: 1024 * 1024,
});

/** The table size in force before any size update (SETTINGS_HEADER_TABLE_SIZE's initial value, RFC 9113 §6.5.2). */
export const DEFAULT_TABLE_SIZE = 4096;

/** Bytes an entry counts beyond its name and value (RFC 7541 §4.1). */
export const ENTRY_OVERHEAD = 32;
