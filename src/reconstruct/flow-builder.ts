/**
 * One flow, rebuilt from its events: the two byte streams, the protocol it speaks, and (for
 * HTTP/1.x) its exchanges, handed out as they complete so memory stays bounded on long
 * connections. Fed events in capture order; pure apart from that.
 */
import type { SessionEvent } from '../session/event-reader.js';
import { Http1Connection, looksLikeHttp1Request, looksLikeHttp1Response } from '../protocols/http1/index.js';
import type { Http1Exchange } from '../protocols/http1/types.js';
import type { StreamDirection, StreamItem } from '../protocols/stream.js';
import { type ExchangeRow, type ExchangeText, type FlowContext, exchangeRow } from './exchange-row.js';
import type { ConnInfo, ConnUser, FlowPlan } from './flow-plan.js';
import { guessProtocol } from './protocol-guess.js';
import { RetainedBytes } from './retained-bytes.js';
import { type DirectionWitnesses, WitnessedStream, directionWitnesses, witnessOf } from './stream-items.js';

export interface BuiltExchange {
  row: ExchangeRow;
  text: ExchangeText;
}

export interface FlowRow {
  clientConn: number | null;
  serverConn: number | null;
  clientPid: number | null;
  clientComm: string | null;
  serverPid: number | null;
  serverComm: string | null;
  transport: string;
  clientAddr: string | null;
  clientPort: number | null;
  serverAddr: string | null;
  serverPort: number | null;
  protocol: string;
  startedAt: bigint;
  endedAt: bigint | null;
  bytesC2s: number;
  bytesS2c: number;
  exchanges: number;
  error: string | null;
  /** Every process that used each end (JSON in the flows table), when more than one did. */
  clientProcesses: ConnInfo['users'] | null;
  serverProcesses: ConnInfo['users'] | null;
}

/** Bytes kept per direction for the search index while an exchange is in progress. */
const RETAIN_BYTES = 2 << 20;
/** Bytes of each direction looked at to tell the protocol. */
const SNIFF_BYTES = 64;

function endpointAddr(c: ConnInfo | null, side: 'local' | 'remote'): string | null {
  if (!c) return null;
  if (c.family === 1) return side === 'local' ? c.localPath : c.peerPath;
  return side === 'local' ? c.localAddr : c.remoteAddr;
}

export class FlowBuilder {
  private client: ConnInfo | null;
  private server: ConnInfo | null;
  private witnesses: Record<StreamDirection, DirectionWitnesses>;
  private readonly streams: Record<StreamDirection, WitnessedStream>;
  private readonly retained: Record<StreamDirection, RetainedBytes>;
  private readonly sniffed: Record<StreamDirection, Uint8Array[]> = { c2s: [], s2c: [] };
  private sniffedBytes = { c2s: 0, s2c: 0 };
  private http: Http1Connection | null = null;
  /** null: not decided yet; items wait in `held` until it is. */
  private protocol: string | null = null;
  private held: StreamItem[] = [];
  private readonly bytes = { c2s: 0, s2c: 0 };
  private endedAt: bigint | null = null;
  private count = 0;
  private error: string | null = null;
  private ctx!: FlowContext;

  constructor(
    readonly plan: FlowPlan,
    readonly flowId: number,
    private readonly baseNs: bigint,
  ) {
    this.client = plan.client;
    this.server = plan.server;
    this.witnesses = directionWitnesses(plan);
    const stream = (dir: StreamDirection) => {
      const w = this.witnesses[dir];
      return new WitnessedStream(dir, baseNs, { receiver: !!w.receiver, sender: !!w.sender });
    };
    this.streams = { c2s: stream('c2s'), s2c: stream('s2c') };
    this.retained = { c2s: new RetainedBytes(RETAIN_BYTES), s2c: new RetainedBytes(RETAIN_BYTES) };
    this.updateContext();
  }

  /**
   * Another process took one of this flow's connections over while it is being followed live
   * (a full build knows every holder from the start): exchanges from now on name it.
   */
  addHolder(connId: number, holder: ConnUser): void {
    const take = (c: ConnInfo | null): ConnInfo | null =>
      c && c.id === connId && !c.users.some((u) => u.pid === holder.pid)
        ? { ...c, pid: holder.pid, comm: holder.comm ?? c.comm, users: [...c.users, holder] }
        : c;
    this.client = take(this.client);
    this.server = take(this.server);
    this.updateContext();
  }

  private updateContext(): void {
    const c = this.client;
    const s = this.server;
    this.ctx = {
      flowId: this.flowId,
      clientPid: c?.pid ?? null,
      clientComm: c?.comm ?? null,
      serverPid: s?.pid ?? null,
      serverComm: s?.comm ?? null,
      serverAddr: s ? endpointAddr(s, 'local') : endpointAddr(c, 'remote'),
      serverPort: s ? s.localPort : (c?.remotePort ?? null),
      clientPort: c ? c.localPort : (s?.remotePort ?? null),
      baseNs: this.baseNs,
      witnesses: this.witnesses,
    };
  }

  /** Feed one event of one of this flow's connections; returns exchanges completed by it. */
  push(ev: SessionEvent): BuiltExchange[] {
    for (const dir of ['c2s', 's2c'] as const) {
      const witness = witnessOf(this.witnesses[dir], ev);
      if (witness === 'receiver') return this.feed(this.streams[dir].received(ev));
      if (witness === 'sender') return this.feed(this.streams[dir].sent(ev));
    }
    return [];
  }

  /** A connection of this flow ended (its last holder let go of it). */
  close(connId: number, ts: bigint, eventId: number): BuiltExchange[] {
    const rel = Number(ts - this.baseNs);
    const items: StreamItem[] = [];
    for (const dir of ['c2s', 's2c'] as const) {
      const w = this.witnesses[dir];
      // the side that closed sends nothing more; the other side may still read what is in flight
      if (w.receiver?.connId === connId) items.push(...this.streams[dir].receiverClosed(rel, eventId));
      if (w.sender?.connId === connId) items.push(...this.streams[dir].senderClosed(rel, eventId));
    }
    if (this.endedAt === null || ts > this.endedAt) this.endedAt = ts;
    return this.feed(items);
  }

  /** Stream offsets where the two ends disagreed about a byte (a capture flaw), by direction. */
  private disagreementError(): string | null {
    for (const dir of ['c2s', 's2c'] as const) {
      const at = this.streams[dir].disagreement;
      if (at !== null)
        return `the two ends disagree about byte ${at} ${dir === 'c2s' ? 'sent by the client' : 'sent by the server'}: a capture flaw, please report it`;
    }
    return null;
  }

  private feed(items: StreamItem[]): BuiltExchange[] {
    for (const item of items) {
      if (item.kind === 'data') {
        this.bytes[item.dir] += item.length;
        this.endedAt = this.baseNs + BigInt(Math.round(item.ts));
        if (this.sniffedBytes[item.dir] < SNIFF_BYTES && item.bytes.length) {
          this.sniffed[item.dir].push(item.bytes.subarray(0, SNIFF_BYTES - this.sniffedBytes[item.dir]));
          this.sniffedBytes[item.dir] += Math.min(item.bytes.length, SNIFF_BYTES - this.sniffedBytes[item.dir]);
        }
      }
      if (this.protocol === null) {
        this.held.push(item);
        if (!this.decide(item)) continue;
        const held = this.held;
        this.held = [];
        for (const h of held) this.toParser(h);
      } else {
        this.toParser(item);
      }
    }
    return this.collect(false);
  }

  private sniff(dir: StreamDirection): Uint8Array {
    return Buffer.concat(this.sniffed[dir]);
  }

  /**
   * Decide the protocol on the first bytes. A flow whose roles were only guessed is turned
   * around when the "server" is the one sending a request.
   */
  private decide(item: StreamItem): boolean {
    const enough = item.kind === 'end' || this.sniffedBytes.c2s >= 16 || this.sniffedBytes.s2c >= 16;
    if (!enough) return false;
    const c2s = this.sniff('c2s');
    const s2c = this.sniff('s2c');
    if (this.plan.transport === 'udp' || this.plan.transport === 'unix-dgram') {
      this.protocol = guessProtocol(c2s, s2c, this.ctx.serverPort, this.plan.transport);
      return true;
    }
    if (!this.plan.rolesKnown && !looksLikeHttp1Request(c2s) && looksLikeHttp1Request(s2c)) this.turnAround();
    const a = this.sniff('c2s');
    const b = this.sniff('s2c');
    if (looksLikeHttp1Request(a) || looksLikeHttp1Response(b)) {
      this.protocol = 'http/1.1';
      this.http = new Http1Connection();
    } else {
      this.protocol = guessProtocol(a, b, this.ctx.serverPort, this.plan.transport);
    }
    return true;
  }

  private turnAround(): void {
    [this.client, this.server] = [this.server, this.client];
    this.witnesses = { c2s: this.witnesses.s2c, s2c: this.witnesses.c2s };
    this.held = this.held.map((i) => ({ ...i, dir: i.dir === 'c2s' ? 's2c' : 'c2s' }));
    [this.sniffed.c2s, this.sniffed.s2c] = [this.sniffed.s2c, this.sniffed.c2s];
    [this.sniffedBytes.c2s, this.sniffedBytes.s2c] = [this.sniffedBytes.s2c, this.sniffedBytes.c2s];
    [this.bytes.c2s, this.bytes.s2c] = [this.bytes.s2c, this.bytes.c2s];
    const streams = this.streams as { c2s: WitnessedStream; s2c: WitnessedStream };
    [streams.c2s, streams.s2c] = [streams.s2c, streams.c2s];
    streams.c2s.dir = 'c2s';
    streams.s2c.dir = 's2c';
    this.updateContext();
  }

  private toParser(item: StreamItem): void {
    if (item.kind === 'data') this.retained[item.dir].add(item.offset, item.length, item.bytes, item.eventId, item.lastEventId ?? item.eventId);
    this.http?.push(item);
  }

  private collect(final: boolean): BuiltExchange[] {
    if (!this.http) return [];
    const done = final ? this.http.finish() : this.http.takeExchanges();
    const out: BuiltExchange[] = [];
    for (const ex of done) out.push(this.build(ex));
    return out;
  }

  private build(ex: Http1Exchange): BuiltExchange {
    this.count++;
    const req = ex.request;
    const resp = ex.response;
    const bodies = {
      request: req ? req.body.ranges.flatMap(([s, e]) => this.retained.c2s.slice(s, e)) : [],
      response: resp ? resp.body.ranges.flatMap(([s, e]) => this.retained.s2c.slice(s, e)) : [],
    };
    const ids: number[] = [];
    const note = (dir: StreamDirection, offset: number | undefined) => {
      if (offset === undefined) return;
      const at = this.retained[dir].eventsAt(offset);
      if (at) ids.push(at.first, at.last);
    };
    if (req) {
      note('c2s', req.start);
      note('c2s', Math.max(req.start, req.end - 1));
    }
    for (const m of [...ex.informational, ...(resp ? [resp] : [])]) {
      note('s2c', m.start);
      note('s2c', Math.max(m.start, m.end - 1));
    }
    const events = ids.length ? { first: Math.min(...ids), last: Math.max(...ids) } : { first: null, last: null };
    if (ex.errors.length && !this.error) this.error = ex.errors[0].message;
    if (ex.protocolSwitch) this.protocol = ex.protocolSwitch.protocol;
    const built = exchangeRow(ex, this.ctx, bodies, events);
    // nothing before the end of this exchange's messages is needed again
    if (req) this.retained.c2s.dropBefore(req.end);
    if (resp) this.retained.s2c.dropBefore(resp.end);
    return built;
  }

  /** End of the capture: whatever is unfinished is reported as incomplete. */
  finish(): BuiltExchange[] {
    // what a sender sent and nobody read, then the end of both directions
    const endTs = this.endedAt === null ? 0 : Number(this.endedAt - this.baseNs);
    for (const dir of ['c2s', 's2c'] as const) this.feed(this.streams[dir].finish(endTs, 0)).forEach((x) => this.finished.push(x));
    if (this.protocol === null) {
      // never enough bytes to decide: decide on what there is
      this.decide({ kind: 'end', dir: 'c2s', ts: 0, offset: 0, reason: 'close', eventId: 0 });
      const held = this.held;
      this.held = [];
      for (const h of held) this.toParser(h);
    }
    return [...this.finished.splice(0), ...this.collect(true)];
  }

  /** Exchanges completed while finishing the streams, handed out by finish(). */
  private readonly finished: BuiltExchange[] = [];

  row(): FlowRow {
    const c = this.client;
    const s = this.server;
    return {
      clientConn: c?.id ?? null,
      serverConn: s?.id ?? null,
      clientPid: c?.pid ?? null,
      clientComm: c?.comm ?? null,
      serverPid: s?.pid ?? null,
      serverComm: s?.comm ?? null,
      transport: this.plan.transport,
      clientAddr: c ? endpointAddr(c, 'local') : endpointAddr(s, 'remote'),
      clientPort: this.ctx.clientPort,
      serverAddr: this.ctx.serverAddr,
      serverPort: this.ctx.serverPort,
      protocol: this.protocol ?? 'unknown',
      startedAt: this.plan.startedAt,
      endedAt: this.endedAt,
      bytesC2s: this.bytes.c2s,
      bytesS2c: this.bytes.s2c,
      exchanges: this.count,
      error: this.disagreementError() ?? this.error,
      clientProcesses: c && c.users.length > 1 ? c.users : null,
      serverProcesses: s && s.users.length > 1 ? s.users : null,
    };
  }
}
