/**
 * The dynamic table of HPACK (RFC 7541 §2.3.2, §4), as far as this decoder knows it.
 *
 * A decoder that joined mid-connection holds only the entries inserted since it started; the
 * peer's table may hold older ones behind them. Indices count newest-first (§2.3.3), so the
 * j-th newest entry is the same in both tables as long as we still hold it: an index we hold
 * is known exactly, one past what we hold is unknown (or, when nothing older can exist, invalid).
 *
 * Eviction drops the oldest entries until the table fits its size (§4.4). Ours evicts only when
 * the entries it holds ALONE exceed the size in force: the peer's table holds the same newest
 * entries plus maybe older ones, and evicts those older ones first. When the size in force is
 * not known (joined mid-connection, no size update seen) we assume 4096, the initial size:
 * - if the real size is smaller, the peer evicted entries we still hold; an encoder never refers
 *   to an entry it evicted, so what we hold in excess is never used, never shifts an index;
 * - if the real size is larger, we evict entries the peer still has; an index to them is past
 *   what we hold, so it comes out unknown.
 * Either way the assumption can only make fields unknown, never give a wrong value. The same
 * holds for an entry whose name is unknown: its size counts only its value (a lower bound), so
 * we evict no earlier than the peer did.
 */
import { DEFAULT_TABLE_SIZE, ENTRY_OVERHEAD, HPACK_LIMITS } from './limits.js';
import type { UnknownFieldReason } from './types.js';

export interface TableEntry {
  /** Null when the entry was inserted with a name we did not know. */
  name: string | null;
  value: string;
  /** Its size (§4.1); a lower bound when the name is unknown. */
  size: number;
}

/** What an index into the dynamic table gives. */
export type TableLookup = TableEntry | { unknown: UnknownFieldReason } | null;

export class DynamicTable {
  /** Oldest first: entry j (newest-first, from 0) is entries[entries.length - 1 - j]. */
  private entries: TableEntry[] = [];
  private bytes = 0;
  private sizeInForce = DEFAULT_TABLE_SIZE;
  /** The peer's table may hold entries older than ours, and why we do not have them; null: it holds exactly ours. */
  private olderUnknown: UnknownFieldReason | null;

  constructor(joinedMidway: boolean, initialSize = DEFAULT_TABLE_SIZE) {
    this.sizeInForce = initialSize;
    this.olderUnknown = joinedMidway ? 'dynamic-index-before-recording' : null;
  }

  /** The j-th newest entry (j from 0); null when the index cannot exist. */
  get(j: number): TableLookup {
    if (j < this.entries.length) return this.entries[this.entries.length - 1 - j];
    return this.olderUnknown === null ? null : { unknown: this.olderUnknown };
  }

  insert(name: string | null, value: string): void {
    const size = (name?.length ?? 0) + value.length + ENTRY_OVERHEAD;
    this.entries.push({ name, value, size });
    this.bytes += size;
    this.evict();
  }

  /** A dynamic table size update (§6.3). */
  resize(size: number): void {
    this.sizeInForce = size;
    this.evict();
  }

  /** Newest first, for tests and debugging. */
  get contents(): readonly TableEntry[] {
    return [...this.entries].reverse();
  }

  /** The sum of the held entries' sizes (§4.1). */
  get size(): number {
    return this.bytes;
  }

  private evict(): void {
    const capacity = Math.min(this.sizeInForce, HPACK_LIMITS.maxTableBytes);
    let dropped = 0;
    while (this.bytes > capacity && dropped < this.entries.length) this.bytes -= this.entries[dropped++].size;
    if (dropped === 0) return;
    this.entries = this.entries.slice(dropped);
    // dropped for our own limit, not the peer's size: the peer may still hold them
    if (this.sizeInForce > capacity) this.olderUnknown ??= 'dynamic-index-over-limit';
  }
}
