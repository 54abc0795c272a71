// Turns a tcpdump capture of gRPC over cleartext HTTP/2 into the exchanges the gRPC layer takes
// (src/protocols/grpc/types.ts GrpcExchangeInput, bodies as hex), using tshark as the HTTP/2
// dissector and HPACK decoder: per stream, the request headers, the response headers, the
// trailers, and each DATA frame's payload with the capture time of its packet.
// Usage: node pcap-to-case.mjs CAPTURE.pcap PORT PEERS-LOG.json > CASE.json
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const [pcap, port, peerLogPath] = process.argv.slice(2);
const packets = JSON.parse(
  execFileSync('tshark', ['-r', pcap, '-d', `tcp.port==${port},http2`, '-T', 'json', '-E', 'occurrence=a',
    ...['frame.time_epoch', 'tcp.stream', 'tcp.srcport', 'http2.streamid', 'http2.type', 'http2.length', 'http2.header.count', 'http2.header.name', 'http2.header.value', 'http2.data.data'].flatMap((f) => ['-e', f])],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }),
);

const HEADERS = '1';
const DATA = '0';
const CONTINUATION = '9';
const streams = new Map();
let firstNs;
for (const { _source: { layers } } of packets) {
  if (!layers['http2.type']) continue;
  const [sec, frac] = layers['frame.time_epoch'][0].split('.');
  const ns = BigInt(sec) * 1_000_000_000n + BigInt(frac.padEnd(9, '0').slice(0, 9));
  firstNs ??= ns;
  const ts = Number(ns - firstNs);
  const dir = layers['tcp.srcport'][0] === port ? 's2c' : 'c2s';
  const counts = [...(layers['http2.header.count'] ?? [])];
  const names = [...(layers['http2.header.name'] ?? [])];
  const values = [...(layers['http2.header.value'] ?? [])];
  const data = [...(layers['http2.data.data'] ?? [])];
  layers['http2.type'].forEach((type, i) => {
    // stream ids restart on each connection (the gzip client has its own)
    const id = `${layers['tcp.stream'][0]}/${layers['http2.streamid'][i]}`;
    if (type === CONTINUATION) throw new Error('CONTINUATION frames are not handled by this converter');
    if (type !== HEADERS && type !== DATA) return;
    if (!streams.has(id)) streams.set(id, { connection: Number(layers['tcp.stream'][0]), stream: Number(layers['http2.streamid'][i]), requestHeaders: [], requestBody: [], responseBody: [] });
    const stream = streams.get(id);
    if (type === HEADERS) {
      const n = Number(counts.shift());
      const fields = names.splice(0, n).map((name, k) => [name, values[k]]);
      values.splice(0, n);
      if (dir === 'c2s') stream.requestHeaders = fields;
      else if (!stream.responseHeaders) stream.responseHeaders = fields;
      else stream.trailers = fields;
    } else if (Number(layers['http2.length'][i]) > 0) {
      (dir === 'c2s' ? stream.requestBody : stream.responseBody).push({ hex: data.shift(), ts });
    }
  });
}

const exchanges = [...streams.values()].filter((s) => s.requestHeaders.length > 0);
process.stdout.write(JSON.stringify({ source: `tshark over tcpdump -i lo of peers.mjs on port ${port}`, exchanges, peerLog: JSON.parse(readFileSync(peerLogPath, 'utf8')) }, null, 1) + '\n');
