/**
 * TCP connections as the wire shows them: who opened each one and how many payload bytes went
 * each way, the reference for tinytap's `conns` (its byte counts are what the sockets carried,
 * not the size of the frames).
 */
import { tsharkFields } from './tshark.js';

export interface Endpoint {
  addr: string;
  port: number;
}

export interface WireConversation {
  /** tshark's tcp.stream index. */
  stream: number;
  /** The side that sent the SYN. When clientKnown is false: the sender of the first frame seen. */
  client: Endpoint;
  server: Endpoint;
  /** false when the capture saw no SYN or SYN-ACK, so which side opened it is a guess. */
  clientKnown: boolean;
  /** Payload bytes, each byte counted once even if it was retransmitted. */
  bytesClientToServer: number;
  bytesServerToClient: number;
}

const FIELDS = ['tcp.stream', 'ip.src', 'ipv6.src', 'tcp.srcport', 'ip.dst', 'ipv6.dst', 'tcp.dstport', 'tcp.flags.syn', 'tcp.flags.ack', 'tcp.seq', 'tcp.len'];

/** One TCP segment: the fields above, parsed. */
export interface Segment {
  stream: number;
  src: Endpoint;
  dst: Endpoint;
  syn: boolean;
  ack: boolean;
  /** Relative sequence number (tshark's tcp.seq). */
  seq: number;
  len: number;
}

export async function tcpConversationsFromPcap(pcap: string): Promise<WireConversation[]> {
  // ICMP errors quote a TCP header; those quotes are not segments of the connection
  const rows = await tsharkFields(pcap, FIELDS, {
    filter: 'tcp && !icmp && !icmpv6',
    prefs: { 'tcp.relative_sequence_numbers': 'TRUE', 'tcp.analyze_sequence_numbers': 'TRUE' },
  });
  return conversations(rows.map(segmentOf));
}

/** tshark 4.0 prints booleans as 1/0; later versions as True/False. */
const truthy = (s: string) => s === '1' || s === 'True';

function segmentOf(row: string[]): Segment {
  const [stream, ip4src, ip6src, sport, ip4dst, ip6dst, dport, syn, ack, seq, len] = row;
  return {
    stream: Number(stream),
    src: { addr: ip4src || ip6src, port: Number(sport) },
    dst: { addr: ip4dst || ip6dst, port: Number(dport) },
    syn: truthy(syn),
    ack: truthy(ack),
    seq: Number(seq),
    len: Number(len),
  };
}

/** Group segments by stream; count each direction's bytes by the sequence space they cover. */
export function conversations(segments: Segment[]): WireConversation[] {
  const byStream = new Map<number, Segment[]>();
  for (const s of segments) {
    const list = byStream.get(s.stream) ?? [];
    list.push(s);
    byStream.set(s.stream, list);
  }
  return [...byStream.entries()].sort(([a], [b]) => a - b).map(([stream, segs]) => conversationOf(stream, segs));
}

function conversationOf(stream: number, segs: Segment[]): WireConversation {
  const syn = segs.find((s) => s.syn && !s.ack);
  const synAck = segs.find((s) => s.syn && s.ack);
  const client = syn?.src ?? synAck?.dst ?? segs[0].src;
  const server = syn?.dst ?? synAck?.src ?? segs[0].dst;
  const fromClient = (s: Segment) => s.src.addr === client.addr && s.src.port === client.port;
  return {
    stream,
    client,
    server,
    clientKnown: Boolean(syn ?? synAck),
    bytesClientToServer: payloadBytes(segs.filter(fromClient)),
    bytesServerToClient: payloadBytes(segs.filter((s) => !fromClient(s))),
  };
}

/**
 * The sequence space the payload covered: from the first payload byte to the last. A
 * retransmission or a keep-alive probe covers bytes already counted, so summing tcp.len would
 * count them twice; a segment the capture missed is still counted, as the peer received it.
 */
function payloadBytes(segs: Segment[]): number {
  let start = Infinity;
  let end = -Infinity;
  for (const s of segs) {
    if (s.len === 0) continue;
    start = Math.min(start, s.seq);
    end = Math.max(end, s.seq + s.len);
  }
  return end > start ? end - start : 0;
}
