/**
 * Huffman decoding of HPACK string literals (RFC 7541 §5.2). The code is walked bit by bit down a
 * tree built once from the table: headers are small, and a walk has no table of partial codes to
 * get wrong.
 */
import { HUFFMAN_CODES, HUFFMAN_EOS } from './huffman-table.js';

/** Node n's children are tree[2n] (bit 0) and tree[2n + 1] (bit 1): > 0 a node, < 0 a leaf -(symbol + 1), 0 none. */
const tree = buildTree();

function buildTree(): Int32Array {
  const nodes = new Int32Array(2 * 2 * HUFFMAN_CODES.length);
  let count = 1; // node 0 is the root
  HUFFMAN_CODES.forEach(([code, bits], symbol) => {
    let node = 0;
    for (let b = bits - 1; b > 0; b--) {
      const slot = 2 * node + ((code >>> b) & 1);
      if (nodes[slot] === 0) nodes[slot] = count++;
      node = nodes[slot];
    }
    nodes[2 * node + (code & 1)] = -(symbol + 1);
  });
  return nodes;
}

/**
 * The bytes `encoded` stands for, as a latin1 string; null when it is not a valid Huffman string:
 * it holds EOS, or its padding is longer than 7 bits or not the most significant bits of EOS (all ones).
 */
export function decodeHuffman(encoded: Uint8Array): string | null {
  const out: number[] = [];
  let node = 0;
  /** Bits read since the last symbol, and whether they were all ones. */
  let pending = 0;
  let allOnes = true;
  for (const byte of encoded) {
    for (let b = 7; b >= 0; b--) {
      const bit = (byte >>> b) & 1;
      const next = tree[2 * node + bit];
      pending++;
      allOnes &&= bit === 1;
      if (next < 0) {
        const symbol = -next - 1;
        if (symbol === HUFFMAN_EOS) return null;
        out.push(symbol);
        node = 0;
        pending = 0;
        allOnes = true;
      } else if (next === 0) {
        return null;
      } else {
        node = next;
      }
    }
  }
  if (pending > 7 || !allOnes) return null;
  return Buffer.from(out).toString('latin1');
}
