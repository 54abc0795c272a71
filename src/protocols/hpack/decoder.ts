/**
 * An HPACK decoder (RFC 7541) for one direction of an HTTP/2 connection.
 *
 * Hand-written on purpose: the decoders on npm (hpack.js, hpack) are unmaintained and throw on an
 * index they do not know, and a recorder that starts after a connection did must decode a stream
 * whose dynamic table it never saw filled. This one marks what it cannot know (see
 * dynamic-table.ts) instead of failing or guessing, and never throws: a malformed block is
 * returned as an error, after which the table is forgotten and decoding goes on as if the
 * decoder had just joined (every later index to an older entry comes out unknown).
 */
import { DynamicTable, type TableLookup } from './dynamic-table.js';
import { HPACK_LIMITS } from './limits.js';
import { type Read, readInteger, readString } from './primitives.js';
import { FIRST_DYNAMIC_INDEX, STATIC_TABLE } from './static-table.js';
import type { HpackBlockResult, HpackDecoderOptions, HpackError, HpackField } from './types.js';

/** A field representation's name: a string, or unknown because its index was. */
type Name = { name: string | null; lookup?: { unknown: HpackField['unknown'] } };

export class HpackDecoder {
  private table: DynamicTable;
  private lostState = false;

  constructor(options: HpackDecoderOptions = {}) {
    this.table = new DynamicTable(options.joinedMidway === true, options.initialTableSize);
  }

  /** Decodes one whole header block (the fragments of a HEADERS or PUSH_PROMISE and its CONTINUATIONs, joined). */
  decode(block: Uint8Array): HpackBlockResult {
    const result: HpackBlockResult = { fields: [], omittedFields: 0 };
    try {
      const error = this.decodeInto(block, result);
      if (error) this.fail(result, error);
    } catch (e) {
      this.fail(result, { code: 'internal', at: 0, message: `decoder error: ${e instanceof Error ? e.message : String(e)}` });
    }
    return result;
  }

  /** The dynamic table as known, newest first (for tests and debugging). */
  get tableEntries(): ReadonlyArray<{ name: string | null; value: string }> {
    return this.table.contents.map(({ name, value }) => ({ name, value }));
  }

  /** The size (RFC 7541 §4.1) of the entries held. */
  get tableSize(): number {
    return this.table.size;
  }

  /** A malformed block made the decoder forget its table: later fields may come out unknown. */
  get stateLost(): boolean {
    return this.lostState;
  }

  /**
   * A header block went by that this decoder could not read (not captured, or over a limit): its
   * insertions are unknown, so the table is forgotten as after a malformed block.
   */
  forget(): void {
    this.table = new DynamicTable(true);
    this.lostState = true;
  }

  private fail(result: HpackBlockResult, error: HpackError): void {
    result.error = error;
    this.forget();
  }

  private decodeInto(block: Uint8Array, result: HpackBlockResult): HpackError | undefined {
    let at = 0;
    let decodedBytes = 0;
    let sawField = false;
    while (at < block.length) {
      const first = block[at];
      if ((first & 0xe0) === 0x20) {
        // dynamic table size update (§6.3): only at the start of a block (§4.2)
        if (sawField) return { code: 'invalid-size-update', at, message: 'table size update after a field' };
        const size = readInteger(block, at, 5);
        if ('error' in size) return size.error;
        this.table.resize(size.value);
        at = size.next;
        continue;
      }
      sawField = true;
      const read = (first & 0x80) !== 0 ? this.indexed(block, at) : this.literal(block, at);
      if ('error' in read) return read.error;
      at = read.next;
      const field = read.value;
      decodedBytes += (field.name?.length ?? 0) + (field.value?.length ?? 0);
      if (decodedBytes > HPACK_LIMITS.maxDecodedBytes) result.omittedFields++;
      else result.fields.push(field);
    }
    return undefined;
  }

  /** Indexed header field (§6.1). */
  private indexed(block: Uint8Array, at: number): Read<HpackField> {
    const index = readInteger(block, at, 7);
    if ('error' in index) return index;
    const entry = this.lookup(index.value);
    if (entry === null) return { error: invalidIndex(index.value, at) };
    if ('unknown' in entry) return { value: { name: null, value: null, unknown: entry.unknown }, next: index.next };
    if (entry.name === null) return { value: { name: null, value: entry.value, unknown: 'dynamic-index-before-recording' }, next: index.next };
    return { value: { name: entry.name, value: entry.value }, next: index.next };
  }

  /** Literal header field with incremental indexing (§6.2.1), without indexing (§6.2.2) or never indexed (§6.2.3). */
  private literal(block: Uint8Array, at: number): Read<HpackField> {
    const incremental = (block[at] & 0xc0) === 0x40;
    const name = this.literalName(block, at, incremental ? 6 : 4);
    if ('error' in name) return name;
    const value = readString(block, name.next);
    if ('error' in value) return value;
    const { name: fieldName, lookup } = name.value;
    if (incremental) this.table.insert(fieldName, value.value);
    const field: HpackField =
      fieldName === null ? { name: null, value: value.value, unknown: lookup?.unknown ?? 'dynamic-index-before-recording' } : { name: fieldName, value: value.value };
    return { value: field, next: value.next };
  }

  private literalName(block: Uint8Array, at: number, prefixBits: number): Read<Name> {
    const index = readInteger(block, at, prefixBits);
    if ('error' in index) return index;
    if (index.value === 0) {
      const name = readString(block, index.next);
      return 'error' in name ? name : { value: { name: name.value }, next: name.next };
    }
    const entry = this.lookup(index.value);
    if (entry === null) return { error: invalidIndex(index.value, at) };
    if ('unknown' in entry) return { value: { name: null, lookup: entry }, next: index.next };
    return { value: { name: entry.name }, next: index.next };
  }

  /** Index 1 to 61: the static table; from 62: the dynamic table, newest first (§2.3.3). */
  private lookup(index: number): TableLookup {
    if (index === 0) return null;
    if (index < FIRST_DYNAMIC_INDEX) {
      const [name, value] = STATIC_TABLE[index - 1];
      return { name, value, size: 0 };
    }
    return this.table.get(index - FIRST_DYNAMIC_INDEX);
  }
}

function invalidIndex(index: number, at: number): HpackError {
  return { code: 'invalid-index', at, message: `index ${index} is not in the table` };
}
