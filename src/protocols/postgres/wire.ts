/**
 * The PostgreSQL v3 wire format's building blocks: message type bytes of each direction and a
 * cursor over a message body that never throws. A body may be only a prefix of the message (a
 * huge message is not held whole, bytes may be uncaptured), so every read can come up short: the
 * cursor then says so (`short`) and the decoders keep what they had.
 * https://www.postgresql.org/docs/current/protocol-message-formats.html
 */

/** Special request codes of the untyped startup-phase messages (their int32 after the length). */
export const SSL_REQUEST_CODE = 80877103;
export const GSSENC_REQUEST_CODE = 80877104;
export const CANCEL_REQUEST_CODE = 80877102;
/** PostgreSQL refuses startup packets longer than this (MAX_STARTUP_PACKET_LENGTH). */
export const MAX_STARTUP_LENGTH = 10000;

/** Type bytes a client sends after startup. */
export const FRONTEND_TYPES = new Set('BCcDdEFfHPpQSX'.split('').map((c) => c.charCodeAt(0)));
/** Type bytes a server sends. */
export const BACKEND_TYPES = new Set('123ACcDdEGHIKNnRSstTVvWZ'.split('').map((c) => c.charCodeAt(0)));

export function typeChar(type: number): string {
  return String.fromCharCode(type);
}

export class Cursor {
  private at = 0;
  /** A read went past the bytes held. */
  short = false;

  constructor(readonly bytes: Uint8Array) {}

  get remaining(): number {
    return this.bytes.length - this.at;
  }

  int16(): number | undefined {
    if (this.at + 2 > this.bytes.length) return this.fail();
    const b = this.bytes;
    const v = (b[this.at] << 8) | b[this.at + 1];
    this.at += 2;
    return v > 0x7fff ? v - 0x10000 : v;
  }

  int32(): number | undefined {
    if (this.at + 4 > this.bytes.length) return this.fail();
    const b = this.bytes;
    const v = ((b[this.at] << 24) | (b[this.at + 1] << 16) | (b[this.at + 2] << 8) | b[this.at + 3]) | 0;
    this.at += 4;
    return v;
  }

  byte(): number | undefined {
    if (this.at >= this.bytes.length) return this.fail();
    return this.bytes[this.at++];
  }

  /** A NUL-terminated string's bytes (without the NUL); a string the body cuts off is returned as far as it goes. */
  cstring(): Uint8Array | undefined {
    if (this.at >= this.bytes.length) return this.fail();
    const nul = this.bytes.indexOf(0, this.at);
    if (nul < 0) {
      const rest = this.bytes.subarray(this.at);
      this.at = this.bytes.length;
      this.short = true;
      return rest;
    }
    const s = this.bytes.subarray(this.at, nul);
    this.at = nul + 1;
    return s;
  }

  /** `n` bytes, or as many as are held (then `short` is set). */
  take(n: number): Uint8Array {
    const end = Math.min(this.bytes.length, this.at + Math.max(0, n));
    const s = this.bytes.subarray(this.at, end);
    if (end - this.at < n) this.short = true;
    this.at = end;
    return s;
  }

  private fail(): undefined {
    this.short = true;
    this.at = this.bytes.length;
    return undefined;
  }
}
