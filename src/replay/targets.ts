/**
 * Where a replay sends each recorded request: one target for everything (`--target URL`), or
 * one per recorded server (`--map 127.0.0.1:8080=http://localhost:9090`). A recorded server is
 * named by its address as captured (`127.0.0.1:8080`, `[::1]:8080`) or by the Host its
 * requests named (`api.local:8080`, `api.local`); the first rule that names it wins.
 */
import { isIP } from 'node:net';

export interface Target {
  scheme: 'http' | 'https';
  /** Host name or address, without brackets. */
  host: string;
  port: number;
  /** host[:port] as a Host header says it (the port left out when it is the scheme's). */
  authority: string;
  /** A path prefix the recorded path is appended to ('' for none). */
  basePath: string;
  /** As the user wrote it, for messages. */
  text: string;
}

export class TargetError extends Error {}

const DEFAULT_PORT = { http: 80, https: 443 } as const;

export function parseTarget(text: string, flag = '--target'): Target {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TargetError(`bad ${flag} '${text}': use a URL such as http://127.0.0.1:8080`);
  }
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== 'http' && scheme !== 'https') throw new TargetError(`bad ${flag} '${text}': replay speaks http:// and https:// only`);
  if (url.username || url.password) throw new TargetError(`bad ${flag} '${text}': put credentials in --header, not in the URL`);
  if (url.search || url.hash) throw new TargetError(`bad ${flag} '${text}': a target is a scheme, a host, a port and at most a path prefix`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port ? Number(url.port) : DEFAULT_PORT[scheme];
  const basePath = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return { scheme, host, port, authority: url.host, basePath, text };
}

/** A recorded server as a --map key names it. */
export interface RecordedServer {
  /** Its address as captured, null for a unix socket or an unknown one. */
  addr: string | null;
  port: number | null;
  /** The Host (or :authority) its request named, if any. */
  host: string | null;
}

export interface TargetRule {
  /** Lower case: 'addr:port', '[v6]:port', 'name:port' or 'name'. */
  key: string;
  target: Target;
}

export function parseMapping(text: string): TargetRule {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new TargetError(`bad --map '${text}': use RECORDED=URL, such as 127.0.0.1:8080=http://localhost:9090`);
  const key = text.slice(0, eq).trim().toLowerCase();
  if (!/^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(:\d{1,5})?$/.test(key))
    throw new TargetError(`bad --map '${text}': the part before '=' names a recorded server, as host:port or host`);
  return { key, target: parseTarget(text.slice(eq + 1).trim(), '--map') };
}

/** The names a recorded server answers to, most specific first. */
function namesOf(s: RecordedServer): string[] {
  const names: string[] = [];
  if (s.addr && s.port !== null) names.push(isIP(s.addr) === 6 ? `[${s.addr}]:${s.port}` : `${s.addr}:${s.port}`);
  if (s.host) {
    const h = s.host.toLowerCase();
    names.push(h);
    // "api.local" also names the server the request reached on its port
    if (!/:\d+$/.test(h) && s.port !== null) names.push(`${h}:${s.port}`);
    else names.push(h.replace(/:\d+$/, ''));
  }
  return names;
}

export class TargetTable {
  constructor(
    private readonly all: Target | null,
    private readonly rules: TargetRule[],
  ) {
    if (all && rules.length) throw new TargetError('use --target or --map, not both: --target sends every request to one place');
    if (!all && rules.length === 0) throw new TargetError('replay needs somewhere to send the requests: --target URL, or --map RECORDED=URL');
  }

  targetOf(server: RecordedServer): Target | null {
    if (this.all) return this.all;
    const names = namesOf(server);
    for (const rule of this.rules) if (names.includes(rule.key)) return rule.target;
    return null;
  }

  get targets(): Target[] {
    return this.all ? [this.all] : this.rules.map((r) => r.target);
  }
}

/** Loopback: 127.0.0.0/8, ::1, and IPv4-mapped loopback. */
export function isLoopbackAddress(ip: string): boolean {
  const v4 = ip.replace(/^::ffff:/i, '');
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return ip === '::1' || /^0{0,4}(:0{0,4}){6}:0{0,3}1$/.test(ip);
}
