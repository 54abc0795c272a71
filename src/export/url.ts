/**
 * A captured request's URL as a valid URI (RFC 3986). The model's URL holds the target's bytes
 * as sent, and programs send bytes no URI may hold (raw UTF-8, quotes, braces); readers of HAR
 * and Postman files parse URLs, so such bytes are percent-encoded, as a browser would have.
 */
import type { Exchange } from '../model/exchange.js';

/** unreserved / sub-delims / ':' '@' '/' '?' '%' (RFC 3986 §2.2, §2.3, §3.3, §3.4). */
const URI_CHAR = /[A-Za-z0-9\-._~:/?@!$&'()*+,;=%]/;
/** A string of URI_CHARs whose every '%' starts an escape: nothing to encode. */
const URI_TEXT = /^(?:[A-Za-z0-9\-._~:/?@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;

/**
 * Percent-encode every byte of a Latin-1 string that a URI cannot hold there, and stray '%'.
 * Brackets are kept only in an authority (an IPv6 literal).
 */
export function uriText(latin1: string, authority = false): string {
  if (URI_TEXT.test(latin1)) return latin1;
  let out = '';
  for (let i = 0; i < latin1.length; i++) {
    const ch = latin1[i];
    const stray = ch === '%' && !/^[0-9A-Fa-f]{2}$/.test(latin1.slice(i + 1, i + 3));
    const ok = (URI_CHAR.test(ch) && !stray) || (authority && (ch === '[' || ch === ']'));
    out += ok ? ch : `%${latin1.charCodeAt(i).toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The exchange's URL as a URI; a CONNECT's authority-form target gets the scheme it tunnels. */
export function exchangeUri(ex: Exchange): string {
  const url = ex.request.method === 'CONNECT' ? `${ex.request.scheme || 'http'}://${ex.request.target}` : ex.request.url;
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([^/?#]*)([\s\S]*)$/.exec(url);
  return m ? m[1] + uriText(m[2], true) + uriText(m[3]) : uriText(url);
}

export interface UriParts {
  protocol: string;
  host: string;
  port: string | null;
  path: string;
  query: string | null;
}

/** Split a URI made by exchangeUri. */
export function uriParts(uri: string): UriParts {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?/.exec(uri);
  if (!m) return { protocol: '', host: '', port: null, path: uri, query: null };
  const authority = m[2];
  const port = /^(.*):(\d+)$/.exec(authority);
  return {
    protocol: m[1],
    host: port ? port[1] : authority,
    port: port ? port[2] : null,
    path: m[3],
    query: m[4] ?? null,
  };
}
