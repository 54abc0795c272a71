#!/usr/bin/env node
// Turns one TCP connection of a loopback capture into a corpus case (format: README.md).
//
//   node pcap-to-case.mjs CAPTURE.pcap SERVER_PORT OUT.resp "what it exercises" [--stream N | --stream-with TEXT]
//        [--split N] [--skip-first]
//
// tshark gives each packet's relative time, ports and payload hex; the side whose source port is
// SERVER_PORT is s2c. --stream picks the connection (tshark's tcp.stream; default: the first one
// that carries payload; --stream-with: the first whose client sends TEXT). Runs of one byte longer than 64 become "> repeat" lines, so a big value
// stays a small file; --split N (or "none") is written for cases too big to cut at every byte.
import { writeFileSync } from 'node:fs';
import { dataLines } from '../case-lines.mjs';
import { tcpPackets } from '../pcap-packets.mjs';

const [pcap, portText, out, title, ...rest] = process.argv.slice(2);
if (!title) {
  console.error('usage: pcap-to-case.mjs CAPTURE.pcap SERVER_PORT OUT.resp "title" [--stream N] [--split N]');
  process.exit(2);
}
const option = (name) => {
  const k = rest.indexOf(name);
  return k < 0 ? undefined : rest[k + 1];
};
const port = Number(portText);
const packets = tcpPackets(pcap, port);
const withText = option('--stream-with');
const wanted =
  option('--stream') !== undefined
    ? Number(option('--stream'))
    : packets.find((p) => p.bytes.length > 0 && (withText === undefined || (p.dir === 'c2s' && p.bytes.includes(withText))))?.stream;
// --skip-first: leave out redis-cli's COMMAND DOCS exchange at connect (a 200 kB reply) and
// what came before it: the case starts at the next request, as a capture begun mid-connection would
let from = 0;
if (rest.includes('--skip-first')) {
  const requests = packets.map((p, k) => [p, k]).filter(([p]) => p.stream === wanted && p.dir === 'c2s' && p.bytes.length > 0);
  const docs = requests.findIndex(([p]) => p.bytes.includes('COMMAND') && p.bytes.includes('DOCS'));
  from = requests[docs + 1]?.[1] ?? packets.length;
}
const t0 = packets.find((p, k) => k >= from && p.stream === wanted)?.ts ?? 0;

const lines = [`# ${title}`, `# captured: ${pcap.split('/').pop()}, server port ${port}, tcp.stream ${wanted}`];
if (from > 0) lines.push("# redis-cli's COMMAND DOCS exchange at connect (and what came before it) is left out: the case starts after it");
if (option('--split')) lines.push(`> split ${option('--split')}`);
const ended = new Set();
for (const p of packets.slice(from)) {
  if (p.stream !== wanted) continue;
  const ts = p.ts - t0;
  if (p.bytes.length > 0) {
    lines.push(`> ${p.dir} ${ts}`);
    lines.push(...dataLines(p.bytes));
  }
  if (p.fin && !ended.has(p.dir)) {
    ended.add(p.dir);
    lines.push(`> end ${p.dir} ${ts}`);
  }
}
lines.push('', '=== expect', '');
writeFileSync(out, lines.join('\n'));
