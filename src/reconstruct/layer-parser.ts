/**
 * One layer of a flow (the socket's bytes, or a TLS connection's plaintext), read from its
 * witnesses into two streams, its protocol told from its first bytes, and (for HTTP/1.x) parsed
 * into exchanges. A flow has one of these per layer it has bytes in (flow-builder.ts); pure.
 */
import { Http1Connection, looksLikeHttp1Request, looksLikeHttp1Response } from '../protocols/http1/index.js';
import type { Http1Exchange, HttpRequest } from '../protocols/http1/types.js';
import { Http2Connection, type Http2Exchange, headersSide, looksLikeHttp2Preface, startsWithHttp2Frames } from '../protocols/http2/index.js';
import type { DbCall, DbConnection } from '../protocols/db-call.js';
import { dbConnectionFor } from '../protocols/db-parsers.js';
import { WebSocketConnection, type WsFlaw, type WsMessage } from '../protocols/websocket/index.js';
import type { StreamDirection, StreamItem } from '../protocols/stream.js';
import type { SessionEvent } from '../session/event-reader.js';
import type { FlowPlan } from './flow-plan.js';
import { headerValues } from './exchange-row.js';
import { guessProtocol } from './protocol-guess.js';
import { RetainedBytes } from './retained-bytes.js';
import { type DirectionWitnesses, type Layer, WitnessedStream, directionWitnesses, witnessOf } from './stream-items.js';
import { CarriedStarts, type LayerCarry, MidwayStart } from './chain-carry.js';

/** Bytes of HTTP/1 items kept for a parser that takes over after an upgrade (LayerParser.tail). */
const TAIL_BYTES = 4 << 20;
/** Bytes kept per direction for the search index while an exchange is in progress. */
const RETAIN_BYTES = 2 << 20;
/** Bytes of each direction looked at to tell the protocol. */
const SNIFF_BYTES = 64;
/** A TLS hello's records, kept to read SNI and ALPN from: the largest record, and its header. */
const HELLO_BYTES = 16384 + 5 + 4;

const DIRS = ['c2s', 's2c'] as const;

/**
 * What a layer's parser hands out: an HTTP exchange, an HTTP/2 stream, a database call, or the
 * WebSocket messages that ended since the last call (of the connection the last HTTP exchange
 * upgraded; `final` once no more will come, with the flaws that belong to no message).
 */
export type ParsedExchange =
  | { kind: 'http'; ex: Http1Exchange }
  | { kind: 'h2'; ex: Http2Exchange }
  | { kind: 'call'; call: DbCall }
  | { kind: 'ws'; messages: WsMessage[]; final: boolean; flaws: readonly WsFlaw[] };

export class LayerParser {
  witnesses: Record<StreamDirection, DirectionWitnesses>;
  private readonly streams: Record<StreamDirection, WitnessedStream>;
  readonly retained: Record<StreamDirection, RetainedBytes>;
  private readonly sniffed: Record<StreamDirection, Uint8Array[]> = { c2s: [], s2c: [] };
  private sniffedBytes = { c2s: 0, s2c: 0 };
  private http: Http1Connection | null = null;
  private h2: Http2Connection | null = null;
  /**
   * Items given to the HTTP/1 parser since the exchanges in progress began: when one of them
   * switches the connection to h2c, the new parser reads what came after the switch from here
   * (the HTTP/1 parser has taken those items already). At most TAIL_BYTES.
   */
  private tail: StreamItem[] = [];
  private tailBytes = 0;
  private keepTail = true;
  private db: DbConnection | null = null;
  private ws: WebSocketConnection | null = null;
  /** Directions of the WebSocket connection that ended; when both have, its messages are all out. */
  private wsEnded = { c2s: false, s2c: false };
  private wsDone = false;
  /** null: not decided yet; items wait in `held` until it is. */
  protocol: string | null = null;
  private held: StreamItem[] = [];
  /** Bytes of each direction this file holds (flows.bytes_c2s, bytes_s2c). */
  readonly bytes = { c2s: 0, s2c: 0 };
  /** Bytes seen, those carried in from the file before included. */
  private seenBytes = 0;
  /** The first bytes of each direction while they may be a TLS handshake (they start 0x16). */
  private readonly hello: Record<StreamDirection, { parts: Uint8Array[]; size: number; done: boolean }> = {
    c2s: { parts: [], size: 0, done: false },
    s2c: { parts: [], size: 0, done: false },
  };
  /** Wall-clock ns of the last byte seen. */
  lastTs: number | null = null;
  /**
   * Where each direction's exchanges handed out so far end: what comes after is what a later
   * file of a chain reads on from (carry()).
   */
  private kept: Record<StreamDirection, number>;

  constructor(
    readonly layer: Layer,
    private readonly plan: FlowPlan,
    baseNs: bigint,
    /** Roles only guessed from ports: the first layer to see a request decides them. */
    private readonly turnAroundIfServerAsks: () => boolean,
    /** Where the file before in a chain left each witness's stream (SPEC.md §3.1). */
    starts = new CarriedStarts(),
    /** The flow began before this file and nothing was handed on: read it from its first request here. */
    private readonly midway = false,
  ) {
    this.witnesses = directionWitnesses(plan, layer);
    const gate = midway ? new MidwayStart() : null;
    const stream = (dir: StreamDirection) => {
      const w = this.witnesses[dir];
      const start = starts.startOf(w);
      return new WitnessedStream(dir, baseNs, { receiver: !!w.receiver, sender: !!w.sender }, start ?? (gate ? null : 0), start === null ? gate : null);
    };
    this.streams = { c2s: stream('c2s'), s2c: stream('s2c') };
    this.kept = { c2s: this.streams.c2s.start, s2c: this.streams.s2c.start };
    this.retained = { c2s: new RetainedBytes(RETAIN_BYTES), s2c: new RetainedBytes(RETAIN_BYTES) };
  }

  /** Items for one event of this layer (none when it is not one of its witnesses). */
  push(ev: SessionEvent): void {
    for (const dir of DIRS) {
      const witness = witnessOf(this.witnesses[dir], ev);
      if (witness === 'receiver') return this.feed(this.streams[dir].received(ev));
      if (witness === 'sender') return this.feed(this.streams[dir].sent(ev));
    }
  }

  /** A connection of the flow ended. */
  close(connId: number, rel: number, eventId: number): void {
    for (const dir of DIRS) {
      const w = this.witnesses[dir];
      // the side that closed sends nothing more; the other side may still read what is in flight
      if (w.receiver?.connId === connId) this.feed(this.streams[dir].receiverClosed(rel, eventId));
      if (w.sender?.connId === connId) this.feed(this.streams[dir].senderClosed(rel, eventId));
    }
  }

  /** End of the capture: what a sender sent and nobody read, then the end of both directions. */
  finish(rel: number): void {
    for (const dir of DIRS) this.feed(this.streams[dir].finish(rel, 0));
    // the socket always gets a protocol (a guess from the port, if nothing else); plaintext only
    // when there was some
    if (this.protocol === null && (this.layer === 'socket' || this.sawBytes())) {
      // never enough bytes to decide: decide on what there is
      this.decide({ kind: 'end', dir: 'c2s', ts: 0, offset: 0, reason: 'close', eventId: 0 });
      this.release();
    }
  }

  /** Exchanges nothing more can change (all of them, when `final`). */
  exchanges(final: boolean): ParsedExchange[] {
    const out: ParsedExchange[] = [];
    const http = this.http;
    if (http) {
      for (const ex of final ? http.finish() : http.takeExchanges()) {
        out.push({ kind: 'http', ex });
        this.keep('c2s', ex.request?.end);
        for (const m of [...ex.informational, ex.response]) this.keep('s2c', m?.end);
        this.forgetTail(ex);
        const s = ex.protocolSwitch;
        if (s?.protocol === 'h2c' && ex.request && s.c2sOffset !== undefined) this.upgradeToH2(ex.request, s.c2sOffset, s.s2cOffset);
        else if (s?.protocol === 'websocket' && ex.response?.status === 101 && s.c2sOffset !== undefined)
          this.upgradeToWebSocket(ex, s.c2sOffset, s.s2cOffset);
        else if (s) this.stopKeepingTail();
      }
    }
    const h2 = this.h2;
    if (h2) for (const ex of final ? h2.finish() : h2.takeExchanges()) out.push({ kind: 'h2', ex });
    if (this.db)
      for (const call of final ? this.db.finish() : this.db.takeCalls()) {
        out.push({ kind: 'call', call });
        this.keep('c2s', call.request?.[1]);
        this.keep('s2c', call.response?.[1]);
      }
    if (this.ws && !this.wsDone) {
      const done = final || (this.wsEnded.c2s && this.wsEnded.s2c);
      const messages = done ? this.ws.finish() : this.ws.takeMessages();
      if (done) this.wsDone = true;
      if (messages.length || done) out.push({ kind: 'ws', messages, final: done, flaws: done ? this.ws.flaws : [] });
    }
    return out;
  }

  private keep(dir: StreamDirection, end: number | undefined): void {
    if (end !== undefined && end > this.kept[dir]) this.kept[dir] = end;
  }

  /**
   * What a later file of a chain reads this layer on from (SPEC.md §3.1): the end of the
   * exchanges handed out, when its parser can start again there; else why not. Before finish().
   */
  carry(): LayerCarry {
    const split = this.splitReason();
    if (split) return { kind: 'split', reason: split };
    // a stream read from midway starts where this file first held it
    const kept = { c2s: Math.max(this.kept.c2s, this.streams.c2s.start), s2c: Math.max(this.kept.s2c, this.streams.s2c.start) };
    const started = kept.c2s !== 0 || kept.s2c !== 0;
    if (!this.sawBytes() && !started) return { kind: 'none' };
    // a protocol that carries no exchanges (TLS ciphertext, ssh): nothing in flight to hand on
    if (this.protocol !== null && !this.http && !this.db) return { kind: 'none' };
    let at: number | null = null;
    let pendingBytes = 0;
    const earliest = (id: number | null) => {
      if (id !== null && (at === null || id < at)) at = id;
    };
    for (const dir of DIRS) {
      earliest(this.retained[dir].firstEventFrom(kept[dir]));
      earliest(this.streams[dir].firstPendingEvent());
      pendingBytes += Math.max(0, this.streams[dir].sentEnd - kept[dir]);
    }
    for (const item of this.held) earliest(item.eventId);
    return { kind: 'restart', starts: kept, at, pendingBytes };
  }

  /** Why this layer cannot be read on from the middle of its connection, if it cannot. */
  private splitReason(): string | null {
    if (this.ws) return 'websocket frames cannot be read from the middle of a connection (a compression window spans messages)';
    if (this.h2) return `${this.protocol ?? 'http/2'} cannot be read from the middle of a connection (its HPACK table is the connection's)`;
    if (this.db && !this.db.restartable) return `${this.protocol} cannot be read from the middle of a connection (its startup and prepared statements came before)`;
    if (this.db?.restartable === true || this.http?.restartable === true || !this.http) return null;
    return this.protocol === 'http/1.1' ? 'the HTTP/1.x parser gave up on this connection' : `the connection switched to ${this.protocol}`;
  }

  /** Stream offset and direction of the first byte the two ends disagreed about. */
  disagreement(): { dir: StreamDirection; offset: number } | null {
    for (const dir of DIRS) {
      const at = this.streams[dir].disagreement;
      if (at !== null) return { dir, offset: at };
    }
    return null;
  }

  /** The flow turned out to be the other way round: swap what each direction is. */
  turnAround(): void {
    this.witnesses = { c2s: this.witnesses.s2c, s2c: this.witnesses.c2s };
    this.held = this.held.map((i) => ({ ...i, dir: i.dir === 'c2s' ? 's2c' : 'c2s' }));
    [this.sniffed.c2s, this.sniffed.s2c] = [this.sniffed.s2c, this.sniffed.c2s];
    [this.sniffedBytes.c2s, this.sniffedBytes.s2c] = [this.sniffedBytes.s2c, this.sniffedBytes.c2s];
    [this.bytes.c2s, this.bytes.s2c] = [this.bytes.s2c, this.bytes.c2s];
    [this.hello.c2s, this.hello.s2c] = [this.hello.s2c, this.hello.c2s];
    [this.kept.c2s, this.kept.s2c] = [this.kept.s2c, this.kept.c2s];
    const streams = this.streams as { c2s: WitnessedStream; s2c: WitnessedStream };
    [streams.c2s, streams.s2c] = [streams.s2c, streams.c2s];
    streams.c2s.dir = 'c2s';
    streams.s2c.dir = 's2c';
  }

  private feed(items: StreamItem[]): void {
    for (const item of items) {
      if (item.kind === 'data') {
        // bytes of records the file before carried in were counted there
        if (item.eventId >= 0) this.bytes[item.dir] += item.length;
        this.seenBytes += item.length;
        this.lastTs = item.ts;
        this.keepHello(item);
        if (this.sniffedBytes[item.dir] < SNIFF_BYTES && item.bytes.length) {
          const take = item.bytes.subarray(0, SNIFF_BYTES - this.sniffedBytes[item.dir]);
          this.sniffed[item.dir].push(take);
          this.sniffedBytes[item.dir] += take.length;
        }
      }
      if (this.protocol === null) {
        this.held.push(item);
        if (this.decide(item)) this.release();
      } else {
        this.toParser(item);
      }
    }
  }

  /** The first bytes of a direction, as long as they can be a TLS hello (then read by helloBytes). */
  private keepHello(item: StreamItem & { kind: 'data' }): void {
    const h = this.hello[item.dir];
    if (h.done) return;
    if ((h.size === 0 && item.bytes[0] !== 22) || item.bytes.length < item.length || item.offset !== h.size) {
      // not a handshake, or a gap in it: nothing (more) to read
      h.done = true;
      if (h.size === 0) h.parts = [];
      return;
    }
    const take = item.bytes.subarray(0, HELLO_BYTES - h.size);
    h.parts.push(take);
    h.size += take.length;
    if (h.size >= HELLO_BYTES) h.done = true;
  }

  /** What the direction began with, when that was a TLS handshake record. */
  helloBytes(dir: StreamDirection): Uint8Array | null {
    const h = this.hello[dir];
    return h.size ? Buffer.concat(h.parts) : null;
  }

  private release(): void {
    const held = this.held;
    this.held = [];
    for (const h of held) this.toParser(h);
  }

  private sniff(dir: StreamDirection): Uint8Array {
    return Buffer.concat(this.sniffed[dir]);
  }

  /**
   * Decide the protocol on the first bytes. A flow whose roles were only guessed is turned
   * around when the "server" is the one sending a request.
   */
  private decide(item: StreamItem): boolean {
    // plaintext that never came (the library was not watched) is no protocol, not 'unknown'
    if (this.layer === 'tls' && !this.sawBytes()) return false;
    const enough = item.kind === 'end' || this.sniffedBytes.c2s >= 16 || this.sniffedBytes.s2c >= 16;
    if (!enough) return false;
    // read from midway: a parser starts each direction where its stream began, which the answers
    // say only once they come (the request before them is held meanwhile)
    if (this.midway && item.kind !== 'end' && (this.streams.c2s.knownStart === null || this.streams.s2c.knownStart === null)) return false;
    // one HTTP/2 frame from the client of a connection joined mid-way says little alone: wait
    // for the server's first bytes, as long as the client's fit in what is sniffed
    for (const [dir, other] of [['c2s', 's2c'], ['s2c', 'c2s']] as const) {
      if (item.kind !== 'end' && this.sniffedBytes[other] === 0 && this.sniffedBytes[dir] < SNIFF_BYTES && startsWithHttp2Frames(this.sniff(dir), dir) === 'one') return false;
    }
    const transport = this.plan.transport;
    if (transport === 'udp' || transport === 'unix-dgram') {
      this.protocol = guessProtocol(this.sniff('c2s'), this.sniff('s2c'), this.serverPort(), transport);
      return true;
    }
    if (!looksLikeHttp1Request(this.sniff('c2s')) && looksLikeHttp1Request(this.sniff('s2c'))) this.turnAroundIfServerAsks();
    // HTTP/2 joined mid-way: a request's HEADERS in the "server's" bytes, or a response's in the "client's"
    else if (headersSide(this.sniff('c2s')) === 'response' || headersSide(this.sniff('s2c')) === 'request') this.turnAroundIfServerAsks();
    const a = this.sniff('c2s');
    const b = this.sniff('s2c');
    if (looksLikeHttp2Preface(a)) {
      this.protocol = 'http/2';
      this.h2 = new Http2Connection();
    } else if (looksLikeHttp1Request(a) || looksLikeHttp1Response(b)) {
      this.protocol = 'http/1.1';
      this.http = new Http1Connection({}, this.startOffsets());
    } else {
      this.protocol = guessProtocol(a, b, this.serverPort(), transport);
      this.db = dbConnectionFor(this.protocol, this.startOffsets());
      // frames without a preface: the connection began before the recording
      if (this.protocol === 'http/2') this.h2 = new Http2Connection({ joinedMidway: true });
    }
    return true;
  }

  /** Where each direction's stream begins: a parser starts there, at an exchange boundary. */
  private startOffsets(): Record<StreamDirection, number> {
    return { c2s: this.streams.c2s.start, s2c: this.streams.s2c.start };
  }

  private sawBytes(): boolean {
    return this.seenBytes > 0;
  }

  private serverPort(): number | null {
    const { client, server } = this.plan;
    return server ? server.localPort : (client?.remotePort ?? null);
  }

  /** The connection switched to HTTP/2 (`Upgrade: h2c` and 101): what followed is read as such. */
  private upgradeToH2(request: HttpRequest, c2sOffset: number, s2cOffset: number): void {
    this.http = null;
    this.h2 = new Http2Connection({ upgrade: { request, c2sOffset, s2cOffset } });
    // bytes before the offsets are the HTTP/1 messages: the HTTP/2 parser skips them
    for (const item of this.tail) this.h2.push(item);
    this.tail = [];
    this.tailBytes = 0;
  }

  /**
   * The connection switched to WebSocket (a 101 to `Upgrade: websocket`): what followed is read as
   * frames, with the extensions the server accepted.
   */
  private upgradeToWebSocket(ex: Http1Exchange, c2sOffset: number, s2cOffset: number): void {
    this.http = null;
    const accepted = headerValues(ex.response?.headers ?? [], 'sec-websocket-extensions');
    this.ws = new WebSocketConnection({ extensions: accepted ?? undefined, c2sOffset, s2cOffset });
    // the HTTP/1 parser has taken what came after the switch already: the frames are in the tail
    for (const item of this.tail) this.toWebSocket(item);
    this.stopKeepingTail();
  }

  private toWebSocket(item: StreamItem): void {
    this.ws!.push(item);
    if (item.kind === 'end') this.wsEnded[item.dir] = true;
  }

  /** The connection left HTTP/1 for a protocol nothing here reads: nothing to keep for it. */
  private stopKeepingTail(): void {
    this.keepTail = false;
    this.tail = [];
    this.tailBytes = 0;
  }

  /** Items wholly before an exchange's messages' ends are no upgrade's. */
  private forgetTail(ex: Http1Exchange): void {
    const ends = { c2s: ex.request?.end ?? 0, s2c: ex.response?.end ?? 0 };
    this.tail = this.tail.filter((i) => {
      const keep = i.kind !== 'data' || i.offset + i.length > ends[i.dir];
      if (!keep) this.tailBytes -= i.bytes.length;
      return keep;
    });
  }

  private toParser(item: StreamItem): void {
    if (item.kind === 'data') this.retained[item.dir].add(item.offset, item.length, item.bytes, item.eventId, item.lastEventId ?? item.eventId);
    if (this.http && this.keepTail && (item.kind !== 'data' || this.tailBytes + item.bytes.length <= TAIL_BYTES)) {
      this.tail.push(item);
      if (item.kind === 'data') this.tailBytes += item.bytes.length;
    }
    this.http?.push(item);
    this.h2?.push(item);
    this.db?.push(item);
    if (this.ws) this.toWebSocket(item);
  }

  /** The first offset of `dir` that exchanges not yet built may need (HTTP/2 streams interleave). */
  oldestNeeded(dir: StreamDirection): number | null {
    return this.h2 ? this.h2.oldestNeeded(dir) : null;
  }

  /** Switch the parser's protocol after an exchange switched it (101, CONNECT). */
  switched(protocol: string): void {
    this.protocol = protocol;
  }
}
