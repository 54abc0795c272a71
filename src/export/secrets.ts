/**
 * Which header values an export leaves out unless asked: the credentials DevTools' default
 * ("sanitized") HAR export leaves out as well.
 */

export const SECRET_HEADERS = ['Authorization', 'Proxy-Authorization', 'Cookie', 'Set-Cookie'] as const;

const SECRET = new Set(SECRET_HEADERS.map((h) => h.toLowerCase()));

export function isSecretHeader(name: string): boolean {
  return SECRET.has(name.toLowerCase());
}

/** What an export says when it left secrets out (stderr, and the file itself). */
export const SECRETS_LEFT_OUT_NOTE = `the values of ${SECRET_HEADERS.join(', ')} headers (and the cookies) were left out: export with --include-secrets to keep them`;
