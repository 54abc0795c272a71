/** How much one PostgreSQL connection may hold in memory, whatever the streams carry. */
export interface PostgresLimits {
  /**
   * Body bytes held for one message: a longer message (a 100 MB bytea in a DataRow or Bind) is
   * skipped through by its length, and its fields past this prefix are reported cut.
   */
  maxHeldBytes: number;
  /**
   * Longest message length believed. The server's own limit is 1 GiB (PQ_LARGE_MESSAGE_LIMIT);
   * a longer length means the bytes are not PostgreSQL (or framing was lost).
   */
  maxMessageBytes: number;
  /** Named prepared statements and portals remembered per connection (oldest forgotten first). */
  maxStatements: number;
  /**
   * Calls waiting for their reply or for the end of their request. Past this (a capture of the
   * client side only, a server that never answers) the oldest are handed out unanswered.
   */
  maxCallsInFlight: number;
}

export const DEFAULT_POSTGRES_LIMITS: Readonly<PostgresLimits> = Object.freeze({
  maxHeldBytes: 16 * 1024 * 1024,
  maxMessageBytes: 1024 * 1024 * 1024,
  maxStatements: 512,
  maxCallsInFlight: 4096,
});
