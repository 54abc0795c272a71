/**
 * Cookie and Set-Cookie headers as HAR cookie objects (RFC 6265 §4.1, §5.2, parsed leniently:
 * captured headers are whatever the programs sent).
 */
import type { Cookie } from 'har-format';

import type { HeaderField } from '../model/exchange.js';
import { capturedText } from './text.js';

function unquote(v: string): string {
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
}

/** The cookies of every Cookie header: "a=1; b=2". */
export function requestCookies(headers: readonly HeaderField[]): Cookie[] {
  const out: Cookie[] = [];
  for (const h of headers) {
    if (h.name.toLowerCase() !== 'cookie') continue;
    for (const part of capturedText(h.value).split(';')) {
      const p = part.trim();
      if (!p) continue;
      const eq = p.indexOf('=');
      out.push(eq < 0 ? { name: '', value: unquote(p) } : { name: p.slice(0, eq).trim(), value: unquote(p.slice(eq + 1).trim()) });
    }
  }
  return out;
}

function setCookie(text: string): Cookie | null {
  const [pair, ...attrs] = text.split(';');
  const eq = pair.indexOf('=');
  if (eq < 0) return null; // RFC 6265 §5.2: a set-cookie-string without '=' is ignored
  const cookie: Cookie = { name: pair.slice(0, eq).trim(), value: unquote(pair.slice(eq + 1).trim()) };
  for (const attr of attrs) {
    const at = attr.indexOf('=');
    const key = (at < 0 ? attr : attr.slice(0, at)).trim().toLowerCase();
    const val = at < 0 ? '' : attr.slice(at + 1).trim();
    if (key === 'path') cookie.path = val;
    else if (key === 'domain') cookie.domain = val;
    else if (key === 'httponly') cookie.httpOnly = true;
    else if (key === 'secure') cookie.secure = true;
    else if (key === 'expires') {
      const t = Date.parse(val);
      if (!Number.isNaN(t)) cookie.expires = new Date(t).toISOString();
    }
  }
  return cookie;
}

/** One cookie per Set-Cookie header. */
export function responseCookies(headers: readonly HeaderField[]): Cookie[] {
  const out: Cookie[] = [];
  for (const h of headers) {
    if (h.name.toLowerCase() !== 'set-cookie') continue;
    const c = setCookie(capturedText(h.value));
    if (c) out.push(c);
  }
  return out;
}
