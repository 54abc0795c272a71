/**
 * A frame header (RFC 6455 §5.2): 2 bytes, then 2 or 8 bytes of extended length, then the 4-byte
 * masking key if MASK is set. Read in two steps because the first two bytes say how long it is.
 */

/** The longest header: 2 + 8 (64-bit length) + 4 (masking key). */
export const MAX_HEADER_BYTES = 14;

export const OPCODE = Object.freeze({ continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 });

export interface FrameHeader {
  fin: boolean;
  /** RSV1..3 as bits 0b100, 0b010, 0b001. */
  rsv: number;
  opcode: number;
  /** The masking key, when MASK is set. */
  mask?: Uint8Array;
  payloadLength: number;
  /** Bytes the header took. */
  headerLength: number;
}

/** Header bytes needed, known from its first two. */
export function headerLength(byte1: number): number {
  const len7 = byte1 & 0x7f;
  return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (byte1 & 0x80 ? 4 : 0);
}

/**
 * The header in `bytes` (at least headerLength(bytes[1]) of them), or null when its 64-bit length
 * has the top bit set (§5.2 forbids it) or does not fit a JavaScript number exactly.
 */
export function decodeHeader(bytes: Uint8Array): FrameHeader | null {
  const byte0 = bytes[0];
  const byte1 = bytes[1];
  const len7 = byte1 & 0x7f;
  let at = 2;
  let payloadLength = len7;
  if (len7 === 126) {
    payloadLength = (bytes[2] << 8) | bytes[3];
    at = 4;
  } else if (len7 === 127) {
    const high = ((bytes[2] << 24) | (bytes[3] << 16) | (bytes[4] << 8) | bytes[5]) >>> 0;
    const low = ((bytes[6] << 24) | (bytes[7] << 16) | (bytes[8] << 8) | bytes[9]) >>> 0;
    if (high >= 0x200000) return null; // 2^53 and beyond, the top bit included
    payloadLength = high * 0x100000000 + low;
    at = 10;
  }
  const header: FrameHeader = { fin: (byte0 & 0x80) !== 0, rsv: (byte0 >> 4) & 0x7, opcode: byte0 & 0x0f, payloadLength, headerLength: at };
  if (byte1 & 0x80) {
    header.mask = bytes.slice(at, at + 4);
    header.headerLength = at + 4;
  }
  return header;
}

export function isControl(opcode: number): boolean {
  return opcode >= 8;
}

/** Opcodes RFC 6455 defines; the rest are reserved (§5.2). */
export function isKnownOpcode(opcode: number): boolean {
  return opcode <= 2 || (opcode >= 8 && opcode <= 10);
}

/** `bytes` XORed in place with the key, the first byte being at `position` of the payload (§5.3). */
export function unmask(bytes: Uint8Array, mask: Uint8Array, position: number): void {
  for (let i = 0; i < bytes.length; i++) bytes[i] ^= mask[(position + i) & 3];
}
