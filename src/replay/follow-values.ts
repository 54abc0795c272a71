/**
 * --follow-values: a value an earlier response gave (a created id, a CSRF token, a session
 * cookie) and a later request sent back is carried over from the replay's response into the
 * later request, as Keploy's templating does. Found by exact match between the recorded
 * response and the later recorded request, place by place (never by searching raw bytes: "7"
 * is in far more places than the id 7):
 *   given at:  a JSON body's leaves, Set-Cookie values, response header values, the segments
 *              of a Location path
 *   used at:   the path's segments, query values, header values (whole, or a Bearer token),
 *              Cookie values, a JSON body's leaves, form values
 * A value the client sent before any response gave it is the client's own (a name it chose,
 * echoed back): never carried. The latest response that gave a value is its source.
 *
 * Pure: fed the recorded exchanges in order (learn), then the replay's responses (given), it
 * says how to change each request (apply) and what it changed.
 */
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';

import type { HeaderField } from '../model/exchange.js';
import { requestCookies, responseCookies } from '../export/cookies.js';
import { decodeContent, parseContentEncoding } from '../reconstruct/content-coding.js';
import type { RequestParts } from './replay-request.js';

export type Place =
  | { at: 'json'; path: string }
  | { at: 'cookie'; name: string }
  | { at: 'header'; name: string }
  | { at: 'location'; index: number }
  | { at: 'segment'; index: number }
  | { at: 'query'; name: string }
  | { at: 'form'; name: string };

export function placeText(p: Place): string {
  switch (p.at) {
    case 'json':
      return `body ${p.path}`;
    case 'cookie':
      return `cookie ${p.name}`;
    case 'header':
      return `header ${p.name}`;
    case 'location':
      return `Location segment ${p.index + 1}`;
    case 'segment':
      return `path segment ${p.index + 1}`;
    case 'query':
      return `query ${p.name}`;
    case 'form':
      return `form field ${p.name}`;
  }
}

const placeKey = (p: Place) => JSON.stringify(p);

/** Values too common to mean anything as a link. */
const MIN_TOKEN_LENGTH = 1;
/** Response headers that describe the message, not something a client sends back. */
const NOT_GIVEN = new Set(['date', 'content-length', 'content-type', 'server', 'connection', 'keep-alive', 'transfer-encoding', 'vary', 'content-encoding', 'cache-control', 'expires', 'last-modified', 'age', 'accept-ranges', 'set-cookie', 'location']);
/** Request headers whose values are the client's or the replay's own. */
const NOT_USED = new Set(['host', 'content-length', 'content-type', 'user-agent', 'accept', 'accept-encoding', 'accept-language', 'connection', 'cookie', 'transfer-encoding', 'content-encoding']);

export interface MessageView {
  headers: HeaderField[];
  /** The body as sent (content-encoded, if it was). */
  body: Uint8Array;
}

function contentEncoding(headers: HeaderField[]): string[] {
  return parseContentEncoding(headers.find((h) => h.name.toLowerCase() === 'content-encoding')?.value ?? null);
}

function bodyText(m: MessageView): string | null {
  if (m.body.length === 0) return null;
  const codings = contentEncoding(m.headers);
  const bytes = codings.length ? decodeContent(m.body, codings).bytes : m.body;
  return bytes ? Buffer.from(bytes).toString('utf8') : null;
}

function jsonLeaves(text: string | null): [string, string][] {
  if (!text) return [];
  const t = text.trimStart();
  if (!t.startsWith('{') && !t.startsWith('[')) return [];
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return [];
  }
  const out: [string, string][] = [];
  const walk = (v: unknown, path: string) => {
    if (out.length >= 10_000) return;
    if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) out.push([path, String(v)]);
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`);
  };
  walk(doc, '$');
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** Where a response gives values, and the values. */
export function givenValues(m: MessageView): [Place, string][] {
  const out: [Place, string][] = [];
  for (const [path, v] of jsonLeaves(bodyText(m))) out.push([{ at: 'json', path }, v]);
  for (const c of responseCookies(m.headers)) if (c.name) out.push([{ at: 'cookie', name: c.name }, c.value]);
  for (const h of m.headers) {
    const name = h.name.toLowerCase();
    if (name === 'location') {
      const path = h.value.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').split('?')[0];
      path.split('/').forEach((seg, index) => out.push([{ at: 'location', index }, safeDecode(seg)]));
    } else if (!NOT_GIVEN.has(name)) out.push([{ at: 'header', name }, h.value]);
  }
  return out.filter(([, v]) => v.length >= MIN_TOKEN_LENGTH);
}

function targetParts(target: string): { segments: string[]; query: [string, string][] } {
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const query = (q < 0 ? [] : target.slice(q + 1).split('&').filter(Boolean)).map((kv): [string, string] => {
    const eq = kv.indexOf('=');
    return eq < 0 ? [safeDecode(kv), ''] : [safeDecode(kv.slice(0, eq)), safeDecode(kv.slice(eq + 1))];
  });
  return { segments: path.split('/').map(safeDecode), query };
}

function isForm(headers: HeaderField[]): boolean {
  return /^application\/x-www-form-urlencoded/i.test(headers.find((h) => h.name.toLowerCase() === 'content-type')?.value ?? '');
}

/** Where a request uses values, and the values. */
export function usedValues(r: RequestParts): [Place, string][] {
  const out: [Place, string][] = [];
  const { segments, query } = targetParts(r.target);
  segments.forEach((seg, index) => out.push([{ at: 'segment', index }, seg]));
  for (const [name, v] of query) out.push([{ at: 'query', name }, v]);
  for (const h of r.headers) {
    const name = h.name.toLowerCase();
    if (NOT_USED.has(name)) continue;
    const bearer = /^(bearer|token)\s+(\S+)$/i.exec(h.value);
    out.push([{ at: 'header', name }, bearer ? bearer[2] : h.value]);
  }
  for (const c of requestCookies(r.headers)) if (c.name) out.push([{ at: 'cookie', name: c.name }, c.value]);
  const text = bodyText(r);
  if (isForm(r.headers) && text) {
    for (const kv of text.split('&')) {
      const eq = kv.indexOf('=');
      if (eq > 0) out.push([{ at: 'form', name: safeDecode(kv.slice(0, eq)) }, safeDecode(kv.slice(eq + 1))]);
    }
  } else for (const [path, v] of jsonLeaves(text)) out.push([{ at: 'json', path }, v]);
  return out.filter(([, v]) => v.length >= MIN_TOKEN_LENGTH);
}

export interface Link {
  /** Positions in the replay's order. */
  from: number;
  to: number;
  given: Place;
  used: Place;
  /** The recorded value. */
  value: string;
}

export interface Substitution {
  link: Link;
  /** The value the replay's response gave in its place. */
  replayed: string;
}

/** Most links kept: a session of a million requests cannot make the replay hold millions. */
const MAX_LINKS = 100_000;

export class FollowValues {
  /** Recorded value -> the latest response that gave it, and where. */
  private readonly sources = new Map<string, { from: number; given: Place }>();
  /** Values some request sent before any response gave them: the client's own. */
  private readonly clientOwn = new Set<string>();
  private readonly linksTo = new Map<number, Link[]>();
  /** Response position -> the places whose replayed values later requests need. */
  private readonly needed = new Map<number, Map<string, Place>>();
  /** Replayed values, by response position and place. */
  private readonly replayed = new Map<number, Map<string, string>>();
  linkCount = 0;
  /** Links not kept (MAX_LINKS). */
  linksDropped = 0;

  /** The recorded request and response at replay position `n`, in order. */
  learn(n: number, request: RequestParts, response: MessageView | null): void {
    for (const [used, value] of usedValues(request)) {
      const src = this.sources.get(value);
      if (!src) {
        this.clientOwn.add(value);
        continue;
      }
      if (this.linkCount >= MAX_LINKS) {
        this.linksDropped++;
        continue;
      }
      const link: Link = { from: src.from, to: n, given: src.given, used, value };
      const list = this.linksTo.get(n) ?? [];
      list.push(link);
      this.linksTo.set(n, list);
      this.linkCount++;
      const need = this.needed.get(src.from) ?? new Map<string, Place>();
      need.set(placeKey(src.given), src.given);
      this.needed.set(src.from, need);
    }
    if (!response) return;
    for (const [given, value] of givenValues(response)) if (!this.clientOwn.has(value)) this.sources.set(value, { from: n, given });
  }

  /** Positions of the responses the request at `n` takes values from. */
  sourcesOf(n: number): number[] {
    return [...new Set((this.linksTo.get(n) ?? []).map((l) => l.from))];
  }

  /** The replay's response at position `n` arrived. */
  given(n: number, response: MessageView): void {
    const need = this.needed.get(n);
    if (!need) return;
    const values = new Map<string, string>();
    for (const [place, value] of givenValues(response)) {
      const key = placeKey(place);
      if (need.has(key) && !values.has(key)) values.set(key, value);
    }
    this.replayed.set(n, values);
  }

  /** The request at position `n` with the replayed values in place of the recorded ones. */
  apply(n: number, request: RequestParts): { request: RequestParts; made: Substitution[] } {
    const links = this.linksTo.get(n);
    if (!links) return { request, made: [] };
    let out = request;
    const made: Substitution[] = [];
    for (const link of links) {
      const replayed = this.replayed.get(link.from)?.get(placeKey(link.given));
      if (replayed === undefined || replayed === link.value) continue;
      const changed = substitute(out, link.used, link.value, replayed);
      if (changed) {
        out = changed;
        made.push({ link, replayed });
      }
    }
    return { request: out, made };
  }
}

function withTarget(r: RequestParts, map: (segments: string[], query: string) => [string[], string]): RequestParts {
  const q = r.target.indexOf('?');
  const path = q < 0 ? r.target : r.target.slice(0, q);
  const [segments, query] = map(path.split('/'), q < 0 ? '' : r.target.slice(q + 1));
  return { ...r, target: segments.join('/') + (q < 0 && !query ? '' : `?${query}`) };
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function replaceBody(r: RequestParts, edit: (text: string) => string): RequestParts | null {
  const codings = contentEncoding(r.headers);
  const plain = codings.length ? decodeContent(r.body, codings).bytes : r.body;
  if (!plain) return null;
  const text = Buffer.from(plain).toString('utf8');
  const changed = edit(text);
  if (changed === text) return null;
  let body: Uint8Array = Buffer.from(changed, 'utf8');
  // decoded and encoded again only because a value inside it changed
  for (const c of codings) body = c === 'gzip' || c === 'x-gzip' ? gzipSync(body) : c === 'deflate' ? deflateSync(body) : c === 'br' ? brotliCompressSync(body) : body;
  return { ...r, body };
}

/** `request` with `from` replaced by `to` at `place`; null when the place does not hold `from`. */
function substitute(r: RequestParts, place: Place, from: string, to: string): RequestParts | null {
  switch (place.at) {
    case 'segment': {
      let hit = false;
      const out = withTarget(r, (segments, query) => [
        segments.map((s, i) => (i === place.index && safeDecode(s) === from ? ((hit = true), encodeURIComponent(to)) : s)),
        query,
      ]);
      return hit ? out : null;
    }
    case 'query': {
      let hit = false;
      const out = withTarget(r, (segments, query) => [
        segments,
        query
          .split('&')
          .map((kv) => {
            const eq = kv.indexOf('=');
            if (eq < 0 || safeDecode(kv.slice(0, eq)) !== place.name || safeDecode(kv.slice(eq + 1)) !== from) return kv;
            hit = true;
            return `${kv.slice(0, eq)}=${encodeURIComponent(to)}`;
          })
          .join('&'),
      ]);
      return hit ? out : null;
    }
    case 'header': {
      let hit = false;
      const headers = r.headers.map((h) => {
        if (h.name.toLowerCase() !== place.name || !h.value.includes(from)) return h;
        hit = true;
        return { ...h, value: h.value === from ? to : h.value.replace(new RegExp(`(\\s)${escapeRegExp(from)}$`), `$1${to}`) };
      });
      return hit ? { ...r, headers } : null;
    }
    case 'cookie': {
      let hit = false;
      const headers = r.headers.map((h) => {
        if (h.name.toLowerCase() !== 'cookie') return h;
        const value = h.value
          .split(';')
          .map((part) => {
            const eq = part.indexOf('=');
            if (eq < 0 || part.slice(0, eq).trim() !== place.name || part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1') !== from) return part;
            hit = true;
            return `${part.slice(0, eq + 1)}${to}`;
          })
          .join(';');
        return { ...h, value };
      });
      return hit ? { ...r, headers } : null;
    }
    case 'json':
      return replaceBody(r, (text) => {
        // the value as a JSON token: a string in quotes, or a number standing alone
        const asString = JSON.stringify(from);
        if (text.includes(asString)) return text.split(asString).join(JSON.stringify(to));
        const asNumber = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(from) ? new RegExp(`(?<![\\w.])${escapeRegExp(from)}(?![\\w.])`, 'g') : null;
        return asNumber ? text.replace(asNumber, /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(to) ? to : JSON.stringify(to)) : text;
      });
    case 'form':
      return replaceBody(r, (text) =>
        text
          .split('&')
          .map((kv) => {
            const eq = kv.indexOf('=');
            return eq > 0 && safeDecode(kv.slice(0, eq)) === place.name && safeDecode(kv.slice(eq + 1)) === from ? `${kv.slice(0, eq)}=${encodeURIComponent(to)}` : kv;
          })
          .join('&'),
      );
    case 'location':
      return null;
  }
}
