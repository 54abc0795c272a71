/**
 * One PostgreSQL connection: a framer per direction (framer.ts), the client's messages made into
 * calls (requests.ts), the server's matched to them (replies.ts), and calls handed out in index
 * order once nothing more can change them.
 */
import type { DbCall, DbConnection, DbParseError } from '../db-call.js';
import type { StreamItem } from '../stream.js';
import type { CallBuilder } from './call-builder.js';
import { MessageFramer, type MessageShape, type PgMessage } from './framer.js';
import { DEFAULT_POSTGRES_LIMITS, type PostgresLimits } from './limits.js';
import { handleBackend } from './replies.js';
import { closeGroup, handleFrontend } from './requests.js';
import { ConnectionState } from './state.js';
import { BACKEND_TYPES, FRONTEND_TYPES } from './wire.js';

const TLS_HANDSHAKE = 0x16;
const NEGOTIATION_ANSWERS = new Set([0x53, 0x4e, 0x47]); // 'S' 'N' 'G'

export class PostgresConnection implements DbConnection {
  private readonly state: ConnectionState;
  private readonly c2s: MessageFramer;
  private readonly s2c: MessageFramer;
  /** c2s is before its StartupMessage: untyped packets (startup, SSLRequest, CancelRequest) come next. */
  private startupPhase = true;
  private finished = false;

  constructor(limits: Partial<PostgresLimits> = {}) {
    const all = { ...DEFAULT_POSTGRES_LIMITS, ...limits };
    this.state = new ConnectionState(all);
    this.c2s = new MessageFramer('c2s', FRONTEND_TYPES, all, {
      shapeAt: (b) => this.frontendShape(b),
      onMessage: (m) => this.onFrontend(m),
      onError: (e) => this.onError(e),
    });
    this.s2c = new MessageFramer('s2c', BACKEND_TYPES, all, {
      shapeAt: (b) => this.backendShape(b),
      onMessage: (m) => this.onBackend(m),
      onError: (e) => this.onError(e),
    });
  }

  get switchedTo(): string | null {
    return this.state.switchedTo;
  }

  /** Bytes held for messages being read (for memory checks). */
  get heldBytes(): number {
    return this.c2s.heldBytes + this.s2c.heldBytes;
  }

  push(item: StreamItem): void {
    if (this.finished) return;
    try {
      if (item.dir === 'c2s') {
        this.c2s.push(item);
        if (this.c2s.done) this.requestsOver();
      } else {
        this.s2c.push(item);
        if (this.s2c.done) this.repliesOver();
      }
    } catch (e) {
      this.internalError(item.dir === 'c2s' ? this.c2s : this.s2c, e);
    }
  }

  takeCalls(): DbCall[] {
    const slots = this.state.slots;
    let n = 0;
    while (n < slots.length && slots[n].settled) n++;
    if (n === 0) return [];
    const taken = slots.slice(0, n);
    this.state.slots = slots.slice(n);
    return taken.map((s) => s.finish());
  }

  finish(): DbCall[] {
    if (this.finished) return [];
    try {
      this.c2s.end();
      this.requestsOver();
      this.s2c.end();
      this.repliesOver();
    } catch (e) {
      this.internalError(this.s2c, e);
    }
    this.finished = true;
    const rest = this.state.slots;
    this.state.slots = [];
    return rest.map((s) => s.finish());
  }

  private frontendShape(first: number): MessageShape {
    if (!this.startupPhase) return 'typed';
    if (first === 0) return 'untyped';
    // a TLS ClientHello: after the server's 'S', or sslnegotiation=direct (PostgreSQL 17)
    if (first === TLS_HANDSHAKE) {
      this.state.switchedTo ??= 'tls';
      this.s2c.stop();
      return 'stop';
    }
    this.startupPhase = false; // typed messages: the capture began after the startup
    return 'typed';
  }

  private backendShape(first: number): MessageShape {
    if (this.state.queue[0]?.kind === 'negotiation' && NEGOTIATION_ANSWERS.has(first)) return 'byte';
    return 'typed';
  }

  private onFrontend(m: PgMessage): void {
    if (m.shape === 'untyped' && m.body.length >= 4 && m.body[0] === 0 && m.body[1] === 3) this.startupPhase = false;
    handleFrontend(this.state, m);
  }

  private onBackend(m: PgMessage): void {
    handleBackend(this.state, m);
    if (this.state.switchedTo !== null) {
      // the rest of both directions is TLS (or GSSAPI-encrypted): not ours to parse
      this.c2s.stop();
      this.s2c.stop();
    }
  }

  private onError(error: DbParseError): void {
    this.callForError(error).addError(error);
  }

  /**
   * Where a direction's end is reported: the call it stopped in (still open, so the answer does not
   * depend on when calls are taken), else a call of its own.
   */
  private callForError(error: DbParseError): CallBuilder {
    const { state } = this;
    const open = error.dir === 'c2s' ? (state.group ?? state.lastRequest) : state.queue[0]?.call;
    if (open && !open.settled) return open;
    const call = state.newCall('UNKNOWN');
    call.requestOpen = false;
    return call;
  }

  private requestsOver(): void {
    if (this.state.requestsOver) return;
    closeGroup(this.state);
    this.state.closeRequests();
  }

  private repliesOver(): void {
    if (this.state.repliesOver) return;
    this.state.dropExpectations();
  }

  private internalError(framer: MessageFramer, e: unknown): void {
    const text = e instanceof Error ? e.message : String(e);
    try {
      framer.stop();
      this.onError({ dir: framer.dir, offset: 0, code: 'internal', message: `internal parser error: ${text}` });
      if (framer === this.c2s) this.requestsOver();
      else this.repliesOver();
    } catch {
      // nothing more can be done for this direction
    }
  }
}
