/**
 * One HTTP/2 connection (RFC 9113): a frame reader and an HPACK decoder per direction, and the
 * streams they carry, each becoming one exchange. Streams interleave freely, so an exchange is
 * handed out (takeExchanges) as soon as nothing more can happen to it: both sides ended the
 * stream, it was reset, or a direction it waits on ended or was lost. A long connection holds
 * only its open streams (at most HTTP2_LIMITS.maxOpenStreams).
 */
import { HpackDecoder } from '../hpack/index.js';
import type { StreamDirection, StreamItem } from '../stream.js';
import { DEFAULT_MAX_FRAME_SIZE, Flag, FrameType, LARGEST_FRAME_SIZE, SETTINGS_MAX_FRAME_SIZE, errorCodeName, settingName } from './constants.js';
import { FrameReader, type Http2Frame } from './frame-reader.js';
import { HTTP2_LIMITS } from './limits.js';
import { type BlockPlace, addData, extendTo, headlessMessage, newRequest, newResponse, sortFields, statusOf, upgradeRequest } from './messages.js';
import type { Http2ConnectionFacts, Http2ConnectionOptions, Http2Exchange, Http2Message, Http2ParseError, Http2Side } from './types.js';

/** A header block whose CONTINUATION frames are still coming. */
interface OpenBlock {
  type: number;
  streamId: number;
  promisedId: number;
  fragments: Uint8Array[];
  size: number;
  endStream: boolean;
  /** Why its bytes cannot be decoded, if they cannot. */
  lost?: { code: 'gap' | 'header-block-too-large'; message: string };
  start: number;
  startTs: number;
}

const SIDE: Record<StreamDirection, Http2Side> = { c2s: 'client', s2c: 'server' };

export class Http2Connection {
  private readonly readers: Record<StreamDirection, FrameReader>;
  private readonly decoders: Partial<Record<StreamDirection, HpackDecoder>> = {};
  private readonly blocks: Partial<Record<StreamDirection, OpenBlock>> = {};
  /** Open streams by id, in the order first seen. */
  private readonly open = new Map<number, Http2Exchange>();
  private readonly closed = new Set<number>();
  /** Highest stream id opened by a HEADERS or PUSH_PROMISE, and the first, per parity (0: even, 1: odd). */
  private readonly highest = [0, 0];
  private readonly first = [0, 0];
  private readonly over: Record<StreamDirection, boolean> = { c2s: false, s2c: false };
  private settled: Http2Exchange[] = [];
  /** s2c items waiting for the c2s direction to find its frames (push). */
  private held: StreamItem[] = [];
  private heldBytes = 0;
  private nextIndex = 0;
  private finished = false;
  private readonly upgraded: boolean;
  private readonly state: Omit<Http2ConnectionFacts, 'start' | 'skipped' | 'joinedMidway'> = {
    settings: [],
    goaways: [],
    omittedFrames: 0,
    pings: { client: 0, server: 0 },
    unknownFrames: 0,
    framesOnClosedStreams: 0,
    droppedStreams: 0,
    errors: [],
  };

  constructor(options: Http2ConnectionOptions = {}) {
    const midway = options.joinedMidway === true;
    this.upgraded = options.upgrade !== undefined;
    const reader = (dir: StreamDirection, startOffset: number) =>
      new FrameReader(dir, { onFrame: (f) => this.onFrame(dir, f), onError: (e) => this.onDirectionError(e) }, { startOffset, joinedMidway: midway });
    this.readers = { c2s: reader('c2s', options.upgrade?.c2sOffset ?? 0), s2c: reader('s2c', options.upgrade?.s2cOffset ?? 0) };
    if (options.upgrade) {
      const exchange = this.newExchange(1);
      exchange.request = upgradeRequest(options.upgrade.request);
      this.highest[1] = this.first[1] = 1;
    }
  }

  /** Feeds the next item of either direction, in capture order. Never throws. */
  push(item: StreamItem): void {
    if (this.finished) return;
    try {
      // Joined mid-connection, the client's first frame is known only once a chain of them
      // follows it, while the server's answer may chain at once: held back until then, so that a
      // request is read before its response and the exchange has both. They are let go before
      // the next server item, never in the middle of the client's bytes, so that however the
      // client's segments are cut the frames are read in the same order.
      if (item.dir === 's2c') {
        if (this.readers.c2s.syncing && this.heldBytes < HTTP2_LIMITS.maxHeldWhileSyncing) {
          this.held.push(item);
          if (item.kind === 'data') this.heldBytes += item.bytes.length;
          return;
        }
        this.release();
      }
      this.readers[item.dir].push(item);
      if (item.kind === 'end') this.directionOver(item.dir);
    } catch (e) {
      this.internalError(item.dir, item.offset, e);
    }
  }

  /** The server's items held while the client's direction searched, in their order. */
  private release(): void {
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    for (const item of held) {
      this.readers.s2c.push(item);
      if (item.kind === 'end') this.directionOver('s2c');
    }
  }

  /** Exchanges that nothing more can happen to, in the order they were settled. */
  takeExchanges(): Http2Exchange[] {
    const out = this.settled;
    this.settled = [];
    return out;
  }

  /** No more items: every exchange still open is handed out, in the order first seen. */
  finish(): Http2Exchange[] {
    if (this.finished) return [];
    try {
      this.readers.c2s.end();
      this.directionOver('c2s');
      this.release();
      this.readers.s2c.end();
      this.directionOver('s2c');
      for (const exchange of [...this.open.values()]) this.settle(exchange);
    } catch (e) {
      this.internalError('s2c', 0, e);
    }
    this.finished = true;
    return this.takeExchanges();
  }

  get facts(): Http2ConnectionFacts {
    const { c2s, s2c } = this.readers;
    const start = this.upgraded ? 'upgrade' : c2s.joinedMidway || s2c.joinedMidway ? 'midway' : 'prior-knowledge';
    return { start, skipped: { c2s: c2s.skipped, s2c: s2c.skipped }, joinedMidway: { c2s: c2s.joinedMidway, s2c: s2c.joinedMidway }, ...this.state };
  }

  /**
   * The first stream offset of `dir` an exchange not yet handed out may still need (its first
   * frame; streams interleave, so one finishing says nothing of the bytes before it); null when
   * none is open. A caller keeping bytes for the exchanges may forget what lies before.
   */
  oldestNeeded(dir: StreamDirection): number | null {
    let oldest: number | null = null;
    const note = (m: Http2Message | undefined) => {
      if (m && (oldest === null || m.start < oldest)) oldest = m.start;
    };
    for (const ex of [...this.open.values(), ...this.settled]) {
      if (dir === 'c2s') note(ex.request);
      else for (const m of [...ex.informational, ex.response]) note(m);
    }
    return oldest;
  }

  /** Bytes held: undecided starts, open non-DATA frames, header blocks awaiting their CONTINUATIONs. */
  get bufferedBytes(): number {
    return this.readers.c2s.bufferedBytes + this.readers.s2c.bufferedBytes + (this.blocks.c2s?.size ?? 0) + (this.blocks.s2c?.size ?? 0) + this.heldBytes;
  }

  // ---- frames ----

  private onFrame(dir: StreamDirection, frame: Http2Frame): void {
    const { type } = frame.header;
    if (this.blocks[dir] && type !== FrameType.CONTINUATION) {
      this.blocks[dir] = undefined;
      this.readers[dir].fail(frame.start, 'protocol', `a frame of type ${type} inside a header block (CONTINUATION expected)`);
      return;
    }
    switch (type) {
      case FrameType.DATA:
        this.onData(dir, frame);
        break;
      case FrameType.HEADERS:
      case FrameType.PUSH_PROMISE:
        this.onBlockStart(dir, frame);
        break;
      case FrameType.CONTINUATION:
        this.onContinuation(dir, frame);
        break;
      case FrameType.RST_STREAM:
        this.onReset(dir, frame);
        break;
      case FrameType.SETTINGS:
        this.onSettings(dir, frame);
        break;
      case FrameType.PING:
        if ((frame.header.flags & Flag.ACK) === 0) this.state.pings[SIDE[dir]]++;
        break;
      case FrameType.GOAWAY:
        this.onGoaway(dir, frame);
        break;
      case FrameType.PRIORITY:
      case FrameType.WINDOW_UPDATE:
        break;
      default:
        this.state.unknownFrames++; // RFC 9113 §5.5: ignored
    }
  }

  private onData(dir: StreamDirection, frame: Http2Frame): void {
    const exchange = this.streamFor(dir, frame, false);
    if (!exchange || !frame.data) return;
    const message = this.messageFor(exchange, dir, frame);
    addData(message, frame.data, frame);
    if (frame.data.paddingUnknown) this.addError(exchange, { dir, offset: frame.start, code: 'gap', message: 'the pad length of a DATA frame was not captured: its range includes the padding' });
    if ((frame.header.flags & Flag.END_STREAM) !== 0 && !frame.cut) message.complete = true;
    this.settleIfDone(exchange);
  }

  /** The message a DATA frame belongs to; one without its header block when that was not seen. */
  private messageFor(exchange: Http2Exchange, dir: StreamDirection, frame: Http2Frame): Http2Message {
    if (dir === 'c2s') return (exchange.request ??= headlessMessage('request', frame));
    return (exchange.response ??= headlessMessage('response', frame));
  }

  private onBlockStart(dir: StreamDirection, frame: Http2Frame): void {
    const { header } = frame;
    const block: OpenBlock = {
      type: header.type,
      streamId: header.streamId,
      promisedId: 0,
      fragments: [],
      size: 0,
      endStream: header.type === FrameType.HEADERS && (header.flags & Flag.END_STREAM) !== 0,
      start: frame.start,
      startTs: frame.startTs,
    };
    if (frame.payload) {
      const fragment = this.fragmentOf(dir, frame, frame.payload, block);
      if (fragment === null) return;
      block.fragments.push(fragment);
      block.size = fragment.length;
    } else block.lost = lostBlock(frame);
    this.blocks[dir] = block;
    if ((header.flags & Flag.END_HEADERS) !== 0) this.onBlockEnd(dir, frame);
  }

  /** A HEADERS or PUSH_PROMISE payload without its padding, priority or promised stream id (RFC 9113 §6.2, §6.6). */
  private fragmentOf(dir: StreamDirection, frame: Http2Frame, payload: Uint8Array, block: OpenBlock): Uint8Array | null {
    const { flags, type } = frame.header;
    let at = 0;
    let end = payload.length;
    if ((flags & Flag.PADDED) !== 0) {
      end -= payload[0] ?? 0;
      at = 1;
    }
    if (type === FrameType.HEADERS && (flags & Flag.PRIORITY) !== 0) at += 5;
    if (type === FrameType.PUSH_PROMISE) {
      block.promisedId = (((payload[at] ?? 0) & 0x7f) * 2 ** 24) + ((payload[at + 1] ?? 0) << 16) + ((payload[at + 2] ?? 0) << 8) + (payload[at + 3] ?? 0);
      at += 4;
    }
    if (at > end) {
      this.readers[dir].fail(frame.start, 'invalid-frame', 'padding longer than the frame');
      return null;
    }
    return payload.subarray(at, end);
  }

  private onContinuation(dir: StreamDirection, frame: Http2Frame): void {
    const block = this.blocks[dir];
    if (!block) {
      // joined mid-connection inside a header block: the rest of it is of no use
      if (this.readers[dir].joinedMidway && !this.decoders[dir]) return;
      this.readers[dir].fail(frame.start, 'protocol', 'CONTINUATION without a HEADERS or PUSH_PROMISE before it');
      return;
    }
    if (frame.header.streamId !== block.streamId) {
      this.blocks[dir] = undefined;
      this.readers[dir].fail(frame.start, 'protocol', `CONTINUATION on stream ${frame.header.streamId} inside a header block of stream ${block.streamId}`);
      return;
    }
    if (!block.lost) {
      if (!frame.payload) block.lost = lostBlock(frame);
      else if (block.size + frame.payload.length > HTTP2_LIMITS.maxHeaderBlockBytes) block.lost = lostBlock({ ...frame, payloadMissing: 'too-large' });
      else {
        block.fragments.push(frame.payload);
        block.size += frame.payload.length;
      }
      if (block.lost) block.fragments = [];
    }
    if ((frame.header.flags & Flag.END_HEADERS) !== 0) this.onBlockEnd(dir, frame);
  }

  private onBlockEnd(dir: StreamDirection, last: Http2Frame): void {
    const block = this.blocks[dir]!;
    this.blocks[dir] = undefined;
    const decoder = (this.decoders[dir] ??= new HpackDecoder({ joinedMidway: this.readers[dir].joinedMidway }));
    let fields = null;
    let omitted = 0;
    let error: Http2ParseError | undefined;
    if (block.lost) {
      decoder.forget();
      error = { dir, offset: block.start, code: block.lost.code, message: block.lost.message };
    } else {
      const result = decoder.decode(block.fragments.length === 1 ? block.fragments[0] : Buffer.concat(block.fragments));
      fields = result.fields;
      omitted = result.omittedFields;
      if (result.error) error = { dir, offset: block.start, code: 'compression', message: `HPACK: ${result.error.message} (the table is forgotten)` };
    }
    const sorted = sortFields(fields, omitted);
    const place: BlockPlace = { start: block.start, startTs: block.startTs, last };
    const exchange = this.streamFor(dir, { header: { ...last.header, streamId: block.streamId, type: block.type } }, true);
    if (error) {
      this.state.errors.push(error);
      if (exchange) this.addError(exchange, error);
    }
    if (!exchange) return;
    if (sorted.unknown.length > 0) exchange.fieldsUnknown = true;
    if (block.type === FrameType.PUSH_PROMISE) {
      this.onPromise(exchange, block, sorted, place);
      return;
    }
    let message: Http2Message;
    if (dir === 'c2s') {
      if (!exchange.request) message = exchange.request = newRequest(sorted, place);
      else message = this.trailers(exchange.request, sorted, last);
    } else {
      const status = statusOf(sorted);
      if (status !== undefined && status >= 100 && status < 200 && !exchange.response) {
        message = newResponse(sorted, place);
        exchange.informational.push(message);
        message.complete = true;
      } else if (!exchange.response) message = exchange.response = newResponse(sorted, place);
      else message = this.trailers(exchange.response, sorted, last);
    }
    if (block.endStream) message.complete = true;
    this.settleIfDone(exchange);
  }

  private trailers(message: Http2Message, sorted: ReturnType<typeof sortFields>, last: Http2Frame): Http2Message {
    message.trailers = sorted.headers;
    for (const u of sorted.unknown) message.unknownFields.push({ ...u, at: message.headers.length });
    extendTo(message, last);
    return message;
  }

  private onPromise(on: Http2Exchange, block: OpenBlock, sorted: ReturnType<typeof sortFields>, place: BlockPlace): void {
    const id = block.promisedId;
    if (id === 0 || id % 2 === 1 || this.open.has(id) || this.closed.has(id)) {
      this.readers.s2c.fail(block.start, 'protocol', `PUSH_PROMISE of stream ${id}, which cannot be promised`);
      return;
    }
    this.noteOpened(id);
    const pushed = this.newExchange(id);
    pushed.pushedOn = on.streamId;
    pushed.request = newRequest(sorted, place);
    pushed.request.complete = true; // a promised request has no body (RFC 9113 §8.4)
    if (sorted.unknown.length > 0) pushed.fieldsUnknown = true;
  }

  private onReset(dir: StreamDirection, frame: Http2Frame): void {
    const exchange = this.open.get(frame.header.streamId);
    if (!exchange) {
      this.state.framesOnClosedStreams++;
      return;
    }
    const p = frame.payload;
    const code = p ? ((p[0] << 24) >>> 0) + (p[1] << 16) + (p[2] << 8) + p[3] : -1;
    exchange.reset = { by: SIDE[dir], code, name: code < 0 ? 'not captured' : errorCodeName(code), offset: frame.start, ts: frame.startTs };
    this.settle(exchange);
  }

  private onSettings(dir: StreamDirection, frame: Http2Frame): void {
    const ack = (frame.header.flags & Flag.ACK) !== 0;
    const values: [string, number][] = [];
    const p = frame.payload ?? new Uint8Array(0);
    for (let at = 0; at + 6 <= p.length; at += 6) {
      const id = (p[at] << 8) | p[at + 1];
      const value = ((p[at + 2] << 24) >>> 0) + (p[at + 3] << 16) + (p[at + 4] << 8) + p[at + 5];
      values.push([settingName(id), value]);
      // what this side is willing to receive bounds the other direction's frames
      if (id === SETTINGS_MAX_FRAME_SIZE) this.readers[dir === 'c2s' ? 's2c' : 'c2s'].maxFrameLength = Math.min(Math.max(value, DEFAULT_MAX_FRAME_SIZE), LARGEST_FRAME_SIZE);
    }
    if (this.state.settings.length + this.state.goaways.length >= HTTP2_LIMITS.maxConnectionFrames) this.state.omittedFrames++;
    else this.state.settings.push({ by: SIDE[dir], offset: frame.start, ts: frame.startTs, values, ack });
  }

  private onGoaway(dir: StreamDirection, frame: Http2Frame): void {
    const p = frame.payload;
    if (!p || p.length < 8) return;
    const lastStreamId = ((p[0] & 0x7f) * 2 ** 24) + (p[1] << 16) + (p[2] << 8) + p[3];
    const code = ((p[4] << 24) >>> 0) + (p[5] << 16) + (p[6] << 8) + p[7];
    const debug = Buffer.from(p.subarray(8, 8 + HTTP2_LIMITS.maxGoawayDebugChars)).toString('latin1');
    if (this.state.settings.length + this.state.goaways.length >= HTTP2_LIMITS.maxConnectionFrames) this.state.omittedFrames++;
    else this.state.goaways.push({ by: SIDE[dir], offset: frame.start, ts: frame.startTs, lastStreamId, code, name: errorCodeName(code), debug, debugLength: p.length - 8 });
  }

  // ---- streams ----

  /**
   * The exchange of the frame's stream: an open one, or a new one. A request HEADERS opens a
   * stream; a frame on a stream never opened makes one only if the stream may have begun before
   * the recording (otherwise it is closed, or a peer's error). Null: ignore the frame.
   */
  private streamFor(dir: StreamDirection, frame: Pick<Http2Frame, 'header'> & Partial<Http2Frame>, isHeaders: boolean): Http2Exchange | undefined {
    const id = frame.header.streamId;
    const existing = this.open.get(id);
    if (existing) return existing;
    if (id === 0) return undefined;
    const parity = id % 2;
    const midway = this.readers.c2s.joinedMidway || this.readers.s2c.joinedMidway;
    const before = midway && (this.first[parity] === 0 || id < this.first[parity]);
    if (this.closed.has(id) || (!before && id <= this.highest[parity])) {
      this.state.framesOnClosedStreams++;
      return undefined;
    }
    const opens = isHeaders && dir === 'c2s' && parity === 1;
    const exchange = this.newExchange(id);
    if (opens) this.noteOpened(id);
    else if (before) exchange.startedBeforeRecording = true;
    else {
      this.noteOpened(id);
      this.addError(exchange, { dir, offset: frame.start ?? 0, code: 'protocol', message: `a frame on stream ${id}, which was never opened` });
    }
    return exchange;
  }

  private noteOpened(id: number): void {
    const parity = id % 2;
    if (this.first[parity] === 0) this.first[parity] = id;
    this.highest[parity] = Math.max(this.highest[parity], id);
  }

  private newExchange(streamId: number): Http2Exchange {
    const exchange: Http2Exchange = { index: this.nextIndex++, streamId, informational: [], errors: [], complete: false, timing: {} };
    this.open.set(streamId, exchange);
    if (this.open.size > HTTP2_LIMITS.maxOpenStreams) {
      const oldest = this.open.values().next().value!;
      this.state.droppedStreams++;
      this.addError(oldest, { dir: 'c2s', offset: oldest.request?.start ?? 0, code: 'too-many-streams', message: `more than ${HTTP2_LIMITS.maxOpenStreams} streams open: handed out unfinished` });
      this.settle(oldest);
    }
    return exchange;
  }

  private settleIfDone(exchange: Http2Exchange): void {
    const requestDone = this.over.c2s || (exchange.request?.complete ?? exchange.startedBeforeRecording === true);
    const responseDone = this.over.s2c || exchange.response?.complete === true;
    if (requestDone && responseDone) this.settle(exchange);
  }

  private settle(exchange: Http2Exchange): void {
    if (!this.open.delete(exchange.streamId)) return;
    this.closed.add(exchange.streamId);
    if (this.closed.size > HTTP2_LIMITS.closedStreamsRemembered) this.closed.delete(this.closed.values().next().value!);
    const { request, response } = exchange;
    if (request) {
      exchange.timing.requestStart = request.startTs;
      exchange.timing.requestEnd = request.endTs;
    }
    if (response) {
      exchange.timing.responseStart = response.startTs;
      exchange.timing.responseEnd = response.endTs;
    }
    exchange.complete =
      request?.complete === true && response?.complete === true && exchange.errors.length === 0 && !exchange.reset && !exchange.fieldsUnknown && !exchange.startedBeforeRecording;
    this.settled.push(exchange);
  }

  private addError(exchange: Http2Exchange, error: Http2ParseError): void {
    if (!exchange.errors.includes(error)) exchange.errors.push(error);
  }

  // ---- directions ----

  private onDirectionError(error: Http2ParseError): void {
    this.state.errors.push(error);
    this.blocks[error.dir] = undefined;
    for (const exchange of this.open.values()) {
      const waiting = error.dir === 'c2s' ? !exchange.request?.complete : !exchange.response?.complete;
      if (waiting) this.addError(exchange, error);
    }
    this.directionOver(error.dir);
  }

  /** Nothing more will come from this direction: streams waiting only on it are done. */
  private directionOver(dir: StreamDirection): void {
    if (this.over[dir]) return;
    this.over[dir] = true;
    this.blocks[dir] = undefined;
    for (const exchange of [...this.open.values()]) this.settleIfDone(exchange);
  }

  private internalError(dir: StreamDirection, offset: number, e: unknown): void {
    this.readers[dir].fail(offset, 'internal', `parser error: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function lostBlock(frame: Pick<Http2Frame, 'payloadMissing'>): OpenBlock['lost'] {
  return frame.payloadMissing === 'too-large'
    ? { code: 'header-block-too-large', message: `a header block over ${HTTP2_LIMITS.maxHeaderBlockBytes} bytes was skipped (the HPACK table is forgotten)` }
    : { code: 'gap', message: 'a header block was not captured (the HPACK table is forgotten)' };
}

