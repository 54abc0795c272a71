/**
 * A cheap guess whether a connection speaks the MySQL/MariaDB protocol: the server speaks first,
 * with a protocol-10 greeting (length, sequence id 0, 0x0a, a printable version string ending in
 * NUL); the client's first packet, if any, is the handshake response with sequence id 1.
 */
const MAX_GREETING = 1024;

export function looksLikeMysql(c2s: Uint8Array, s2c: Uint8Array): boolean {
  if (s2c.length < 6) return false;
  const length = s2c[0] | (s2c[1] << 8) | (s2c[2] << 16);
  if (length < 20 || length > MAX_GREETING || s2c[3] !== 0 || s2c[4] !== 0x0a) return false;
  let i = 5;
  const versionEnd = Math.min(s2c.length, 4 + length);
  while (i < versionEnd && s2c[i] !== 0) {
    if (s2c[i] < 0x20 || s2c[i] > 0x7e) return false;
    i++;
  }
  if (i === 5) return false; // no version
  if (i === versionEnd) return versionEnd < 4 + length; // no NUL yet: fine only if the packet is still arriving
  if (c2s.length >= 4 && c2s[3] !== 1) return false;
  return true;
}
