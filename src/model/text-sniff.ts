/**
 * Whether bytes read as text: the one rule both the search index and the viewers use, so what
 * `show` prints as text is what `search` can find. The bytes decide, not the Content-Type
 * (servers label unknown files text/plain; nginx's default_type).
 */
export function looksLikeText(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 4096);
  let odd = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i];
    if (b === 0) return false;
    if (b < 9 || (b > 13 && b < 32)) odd++;
  }
  if (odd * 20 >= n) return false;
  // valid UTF-8 (or close to it): decoding must not produce many replacement characters
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, n).toString('utf8');
  let bad = 0;
  for (const ch of text) if (ch === '\ufffd') bad++;
  return bad * 50 < n;
}

/** Text that opens like a JSON object or array (a WebSocket message has no Content-Type to say so). */
export function looksLikeJson(text: string): boolean {
  return /^\s*[[{]/.test(text);
}
