/**
 * Checking that a text message is UTF-8 (RFC 6455 §8.1) as its bytes arrive, across frames cut
 * anywhere, without holding them: a fatal streaming TextDecoder throws on the first bad sequence
 * and carries a character split between chunks over to the next.
 */
export class Utf8Check {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  private bad = false;

  /** Whether everything so far is UTF-8. */
  get valid(): boolean {
    return !this.bad;
  }

  push(bytes: Uint8Array): void {
    if (this.bad || bytes.length === 0) return;
    try {
      this.decoder.decode(bytes, { stream: true });
    } catch {
      this.bad = true;
    }
  }

  /** The message ended: a character still open is invalid. */
  end(): boolean {
    if (this.bad) return false;
    try {
      this.decoder.decode();
    } catch {
      this.bad = true;
    }
    return !this.bad;
  }
}

/**
 * `bytes` as text if it is UTF-8, else undefined. `isPrefix`: the bytes are the start of a longer
 * payload, so a character cut at their end is dropped rather than invalid.
 */
export function decodeUtf8(bytes: Uint8Array, isPrefix: boolean): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes, { stream: isPrefix });
  } catch {
    return undefined;
  }
}
