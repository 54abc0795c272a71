/**
 * How much of one packet the parser holds: the protocol allows 1 GiB payloads (max_allowed_packet),
 * but nothing shown needs more than the first 16 MiB (values are cut at DB_TEXT_LIMIT); the rest
 * of a bigger packet is skipped through, its length still known.
 */
export const DEFAULT_MYSQL_MAX_HELD_BYTES = 16 * 1024 * 1024;
