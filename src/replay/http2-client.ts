/**
 * One HTTP/2 connection of a replay (h2c with prior knowledge for http://, ALPN h2 for
 * https://), its streams shared by every request to the target. Node's http2 client (nghttp2)
 * speaks the protocol; it is given a stream that records every byte it writes and reads
 * (record/own-sockets.ts), so the replay's session holds the connection from its preface and
 * the session's own HTTP/2 parser reads it like any other.
 */
import { type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders, connect as h2connect, constants } from 'node:http2';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';

import type { HeaderField } from '../model/exchange.js';
import type { OwnConnection, OwnRecorder } from '../record/own-sockets.js';
import type { ConnectOptions, ReplayResponse } from './http1-client.js';
import { ReplayConnectionError, connectFailure } from './http1-client.js';
import type { RequestParts } from './replay-request.js';
import type { Target } from './targets.js';

/** A socket's bytes both ways, recorded as they pass. */
class RecordedStream extends Duplex {
  constructor(
    private readonly socket: Socket,
    private readonly own: OwnConnection,
  ) {
    super();
    socket.on('data', (chunk: Buffer) => {
      own.received(chunk);
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => {
      own.peerEnded();
      this.push(null);
    });
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => {
      own.close();
      this.destroy();
    });
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.own.sent(chunk);
    this.socket.write(chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end(callback);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(err);
  }
}

/** Fields that are the connection's in HTTP/1.1 and forbidden in HTTP/2 (RFC 9113 §8.2.2). */
const CONNECTION_FIELDS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host']);

function h2Headers(parts: RequestParts, target: Target): OutgoingHttpHeaders {
  const host = parts.headers.find((h) => h.name.toLowerCase() === 'host')?.value ?? target.authority;
  const out: OutgoingHttpHeaders = {
    [constants.HTTP2_HEADER_METHOD]: parts.method,
    [constants.HTTP2_HEADER_PATH]: parts.target,
    [constants.HTTP2_HEADER_SCHEME]: target.scheme,
    [constants.HTTP2_HEADER_AUTHORITY]: host,
  };
  for (const h of parts.headers) {
    const name = h.name.toLowerCase();
    if (CONNECTION_FIELDS.has(name)) continue;
    // "te" is allowed with "trailers" only (gRPC sends it)
    if (name === 'te' && h.value.trim().toLowerCase() !== 'trailers') continue;
    const prev = out[name];
    out[name] = prev === undefined ? h.value : [...(Array.isArray(prev) ? prev : [String(prev)]), h.value];
  }
  if (parts.body.length) out[constants.HTTP2_HEADER_CONTENT_LENGTH] = String(parts.body.length);
  return out;
}

function fieldsOf(headers: IncomingHttpHeaders): HeaderField[] {
  const out: HeaderField[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(':') || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.push({ name, value: String(v) });
  }
  return out;
}

export class Http2ClientConnection {
  private socket: Socket | null = null;
  private session: ClientHttp2Session | null = null;
  /** Streams opened so far: the next one's position on the connection. */
  opened = 0;
  dead = false;

  constructor(
    private readonly target: Target,
    private readonly recorder: OwnRecorder,
    private readonly opts: ConnectOptions,
  ) {}

  get localPort(): number {
    return this.socket?.localPort ?? 0;
  }

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const tls = this.target.scheme === 'https';
      const socket = tls
        ? tlsConnect({
            host: this.opts.address,
            port: this.target.port,
            servername: isIP(this.target.host) ? undefined : this.target.host,
            rejectUnauthorized: !this.opts.insecure,
            ALPNProtocols: ['h2'],
          })
        : netConnect({ host: this.opts.address, port: this.target.port });
      this.socket = socket;
      const fail = (err: Error) => {
        this.dead = true;
        reject(new ReplayConnectionError(`cannot connect to ${this.target.text}: ${connectFailure(err)}`));
      };
      socket.once('error', fail);
      socket.once(tls ? 'secureConnect' : 'connect', () => {
        socket.off('error', fail);
        if (tls && (socket as Socket & { alpnProtocol?: string | false }).alpnProtocol !== 'h2') {
          socket.destroy();
          fail(new Error('it does not speak HTTP/2 over TLS (ALPN): --http1 sends HTTP/2 recordings as HTTP/1.1'));
          return;
        }
        socket.setNoDelay(true);
        const own = this.recorder.connected(
          { address: socket.localAddress ?? '', port: socket.localPort ?? 0 },
          { address: socket.remoteAddress ?? this.opts.address, port: socket.remotePort ?? this.target.port },
          tls ? 'tls' : 'tcp',
        );
        const stream = new RecordedStream(socket, own);
        const session = h2connect(`${this.target.scheme}://${this.target.authority}`, { createConnection: () => stream });
        this.session = session;
        session.on('error', () => {
          this.dead = true;
        });
        session.on('close', () => {
          this.dead = true;
        });
        session.on('goaway', () => {
          this.dead = true;
        });
        resolve();
      });
    });
  }

  /** Send one request on a new stream and wait for its whole response. */
  exchange(parts: RequestParts): Promise<ReplayResponse> {
    const session = this.session;
    if (this.dead || !session) return Promise.reject(new Error('the connection is closed'));
    this.opened++;
    return new Promise<ReplayResponse>((resolve, reject) => {
      let stream;
      try {
        stream = session.request(h2Headers(parts, this.target), { endStream: parts.body.length === 0 });
      } catch (err) {
        // a field HTTP/2 cannot carry (nghttp2 refuses it before anything is sent)
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      const timer = setTimeout(() => stream.close(constants.NGHTTP2_CANCEL), this.opts.timeoutMs);
      let status = 0;
      let headers: HeaderField[] = [];
      const chunks: Buffer[] = [];
      stream.on('response', (h) => {
        status = Number(h[constants.HTTP2_HEADER_STATUS]);
        headers = fieldsOf(h);
      });
      stream.on('trailers', (t) => headers.push(...fieldsOf(t)));
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        clearTimeout(timer);
        if (!status) reject(new Error('the stream ended without a response'));
        else resolve({ status, headers, body: Buffer.concat(chunks), keepAlive: !this.dead });
      });
      stream.on('error', (err: Error) => {
        clearTimeout(timer);
        reject(err);
      });
      stream.on('close', () => {
        clearTimeout(timer);
        if (!status) reject(new Error(stream.rstCode ? `the stream was reset (code ${stream.rstCode})` : `no whole response within ${this.opts.timeoutMs} ms`));
      });
      if (parts.body.length) stream.end(Buffer.from(parts.body));
    });
  }

  close(): void {
    this.dead = true;
    this.session?.close();
    this.socket?.end();
  }
}
