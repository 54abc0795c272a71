/**
 * A Postman Collection v2.1 (https://schema.postman.com/collection/json/v2.1.0/draft-07/docs/)
 * of the captured requests, each with its captured response as a saved example, written item by
 * item (json-document.ts). Bodies go in as raw text, byte for byte what was sent; a collection
 * cannot hold a binary body, so such a request says so in its description. Credentials
 * (secrets.ts) become Postman variables, {{Authorization}}, {{access_token}}, that whoever runs
 * the collection sets in an environment; --include-secrets keeps them.
 */
import type { Exchange, HeaderField, HttpResponse } from '../model/exchange.js';
import { bodyNotes } from '../render/body.js';
import { jsonDocument } from './json-document.js';
import { type ReplayRequest, braceVariable, capturedBy, isReplayable, replayRequest, requestName } from './collection-request.js';
import { SecretFilter } from './secrets.js';
import { bodyText, capturedText, headerValue } from './text.js';
import { uriParts } from './url.js';

export const POSTMAN_SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';

/** Headers Postman adds to every request unless an item disables them (protocolProfileBehavior). */
const POSTMAN_SYSTEM_HEADERS = ['user-agent', 'accept', 'accept-encoding', 'cache-control', 'postman-token'];

/** A response's headers, as captured (a saved example shows what came back). */
const headerList = (fields: readonly HeaderField[], secrets: SecretFilter) =>
  fields.map((h) => ({ key: capturedText(h.name), value: capturedText(secrets.headerOrPlaceholder(h.name, h.value)) }));

function postmanUrl(uri: string, p: ReturnType<typeof uriParts>) {
  const url: Record<string, unknown> = {
    raw: uri,
    protocol: p.protocol,
    host: p.host.startsWith('[') ? [p.host] : p.host.split('.'),
    path: p.path.split('/').slice(1),
  };
  if (p.port) url.port = p.port;
  // Postman keeps query values as written in the URL (encoded), and encodes nothing again
  if (p.query !== null)
    url.query = p.query.split('&').map((pair) => {
      const eq = pair.indexOf('=');
      return eq < 0 ? { key: pair, value: null } : { key: pair.slice(0, eq), value: pair.slice(eq + 1) };
    });
  return url;
}

function rawLanguage(mimeType: string | null): string {
  if (!mimeType) return 'text';
  if (/json/.test(mimeType)) return 'json';
  if (/xml/.test(mimeType)) return 'xml';
  if (/html/.test(mimeType)) return 'html';
  if (/javascript/.test(mimeType)) return 'javascript';
  return 'text';
}

function requestBody(r: ReplayRequest, size: number) {
  const body = r.body;
  if (body.kind === 'none') return undefined;
  if (body.kind === 'binary') {
    r.notes.push(`the request body (${size} bytes, ${body.mimeType ?? 'no type'}) is binary and not in this collection: tinytap export --curl reproduces it`);
    return { mode: 'file', file: { src: null } };
  }
  return { mode: 'raw', raw: body.text, options: { raw: { language: rawLanguage(body.mimeType) } } };
}

function postmanRequest(ex: Exchange, secrets: SecretFilter) {
  const r = replayRequest(ex, secrets);
  const request: Record<string, unknown> = {
    method: r.method,
    header: r.headers.map((h) => ({ key: h.name, value: h.value })),
    url: postmanUrl(r.url, uriParts(r.url)),
  };
  const body = requestBody(r, ex.request.body.size);
  if (body) request.body = body;
  return { request, notes: r.notes };
}

function example(name: string, original: Record<string, unknown>, s: HttpResponse, notes: string[], secrets: SecretFilter) {
  const body = bodyText(s.body);
  if (body.base64) notes.push(`the response body (${s.body.size} bytes, ${s.body.mimeType ?? 'no type'}) is binary and not in the saved example`);
  return {
    name,
    originalRequest: original,
    status: capturedText(s.reason),
    code: s.status,
    header: headerList(s.headers, secrets),
    body: body.base64 ? null : secrets.bodyText(body.text, s.body.mimeType),
    _postman_previewlanguage: rawLanguage(s.body.mimeType),
  };
}

export function postmanItem(ex: Exchange, opts: { includeSecrets: boolean } = { includeSecrets: false }) {
  const secrets = new SecretFilter(opts.includeSecrets, braceVariable);
  const r = ex.request;
  const { request, notes } = postmanRequest(ex, secrets);
  const name = requestName(ex, secrets);
  const response = ex.response ? [example(`${ex.response.status} ${capturedText(ex.response.reason)}`, request, ex.response, notes, secrets)] : [];
  if (ex.response) notes.push(...bodyNotes(ex.response.body, 'response body'));
  const description = [capturedBy(ex), ...notes].join('\n\n');
  const item: Record<string, unknown> = { name, request: { ...request, description }, response };
  const missing = POSTMAN_SYSTEM_HEADERS.filter((h) => headerValue(r.headers, h) === null);
  // Postman would add these: the captured request had none
  if (missing.length) item.protocolProfileBehavior = { disabledSystemHeaders: Object.fromEntries(missing.map((h) => [h, true])) };
  return item;
}

export interface PostmanOptions {
  /** The collection's name (the session's file name). */
  name: string;
  /** A fresh id for the collection (info._postman_id). */
  id: string;
  filter: string;
  /** Keep credentials; without, they are {{variables}} (secrets.ts says which). */
  includeSecrets: boolean;
}

export function* postmanCollection(exchanges: Iterable<Exchange>, opts: PostmanOptions): Generator<string> {
  const info = {
    _postman_id: opts.id,
    name: opts.name,
    description:
      `Requests captured by tinytap${opts.filter ? ` matching ${opts.filter}` : ''}, each with its response as an example.` +
      (opts.includeSecrets ? '' : ' Credentials are left out as {{variables}} (named after the header or parameter): set them in an environment.'),
    schema: POSTMAN_SCHEMA,
  };
  yield* jsonDocument({ info, item: [] }, requestsOnly(exchanges, opts.includeSecrets));
}

function* requestsOnly(exchanges: Iterable<Exchange>, includeSecrets: boolean) {
  for (const ex of exchanges) if (isReplayable(ex)) yield postmanItem(ex, { includeSecrets });
}
