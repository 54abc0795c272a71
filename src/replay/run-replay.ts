/**
 * Sending the planned requests: in recorded order by default (one at a time), or by N workers
 * (--concurrency), paced by the recorded gaps (--speed) and a ceiling rate (--rate), over
 * keep-alive connections per target. Each request is the recorded exchange made into bytes
 * (replay-request.ts), with values carried over (follow-values.ts) when asked.
 *
 * Every byte goes through connections that record themselves (record/own-sockets.ts), so what
 * happened is in the replay's session; the outcome here says, per request, where in that
 * session its exchange is (local port and position on the connection) and what was changed.
 */
import type { Exchange } from '../model/exchange.js';
import type { OwnRecorder } from '../record/own-sockets.js';
import { type FollowValues, type Substitution } from './follow-values.js';
import { Http1ClientConnection, type ReplayResponse } from './http1-client.js';
import { Http2ClientConnection } from './http2-client.js';
import { type RequestEdits, type RequestParts, http1Bytes, requestParts } from './replay-request.js';
import type { Target } from './targets.js';

export interface PlannedRequest {
  /** Position among the requests sent, from 0. */
  position: number;
  exchangeId: number;
  /** When the recorded request started (wall-clock ns): --speed keeps the gaps. */
  startedNs: bigint;
  target: Target;
  /** The request, made in the planning pass when it is small; otherwise loaded when sent. */
  parts?: RequestParts;
  /** Sent over HTTP/2 (it was recorded so), else HTTP/1.1. */
  http2: boolean;
}

export interface RequestOutcome {
  position: number;
  exchangeId: number;
  /** Where its exchange is in the replay's session; null when nothing was sent. */
  localPort: number | null;
  seq: number | null;
  status: number | null;
  error: string | null;
  substitutions: Substitution[];
}

export interface RunOptions {
  concurrency: number;
  /** 2 sends twice as fast as recorded; null: as fast as possible. */
  speed: number | null;
  /** Most requests started per second; null: no ceiling. */
  rate: number | null;
  edits: RequestEdits;
  follow: FollowValues | null;
  /** Target text -> the address its name resolved to. */
  addresses: Map<string, string>;
  insecure: boolean;
  timeoutMs: number;
  load(exchangeId: number): Exchange | null;
  onOutcome?(o: RequestOutcome, done: number, total: number): void;
  /** Set to stop sending (Ctrl-C): what is in flight finishes, nothing more starts. */
  stopped?: () => boolean;
}

class Pool {
  private readonly idle = new Map<string, Http1ClientConnection[]>();
  private readonly all = new Set<Http1ClientConnection>();
  /** Requests sent so far on each connection: the next one's position on it. */
  readonly sentOn = new Map<Http1ClientConnection, number>();

  constructor(
    private readonly recorder: OwnRecorder,
    private readonly opts: RunOptions,
  ) {}

  async take(target: Target): Promise<Http1ClientConnection> {
    const list = this.idle.get(target.text) ?? [];
    while (list.length) {
      const c = list.pop()!;
      if (!c.dead) return c;
    }
    const c = new Http1ClientConnection(target, this.recorder, {
      address: this.opts.addresses.get(target.text) ?? target.host,
      insecure: this.opts.insecure,
      timeoutMs: this.opts.timeoutMs,
    });
    this.all.add(c);
    this.sentOn.set(c, 0);
    await c.open();
    return c;
  }

  give(target: Target, c: Http1ClientConnection): void {
    if (c.dead) {
      c.close();
      return;
    }
    const list = this.idle.get(target.text) ?? [];
    list.push(c);
    this.idle.set(target.text, list);
  }

  private readonly h2 = new Map<string, Promise<Http2ClientConnection>>();

  /** The target's HTTP/2 connection, shared by every request to it (streams are concurrent). */
  async takeH2(target: Target): Promise<Http2ClientConnection> {
    const open = this.h2.get(target.text);
    if (open) {
      const c = await open;
      if (!c.dead) return c;
    }
    const c = new Http2ClientConnection(target, this.recorder, {
      address: this.opts.addresses.get(target.text) ?? target.host,
      insecure: this.opts.insecure,
      timeoutMs: this.opts.timeoutMs,
    });
    const opening = c.open().then(() => c);
    this.h2.set(target.text, opening);
    opening.catch(() => this.h2.delete(target.text));
    this.h2All.add(c);
    return opening;
  }

  private readonly h2All = new Set<Http2ClientConnection>();

  closeAll(): void {
    for (const c of this.all) c.close();
    for (const c of this.h2All) c.close();
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** When (ms, Date.now() scale) requests may start: the recorded gaps scaled by --speed, no closer than --rate allows. */
export class Pacer {
  private nextSlot: number;

  constructor(
    private readonly t0: number,
    private readonly firstNs: bigint,
    private readonly speed: number | null,
    private readonly rate: number | null,
  ) {
    this.nextSlot = t0;
  }

  /** The start of a request recorded at `startedNs`, asked for at `now` (requests are asked for in order). */
  startOf(startedNs: bigint, now: number): number {
    let at = this.speed ? this.t0 + Number(startedNs - this.firstNs) / 1e6 / this.speed : now;
    if (this.rate) {
      at = Math.max(at, this.nextSlot);
      this.nextSlot = at + 1000 / this.rate;
    }
    return Math.max(at, now);
  }
}

/** Sends every planned request; resolves with their outcomes, in plan order. */
export async function runReplay(plan: PlannedRequest[], recorder: OwnRecorder, opts: RunOptions): Promise<RequestOutcome[]> {
  const pool = new Pool(recorder, opts);
  const outcomes: RequestOutcome[] = new Array<RequestOutcome>(plan.length);
  // a request whose values come from an earlier response waits for it, whatever the concurrency
  const finished: Promise<void>[] = [];
  const finish: (() => void)[] = [];
  for (let i = 0; i < plan.length; i++) finished.push(new Promise<void>((resolve) => finish.push(resolve)));
  const pacer = new Pacer(Date.now(), plan[0]?.startedNs ?? 0n, opts.speed, opts.rate);
  let next = 0;
  let done = 0;

  const one = async (p: PlannedRequest): Promise<RequestOutcome> => {
    const base: RequestOutcome = { position: p.position, exchangeId: p.exchangeId, localPort: null, seq: null, status: null, error: null, substitutions: [] };
    let parts = p.parts;
    if (!parts) {
      const ex = opts.load(p.exchangeId);
      if (!ex) return { ...base, error: 'the recorded exchange could not be read from its file' };
      parts = requestParts(ex, p.target, opts.edits);
    }
    if (opts.follow) {
      for (const from of opts.follow.sourcesOf(p.position)) await finished[from];
      const applied = opts.follow.apply(p.position, parts);
      parts = applied.request;
      base.substitutions = applied.made;
    }
    if (p.http2) {
      let h2: Http2ClientConnection;
      try {
        h2 = await pool.takeH2(p.target);
      } catch (err) {
        return { ...base, error: (err as Error).message };
      }
      const at = { ...base, localPort: h2.localPort, seq: h2.opened };
      try {
        const response = await h2.exchange(parts);
        opts.follow?.given(p.position, response);
        return { ...at, status: response.status };
      } catch (err) {
        return { ...at, error: (err as Error).message };
      }
    }
    let conn: Http1ClientConnection;
    try {
      conn = await pool.take(p.target);
    } catch (err) {
      return { ...base, error: (err as Error).message };
    }
    const seq = pool.sentOn.get(conn) ?? 0;
    pool.sentOn.set(conn, seq + 1);
    const at = { ...base, localPort: conn.localPort, seq };
    let response: ReplayResponse;
    try {
      response = await conn.exchange(http1Bytes(parts));
    } catch (err) {
      conn.close();
      return { ...at, error: (err as Error).message };
    }
    pool.give(p.target, conn);
    opts.follow?.given(p.position, response);
    return { ...at, status: response.status };
  };

  const worker = async () => {
    while (next < plan.length && !opts.stopped?.()) {
      const p = plan[next++];
      const now = Date.now();
      const wait = pacer.startOf(p.startedNs, now) - now;
      if (wait > 0) await sleep(wait);
      const o = await one(p);
      outcomes[p.position] = o;
      finish[p.position]();
      opts.onOutcome?.(o, ++done, plan.length);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, plan.length)) }, worker));
  } finally {
    pool.closeAll();
    // requests never started (stopped): their waiters go on
    for (const f of finish) f();
  }
  return outcomes.filter(Boolean);
}
