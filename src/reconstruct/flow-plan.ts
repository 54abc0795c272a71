/**
 * Which connections are the two ends of one conversation. A request from a local client to a
 * local server is captured twice, leaving one process and arriving at the other: the two
 * connection rows have reversed address tuples (TCP, connected UDP) or name each other's socket
 * (unix). Joining them gives one flow that names both processes ("curl 4121 → python3 4088")
 * instead of listing every exchange twice. Pure: connection rows in, flows out.
 */

/** A process that used a connection (connection_users): who connected or accepted it, then sharers. */
export interface ConnUser {
  pid: number;
  comm: string | null;
  /** The cause of its CONN record: 0 first seen, 1 connect, 2 accept, 4 shared. */
  cause: number;
}

export interface ConnInfo {
  id: number;
  /**
   * The process that moved its bytes: the last to take it over (a forked child that serves
   * what its parent accepted), else the one that connected, accepted or first used it.
   */
  pid: number;
  comm: string | null;
  /** Every process that used it, in order; [0] connected, accepted or first used it. */
  users: ConnUser[];
  family: number;
  type: number;
  role: number; // 0 unknown, 1 client, 2 server
  cause: number; // 0 first seen, 1 connect, 2 accept, 3 connect failed
  localAddr: string | null;
  localPort: number | null;
  remoteAddr: string | null;
  remotePort: number | null;
  localPath: string | null;
  peerPath: string | null;
  /** The socket's identity (inode number), and for unix sockets the peer's when known. */
  sock: string | null;
  peerSock: string | null;
  openedAt: bigint;
  closedAt: bigint | null;
}

export interface FlowPlan {
  /** Index in the plan, from 0, in order of the flow's start. */
  index: number;
  /** The client's end and the server's end; one may be missing (a remote peer, a filter). */
  client: ConnInfo | null;
  server: ConnInfo | null;
  /** Roles came from connect/accept or a joined partner; false when only guessed from ports. */
  rolesKnown: boolean;
  transport: 'tcp' | 'udp' | 'unix' | 'unix-dgram';
  startedAt: bigint;
}

const ROLE_CLIENT = 1;
const ROLE_SERVER = 2;
const CAUSE_CONNECT = 1;
const CAUSE_ACCEPT = 2;
const CAUSE_CONNECT_FAILED = 3;

/**
 * Both ends of a flow were seen from the stream's first byte (connected and accepted while
 * recording): their stream offsets count the same bytes, so each byte has two witnesses, the
 * end that sent it and the end that received it (stream-items.ts). An end first seen
 * mid-stream counts from wherever recording found it.
 */
export function endsAligned(flow: Pick<FlowPlan, 'client' | 'server'>): boolean {
  return flow.client?.cause === CAUSE_CONNECT && flow.server?.cause === CAUSE_ACCEPT;
}

export function transportOf(c: Pick<ConnInfo, 'family' | 'type'>): FlowPlan['transport'] {
  if (c.family === 1) return c.type === 2 ? 'unix-dgram' : 'unix';
  return c.type === 2 ? 'udp' : 'tcp';
}

function endpointKey(addr: string | null, port: number | null): string {
  return `${addr ?? ''}|${port ?? ''}`;
}

/** Key of a connection's tuple as seen from its side: local then remote. */
function tupleKey(c: ConnInfo): string | null {
  if (c.family === 1) return null;
  if (!c.remotePort) return null; // unconnected UDP: no single peer to pair with
  return `${c.type}/${endpointKey(c.localAddr, c.localPort)}>${endpointKey(c.remoteAddr, c.remotePort)}`;
}

function reversedKey(c: ConnInfo): string | null {
  if (c.family === 1 || !c.remotePort) return null;
  return `${c.type}/${endpointKey(c.remoteAddr, c.remotePort)}>${endpointKey(c.localAddr, c.localPort)}`;
}

/** Two ends overlap in time (a port pair can be reused by a later connection). */
function overlaps(a: ConnInfo, b: ConnInfo): boolean {
  const aEnd = a.closedAt ?? BigInt(Number.MAX_SAFE_INTEGER) * 1_000_000_000n;
  const bEnd = b.closedAt ?? BigInt(Number.MAX_SAFE_INTEGER) * 1_000_000_000n;
  return a.openedAt <= bEnd && b.openedAt <= aEnd;
}

/** With one end, or two ends whose roles are both unknown, the lower port is the server's. */
function guessClientFirst(a: ConnInfo): boolean {
  if (a.role === ROLE_CLIENT) return true;
  if (a.role === ROLE_SERVER) return false;
  // ephemeral ports are high: the side whose local port is the higher one is the client
  return (a.localPort ?? 0) >= (a.remotePort ?? 0);
}

export function planFlows(conns: ConnInfo[]): FlowPlan[] {
  const live = conns.filter((c) => c.cause !== CAUSE_CONNECT_FAILED);
  const byTuple = new Map<string, ConnInfo[]>();
  const bySock = new Map<string, ConnInfo[]>();
  for (const c of live) {
    const k = tupleKey(c);
    if (k) (byTuple.get(k) ?? byTuple.set(k, []).get(k)!).push(c);
    if (c.family === 1 && c.sock) (bySock.get(c.sock) ?? bySock.set(c.sock, []).get(c.sock)!).push(c);
  }
  // a unix end names its peer only once the peer has a file: an accepted end names the
  // client, the client (connected to the embryo) names nothing; look both ways
  const byPeerSock = new Map<string, ConnInfo[]>();
  for (const c of live)
    if (c.family === 1 && c.peerSock) (byPeerSock.get(c.peerSock) ?? byPeerSock.set(c.peerSock, []).get(c.peerSock)!).push(c);
  const used = new Set<number>();
  const plans: Omit<FlowPlan, 'index'>[] = [];
  for (const c of live) {
    if (used.has(c.id)) continue;
    used.add(c.id);
    const partner = findPartner(c, byTuple, bySock, byPeerSock, used);
    if (partner) used.add(partner.id);
    plans.push(makePlan(c, partner));
  }
  plans.sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0));
  return plans.map((p, index) => ({ ...p, index }));
}

function findPartner(
  c: ConnInfo,
  byTuple: Map<string, ConnInfo[]>,
  bySock: Map<string, ConnInfo[]>,
  byPeerSock: Map<string, ConnInfo[]>,
  used: Set<number>,
): ConnInfo | null {
  let candidates: ConnInfo[] = [];
  if (c.family === 1) {
    if (c.peerSock) candidates = bySock.get(c.peerSock) ?? [];
    if (c.sock) candidates = [...candidates, ...(byPeerSock.get(c.sock) ?? [])];
  } else {
    const k = reversedKey(c);
    if (k) candidates = byTuple.get(k) ?? [];
  }
  let best: ConnInfo | null = null;
  for (const cand of candidates) {
    if (used.has(cand.id) || cand.id === c.id || !overlaps(c, cand)) continue;
    if (c.role && cand.role && c.role === cand.role) continue; // two clients are not two ends
    const gap = cand.openedAt > c.openedAt ? cand.openedAt - c.openedAt : c.openedAt - cand.openedAt;
    if (!best) best = cand;
    else {
      const bestGap = best.openedAt > c.openedAt ? best.openedAt - c.openedAt : c.openedAt - best.openedAt;
      if (gap < bestGap) best = cand;
    }
  }
  return best;
}

function makePlan(a: ConnInfo, b: ConnInfo | null): Omit<FlowPlan, 'index'> {
  const startedAt = b && b.openedAt < a.openedAt ? b.openedAt : a.openedAt;
  const transport = transportOf(a);
  if (!b) {
    const client = guessClientFirst(a);
    return {
      client: client ? a : null,
      server: client ? null : a,
      rolesKnown: a.role !== 0,
      transport,
      startedAt,
    };
  }
  let clientFirst: boolean;
  let rolesKnown = true;
  if (a.role === ROLE_CLIENT || b.role === ROLE_SERVER) clientFirst = true;
  else if (a.role === ROLE_SERVER || b.role === ROLE_CLIENT) clientFirst = false;
  else {
    clientFirst = guessClientFirst(a);
    rolesKnown = false;
  }
  return { client: clientFirst ? a : b, server: clientFirst ? b : a, rolesKnown, transport, startedAt };
}
