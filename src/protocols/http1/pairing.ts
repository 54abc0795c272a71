/**
 * One HTTP/1.x connection: two direction parsers, and the pairing of their messages into
 * exchanges. HTTP/1.x has no request ids: the n-th final response answers the n-th request
 * (RFC 9112 §9.3.2), however many requests were pipelined before it. 1xx responses come before
 * the final one and are attached to it; 101 and a successful CONNECT end HTTP/1.x on both
 * directions.
 *
 * Exchanges are handed out in request order as soon as nothing more can happen to them
 * (takeExchanges), so a long connection holds only the exchanges still in flight.
 */
import type { StreamDirection, StreamItem } from '../stream.js';
import { isInformational, mayUpgrade, switchProtocolName, switchesProtocol, upgradeToken } from './framing.js';
import { Http1Parser, type Http1ParserHooks } from './parser.js';
import type { Http1Exchange, Http1Limits, HttpRequest, HttpResponse } from './types.js';

/** An exchange still in flight, and what it waits for. */
interface Slot {
  exchange: Http1Exchange;
  /** Its request's head was parsed but not yet its end. */
  requestOpen: boolean;
  /** Its final response's head was parsed but not yet its end. */
  responseOpen: boolean;
  /** It waits for a final response. */
  awaiting: boolean;
  /** A switch was decided before the request ended: switch c2s when it does. */
  switchWhenRequestEnds: boolean;
  /** Its final response has arrived (an Upgrade request answered without 101 does not pause c2s). */
  answered: boolean;
}

export class Http1Connection {
  private readonly requests: Http1Parser;
  private readonly responses: Http1Parser;
  /** Exchanges not yet handed out, in order. */
  private slots: Slot[] = [];
  /** Exchanges waiting for their final response, oldest first. */
  private awaiting: Slot[] = [];
  private requestSlot: Slot | undefined;
  private responseSlot: Slot | undefined;
  /** The c2s parser is paused after this slot's Upgrade/CONNECT request. */
  private pausedFor: Slot | undefined;
  /** s2c ended, failed or switched: no request will be answered any more. */
  private responsesOver = false;
  private nextIndex = 0;
  private finished = false;

  /** `start`: the stream offsets each direction begins at, at an exchange boundary (Http1Parser). */
  constructor(limits: Partial<Http1Limits> = {}, start: Record<StreamDirection, number> = { c2s: 0, s2c: 0 }) {
    this.requests = new Http1Parser('request', 'c2s', this.requestHooks(), limits, start.c2s);
    this.responses = new Http1Parser('response', 's2c', this.responseHooks(), limits, start.s2c);
  }

  /** Feeds the next item of either direction, in capture order. Never throws. */
  push(item: StreamItem): void {
    if (this.finished) return;
    if (item.dir === 'c2s') {
      this.requests.push(item);
    } else {
      this.responses.push(item);
      if (item.kind === 'end') this.noMoreResponses();
    }
  }

  /** Exchanges that nothing more can change, in order; each is returned once. */
  takeExchanges(): Http1Exchange[] {
    let n = 0;
    while (n < this.slots.length && isSettled(this.slots[n])) n++;
    if (n === 0) return [];
    const taken = this.slots.slice(0, n);
    this.slots = this.slots.slice(n);
    return taken.map(finalize);
  }

  /** The data ended: every exchange not yet handed out, the unfinished ones marked incomplete. */
  finish(): Http1Exchange[] {
    if (this.finished) return [];
    this.requests.finish();
    this.responses.finish();
    this.finished = true;
    const rest = this.slots;
    this.slots = [];
    this.awaiting = [];
    return rest.map(finalize);
  }

  /** Bytes the two parsers hold in memory. */
  get bufferedBytes(): number {
    return this.requests.bufferedBytes + this.responses.bufferedBytes;
  }

  /**
   * Parsing can start again at the first exchange not handed out: neither direction gave up or
   * left HTTP/1.x (a later file of a chain restarts there, SPEC.md §3.1).
   */
  get restartable(): boolean {
    return [this.requests.phase, this.responses.phase].every((p) => p !== 'failed' && p !== 'opaque');
  }

  // ---- requests (c2s) ----

  private requestHooks(): Http1ParserHooks {
    return {
      onHead: (message) => {
        const slot = this.newSlot(!this.responsesOver);
        slot.exchange.request = message as HttpRequest;
        slot.requestOpen = true;
        this.requestSlot = slot;
      },
      onMessage: (message) => {
        const slot = this.requestSlot;
        this.requestSlot = undefined;
        if (!slot) return;
        slot.requestOpen = false;
        if (!message.complete) return;
        if (slot.switchWhenRequestEnds) {
          slot.switchWhenRequestEnds = false;
          slot.exchange.protocolSwitch!.c2sOffset = this.requests.switchProtocol();
        } else if (!slot.answered && !this.responsesOver && mayUpgrade(message as HttpRequest)) {
          // until the answer arrives, nobody knows whether what follows is HTTP/1.x
          this.requests.pause();
          this.pausedFor = slot;
        }
      },
      onError: (error, interrupted) => {
        if (interrupted && this.requestSlot) {
          this.requestSlot.requestOpen = false;
          this.requestSlot.exchange.errors.push(error);
          this.requestSlot = undefined;
          return;
        }
        // a request we could not parse: its response (often a 400) still answers it
        this.newSlot(!this.responsesOver).exchange.errors.push(error);
      },
    };
  }

  // ---- responses (s2c) ----

  private responseHooks(): Http1ParserHooks {
    return {
      requestMethod: () => this.awaiting[0]?.exchange.request?.method,
      onHead: (message) => {
        const response = message as HttpResponse;
        if (isInformational(response.status)) {
          // interim: the exchange keeps waiting for its final response
          const slot = this.awaiting[0] ?? this.newSlot(true);
          slot.exchange.informational.push(response);
          return;
        }
        // no request waiting: the capture began after it was sent, or c2s could not be parsed
        const slot = this.awaiting.shift() ?? this.newSlot(false);
        slot.awaiting = false;
        slot.answered = true;
        slot.responseOpen = true;
        slot.exchange.response = response;
        this.responseSlot = slot;
      },
      onMessage: (message) => {
        const slot = this.responseSlot;
        if (!slot || slot.exchange.response !== message) return; // an informational response
        this.responseSlot = undefined;
        slot.responseOpen = false;
        const response = message;
        const request = slot.exchange.request;
        if (message.complete && switchesProtocol(request?.method, response.status)) {
          this.switchProtocols(slot, request, response);
        } else if (this.pausedFor === slot) {
          this.resumeRequests();
        }
      },
      onError: (error, interrupted) => {
        let slot: Slot | undefined;
        if (interrupted && this.responseSlot) {
          slot = this.responseSlot;
          slot.responseOpen = false;
          this.responseSlot = undefined;
        } else {
          // the response we could not parse answered the oldest waiting request
          slot = this.awaiting.shift() ?? this.newSlot(false);
          slot.awaiting = false;
        }
        slot.exchange.errors.push(error);
        this.noMoreResponses();
      },
    };
  }

  private switchProtocols(slot: Slot, request: HttpRequest | undefined, response: HttpResponse): void {
    const protocol = switchProtocolName(
      request?.method,
      upgradeToken(response.headers),
      request ? upgradeToken(request.headers) : '',
    );
    slot.exchange.protocolSwitch = { protocol, s2cOffset: response.end };
    if (slot.requestOpen) {
      slot.switchWhenRequestEnds = true;
    } else {
      if (this.pausedFor === slot) this.pausedFor = undefined;
      slot.exchange.protocolSwitch.c2sOffset = this.requests.switchProtocol();
    }
    this.noMoreResponses();
  }

  /** s2c will answer nothing more: the waiting exchanges settle as soon as their requests end. */
  private noMoreResponses(): void {
    this.responsesOver = true;
    for (const slot of this.awaiting) slot.awaiting = false;
    this.awaiting = [];
    if (this.pausedFor) this.resumeRequests();
  }

  private resumeRequests(): void {
    this.pausedFor = undefined;
    this.requests.resume();
  }

  private newSlot(awaiting: boolean): Slot {
    const slot: Slot = {
      exchange: { index: this.nextIndex++, informational: [], errors: [], complete: false, timing: {} },
      requestOpen: false,
      responseOpen: false,
      awaiting,
      switchWhenRequestEnds: false,
      answered: false,
    };
    this.slots.push(slot);
    if (slot.awaiting) this.awaiting.push(slot);
    return slot;
  }
}

function isSettled(slot: Slot): boolean {
  return !slot.requestOpen && !slot.responseOpen && !slot.awaiting && !slot.switchWhenRequestEnds;
}

/** Fills in what is derived from the messages, at hand-out time. */
function finalize(slot: Slot): Http1Exchange {
  const exchange = slot.exchange;
  const { request, response } = exchange;
  exchange.complete = request?.complete === true && response?.complete === true && exchange.errors.length === 0;
  const timing: Http1Exchange['timing'] = {};
  if (request) {
    timing.requestStart = request.startTs;
    timing.requestEnd = request.endTs;
  }
  if (response) {
    timing.responseStart = response.startTs;
    timing.responseEnd = response.endTs;
  }
  exchange.timing = timing;
  return exchange;
}
