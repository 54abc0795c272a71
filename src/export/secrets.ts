/**
 * What the outputs meant for sharing (HAR, Postman, and the --json of ls, show, search, info
 * and diff) leave out unless --include-secrets: the one rule, written once, used by all of them.
 *
 * 1. A value is a secret when its NAME says so: a header, a query or form parameter, a
 *    `KEY=value` pair. A name is split into words (at punctuation and camelCase: access_token,
 *    X-Api-Key, apiKey, X-Amz-Signature) and names a secret when one of its words is in
 *    SECRET_WORDS. Cookie, Set-Cookie, Authorization and Proxy-Authorization (what DevTools'
 *    sanitized HAR leaves out) are named so too.
 * 2. A header value that starts with an authentication scheme (Bearer, Basic, ...) is a secret
 *    whatever the header is called.
 * 3. A URL's password (https://user:PASSWORD@host) is a secret, and URLs in header values that
 *    carry them elsewhere (Location, Referer, Content-Location) are redacted by rule 1 too.
 * 4. Command lines are secrets, but for the program: `curl -H 'Authorization: Bearer …'`,
 *    `mysql -pPASSWORD`, `redis-cli -a PASSWORD`. Their arguments have no names that rule 1
 *    could trust, so they are left out whole, and counted.
 *
 * 5. Bodies: a form's fields (application/x-www-form-urlencoded) are parameters, and a JSON
 *    body's members are named too (an OAuth token response: {"access_token": …}); rule 1
 *    applies to both. Other bodies (text, XML, multipart, binary) are kept as captured, and the
 *    README says so.
 * The output for a person on a terminal (ls, show, search without --json) shows everything:
 * it is the reader's own file and screen.
 */
import { looksLikeJson } from '../model/text-sniff.js';

/** Words that name a credential (see rule 1); compared with whole words of a name, lowercased. */
export const SECRET_WORDS = [
  'auth',
  'authorization',
  'cookie',
  'credential',
  'jwt',
  'key',
  'apikey',
  'otp',
  'pass',
  'passphrase',
  'passwd',
  'password',
  'pwd',
  'secret',
  'session',
  'sessionid',
  'sid',
  'sig',
  'signature',
  'ticket',
  'token',
] as const;

const WORDS: ReadonlySet<string> = new Set(SECRET_WORDS);

/**
 * Some word of SECRET_WORDS occurs somewhere (case aside): when not, no name in the text is a
 * secret, and a query or a JSON body need not be taken apart.
 */
const MAY_NAME_A_SECRET = new RegExp(SECRET_WORDS.filter((w) => !SECRET_WORDS.some((o) => o !== w && w.includes(o))).join('|'), 'i');

/** What a secret is replaced with in URLs, parameters and JSON (HAR headers: '' with a comment). */
export const REDACTED = 'REDACTED';

/** The words of a name: access_token → access, token; XApiKey → x, api, key. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

/**
 * Names seen, and whether they are secrets: an export asks about the same few header and
 * parameter names for every exchange, and splitting a name into words is most of the cost.
 */
const verdicts = new Map<string, boolean>();

/** Rule 1: the name of a header, parameter or KEY=value pair says it holds a credential. */
export function isSecretName(name: string): boolean {
  let secret = verdicts.get(name);
  if (secret === undefined) {
    secret = nameWords(name).some((w) => WORDS.has(w));
    // bounded: a session can hold any number of distinct names
    if (verdicts.size >= 10_000) verdicts.clear();
    verdicts.set(name, secret);
  }
  return secret;
}

/** Rule 2: an Authorization-style value, whatever the header is called. */
const AUTH_SCHEME = /^\s*(?:bearer|basic|digest|negotiate|ntlm|token|aws4-hmac-sha256|hoba|mutual|vapid)\s/i;

/** Rules 1 and 2, for a header. */
export function isSecretHeader(name: string, value = ''): boolean {
  return isSecretName(name) || AUTH_SCHEME.test(value);
}

/** Headers whose values are URLs, which may carry secrets in their query (rule 3). */
const URL_HEADERS = new Set(['location', 'content-location', 'referer']);

/** The text a secret value is replaced with, given the name it had (Postman makes variables). */
export type Placeholder = (name: string) => string;

/** A parameter's name as its reader would decode it: access%5Ftoken is access_token. */
function decodedName(raw: string): string {
  if (!raw.includes('%') && !raw.includes('+')) return raw;
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/**
 * `a=1&access_token=x` (a query without its '?', a form body, a fragment) with the values of
 * parameters whose names are secrets replaced; the rest byte for byte as it was.
 */
export function redactParams(text: string, placeholder: Placeholder = () => REDACTED): string {
  // most queries name no secret at all: one scan says so (an encoded name is decoded below)
  if (text === '' || (!MAY_NAME_A_SECRET.test(text) && !text.includes('%'))) return text;
  return text
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      const name = pair.slice(0, eq);
      const decoded = decodedName(name);
      return isSecretName(decoded) ? `${name}=${placeholder(decoded)}` : pair;
    })
    .join('&');
}

/**
 * A URL, absolute (https://user:pw@host/p?q#f) or a reference (/p?q, a request target, a
 * relative Location), with its password and the values of secret query and fragment
 * parameters replaced.
 */
export function redactUrl(url: string, placeholder: Placeholder = () => REDACTED): string {
  const m = /^(?:([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([^/?#@]*@)?)?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/s.exec(url);
  if (!m) return url;
  const [, scheme, userinfo, rest, query, fragment] = m;
  return (
    (scheme ?? '') +
    (userinfo ? redactUserinfo(userinfo, placeholder) : '') +
    rest +
    (query !== undefined ? `?${redactParams(query, placeholder)}` : '') +
    (fragment !== undefined ? `#${redactParams(fragment, placeholder)}` : '')
  );
}

function redactUserinfo(userinfo: string, placeholder: Placeholder): string {
  const colon = userinfo.indexOf(':');
  return colon < 0 ? userinfo : `${userinfo.slice(0, colon)}:${placeholder('password')}@`;
}

/** Rule 4: a command line as shared: the program, and how many arguments were left out. */
export function sharedCommandLine(argv: readonly string[] | null): { argv: string[] | null; argumentsLeftOut: number } {
  if (!argv || argv.length === 0) return { argv: argv ? [] : null, argumentsLeftOut: 0 };
  return { argv: [argv[0]], argumentsLeftOut: argv.length - 1 };
}

/** The media type of a form whose fields rule 1 applies to. */
export function isFormBody(mimeType: string | null): boolean {
  return mimeType === 'application/x-www-form-urlencoded';
}

/** application/json, application/problem+json, ... */
export function isJsonBody(mimeType: string | null): boolean {
  return mimeType !== null && /^[a-z0-9.+-]+\/(?:[a-z0-9.-]+\+)?json$/i.test(mimeType.trim());
}

/** A JSON value with the members whose names are secrets replaced, at any depth. */
export function redactJson(value: unknown, placeholder: Placeholder = () => REDACTED): unknown {
  if (Array.isArray(value)) return value.map((v) => redactJson(v, placeholder));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isSecretName(k) ? placeholder(k) : redactJson(v, placeholder)]));
}

/** A JSON body's text with its secret members replaced; the text as it was when there are none. */
function redactJsonText(text: string, placeholder: Placeholder): string {
  if (!MAY_NAME_A_SECRET.test(text)) return text;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text; // not JSON after all: kept, like any other body
  }
  let replaced = 0;
  const out = redactJson(value, (name) => (replaced++, placeholder(name)));
  return replaced ? JSON.stringify(out) : text;
}

/** The names along a diff's JSON path: $.user.password, $["api-key"], $.items[2].token. */
function pathNames(path: string): string[] {
  return [...path.matchAll(/\.([^.[\]]+)|\["((?:[^"\\]|\\.)*)"\]/g)].map((m) => m[1] ?? m[2]);
}

/**
 * The --include-secrets switch and the rule above, for one output: with `keep` every value is
 * returned as it is; without, secrets are replaced (by `replacement`: REDACTED, or a Postman
 * variable) and counted, so that the command can say it left some out.
 */
export class SecretFilter {
  /** How many values were replaced. */
  leftOut = 0;

  constructor(
    readonly keep: boolean,
    private readonly replacement: Placeholder = () => REDACTED,
  ) {}

  /** The replacement for the value of `name`, counted. */
  readonly placeholder = (name: string): string => {
    this.leftOut++;
    return this.replacement(name);
  };

  /** A header's value: null when the whole value is a secret (the format says so its own way). */
  header(name: string, value: string): string | null {
    if (this.keep) return value;
    if (isSecretHeader(name, value)) {
      this.leftOut++;
      return null;
    }
    return URL_HEADERS.has(name.toLowerCase()) ? redactUrl(value, this.placeholder) : value;
  }

  /** A header's value, replaced by the placeholder when it is a secret. */
  headerOrPlaceholder(name: string, value: string): string {
    const v = this.header(name, value);
    return v ?? this.replacement(name);
  }

  url(url: string): string {
    return this.keep ? url : redactUrl(url, this.placeholder);
  }

  /** A query string (without '?') or a form body. */
  params(text: string): string {
    return this.keep ? text : redactParams(text, this.placeholder);
  }

  /** A body's text: a form's fields and a JSON body's members by rule 1, anything else as it is. */
  bodyText(text: string, mimeType: string | null): string {
    if (this.keep) return text;
    if (isFormBody(mimeType)) return redactParams(text, this.placeholder);
    if (isJsonBody(mimeType)) return redactJsonText(text, this.placeholder);
    return text;
  }

  /** A WebSocket message's text: as a JSON body's when it looks like JSON, else as it is. */
  messageText(text: string): string {
    return this.bodyText(text, looksLikeJson(text) ? 'application/json' : null);
  }

  /** A value found at `path` in a JSON body (a diff's): replaced if a name on the way is a secret. */
  jsonAt(path: string, value: unknown): unknown {
    if (this.keep) return value;
    const secret = pathNames(path).find(isSecretName);
    return secret !== undefined ? this.placeholder(secret) : redactJson(value, this.placeholder);
  }

  commandLine(argv: readonly string[] | null): { argv: string[] | null; argumentsLeftOut: number } {
    if (this.keep || !argv) return { argv: argv ? [...argv] : null, argumentsLeftOut: 0 };
    const shared = sharedCommandLine(argv);
    if (shared.argumentsLeftOut) this.leftOut++;
    return shared;
  }

  /** "Name: value" lines (exchange_text's headers) with the secret values replaced. */
  headerLines(text: string): string {
    if (this.keep) return text;
    return text
      .split('\n')
      .map((line) => {
        const colon = line.indexOf(':');
        if (colon < 0) return line;
        const name = line.slice(0, colon);
        const value = line.slice(colon + 1).replace(/^ /, '');
        return `${name}: ${this.headerOrPlaceholder(name, value)}`;
      })
      .join('\n');
  }
}

/** What an export says when it left secrets out (stderr, and the file itself). */
export const SECRETS_LEFT_OUT_NOTE =
  'credentials were left out (values of Authorization, Cookie and other headers, query and form parameters named like a token, key, password or secret; URL passwords; the arguments of command lines): export with --include-secrets to keep them';

/** The same, for --json outputs. */
export const SECRETS_LEFT_OUT_JSON_NOTE = SECRETS_LEFT_OUT_NOTE.replace('export with', 'add');
