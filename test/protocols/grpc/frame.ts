/** A gRPC length-prefixed message: flag byte, 4-byte big-endian length, payload. */
export function frame(payload: Uint8Array, compressed = false): Buffer {
  const prefix = Buffer.alloc(5);
  prefix[0] = compressed ? 1 : 0;
  prefix.writeUInt32BE(payload.length, 1);
  return Buffer.concat([prefix, payload]);
}
