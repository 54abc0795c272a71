/** HPACK's integer and string representations (RFC 7541 §5.1, §5.2), read from a header block. */
import { decodeHuffman } from './huffman.js';
import { HPACK_LIMITS } from './limits.js';
import type { HpackError } from './types.js';

/** A value and the position just past it, or the error that stopped the read. */
export type Read<T> = { value: T; next: number } | { error: HpackError };

/** The integer whose first octet is block[at], with an N-bit prefix (§5.1). */
export function readInteger(block: Uint8Array, at: number, prefixBits: number): Read<number> {
  const max = (1 << prefixBits) - 1;
  let value = block[at] & max;
  let next = at + 1;
  if (value < max) return { value, next };
  for (let shift = 0; ; shift += 7) {
    if (next >= block.length) return { error: { code: 'invalid-integer', at, message: 'integer runs past the end of the block' } };
    const byte = block[next++];
    value += (byte & 0x7f) * 2 ** shift;
    if (value > HPACK_LIMITS.maxInteger) return { error: { code: 'invalid-integer', at, message: `integer above ${HPACK_LIMITS.maxInteger}` } };
    if ((byte & 0x80) === 0) return { value, next };
  }
}

/** The string literal at block[at] (§5.2): its octets as a latin1 string, Huffman-decoded if it says so. */
export function readString(block: Uint8Array, at: number): Read<string> {
  if (at >= block.length) return { error: { code: 'invalid-string', at, message: 'string expected at the end of the block' } };
  const huffman = (block[at] & 0x80) !== 0;
  const length = readInteger(block, at, 7);
  if ('error' in length) return length;
  const end = length.next + length.value;
  if (end > block.length) return { error: { code: 'invalid-string', at, message: `string of ${length.value} octets runs past the end of the block` } };
  const octets = block.subarray(length.next, end);
  if (!huffman) return { value: Buffer.from(octets.buffer, octets.byteOffset, octets.length).toString('latin1'), next: end };
  const value = decodeHuffman(octets);
  if (value === null) return { error: { code: 'invalid-huffman', at, message: 'invalid Huffman string (EOS inside, or bad padding)' } };
  return { value, next: end };
}
