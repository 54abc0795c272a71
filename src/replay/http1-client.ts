/**
 * One HTTP/1.1 connection of a replay: it writes the request bytes it is given as they are and
 * reads the response as it comes, with every byte both ways recorded (record/own-sockets.ts).
 * The end of a response is found by the same HTTP/1 parser that reads sessions
 * (protocols/http1), so the replay and the reading of its session agree on where each
 * message ends; Node's http client would re-frame the request and hide the response's bytes.
 */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

import { Http1Connection, type HttpResponse } from '../protocols/http1/index.js';
import type { OwnConnection, OwnRecorder } from '../record/own-sockets.js';
import type { HeaderField } from '../model/exchange.js';
import type { Target } from './targets.js';

export interface ReplayResponse {
  status: number;
  headers: HeaderField[];
  /** The body as received, transfer framing removed (still content-encoded). */
  body: Buffer;
  /** The server keeps the connection open for another request. */
  keepAlive: boolean;
}

export interface ConnectOptions {
  /** The address the target's name resolved to (and was checked against --allow-remote). */
  address: string;
  /** Accept any certificate (--insecure). */
  insecure: boolean;
  timeoutMs: number;
}

export class ReplayConnectionError extends Error {}

/** Why a connection failed, in one line: OpenSSL's errors are several, with source paths. */
export function connectFailure(err: Error & { reason?: string }): string {
  if (/no application protocol/i.test(err.message)) return 'it does not speak HTTP/2 over TLS (ALPN): --http1 sends HTTP/2 recordings as HTTP/1.1';
  return (err.reason ?? err.message).split('\n')[0];
}

interface Pending {
  resolve(r: ReplayResponse): void;
  reject(e: Error): void;
}

export class Http1ClientConnection {
  private socket: Socket | null = null;
  private own: OwnConnection | null = null;
  private parser = new Http1Connection();
  private offsets = { c2s: 0, s2c: 0 };
  /** s2c bytes from `base` on: enough to take the current response's body from. */
  private received: Buffer[] = [];
  private base = 0;
  private pending: Pending | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly t0 = process.hrtime.bigint();
  /** Closed, or the server said it will close: not to be given another request. */
  dead = false;

  constructor(
    private readonly target: Target,
    private readonly recorder: OwnRecorder,
    private readonly opts: ConnectOptions,
  ) {}

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const tls = this.target.scheme === 'https';
      const host = this.opts.address;
      const socket = tls
        ? tlsConnect({
            host,
            port: this.target.port,
            // the name the certificate is checked against, and the SNI: never an address
            servername: isIP(this.target.host) ? undefined : this.target.host,
            rejectUnauthorized: !this.opts.insecure,
            ALPNProtocols: ['http/1.1'],
          })
        : netConnect({ host, port: this.target.port });
      this.socket = socket;
      const fail = (err: Error) => {
        this.dead = true;
        reject(new ReplayConnectionError(`cannot connect to ${this.target.text}: ${connectFailure(err)}`));
      };
      socket.once('error', fail);
      socket.setTimeout(this.opts.timeoutMs, () => socket.destroy(new Error(`no answer within ${this.opts.timeoutMs} ms`)));
      socket.once(tls ? 'secureConnect' : 'connect', () => {
        socket.off('error', fail);
        socket.setNoDelay(true);
        this.own = this.recorder.connected(
          { address: socket.localAddress ?? '', port: socket.localPort ?? 0 },
          { address: socket.remoteAddress ?? host, port: socket.remotePort ?? this.target.port },
          tls ? 'tls' : 'tcp',
        );
        socket.on('data', (chunk: Buffer) => this.onData(chunk));
        socket.on('end', () => this.onEnd());
        socket.on('error', (err) => this.failPending(err));
        socket.on('close', () => {
          this.dead = true;
          this.own?.close();
          this.failPending(new Error('the server closed the connection'));
        });
        resolve();
      });
    });
  }

  /** The local port: it and the request's position on the connection name the exchange in the session. */
  get localPort(): number {
    return this.socket?.localPort ?? 0;
  }

  private ts(): number {
    return Number(process.hrtime.bigint() - this.t0);
  }

  /** Send one request and wait for its whole response. */
  exchange(bytes: Buffer): Promise<ReplayResponse> {
    if (this.dead || !this.socket || !this.own) return Promise.reject(new Error('the connection is closed'));
    if (this.pending) return Promise.reject(new Error('a request is already in flight on this connection'));
    return new Promise<ReplayResponse>((resolve, reject) => {
      this.pending = { resolve, reject };
      this.own!.sent(bytes);
      this.parser.push({ kind: 'data', dir: 'c2s', ts: this.ts(), offset: this.offsets.c2s, length: bytes.length, bytes, eventId: 0 });
      this.offsets.c2s += bytes.length;
      this.timer = setTimeout(() => this.socket?.destroy(new Error(`no whole response within ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs);
      this.socket!.write(bytes);
      this.settle();
    });
  }

  private onData(chunk: Buffer): void {
    this.own?.received(chunk);
    this.received.push(chunk);
    this.parser.push({ kind: 'data', dir: 's2c', ts: this.ts(), offset: this.offsets.s2c, length: chunk.length, bytes: chunk, eventId: 0 });
    this.offsets.s2c += chunk.length;
    this.settle();
  }

  private onEnd(): void {
    this.own?.peerEnded();
    this.parser.push({ kind: 'end', dir: 's2c', ts: this.ts(), offset: this.offsets.s2c, reason: 'eof', eventId: 0 });
    this.dead = true;
    this.settle();
    this.socket?.end();
  }

  /** A response that nothing more can change is handed to the request waiting for it. */
  private settle(): void {
    for (const ex of this.parser.takeExchanges()) {
      const r = ex.response;
      if (!this.pending) continue;
      const p = this.pending;
      this.pending = null;
      if (this.timer) clearTimeout(this.timer);
      if (!r || !r.complete) {
        this.dead = true;
        p.reject(new Error(ex.errors[0]?.message ?? 'the response ended before it was whole'));
        continue;
      }
      if (!r.keepAlive) this.dead = true;
      p.resolve({ status: r.status, headers: r.headers.map(([name, value]) => ({ name, value })), body: this.bodyOf(r), keepAlive: r.keepAlive });
      this.forget(r.end);
    }
  }

  private bodyOf(r: HttpResponse): Buffer {
    const all = Buffer.concat(this.received);
    this.received = [all];
    return Buffer.concat(r.body.ranges.map(([s, e]) => all.subarray(s - this.base, e - this.base)));
  }

  /** Bytes before `offset` belong to answered responses. */
  private forget(offset: number): void {
    const all = Buffer.concat(this.received);
    this.received = [all.subarray(Math.min(all.length, offset - this.base))];
    this.base = offset;
  }

  private failPending(err: Error): void {
    if (!this.pending) return;
    // what the parser can still make of the bytes (a response framed by the close)
    for (const ex of this.parser.finish()) {
      const r = ex.response;
      if (r && r.complete && this.pending) {
        const p = this.pending;
        this.pending = null;
        if (this.timer) clearTimeout(this.timer);
        p.resolve({ status: r.status, headers: r.headers.map(([name, value]) => ({ name, value })), body: this.bodyOf(r), keepAlive: false });
      }
    }
    if (!this.pending) return;
    const p = this.pending;
    this.pending = null;
    if (this.timer) clearTimeout(this.timer);
    p.reject(err);
  }

  close(): void {
    this.dead = true;
    this.socket?.end();
    this.socket?.destroy();
  }
}
