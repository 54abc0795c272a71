/**
 * One Redis connection: a RESP reader per direction, and the pairing of replies with requests.
 * RESP has no request ids: replies come in request order (pipelining), except for
 * - commands answered by several replies: SUBSCRIBE a b c gets one confirmation per channel;
 * - replies nobody asked for: pub/sub messages (RESP2 arrays while subscribed, RESP3 pushes),
 *   client-side caching invalidations (pushes), MONITOR's stream of status lines; these become
 *   one-way calls;
 * - commands the server does not answer: after CLIENT REPLY OFF / SKIP.
 * The connection follows the state that changes what later calls mean: SELECT (database),
 * HELLO 3 (RESP3), AUTH (user), MULTI/EXEC (queued commands), SUBSCRIBE (pub/sub mode), MONITOR.
 *
 * Calls are handed out in index order as soon as nothing more can happen to them, so a long
 * connection holds only the calls in flight (at most REDIS_LIMITS.maxInFlight).
 */
import { type DbCall, type DbConnection, type DbParseError, newDbCall } from '../db-call.js';
import type { StreamDirection, StreamItem } from '../stream.js';
import { describeCommand, hideSecretReplies, type RedisCommand } from './command.js';
import { REDIS_LIMITS } from './limits.js';
import { applyReply, oneWayCall, settleCall } from './call-facts.js';
import { RespReader } from './resp-reader.js';
import { isResp3Only } from './reply-format.js';
import { confirmationOf, isPubSubMessage, isMonitorLine, SUBSCRIBE_COMMANDS } from './pubsub.js';
import type { RespMessage } from './types.js';
import { initialState, type ConnectionState } from './state.js';

/** A call in flight, and what it waits for. */
export interface Slot {
  call: DbCall;
  command?: RedisCommand;
  request?: RespMessage;
  replies: RespMessage[];
  /** Replies it waits for; -1: confirmations until the server says none is left (UNSUBSCRIBE with no channel). */
  expected: number;
  /** The confirmation kind its replies carry ('subscribe'), for pub/sub commands. */
  confirms?: string;
  /** SELECT: the database before it, restored if it fails. */
  previousDatabase?: string;
  settled: boolean;
}

export class RedisConnection implements DbConnection {
  readonly switchedTo: string | null = null;
  private readonly requests: RespReader;
  private readonly replies: RespReader;
  private readonly state: ConnectionState = initialState();
  /** Calls not yet handed out, in index order. */
  private slots: Slot[] = [];
  /** Calls waiting for replies, oldest first. */
  private awaiting: Slot[] = [];
  /** Replies to skip: their calls were given up (more in flight than we hold). */
  private skipReplies = 0;
  /** The call that the last, interrupted, message of a direction went to (its error joins it). */
  private interrupted: { c2s?: Slot; s2c?: Slot } = {};
  private repliesOver = false;
  private tailSeen = false;
  private nextIndex = 0;
  private finished = false;

  /** `start`: the stream offsets each direction begins at, at a call boundary. */
  constructor(start: Record<StreamDirection, number> = { c2s: 0, s2c: 0 }) {
    this.requests = new RespReader(
      'c2s',
      {
        onMessage: (m) => this.onRequest(m),
        onError: (e) => this.onRequestError(e),
        onSkip: () => this.onRequestTail(),
      },
      start.c2s,
    );
    this.replies = new RespReader(
      's2c',
      {
        onMessage: (m) => this.onReply(m),
        onError: (e) => this.onReplyError(e),
        onEnd: () => this.noMoreReplies(),
      },
      start.s2c,
    );
  }

  /** Neither direction gave up: parsing can start again at a command (SPEC.md §3.1). */
  get restartable(): boolean {
    return !this.requests.failed && !this.replies.failed;
  }

  push(item: StreamItem): void {
    if (this.finished) return;
    try {
      if (item.dir === 'c2s') this.requests.push(item);
      else this.replies.push(item);
    } catch (e) {
      // the readers never throw; the pairing might, on a case nobody thought of
      this.internalError(item.dir, item.offset, e);
    }
  }

  takeCalls(): DbCall[] {
    let n = 0;
    while (n < this.slots.length && this.slots[n].settled) n++;
    if (n === 0) return [];
    const taken = this.slots.slice(0, n);
    this.slots = this.slots.slice(n);
    return taken.map((s) => s.call);
  }

  finish(): DbCall[] {
    if (this.finished) return [];
    try {
      this.requests.finish();
      this.replies.finish();
      for (const slot of this.slots) if (!slot.settled) this.settle(slot);
    } catch (e) {
      this.internalError('s2c', 0, e);
    }
    this.finished = true;
    const rest = this.slots.map((s) => s.call);
    this.slots = [];
    this.awaiting = [];
    return rest;
  }

  /** Bytes the readers hold. */
  get bufferedBytes(): number {
    return this.requests.bufferedBytes + this.replies.bufferedBytes;
  }

  // ---- requests ----

  private onRequest(message: RespMessage): void {
    const command = describeCommand(message);
    const slot = this.newSlot({ command, request: message });
    const { call } = slot;
    call.operation = command.operation;
    call.text = command.text;
    if (command.params.length > 0) call.params = command.params;
    if (command.keys) call.keys = command.keys;
    call.database = this.state.database;
    if (this.state.user !== undefined) call.user = this.state.user;
    call.request = [message.start, message.end];
    call.timing.requestStart = message.startTs;
    call.timing.requestEnd = message.endTs;
    if (message.gap) call.gap = true;
    if (command.passwordSent) call.detail.passwordSent = true;
    if (message.inline) call.detail.inline = true;
    if (command.params.length < command.argc) call.detail.argc = command.argc;
    if (!message.complete) {
      this.interrupted.c2s = slot;
      this.settle(slot); // Redis runs no command it has not read whole
      return;
    }
    this.expectReplies(slot, command);
  }

  /** How many replies the command gets, and the state it changes before any reply comes. */
  private expectReplies(slot: Slot, command: RedisCommand): void {
    const st = this.state;
    const [, arg1, arg2] = command.words;
    if (command.name === 'SELECT' && arg1 !== undefined) {
      // later pipelined commands run in the new database unless the SELECT fails (see applyReply)
      slot.previousDatabase = st.database;
      st.database = command.params[0] ?? st.database;
    }
    let silent = st.replyMode !== 'on';
    if (st.replyMode === 'skip') st.replyMode = 'on';
    if (command.operation === 'CLIENT REPLY' && (arg2 === 'ON' || arg2 === 'OFF' || arg2 === 'SKIP')) {
      // ON is answered (+OK); OFF and SKIP are not (networking.c, clientReplyCommand)
      silent = arg2 !== 'ON';
      if (arg2 !== 'SKIP' || st.replyMode === 'on') st.replyMode = arg2 === 'ON' ? 'on' : arg2 === 'OFF' ? 'off' : 'skip';
    }
    if (silent) {
      slot.call.detail.noReply = true;
      this.settle(slot);
      return;
    }
    const confirms = SUBSCRIBE_COMMANDS.get(command.name);
    if (confirms) {
      slot.confirms = confirms;
      const channels = command.argc;
      slot.expected = channels > 0 ? channels : confirms.endsWith('subscribe') && confirms.includes('un') ? -1 : 1;
    }
    if (this.repliesOver) {
      this.settle(slot);
      return;
    }
    this.awaiting.push(slot);
    if (this.awaiting.length > REDIS_LIMITS.maxInFlight) {
      // the replies are not coming (s2c not captured?): give up the oldest, and its reply if it comes
      const oldest = this.awaiting.shift()!;
      this.skipReplies += Math.max(1, oldest.expected) - oldest.replies.length;
      this.settle(oldest);
    }
  }

  /**
   * The capture began inside a request: its reply may still come, so a call without a request
   * holds its place in the order (once, however many lines the tail has).
   */
  private onRequestTail(): void {
    if (this.tailSeen) return;
    this.tailSeen = true;
    const slot = this.newSlot({});
    slot.call.detail.requestTail = true;
    if (this.repliesOver) this.settle(slot);
    else this.awaiting.push(slot);
  }

  private onRequestError(error: DbParseError): void {
    const slot = this.interrupted.c2s ?? this.newSlot({});
    this.interrupted.c2s = undefined;
    slot.call.errors.push(error);
    // Redis answers a request it cannot parse with "-ERR Protocol error: ..." (then closes)
    if (error.code !== 'gap' && error.code !== 'internal' && !this.repliesOver) {
      slot.settled = false;
      this.awaiting.push(slot);
    } else {
      this.settle(slot);
    }
  }

  // ---- replies ----

  private onReply(message: RespMessage): void {
    if (isResp3Only(message.value)) this.state.resp = 3;
    const waiting = this.awaiting[0];
    const confirmation = confirmationOf(message.value);
    if (waiting && waiting.expected === -1 && waiting.replies.length > 0 && confirmation?.kind !== waiting.confirms) {
      this.finishWaiting(); // the open-ended UNSUBSCRIBE got all its confirmations
      this.onReply(message);
      return;
    }
    if (this.skipReplies > 0 && !this.isUnsolicited(message, confirmation?.kind)) {
      this.skipReplies--;
      return;
    }
    if (this.isUnsolicited(message, confirmation?.kind)) {
      const slot = this.newSlot({});
      oneWayCall(slot.call, message, this.state);
      this.interrupted.s2c = message.complete ? undefined : slot;
      slot.settled = true;
      return;
    }
    const slot = waiting ?? this.newSlot({});
    slot.replies.push(message);
    if (!message.complete) this.interrupted.s2c = slot;
    const more =
      waiting !== undefined &&
      message.complete &&
      confirmation !== undefined &&
      confirmation.kind === waiting.confirms &&
      (waiting.expected === -1 ? confirmation.remaining > 0 : waiting.replies.length < waiting.expected);
    if (more) return;
    if (waiting) this.awaiting.shift();
    this.settle(slot);
  }

  /** A reply nobody asked for: a pub/sub message, a push, a confirmation no request waits for, MONITOR output. */
  private isUnsolicited(message: RespMessage, confirmationKind: string | undefined): boolean {
    const value = message.value;
    const waiting = this.awaiting[0];
    if (confirmationKind !== undefined) return waiting?.confirms !== confirmationKind;
    if (value.type === 'push') return true;
    if (isPubSubMessage(value)) return this.state.subscribed || waiting === undefined;
    return this.state.monitoring && isMonitorLine(value);
  }

  private onReplyError(error: DbParseError): void {
    const slot = this.interrupted.s2c ?? this.awaiting.shift() ?? this.newSlot({});
    this.interrupted.s2c = undefined;
    slot.call.errors.push(error);
    if (!slot.settled) this.settle(slot);
    this.noMoreReplies();
  }

  /** s2c ended or failed: nothing waiting will be answered. */
  private noMoreReplies(): void {
    this.repliesOver = true;
    const waiting = this.awaiting;
    this.awaiting = [];
    for (const slot of waiting) if (!slot.settled) this.settle(slot);
  }

  private finishWaiting(): void {
    const slot = this.awaiting.shift();
    if (slot) this.settle(slot);
  }

  // ---- calls ----

  private newSlot(from: { command?: RedisCommand; request?: RespMessage }): Slot {
    const call = newDbCall('redis', this.nextIndex++, '');
    const slot: Slot = { call, ...from, replies: [], expected: 1, settled: false };
    this.slots.push(slot);
    return slot;
  }

  /** Nothing more will come for this call: its reply facts, and what its reply changes. */
  private settle(slot: Slot): void {
    slot.settled = true;
    const i = this.awaiting.indexOf(slot);
    if (i >= 0) this.awaiting.splice(i, 1);
    if (slot.command && slot.replies.length > 0) {
      hideSecretReplies(slot.command.operation, slot.replies);
      applyReply(slot, this.state);
    }
    settleCall(slot, this.state);
  }

  private internalError(dir: 'c2s' | 's2c', offset: number, e: unknown): void {
    const slot = this.newSlot({});
    slot.call.errors.push({ dir, offset, code: 'internal', message: `parser error: ${e instanceof Error ? e.message : String(e)}` });
    slot.settled = true;
  }
}
