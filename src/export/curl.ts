/**
 * One curl command per captured request, which sends the same method, target, headers and body
 * again. The commands are a POSIX sh script: every captured value becomes a shell word through
 * shell-words.ts (nothing in it is ever run), and every comment line is printable ASCII (a
 * newline in a captured value would otherwise end the comment and start a command).
 *
 * Why not @readme/httpsnippet: it needs Node 22, builds commands from HAR strings (a NUL or
 * bytes that are not UTF-8 cannot survive that), and quotes for bash ($'...'), not for sh.
 */
import { type Exchange, type HttpRequest, exchangeLabel } from '../model/exchange.js';
import { curlTarget } from './curl-target.js';
import { replayHeaders } from './replay-headers.js';
import { shellWordLatin1, singleQuoted } from './shell-words.js';
import { headerValue } from './text.js';
import { exchangeUri } from './url.js';

/** A captured value in a comment line: printable ASCII, anything else as \xHH. */
export function commentText(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, (c) => `\\x${(c.charCodeAt(0) & 0xff).toString(16).padStart(2, '0')}`);
}

/** curl adds these when a request has none; an empty -H 'Name:' stops it. */
const CURL_DEFAULTS = ['Host', 'User-Agent', 'Accept'];

/** Above this, some curl versions add "Expect: 100-continue" to a body they upload. */
const CURL_EXPECT_THRESHOLD = 1024;

const HEREDOC_END = 'TINYTAP_BODY';

/**
 * The longest body passed to curl as an argument. Linux refuses to run a command with any one
 * argument of 128 KiB or more (MAX_ARG_STRLEN: "Argument list too long"); longer bodies go
 * through stdin, as binary ones do.
 */
const MAX_ARGUMENT_BODY = 64 * 1024;

function sendsBody(r: HttpRequest): boolean {
  return r.body.size > 0 || headerValue(r.headers, 'content-length') !== null || headerValue(r.headers, 'transfer-encoding') !== null;
}

/** A body curl can take in a quoted argument: printable ASCII and newlines. */
function isQuotableText(bytes: Uint8Array): boolean {
  return bytes.every((b) => (b >= 0x20 && b <= 0x7e) || b === 0x0a);
}

interface Parts {
  /** Options, each with its value ("-H 'Accept: text/html'"), one per line of the command. */
  args: string[];
  comments: string[];
  /** base64 lines of a here-document piped into curl, when the body needs one. */
  heredoc: string[] | null;
}

function methodArgs(r: HttpRequest, body: boolean): string[] {
  if (r.method === 'HEAD') return ['--head'];
  const implied = body ? 'POST' : 'GET';
  // a method is a token (RFC 9110 §9.1): no NUL or newline, so it always has a word
  return r.method === implied ? [] : [`-X ${shellWordLatin1(r.method) ?? "''"}`];
}

function headerArgs(r: HttpRequest, authority: string, body: boolean, parts: Parts): void {
  const { send, leftOut } = replayHeaders(r, authority);
  if (leftOut.length) parts.comments.push(`# left out, curl writes them itself: ${commentText(leftOut.join(', '))}`);
  for (const h of send) {
    // curl sends "Name;" as an empty header ("Name:" would remove it)
    const word = h.value === '' ? shellWordLatin1(`${h.name};`) : shellWordLatin1(`${h.name}: ${h.value}`);
    if (word === null) parts.comments.push(`# left out: the value of ${commentText(h.name)} holds a NUL byte, which no command-line argument can carry`);
    else parts.args.push(`-H ${word}`);
  }
  const has = (name: string) => headerValue(r.headers, name) !== null;
  const remove = (name: string) => parts.args.push(`-H ${singleQuoted(`${name}:`)}`);
  for (const name of CURL_DEFAULTS) if (!has(name)) remove(name);
  if (body && !has('content-type')) remove('Content-Type');
  if (body && r.body.captured.length > CURL_EXPECT_THRESHOLD && !has('expect')) remove('Expect');
}

function bodyArgs(r: HttpRequest, parts: Parts): void {
  const bytes = r.body.captured;
  if (bytes.length < r.body.size)
    parts.comments.push(`# the request body was not fully captured (${bytes.length} of ${r.body.size} bytes): this sends the captured part`);
  if (bytes.length === 0) parts.args.push("--data-binary ''");
  // --data-raw: with --data, a body starting with '@' would name a file to upload
  else if (bytes.length <= MAX_ARGUMENT_BODY && isQuotableText(bytes))
    parts.args.push(`--data-raw ${singleQuoted(Buffer.from(bytes).toString('latin1'))}`);
  else {
    // any bytes at all (NUL, not UTF-8), any length: base64 in a quoted here-document, decoded into curl
    parts.args.push('--data-binary @-');
    parts.heredoc = Buffer.from(bytes).toString('base64').match(/.{1,76}/g) ?? [];
  }
}

/** The HTTP version the exchange was: HTTP/2 in the clear was spoken without asking (h2c). */
function versionArg(r: Exchange['request']): string {
  if (r.httpVersion === 'HTTP/2') return r.scheme === 'https' ? '--http2' : '--http2-prior-knowledge';
  return r.httpVersion === 'HTTP/1.0' ? '--http1.0' : '--http1.1';
}

/** Lines of the command for one exchange, ending with a newline; comments only if it has none. */
export function curlCommand(ex: Exchange): string {
  const r = ex.request;
  const title = `# #${exchangeLabel(ex)} ${commentText(r.method)} ${exchangeUri(ex)}`;
  if (!r.method) return `# #${exchangeLabel(ex)}: only the response was captured, there is no request to send\n`;
  if (r.method === 'CONNECT') return `${title}\n# a CONNECT opens a tunnel: not exported as a command\n`;
  // curl would send the handshake and stop at the 101: the conversation is in the messages
  if (ex.websocket) {
    const n = ex.websocket.messages;
    return `${title}\n# a WebSocket: its ${n} message${n === 1 ? '' : 's'} cannot be a curl command (tinytap show ${exchangeLabel(ex)} --json has them)\n`;
  }
  if (ex.grpc)
    return `${title}\n# a gRPC call (${commentText(`${ex.grpc.service ?? ex.grpc.path}/${ex.grpc.method ?? ''}`)}): curl cannot make it (length-prefixed messages, status in trailers); use a gRPC client such as grpcurl\n`;
  const target = curlTarget(ex);
  const body = sendsBody(r);
  const parts: Parts = { args: [], comments: [], heredoc: null };
  parts.args.push(versionArg(r), ...methodArgs(r, body));
  headerArgs(r, target.authority, body, parts);
  if (body) bodyArgs(r, parts);
  for (const [option, value] of target.options) {
    if (value === '') {
      parts.args.push(option);
      continue;
    }
    const word = shellWordLatin1(value);
    if (word === null) parts.comments.push(`# ${option}: the target holds a NUL byte, which no command-line argument can carry`);
    else parts.args.push(`${option} ${word}`);
  }
  parts.args.push(`--url ${singleQuoted(target.url)}`);
  const lead = parts.heredoc ? `base64 -d <<'${HEREDOC_END}' | curl` : 'curl';
  const command = [`${lead} ${parts.args[0]}`, ...parts.args.slice(1)].join(' \\\n  ');
  const tail = parts.heredoc ? `\n${parts.heredoc.join('\n')}\n${HEREDOC_END}` : '';
  return [title, ...parts.comments, command + tail].join('\n') + '\n';
}

/** A sh script of commands, one per exchange, for `tinytap export --curl`. */
export function* curlScript(exchanges: Iterable<Exchange>, about: string): Generator<string> {
  yield `#!/bin/sh\n# ${commentText(about)}\n`;
  for (const ex of exchanges) yield `\n${curlCommand(ex)}`;
}
