/**
 * One flow, rebuilt from its events: the two byte streams, the protocol it speaks, and (for
 * HTTP/1.x) its exchanges, handed out as they complete so memory stays bounded on long
 * connections. Fed events in capture order; pure apart from that.
 */
import type { SessionEvent } from '../session/event-reader.js';
import { TLS_LIB_NAMES } from '../events/layout.js';
import type { Http1Exchange } from '../protocols/http1/types.js';
import type { StreamDirection } from '../protocols/stream.js';
import { type ExchangeRow, type ExchangeText, type FlowContext, exchangeRow } from './exchange-row.js';
import type { CallRow } from './db-call-row.js';
import type { ConnInfo, ConnUser, FlowPlan } from './flow-plan.js';
import { LayerParser, type ParsedExchange } from './layer-parser.js';
import { dbCallRow } from './db-call-row.js';
import { type StoredH2, fromHttp2 } from './h2-exchange.js';
import { withGrpcCall } from './grpc-call-row.js';
import type { Http2Exchange } from '../protocols/http2/types.js';

/** fromHttp2 as build()'s arguments. */
function fromHttp2Parts(ex: Http2Exchange): [Http1Exchange, { h2: StoredH2; flags: number }] {
  const { exchange, h2, flags } = fromHttp2(ex);
  return [exchange, { h2, flags }];
}
import type { DbCall } from '../protocols/db-call.js';
import type { WsFlaw, WsMessage } from '../protocols/websocket/index.js';
import { parseClientHello, parseServerHello } from '../protocols/tls/hello.js';
import { type Layer, layerOf } from './stream-items.js';
import { CARRY_MAX_BYTES, CarriedStarts, type FlowCarry, type LayerCarry, streamStarts } from './chain-carry.js';
import type { WsMessageRow } from '../model/ws-message.js';
import { wsMessageRow } from './ws-message-row.js';

const LAYERS = ['socket', 'tls'] as const;

export interface BuiltExchange {
  row: ExchangeRow | CallRow;
  text: ExchangeText;
}

/**
 * WebSocket messages that ended, of the connection the exchange at `upgradeSeq` on this flow
 * upgraded; `final` once no more will come.
 */
export interface BuiltMessages {
  flowId: number;
  upgradeSeq: number;
  messages: WsMessageRow[];
  final: boolean;
}

/** What a flow hands out as it is fed: exchanges, and the messages of a WebSocket it carries. */
export type Built = BuiltExchange | BuiltMessages;

export function isMessages(x: Built): x is BuiltMessages {
  return 'messages' in x;
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
  /** The TLS library whose plaintext was read (`openssl`, `gnutls`, `go crypto/tls`), if any. */
  tls: string | null;
  /** From the TLS handshake, when the connection began with one: the server name the client
   * asked for, the ALPN protocols (the server's choice when the hello shows it, else the
   * client's offers, comma-separated) and the version. */
  tlsServerName: string | null;
  tlsAlpn: string | null;
  tlsVersion: string | null;
}

function endpointAddr(c: ConnInfo | null, side: 'local' | 'remote'): string | null {
  if (!c) return null;
  if (c.family === 1) return side === 'local' ? c.localPath : c.peerPath;
  return side === 'local' ? c.localAddr : c.remoteAddr;
}

export class FlowBuilder {
  private client: ConnInfo | null;
  private server: ConnInfo | null;
  /** The socket's bytes; and, for a TLS connection whose library was watched, its plaintext. */
  private readonly layers: Record<Layer, LayerParser>;
  private endedAt: bigint | null = null;
  private count = 0;
  private error: string | null = null;
  /** The TLS library that handed over each connection's plaintext (TLS_LIB_NAMES), by conn id. */
  private readonly tlsLibraries = new Map<number, string>();
  private ctx!: Record<Layer, FlowContext>;
  /** The exchange (its seq) whose 101 switched each layer to WebSocket. */
  private readonly wsUpgrade: Record<Layer, number | null> = { socket: null, tls: null };

  constructor(
    readonly plan: FlowPlan,
    readonly flowId: number,
    private readonly baseNs: bigint,
    /** The library a TLS record's aux_fd names ('openssl 3.0.19'); by default its kind. */
    private readonly libraryName: (auxFd: number) => string | null = (auxFd) => TLS_LIB_NAMES[auxFd & 0xff] ?? null,
    /**
     * What the file before in a chain handed on (SPEC.md §3.1): where the flow's streams go on
     * from, or why they could not (said in the flow's error).
     */
    carried: { starts?: CarriedStarts; note?: string | null; midway?: boolean } = {},
  ) {
    this.client = plan.client;
    this.server = plan.server;
    this.carriedNote = carried.note ?? null;
    const turnAround = () => this.turnAround();
    const starts = carried.starts ?? new CarriedStarts();
    this.layers = {
      socket: new LayerParser('socket', plan, baseNs, turnAround, starts, !!carried.midway),
      tls: new LayerParser('tls', plan, baseNs, turnAround, starts, !!carried.midway),
    };
    this.updateContext();
  }

  /** Why the file before left this flow's exchanges in flight split between the two files, if it did. */
  private carriedNote: string | null;

  /** The flow began in a file before this one, whose exchanges in flight could not be carried in: the row says so. */
  noteCarried(note: string): void {
    this.carriedNote ??= note;
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
    const context = (layer: Layer): FlowContext => ({
      flowId: this.flowId,
      clientPid: c?.pid ?? null,
      clientComm: c?.comm ?? null,
      serverPid: s?.pid ?? null,
      serverComm: s?.comm ?? null,
      serverAddr: s ? endpointAddr(s, 'local') : endpointAddr(c, 'remote'),
      serverPort: s ? s.localPort : (c?.remotePort ?? null),
      clientPort: c ? c.localPort : (s?.remotePort ?? null),
      baseNs: this.baseNs,
      witnesses: this.layers[layer].witnesses,
      layer,
    });
    this.ctx = { socket: context('socket'), tls: context('tls') };
  }

  /** Feed one event of one of this flow's connections; returns exchanges completed by it. */
  push(ev: SessionEvent): Built[] {
    const layer = layerOf(ev);
    if (layer === 'tls' && !this.tlsLibraries.has(ev.connId)) {
      const name = this.libraryName(ev.auxFd);
      if (name) this.tlsLibraries.set(ev.connId, name);
    }
    this.layers[layer].push(ev);
    return this.collect(layer, false);
  }

  /** A connection of this flow ended (its last holder let go of it). */
  close(connId: number, ts: bigint, eventId: number): Built[] {
    const rel = Number(ts - this.baseNs);
    if (this.endedAt === null || ts > this.endedAt) this.endedAt = ts;
    const out: Built[] = [];
    for (const layer of LAYERS) {
      this.layers[layer].close(connId, rel, eventId);
      out.push(...this.collect(layer, false));
    }
    return out;
  }

  /** Where the two ends disagreed about a byte (a capture flaw), said in words. */
  private disagreementError(): string | null {
    for (const layer of LAYERS) {
      const d = this.layers[layer].disagreement();
      if (d)
        return `the two ends disagree about ${layer === 'tls' ? 'plaintext ' : ''}byte ${d.offset} ${d.dir === 'c2s' ? 'sent by the client' : 'sent by the server'}: a capture flaw, please report it`;
    }
    return null;
  }

  private turnAround(): boolean {
    if (this.plan.rolesKnown) return false;
    [this.client, this.server] = [this.server, this.client];
    for (const layer of LAYERS) this.layers[layer].turnAround();
    this.updateContext();
    return true;
  }

  private collect(layer: Layer, final: boolean): Built[] {
    const out: Built[] = [];
    const ends = { c2s: -1, s2c: -1 };
    for (const p of this.layers[layer].exchanges(final)) {
      if (p.kind === 'ws') {
        const built = this.buildMessages(layer, p.messages, p.final, p.flaws);
        if (built) out.push(built);
        continue;
      }
      out.push(this.buildParsed(layer, p));
      if (p.kind === 'h2') {
        ends.c2s = Math.max(ends.c2s, p.ex.request?.end ?? -1);
        ends.s2c = Math.max(ends.s2c, p.ex.response?.end ?? -1);
      }
    }
    for (const dir of ['c2s', 's2c'] as const) {
      if (ends[dir] < 0) continue;
      const oldest = this.layers[layer].oldestNeeded(dir) ?? ends[dir];
      this.layers[layer].retained[dir].dropBefore(Math.min(oldest, ends[dir]));
    }
    return out;
  }

  private buildMessages(layer: Layer, messages: WsMessage[], final: boolean, flaws: readonly WsFlaw[]): BuiltMessages | null {
    const upgradeSeq = this.wsUpgrade[layer];
    if (upgradeSeq === null) return null;
    if (flaws.length && !this.error) this.error = `websocket: ${flaws[0].message}`;
    const retained = this.layers[layer].retained;
    // a message's bytes are kept in its row: the stream's are not needed again
    for (const m of messages) retained[m.dir].dropBefore(m.end);
    return { flowId: this.flowId, upgradeSeq, messages: messages.map((m) => wsMessageRow(m, this.baseNs)), final };
  }

  private buildParsed(layer: Layer, p: Exclude<ParsedExchange, { kind: 'ws' }>): BuiltExchange {
    if (p.kind === 'http') return this.build(layer, p.ex);
    if (p.kind === 'h2') {
      const retained = this.layers[layer].retained;
      const captured = { c2s: (s: number, e: number) => retained.c2s.pieces(s, e), s2c: (s: number, e: number) => retained.s2c.pieces(s, e) };
      return withGrpcCall(this.build(layer, ...fromHttp2Parts(p.ex)), p.ex, captured, this.baseNs);
    }
    return this.buildCall(layer, p.call);
  }

  /** The record numbers of the events holding [start, end) of a direction, as far as they are retained. */
  private eventsOf(layer: Layer, ranges: [StreamDirection, [number, number] | undefined][]): { first: number | null; last: number | null } {
    const retained = this.layers[layer].retained;
    const ids: number[] = [];
    for (const [dir, range] of ranges) {
      if (!range) continue;
      for (const offset of [range[0], Math.max(range[0], range[1] - 1)]) {
        const at = retained[dir].eventsAt(offset);
        if (at) ids.push(at.first, at.last);
      }
    }
    return ids.length ? { first: Math.min(...ids), last: Math.max(...ids) } : { first: null, last: null };
  }

  private buildCall(layer: Layer, call: DbCall): BuiltExchange {
    this.count++;
    const events = this.eventsOf(layer, [['c2s', call.request], ['s2c', call.response]]);
    if (call.errors.length && !this.error) this.error = call.errors[0].message;
    const built = dbCallRow(call, this.ctx[layer], events);
    const retained = this.layers[layer].retained;
    // a call's bytes are never re-read while building: only the event numbers were wanted
    if (call.request) retained.c2s.dropBefore(call.request[1]);
    if (call.response) retained.s2c.dropBefore(call.response[1]);
    return built;
  }

  private build(layer: Layer, ex: Http1Exchange, h2: { h2: StoredH2; flags: number } | null = null): BuiltExchange {
    this.count++;
    const retained = this.layers[layer].retained;
    const req = ex.request;
    const resp = ex.response;
    const bodies = {
      request: req ? req.body.ranges.flatMap(([s, e]) => retained.c2s.slice(s, e)) : [],
      response: resp ? resp.body.ranges.flatMap(([s, e]) => retained.s2c.slice(s, e)) : [],
    };
    const ids: number[] = [];
    const note = (dir: StreamDirection, offset: number | undefined) => {
      if (offset === undefined) return;
      const at = retained[dir].eventsAt(offset);
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
    if (ex.protocolSwitch) this.layers[layer].switched(ex.protocolSwitch.protocol);
    if (ex.protocolSwitch?.protocol === 'websocket') this.wsUpgrade[layer] = ex.index;
    const built = exchangeRow(ex, this.ctx[layer], bodies, events, h2);
    // nothing before the end of this exchange's messages is needed again; HTTP/2 streams
    // interleave, so there collect() forgets what no stream still open can need
    if (!h2) {
      if (req) retained.c2s.dropBefore(req.end);
      if (resp) retained.s2c.dropBefore(resp.end);
    }
    return built;
  }

  /** End of the capture: whatever is unfinished is reported as incomplete. */
  finish(): Built[] {
    return this.finishLayers(new Set());
  }

  /**
   * The end of a file a later file of its chain goes on from, with this flow still open
   * (SPEC.md §3.1): an exchange belongs to the file holding its last byte, so those still in
   * flight are left to that file, which reads the flow on from the end of the ones handed out
   * here. A flow that cannot be read from the middle of its connection (or has more in flight
   * than CARRY_MAX_BYTES) ends as finish() ends it, its carry saying why. Null: nothing to hand on.
   */
  carryOut(): { built: Built[]; carry: FlowCarry | null } {
    const carries = LAYERS.map((layer) => ({ layer, c: this.layers[layer].carry() }));
    const restarts = carries.filter((x): x is { layer: Layer; c: Extract<LayerCarry, { kind: 'restart' }> } => x.c.kind === 'restart');
    const split = carries.find((x) => x.c.kind === 'split');
    const pending = restarts.reduce((n, x) => n + x.c.pendingBytes, 0);
    const reason =
      split?.c.kind === 'split' ? split.c.reason : pending > CARRY_MAX_BYTES ? `more than ${CARRY_MAX_BYTES >> 20} MiB were in flight` : null;
    const conns: FlowCarry['conns'] = [this.client?.id ?? null, this.server?.id ?? null];
    if (reason !== null) {
      const built = this.finish();
      const layer = split?.layer ?? restarts[0].layer;
      return { built, carry: { conns, protocol: this.layers[layer].protocol ?? 'unknown', carry: 'split', reason, starts: [], at: null } };
    }
    if (restarts.length === 0) return { built: this.finish(), carry: null };
    const built = this.finishLayers(new Set(restarts.map((x) => x.layer)));
    const ats = restarts.map((x) => x.c.at).filter((at): at is number => at !== null);
    return {
      built,
      carry: {
        conns,
        protocol: this.layers[restarts[restarts.length - 1].layer].protocol ?? 'unknown',
        carry: 'restart',
        reason: null,
        starts: restarts.flatMap((x) => streamStarts(this.layers[x.layer].witnesses, x.layer, x.c.starts)),
        at: ats.length ? Math.min(...ats) : null,
      },
    };
  }

  /** Every layer's end; the exchanges of the `withheld` layers are not handed out (a later file has them). */
  private finishLayers(withheld: Set<Layer>): Built[] {
    const rel = this.endedAt === null ? 0 : Number(this.endedAt - this.baseNs);
    const out: Built[] = [];
    for (const layer of LAYERS) {
      this.layers[layer].finish(rel);
      if (!withheld.has(layer)) out.push(...this.collect(layer, true));
    }
    return out;
  }

  /** The last byte's time in either layer, or the last close. */
  private lastSeen(): bigint | null {
    let last = this.endedAt;
    for (const layer of LAYERS) {
      const ts = this.layers[layer].lastTs;
      if (ts === null) continue;
      const at = this.baseNs + BigInt(Math.round(ts));
      if (last === null || at > last) last = at;
    }
    return last;
  }

  row(): FlowRow {
    const c = this.client;
    const s = this.server;
    const socket = this.layers.socket;
    const tls = this.layers.tls;
    return {
      clientConn: c?.id ?? null,
      serverConn: s?.id ?? null,
      clientPid: c?.pid ?? null,
      clientComm: c?.comm ?? null,
      serverPid: s?.pid ?? null,
      serverComm: s?.comm ?? null,
      transport: this.plan.transport,
      clientAddr: c ? endpointAddr(c, 'local') : endpointAddr(s, 'remote'),
      clientPort: this.ctx.socket.clientPort,
      serverAddr: this.ctx.socket.serverAddr,
      serverPort: this.ctx.socket.serverPort,
      // a TLS connection whose plaintext was read speaks what its plaintext speaks
      protocol: tls.protocol ?? socket.protocol ?? 'unknown',
      startedAt: this.plan.startedAt,
      endedAt: this.lastSeen(),
      bytesC2s: socket.bytes.c2s,
      bytesS2c: socket.bytes.s2c,
      exchanges: this.count,
      error: this.disagreementError() ?? ([this.carriedNote, this.error].filter(Boolean).join('; ') || null),
      clientProcesses: c && c.users.length > 1 ? c.users : null,
      serverProcesses: s && s.users.length > 1 ? s.users : null,
      tls: this.tlsLibraryText(),
      ...this.handshake(),
    };
  }

  /** The library of each end that gave plaintext: one name, or `client → server` when they differ. */
  private tlsLibraryText(): string | null {
    const client = this.client ? (this.tlsLibraries.get(this.client.id) ?? null) : null;
    const server = this.server ? (this.tlsLibraries.get(this.server.id) ?? null) : null;
    if (client && server && client !== server) return `${client} → ${server}`;
    return client ?? server;
  }

  /** SNI, ALPN and version from the handshake the socket's bytes began with. */
  private handshake(): Pick<FlowRow, 'tlsServerName' | 'tlsAlpn' | 'tlsVersion'> {
    const socket = this.layers.socket;
    const c = socket.helloBytes('c2s');
    const s = socket.helloBytes('s2c');
    const client = c ? parseClientHello(c) : null;
    const server = s ? parseServerHello(s) : null;
    const alpn = server?.alpn ?? (client?.alpn.length ? client.alpn.join(',') : null);
    return { tlsServerName: client?.serverName ?? null, tlsAlpn: alpn, tlsVersion: server?.version ?? null };
  }
}
