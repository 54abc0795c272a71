/**
 * An Insomnia v4 export (the JSON that Insomnia's Import reads: `_type: "export"`,
 * `__export_format: 4`, and a flat list of resources linked by parentId) of the captured
 * requests, written resource by resource (json-document.ts).
 *
 * One workspace for the export, and in it one request_group per origin (scheme, host and
 * port): a session mixes the traffic of many programs, and grouping by the server they talked
 * to is how people keep requests in Insomnia (and where a base URL would go). A group is
 * written just before its first request, so the list streams in capture order.
 *
 * Requests are sent again as captured: headers a client computes are left out
 * (replay-headers.ts), the URL is already a URI and is not encoded again
 * (settingEncodeUrl: false), form bodies are form fields (Insomnia encodes them when it sends),
 * other text bodies are text. A binary body cannot be held (Insomnia's binary body is a path to
 * a file on the user's disk): its request has the media type, no bytes, and says so in its
 * description. A WebSocket upgrade is a websocket_request (Insomnia 2022.7 on). A gRPC call
 * is left out and counted: Insomnia's grpc_request needs the .proto files, which a capture
 * does not have.
 */
import type { Exchange } from '../model/exchange.js';

/** The exchange's part of an Insomnia _id: its label with '/' (a history's TAG/ID) made '_'. */
const idPart = (ex: Exchange) => (ex.label ?? String(ex.id)).replace(/\//g, '_');
import { InsomniaSecrets } from './insomnia-template.js';
import { jsonDocument } from './json-document.js';
import { decodedParams } from './params.js';
import { HANDSHAKE_HEADERS, type LeftOut, type ReplayRequest, capturedBy, isReplayable, isWebSocketUpgrade, replayRequest, requestName, webSocketUrl } from './collection-request.js';
import { SecretFilter, isFormBody, isSecretName } from './secrets.js';
import { bodyText } from './text.js';
import { uriParts } from './url.js';

export interface InsomniaOptions {
  /** The workspace's name (the session's file name). */
  name: string;
  /** Makes this export's resource ids its own: importing two sessions makes two workspaces. */
  id: string;
  filter: string;
  /** Keep credentials; without, they are environment variables {{ _.name }}, left empty. */
  includeSecrets: boolean;
  /** tinytap's version, for __export_source. */
  version: string;
  /** When the export was made (__export_date). */
  date: Date;
  /** Counts what the export leaves out, for the command to say. */
  leftOut: LeftOut;
}

/** The request's origin: its group's name. */
function originOf(url: string): string {
  const p = uriParts(url);
  return `${p.protocol}://${p.host}${p.port ? `:${p.port}` : ''}`;
}

class InsomniaExport {
  private readonly secrets = new InsomniaSecrets();
  private readonly filter: SecretFilter;
  private readonly groups = new Map<string, string>();
  private readonly prefix: string;
  private sortKey = 0;

  constructor(private readonly opts: InsomniaOptions) {
    this.filter = new SecretFilter(opts.includeSecrets, this.secrets.mark);
    this.prefix = opts.id.replace(/-/g, '');
  }

  get workspaceId(): string {
    return `wrk_${this.prefix}`;
  }

  /** The resources of one exchange: its group first when it is the first of its origin. */
  *resources(ex: Exchange): Generator<Record<string, unknown>> {
    if (!isReplayable(ex)) return;
    if (ex.grpc) {
      this.opts.leftOut.grpc++;
      return;
    }
    const r = replayRequest(ex, this.filter);
    const origin = originOf(r.url);
    let parentId = this.groups.get(origin);
    if (parentId === undefined) {
      parentId = `fld_${this.prefix}_${this.groups.size + 1}`;
      this.groups.set(origin, parentId);
      yield { _id: parentId, _type: 'request_group', parentId: this.workspaceId, name: origin, description: '', environment: {}, metaSortKey: this.groups.size };
    }
    this.sortKey++;
    yield isWebSocketUpgrade(ex) ? this.websocketRequest(ex, r, parentId) : this.request(ex, r, parentId);
  }

  private common(ex: Exchange, r: ReplayRequest, parentId: string, headers: ReplayRequest['headers']) {
    const t = (s: string) => this.secrets.template(s);
    return {
      parentId,
      name: t(requestName(ex, this.filter)),
      description: [capturedBy(ex), ...r.notes].join('\n\n'),
      url: t(r.url),
      headers: headers.map((h) => ({ name: t(h.name), value: t(h.value) })),
      parameters: [],
      authentication: {},
      metaSortKey: this.sortKey,
      settingEncodeUrl: false,
    };
  }

  private request(ex: Exchange, r: ReplayRequest, parentId: string) {
    const body = this.body(ex, r);
    return { _id: `req_${this.prefix}_${idPart(ex)}`, _type: 'request', method: r.method, ...this.common(ex, r, parentId, r.headers), body };
  }

  private websocketRequest(ex: Exchange, r: ReplayRequest, parentId: string) {
    const headers = r.headers.filter((h) => !HANDSHAKE_HEADERS.has(h.name.toLowerCase()));
    const common = this.common(ex, r, parentId, headers);
    return { _id: `ws-req_${this.prefix}_${idPart(ex)}`, _type: 'websocket_request', ...common, url: webSocketUrl(common.url) };
  }

  private body(ex: Exchange, r: ReplayRequest): Record<string, unknown> {
    const b = r.body;
    if (b.kind === 'none') return {};
    if (b.kind === 'binary') {
      r.notes.push(`the request body (${ex.request.body.size} bytes, ${b.mimeType ?? 'no type'}) is binary and not in this export: tinytap export --curl reproduces it`);
      return { mimeType: b.mimeType ?? 'application/octet-stream' };
    }
    if (isFormBody(b.mimeType)) {
      // the fields as captured, decoded: their secrets are replaced one by one below
      const params = decodedParams(bodyText(ex.request.body).text);
      if (params)
        return {
          mimeType: b.mimeType,
          params: params.map((p) => ({ name: this.secrets.template(p.name), value: this.fieldValue(p.name, p.value) })),
        };
    }
    // '' is Insomnia's "Other": the text is sent as it is, with the captured Content-Type header
    return { mimeType: b.mimeType ?? '', text: this.secrets.template(b.text) };
  }

  private fieldValue(name: string, value: string): string {
    return this.secrets.template(!this.filter.keep && isSecretName(name) ? this.filter.placeholder(name) : value);
  }

  /** The base environment: every variable the export uses, empty, for the user to fill in. */
  environment(): Record<string, unknown> | null {
    if (this.secrets.variables.size === 0) return null;
    const data = Object.fromEntries([...this.secrets.variables].map((v) => [v, '']));
    return { _id: `env_${this.prefix}`, _type: 'environment', parentId: this.workspaceId, name: 'Base Environment', data };
  }
}

export function* insomniaExport(exchanges: Iterable<Exchange>, opts: InsomniaOptions): Generator<string> {
  const x = new InsomniaExport(opts);
  const head = {
    _type: 'export',
    __export_format: 4,
    __export_date: opts.date.toISOString(),
    __export_source: `tinytap:v${opts.version}`,
    resources: [],
  };
  const workspace = {
    _id: x.workspaceId,
    _type: 'workspace',
    parentId: null,
    name: opts.name,
    description:
      `Requests captured by tinytap${opts.filter ? ` matching ${opts.filter}` : ''}.` +
      (opts.includeSecrets ? '' : ' Credentials are left out as environment variables {{ _.name }} (named after the header or parameter): set them in the base environment.'),
    scope: 'collection',
  };
  yield* jsonDocument(head, resources(x, workspace, exchanges));
}

function* resources(x: InsomniaExport, workspace: Record<string, unknown>, exchanges: Iterable<Exchange>) {
  yield workspace;
  for (const ex of exchanges) yield* x.resources(ex);
  // last: only now is it known which variables the requests use
  const env = x.environment();
  if (env) yield env;
}
