/**
 * Ground truth from the wire for the capture tests: a tcpdump capture of loopback ports, and
 * what Wireshark's dissector (tshark) reads from it, to hold tinytap's `ls`, `show` and
 * `conns` against. Unix sockets never reach an interface, so they have no pcap ground truth.
 */
export { type Pcap, type PcapStats, pcapWhile, startPcap } from './reference/pcap.js';
export { type HttpFromPcapOptions, type WireExchange, httpExchangesFromPcap, httpTsharkArgs, refusePipelinedHead, sha256 } from './reference/http-exchanges.js';
export { type Endpoint, type WireConversation, tcpConversationsFromPcap } from './reference/tcp-conversations.js';
