/**
 * The endpoint an exchange belongs to, for matching two recordings: its method and its route,
 * the path with id-looking segments replaced by `{id}` plus the query's keys (never its values).
 * `GET /users/42/posts?page=2&sort=asc` and `GET /users/7/posts?sort=desc&page=9` are both
 * `GET /users/{id}/posts?page&sort`: two runs of one client create different ids, and the diff
 * compares what the server said about them, not the ids themselves. Pure.
 */

export const ID_PLACEHOLDER = '{id}';

const DIGITS_OR_DECIMAL = /^\d+(?:\.\d+)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Hashes and object ids (git short hashes, md5, Mongo ObjectIds): 7+ hex digits with a digit among them. */
const HEX_ID = /^(?=[a-f]*\d)[0-9a-f]{7,}$/i;
/** ULIDs and other upper-case codes: 16+ capitals and digits, with a digit. */
const UPPER_TOKEN = /^(?=[A-Z]*\d)[0-9A-Z]{16,}$/;
/** Random base62/base64url tokens (nanoid, Firebase push ids): 20+ characters mixing cases and digits. */
const MIXED_TOKEN = /^(?=.*\d)(?=.*[a-z])(?=.*[A-Z])[A-Za-z0-9_-]{20,}$/;
/** Prefixed ids in the Stripe style: `cus_NffrFeUfNV2Hib`. */
const PREFIXED_ID = /^[a-z]{2,10}_(?=[A-Za-z]*\d)[A-Za-z0-9]{8,}$/;
/** A file name's extension: `42.json`, `app.3f9a1c2e.js`. */
const EXTENSION = /^[A-Za-z][A-Za-z0-9]{0,7}$/;
/**
 * Between a file's name and its extension, hex is a fingerprint: 5+ digits with a digit among
 * them (`app.f73c5.js`), or 8+ digits even without (`app.addfeecd.js`: no word is that long in a-f).
 */
const FINGERPRINT = /^(?:(?=[a-f]*\d)[0-9a-f]{5,}|[0-9a-f]{8,})$/i;

/** One token that names an instance rather than a kind of thing. */
export function isIdToken(token: string): boolean {
  return (
    DIGITS_OR_DECIMAL.test(token) ||
    UUID.test(token) ||
    HEX_ID.test(token) ||
    UPPER_TOKEN.test(token) ||
    MIXED_TOKEN.test(token) ||
    PREFIXED_ID.test(token)
  );
}

/**
 * A path segment as a template: a whole id is `{id}`; in a dotted file name, the id-looking parts
 * before the extension are (`42.json` → `{id}.json`, `app.3f9a1c2e.js` → `app.{id}.js`, and
 * after the first part a shorter hex fingerprint: `app.f73c5.js` → `app.{id}.js`), but a
 * version like `1.2.3` is left alone (it names a kind of thing).
 */
export function templateSegment(segment: string): string {
  if (segment === '') return '';
  if (isIdToken(segment)) return ID_PLACEHOLDER;
  const parts = segment.split('.');
  if (parts.length < 2 || !EXTENSION.test(parts[parts.length - 1])) return segment;
  const stem = parts.slice(0, -1).map((p, i) => (isStemId(p, i) ? ID_PLACEHOLDER : p));
  return [...stem, parts[parts.length - 1]].join('.');
}

/** After the first part, short numbers are versions (`jquery-3.6.0.min.js`), not ids. */
function isStemId(part: string, index: number): boolean {
  if (index === 0) return isIdToken(part);
  return FINGERPRINT.test(part) || (!DIGITS_OR_DECIMAL.test(part) && isIdToken(part));
}

export function templatePath(path: string): string {
  return path.split('/').map(templateSegment).join('/');
}

/** The query's distinct keys, sorted: the order and the values of parameters do not make another endpoint. */
export function queryKeys(query: string | null): string[] {
  if (!query) return [];
  const keys = new Set<string>();
  for (const part of query.split('&')) {
    const raw = part.split('=', 1)[0].replace(/\+/g, ' ');
    if (raw === '') continue;
    let key = raw;
    try {
      key = decodeURIComponent(raw);
    } catch {
      // a malformed escape: keep the key as sent
    }
    keys.add(key);
  }
  return [...keys].sort();
}

export interface Endpoint {
  /** `GET /users/{id}?page`: what both recordings are matched on, and what the report shows. */
  key: string;
  method: string;
  route: string;
  /** A database call's endpoint: matched by shape and compared by count and latency only. */
  call?: true;
}

export interface RouteSource {
  method: string | null;
  path: string | null;
  query: string | null;
  url: string;
  /** exchanges.protocol; a database call's operation and shape (model/query-shape.ts). */
  protocol?: string;
  operation?: string | null;
  shape?: string | null;
  /** A gRPC call's service and method (exchanges.grpc_service, grpc_method). */
  grpc_service?: string | null;
  grpc_method?: string | null;
}

/**
 * The endpoint of an exchange. A CONNECT has no path: its route is its target (host:port). A
 * response whose request was not captured has no method: it is grouped as `(no request)`.
 */
export function endpointOf(x: RouteSource): Endpoint {
  if (x.protocol !== undefined && x.protocol !== 'http') {
    // a query is the same query whatever its literals and parameters: its shape is its route
    const method = `${x.protocol} ${x.operation ?? ''}`.trim();
    const route = x.shape ?? x.operation ?? '';
    return { key: `${x.protocol}: ${route}`, method, route, call: true };
  }
  // a gRPC call is its service and method, whatever its path looks like to the templates above
  if (x.grpc_service !== undefined && x.grpc_service !== null) {
    const route = `${x.grpc_service}/${x.grpc_method ?? ''}`;
    return { key: `gRPC ${route}`, method: 'gRPC', route };
  }
  const method = x.method ?? '(no request)';
  const keys = queryKeys(x.query);
  const path = x.path === null ? (x.method === null ? '' : x.url) : templatePath(x.path);
  const route = keys.length ? `${path}?${keys.join('&')}` : path;
  return { key: route ? `${method} ${route}` : method, method, route };
}
