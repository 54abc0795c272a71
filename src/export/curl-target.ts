/**
 * Where a curl command sends a captured request: its URL, and the options that make curl send
 * the request target byte for byte. curl rewrites some URLs before sending them (it percent-
 * encodes bytes above 0x7f, removes dot segments, reads [] and {} as globs), so a target that
 * curl would change goes in --request-target, sent verbatim, with the URL naming only the host.
 */
import type { Exchange } from '../model/exchange.js';
import { headerValue } from './text.js';

export interface CurlTarget {
  /** The URL, printable ASCII. */
  url: string;
  /** The authority the URL names (compared with the Host header). */
  authority: string;
  /** Options before the URL: --request-target, --unix-socket, -g. As [option, value bytes]. */
  options: [string, string][];
}

/** A host name or IP literal and an optional port: what curl's URL parser takes as is. */
const PLAIN_AUTHORITY = /^([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/;

/** An origin-form target curl sends unchanged when it is in the URL. */
const PLAIN_TARGET = /^\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*$/;
const DOT_SEGMENT = /(^|\/)\.\.?(\/|$)/;

function isPlainTarget(target: string): boolean {
  if (!PLAIN_TARGET.test(target)) return false;
  const q = target.indexOf('?');
  return !DOT_SEGMENT.test(q < 0 ? target : target.slice(0, q));
}

function serverAuthority(ex: Exchange): string | null {
  const { addr, port } = ex.server;
  if (!addr || ex.transport === 'unix') return null;
  const host = addr.includes(':') ? `[${addr}]` : addr;
  return port ? `${host}:${port}` : host;
}

export function curlTarget(ex: Exchange): CurlTarget {
  const r = ex.request;
  const options: [string, string][] = [];
  const host = headerValue(r.headers, 'host');
  // the URL names the Host header's authority when curl can parse it, else where the bytes went
  const authority = host !== null && PLAIN_AUTHORITY.test(host) ? host : (serverAuthority(ex) ?? 'localhost');
  if (ex.transport === 'unix' && ex.server.addr) {
    const path = ex.server.addr;
    options.push(path.startsWith('@') ? ['--abstract-unix-socket', path.slice(1)] : ['--unix-socket', path]);
  }
  let path = r.target;
  if (!isPlainTarget(r.target)) {
    options.push(['--request-target', r.target]);
    path = '/';
  }
  if (authority.includes('[')) options.push(['-g', '']);
  const scheme = /^https?$/.test(r.scheme) ? r.scheme : 'http';
  return { url: `${scheme}://${authority}${path}`, authority, options };
}
