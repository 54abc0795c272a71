/**
 * What the two directions of one connection share: the calls not yet handed out, the queue of
 * replies the server owes (PostgreSQL replies in request order, so the queue's head says what the
 * next backend message answers), and what the connection remembers across calls: prepared
 * statements, portals, the user and database of its startup.
 */
import type { DbValue } from '../db-call.js';
import { CallBuilder } from './call-builder.js';
import type { PostgresLimits } from './limits.js';
import type { PostgresColumn } from './types.js';

/**
 * A reply the server owes, and the call it belongs to. The kinds follow the protocol's replies:
 * negotiation (one byte), startup/query/function/orphan (everything until ReadyForQuery),
 * parse '1', bind '2', close '3', describe ('t' then 'T' or 'n'), execute (rows, then
 * 'C', 'I' or 's'), sync ('Z').
 */
export interface Expectation {
  kind: 'negotiation' | 'startup' | 'query' | 'function' | 'orphan' | 'parse' | 'bind' | 'close' | 'describe' | 'execute' | 'sync';
  call: CallBuilder;
  /** describe: the statement whose description this is ('' unnamed), when describing a statement. */
  statement?: string;
}

export interface PreparedStatement {
  sql: string;
  paramTypes: number[];
  columns?: PostgresColumn[];
}

export interface Portal {
  statement: string;
  sql: string;
  params: DbValue[];
  paramFormats: number[];
  resultFormats: number[];
}

/** A Map that forgets its oldest entries past a size. */
export class BoundedMap<V> extends Map<string, V> {
  constructor(private readonly max: number) {
    super();
  }

  override set(key: string, value: V): this {
    this.delete(key); // re-inserting makes it the newest
    super.set(key, value);
    while (this.size > this.max) this.delete(this.keys().next().value as string);
    return this;
  }
}

export class ConnectionState {
  /** Calls not yet handed out, in index order. */
  slots: CallBuilder[] = [];
  queue: Expectation[] = [];
  private nextIndex = 0;
  user: string | undefined;
  database: string | undefined;
  readonly statements: BoundedMap<PreparedStatement>;
  readonly portals: BoundedMap<Portal>;
  /** c2s: extended-protocol messages since the last call was made (no Execute yet). */
  group: CallBuilder | undefined;
  /** c2s: the call of the last Execute, which a following Sync or Flush joins. */
  lastExecute: CallBuilder | undefined;
  /** The call the latest request message joined (COPY data joins it). */
  lastRequest: CallBuilder | undefined;
  /** The call whose COPY FROM STDIN the client is sending data for. */
  copyIn: CallBuilder | undefined;
  /** The password/SASL exchange of the startup. */
  auth: CallBuilder | undefined;
  startup: CallBuilder | undefined;
  /** After an error in an extended-protocol batch the server ignores messages until Sync. */
  discardingUntilSync = false;
  /** The server side ended or failed: no more replies will come. */
  repliesOver = false;
  /** The client side ended or failed: no more requests will come. */
  requestsOver = false;
  switchedTo: string | null = null;

  constructor(readonly limits: PostgresLimits) {
    this.statements = new BoundedMap(limits.maxStatements);
    this.portals = new BoundedMap(limits.maxStatements);
  }

  newCall(operation: string): CallBuilder {
    const builder = new CallBuilder(this.nextIndex++, operation);
    if (this.user !== undefined) builder.call.user = this.user;
    if (this.database !== undefined) builder.call.database = this.database;
    this.slots.push(builder);
    // checked every so often, by index, so that it happens alike however often calls are taken
    if (builder.call.index % 256 === 0) this.boundCallsInFlight();
    return builder;
  }

  /** Too many calls wait for replies: hand the oldest out as they stand. */
  private boundCallsInFlight(): void {
    const waiting = this.slots.filter((s) => !s.settled);
    const excess = waiting.length - this.limits.maxCallsInFlight;
    if (excess <= 0) return;
    for (const s of waiting.slice(0, excess + (this.limits.maxCallsInFlight >> 2))) s.giveUp();
  }

  /** The call owes a reply of this kind; when none can come any more it is marked unanswered. */
  expect(kind: Expectation['kind'], call: CallBuilder, statement?: string): void {
    if (this.repliesOver) {
      call.unanswered = true;
      return;
    }
    call.pending++;
    this.queue.push(statement === undefined ? { kind, call } : { kind, call, statement });
    if (this.queue.length > 4 * this.limits.maxCallsInFlight) this.forgetOldestExpectations();
  }

  /**
   * Far more replies are owed than any server leaves waiting: the server side is not being seen.
   * The oldest are forgotten (their calls unanswered), so memory stays bounded; should those
   * replies come after all, they would pair with later calls.
   */
  private forgetOldestExpectations(): void {
    const dropped = this.queue.splice(0, this.limits.maxCallsInFlight);
    for (const e of dropped) {
      e.call.pending--;
      e.call.unanswered = true;
    }
  }

  /** The head expectation is met (or given up on). */
  pop(): Expectation | undefined {
    const head = this.queue.shift();
    if (head) head.call.pending--;
    return head;
  }

  /** No more replies: every call still waiting is unanswered. */
  dropExpectations(): void {
    this.repliesOver = true;
    for (const e of this.queue) {
      e.call.pending--;
      e.call.unanswered = true;
    }
    this.queue = [];
    const auth = this.auth;
    if (auth && auth.pending > 0) {
      // the AUTH call waits outside the queue, for AuthenticationOk or an error
      auth.pending = 0;
      auth.unanswered = true;
      auth.requestOpen = false;
    }
  }

  /** No more requests: open calls are closed. */
  closeRequests(): void {
    this.requestsOver = true;
    for (const s of this.slots) s.requestOpen = false;
    this.group = undefined;
    this.lastExecute = undefined;
  }
}
