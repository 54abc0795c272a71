/**
 * Which HTTP request a database call was made for, and what that adds up to per request: the
 * query count, the time spent in the database, and N+1 (one query shape run N or more times,
 * with different parameters, while serving one request). Pure: fed the exchanges as they are
 * written, asked for the links at the end of a build.
 *
 * A call is linked to a request its process was serving when the call began: the process that
 * made the call is the server of an HTTP exchange whose request had arrived and whose response
 * had not yet begun. That is certain when it was the only such request ('sole'). When requests
 * overlap in one process (an async server, a thread pool), the events do not say which one
 * issued the call; it goes to the latest that arrived, and the link says 'overlap' so `show`
 * can say how sure it is. (Threads would tell them apart in threaded servers; the exchange
 * rows do not carry a thread yet.)
 */

/**
 * The HTTP exchanges one local process served, column by column: for each, its id, when its
 * request arrived, and when its response began (or its last byte; Infinity when it never
 * answered). A build keeps every one to the end; as objects, ten million of them were a
 * gigabyte of its memory, in columns of 64-bit numbers they are 24 bytes each.
 */
class ServedList {
  ids = new Float64Array(256);
  starts = new Float64Array(256);
  ends = new Float64Array(256);
  length = 0;

  push(id: number, start: number, end: number): void {
    if (this.length === this.ids.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.ids = grow(this.ids);
      this.starts = grow(this.starts);
      this.ends = grow(this.ends);
    }
    this.ids[this.length] = id;
    this.starts[this.length] = start;
    this.ends[this.length] = end;
    this.length++;
  }

  /** In the order requests arrived (by id among those that arrived together). */
  sort(): void {
    const n = this.length;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const { ids, starts, ends } = this;
    order.sort((a, b) => starts[a] - starts[b] || ids[a] - ids[b]);
    const take = (a: Float64Array) => {
      const b = new Float64Array(n);
      for (let i = 0; i < n; i++) b[i] = a[order[i]];
      return b;
    };
    this.ids = take(ids);
    this.starts = take(starts);
    this.ends = take(ends);
  }
}

/** What it needs of a database call. */
interface Call {
  id: number;
  pid: number;
  start: number;
  durationNs: number;
  shape: string | null;
  /** A hash of the call's text and parameters: the same shape with other values is another value here. */
  args: number;
}

export interface CallLink {
  callId: number;
  parentId: number;
  link: 'sole' | 'overlap';
  nPlusOne: boolean;
}

export interface RequestTotals {
  id: number;
  queries: number;
  dbNs: number;
  nPlusOne: boolean;
}

/** The default: a shape run this many times or more in one request, with different values, is N+1. */
export const N_PLUS_ONE_DEFAULT = 5;

/** Requests looked back over for one still open when a call began. */
const SCAN_BACK = 4096;

/** 32 bits of FNV-1a over a string: enough to tell parameter sets of one shape apart. */
export function argsHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class CallLinker {
  private readonly served = new Map<number, ServedList>();
  private readonly calls: Call[] = [];

  constructor(private readonly nPlusOne = N_PLUS_ONE_DEFAULT) {}

  /** An HTTP exchange whose server end was captured: times in ns since the session began. */
  addServed(id: number, serverPid: number, start: number, responseStart: number | null): void {
    const list = this.served.get(serverPid) ?? this.served.set(serverPid, new ServedList()).get(serverPid)!;
    list.push(id, start, responseStart ?? Infinity);
  }

  /** A database call whose client end was captured. */
  addCall(id: number, clientPid: number, start: number, durationNs: number | null, shape: string | null, args: number): void {
    this.calls.push({ id, pid: clientPid, start, durationNs: durationNs ?? 0, shape, args });
  }

  /** Every link, and the totals of every request that made a call. */
  result(): { links: CallLink[]; requests: RequestTotals[] } {
    for (const list of this.served.values()) list.sort();
    const byRequest = new Map<number, Call[]>();
    const links = new Map<number, CallLink>();
    for (const call of this.calls) {
      const parent = this.parentOf(call);
      if (!parent) continue;
      links.set(call.id, { callId: call.id, parentId: parent.id, link: parent.sole ? 'sole' : 'overlap', nPlusOne: false });
      (byRequest.get(parent.id) ?? byRequest.set(parent.id, []).get(parent.id)!).push(call);
    }
    const requests: RequestTotals[] = [];
    for (const [id, calls] of byRequest) {
      const flagged = this.nPlusOneShapes(calls);
      for (const c of calls) if (c.shape !== null && flagged.has(c.shape)) links.get(c.id)!.nPlusOne = true;
      requests.push({ id, queries: calls.length, dbNs: calls.reduce((s, c) => s + c.durationNs, 0), nPlusOne: flagged.size > 0 });
    }
    requests.sort((a, b) => a.id - b.id);
    return { links: [...links.values()].sort((a, b) => a.callId - b.callId), requests };
  }

  /** Shapes run nPlusOne times or more, with at least two different sets of values. */
  private nPlusOneShapes(calls: Call[]): Set<string> {
    const byShape = new Map<string, { count: number; args: Set<number> }>();
    for (const c of calls) {
      if (c.shape === null) continue;
      const s = byShape.get(c.shape) ?? byShape.set(c.shape, { count: 0, args: new Set() }).get(c.shape)!;
      s.count++;
      s.args.add(c.args);
    }
    const out = new Set<string>();
    for (const [shape, s] of byShape) if (s.count >= this.nPlusOne && s.args.size > 1) out.add(shape);
    return out;
  }

  /** The request the call's process was serving when the call began: the latest to arrive. */
  private parentOf(call: Call): { id: number; sole: boolean } | null {
    const list = this.served.get(call.pid);
    if (!list) return null;
    // the last request that arrived at or before the call (binary search), then back over the open ones
    const { starts, ends, ids } = list;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid] <= call.start) lo = mid + 1;
      else hi = mid;
    }
    let found = -1;
    let open = 0;
    // a request that arrived thousands of requests earlier and is still open is not looked
    // for: the scan stays short whatever the process did between its requests
    for (let i = lo - 1; i >= 0 && lo - 1 - i < SCAN_BACK; i--) {
      if (ends[i] < call.start) continue;
      open++;
      if (found < 0) found = i;
      if (open > 1) break;
    }
    return found >= 0 ? { id: ids[found], sole: open === 1 } : null;
  }
}
