/**
 * A Bruno collection (https://docs.usebruno.com/bru-lang/overview) of the captured requests:
 * bruno.json, and one .bru file per request, named by bru-file-names.ts. The files are made
 * here as names and contents; the command writes them (files/private-dir.ts).
 *
 * Each request is sent again as captured: the headers a replay passes on (replay-headers.ts),
 * the URL as a URI, and the body as the block its media type calls for: body:json, body:xml,
 * body:text, or a form's fields in body:form-urlencoded (Bruno encodes them when it sends).
 * What no text block can hold byte for byte (binary, content-encoded, or text with a CR) goes
 * in a file beside the request, `NNNN-….body`, which its body:file block names: Bruno sends
 * that file's bytes. A header that no .bru pair can hold (bru-text.ts says which) is left out
 * and named in the request's docs. A WebSocket upgrade is a `ws` request; a gRPC call is left
 * out and counted (Bruno's grpc requests need the .proto files). Credentials left out are
 * Bruno variables, {{access_token}}, to set in an environment.
 */
import { type Exchange, exchangeLabel } from '../model/exchange.js';
import { bruDictionary, bruKey, bruTextBlock, bruValue, fitsTextBlock } from './bru-text.js';
import { requestFileBase } from './bru-file-names.js';
import { decodedParams } from './params.js';
import {
  HANDSHAKE_HEADERS,
  type LeftOut,
  type ReplayRequest,
  braceVariable,
  capturedBy,
  isReplayable,
  isWebSocketUpgrade,
  replayRequest,
  requestName,
  webSocketUrl,
} from './collection-request.js';
import { SecretFilter, isFormBody, isJsonBody, isSecretName } from './secrets.js';
import { bodyText } from './text.js';

export interface BrunoFile {
  /** A name in the collection's directory (no '/'). */
  name: string;
  data: string | Uint8Array;
}

export interface BrunoOptions {
  /** The collection's name (the session's file name). */
  name: string;
  filter: string;
  includeSecrets: boolean;
  leftOut: LeftOut;
}

/** Methods with a block of their own; others are `http { method: ... }`. */
const STANDARD_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'trace', 'connect']);

/** One line of captured text for a single-line value: control characters written as \xNN. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`).trim();
}

interface BodyPart {
  /** The http block's `body:` mode. */
  mode: string;
  block: string;
  file?: BrunoFile;
}

class BrunoRequest {
  readonly notes: string[];
  private readonly r: ReplayRequest;

  constructor(
    private readonly ex: Exchange,
    private readonly seq: number,
    private readonly secrets: SecretFilter,
  ) {
    this.r = replayRequest(ex, secrets);
    this.notes = [capturedBy(ex), ...this.r.notes];
  }

  get base(): string {
    return requestFileBase(this.seq, this.ex.request.method, this.ex.request.path);
  }

  files(): BrunoFile[] {
    const ws = isWebSocketUpgrade(this.ex);
    const body = ws ? null : this.body();
    const name = oneLine(requestName(this.ex, this.secrets));
    const meta = bruDictionary('meta', [
      ['name', bruValue(name) ?? `#${exchangeLabel(this.ex)}`],
      ['type', ws ? 'ws' : 'http'],
      ['seq', String(this.seq)],
    ]);
    const method = this.r.method.toLowerCase();
    const request = ws
      ? bruDictionary('ws', [['url', webSocketUrl(this.r.url)], ['auth', 'none']])
      : STANDARD_METHODS.has(method)
        ? bruDictionary(method, [['url', this.r.url], ['body', body?.mode ?? 'none'], ['auth', 'none']])
        : bruDictionary('http', [['method', bruValue(this.r.method) ?? 'GET'], ['url', this.r.url], ['body', body?.mode ?? 'none'], ['auth', 'none']]);
    const headers = this.headers(ws ? this.r.headers.filter((h) => !HANDSHAKE_HEADERS.has(h.name.toLowerCase())) : this.r.headers);
    const docs = bruTextBlock('docs', this.notes.join('\n\n').replace(/\r/g, '\\r'));
    const blocks = [meta, request, headers.length ? bruDictionary('headers', headers) : '', body?.block ?? '', docs].filter(Boolean);
    const files: BrunoFile[] = [{ name: `${this.base}.bru`, data: blocks.join('\n') }];
    if (body?.file) files.push(body.file);
    return files;
  }

  private headers(headers: ReplayRequest['headers']): [string, string][] {
    const out: [string, string][] = [];
    for (const h of headers) {
      const k = bruKey(h.name);
      const v = bruValue(h.value);
      if (k !== null && v !== null) out.push([k, v]);
      else this.notes.push(`the header ${JSON.stringify(h.name)} is left out: a .bru file cannot hold its ${k === null ? 'name' : 'value'} as it is (tinytap export --curl sends it)`);
    }
    return out;
  }

  private body(): BodyPart | null {
    const b = this.r.body;
    if (b.kind === 'none') return null;
    if (b.kind === 'text' && fitsTextBlock(b.text)) {
      if (isFormBody(b.mimeType)) {
        const form = this.formFields();
        if (form) return { mode: 'formUrlEncoded', block: bruDictionary('body:form-urlencoded', form) };
      }
      const mode = isJsonBody(b.mimeType) ? 'json' : /xml/.test(b.mimeType ?? '') ? 'xml' : 'text';
      return b.text === '' ? null : { mode, block: bruTextBlock(`body:${mode}`, b.text) };
    }
    // bytes as sent, in a file beside the request
    const bytes = b.kind === 'text' ? Buffer.from(b.text, 'utf8') : b.bytes;
    const name = `${this.base}.body`;
    const type = b.mimeType && /^[^\s()]+$/.test(b.mimeType) ? ` @contentType(${b.mimeType})` : '';
    return { mode: 'file', block: bruDictionary('body:file', [['file', `@file(${name})${type}`]]), file: { name, data: bytes } };
  }

  /** The form's fields as pairs, or null when some field cannot be written as one. */
  private formFields(): [string, string][] | null {
    const params = decodedParams(bodyText(this.ex.request.body).text);
    if (!params) return null;
    const out: [string, string][] = [];
    for (const p of params) {
      const value = !this.secrets.keep && isSecretName(p.name) ? this.secrets.placeholder(p.name) : p.value;
      const k = bruKey(p.name);
      const v = bruValue(value);
      if (k === null || v === null) return null;
      out.push([k, v]);
    }
    return out;
  }
}

export function* brunoCollection(exchanges: Iterable<Exchange>, opts: BrunoOptions): Generator<BrunoFile> {
  yield { name: 'bruno.json', data: `${JSON.stringify({ version: '1', name: opts.name, type: 'collection', ignore: ['node_modules', '.git'] }, null, 2)}\n` };
  const secrets = new SecretFilter(opts.includeSecrets, braceVariable);
  let seq = 0;
  for (const ex of exchanges) {
    if (!isReplayable(ex)) continue;
    if (ex.grpc) {
      opts.leftOut.grpc++;
      continue;
    }
    yield* new BrunoRequest(ex, ++seq, secrets).files();
  }
}
