#!/usr/bin/env node
// Turns one TCP connection of a loopback capture into a corpus case (format: README.md).
//
//   node pcap-to-case.mjs CAPTURE.pcap SERVER_PORT OUT.h2 "what it exercises" [--stream N] [--split N]
//        [--cut C2S_BYTES,S2C_BYTES]
//
// tshark gives each packet's relative time, ports and payload hex; the side whose source port is
// SERVER_PORT is s2c. --stream picks the connection (tshark's tcp.stream; default: the first that
// carries payload). Runs of one byte longer than 64 become "> repeat" lines, so a big body stays a
// small file. --cut drops the first bytes of each direction: the case is then what a recording
// that began mid-connection would hold (its offsets start at 0 after the cut).
import { writeFileSync } from 'node:fs';
import { dataLines } from '../case-lines.mjs';
import { tcpPackets } from '../pcap-packets.mjs';

const [pcap, portText, out, title, ...rest] = process.argv.slice(2);
if (!title) {
  console.error('usage: pcap-to-case.mjs CAPTURE.pcap SERVER_PORT OUT.h2 "title" [--stream N] [--split N] [--cut C2S,S2C]');
  process.exit(2);
}
const option = (name) => {
  const k = rest.indexOf(name);
  return k < 0 ? undefined : rest[k + 1];
};
const port = Number(portText);
const packets = tcpPackets(pcap, port);
const wanted = option('--stream') !== undefined ? Number(option('--stream')) : packets.find((p) => p.bytes.length > 0)?.stream;
const [cutC2s, cutS2c] = (option('--cut') ?? '0,0').split(',').map(Number);
const toCut = { c2s: cutC2s, s2c: cutS2c };
const mine = packets.filter((p) => p.stream === wanted);
const t0 = mine[0]?.ts ?? 0;

const lines = [`# ${title}`, `# captured: ${pcap.split('/').pop()}, server port ${port}, tcp.stream ${wanted}`];
if (cutC2s || cutS2c) lines.push(`# the first ${cutC2s} c2s and ${cutS2c} s2c bytes are cut: a recording that began mid-connection`);
if (option('--split')) lines.push(`> split ${option('--split')}`);
const ended = new Set();
for (const p of mine) {
  let bytes = p.bytes;
  if (toCut[p.dir] > 0) {
    const n = Math.min(toCut[p.dir], bytes.length);
    toCut[p.dir] -= n;
    bytes = bytes.subarray(n);
  }
  if (bytes.length > 0) {
    lines.push(`> ${p.dir} ${p.ts - t0}`);
    lines.push(...dataLines(bytes));
  }
  if (p.fin && !ended.has(p.dir)) {
    ended.add(p.dir);
    lines.push(`> end ${p.dir} ${p.ts - t0}`);
  }
}
lines.push('', '=== expect', '');
writeFileSync(out, lines.join('\n'));
