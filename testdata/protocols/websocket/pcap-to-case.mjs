#!/usr/bin/env node
// Turns the WebSocket connection of a loopback capture into a corpus case (format: README.md),
// and writes tshark's dissection of its frames beside it as a reference for the corpus test.
//
//   node pcap-to-case.mjs CAPTURE.pcap SERVER_PORT OUT.ws "what it exercises" [--split N]
//
// The case starts where the upgrade ends: after the GET request's head (c2s) and the 101
// response's head (s2c), as the HTTP/1 parser's ProtocolSwitch offsets say; its
// Sec-WebSocket-Extensions value becomes a "# sec-websocket-extensions:" line, which the test
// hands to the parser. OUT with .ws replaced by .tshark gets one line per frame tshark
// dissected: "DIR FIN RSV OPCODE MASKED PAYLOAD_LENGTH".
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dataLines } from '../case-lines.mjs';
import { tcpPackets } from '../pcap-packets.mjs';

const [pcap, portText, out, title, ...rest] = process.argv.slice(2);
if (!title) {
  console.error('usage: pcap-to-case.mjs CAPTURE.pcap SERVER_PORT OUT.ws "title" [--split N]');
  process.exit(2);
}
const option = (name) => {
  const k = rest.indexOf(name);
  return k < 0 ? undefined : rest[k + 1];
};
const port = Number(portText);
const tshark = (args) => execFileSync('tshark', ['-r', pcap, ...args], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });

const packets = tcpPackets(pcap, port);
const wanted = packets.find((p) => p.bytes.length > 0)?.stream;
const mine = packets.filter((p) => p.stream === wanted);
const t0 = mine[0]?.ts ?? 0;

// where each direction's head ends: the first blank line of its stream
const streamOf = (dir) => Buffer.concat(mine.filter((p) => p.dir === dir).map((p) => p.bytes));
const headEnd = (bytes) => {
  const at = bytes.indexOf('\r\n\r\n');
  if (at < 0) throw new Error('no end of the upgrade head');
  return at + 4;
};
const skip = { c2s: headEnd(streamOf('c2s')), s2c: headEnd(streamOf('s2c')) };
const responseHead = streamOf('s2c').subarray(0, skip.s2c).toString('latin1');
if (!/^HTTP\/1\.1 101/.test(responseHead)) throw new Error(`not a 101 response: ${responseHead.split('\r\n')[0]}`);
const extensions = /^sec-websocket-extensions:[ \t]*(.*?)[ \t]*$/im.exec(responseHead)?.[1];

const lines = [`# ${title}`, `# captured: ${pcap.split('/').pop()}, server port ${port}, tcp.stream ${wanted}; the upgrade's heads are left out`];
if (extensions !== undefined) lines.push(`# sec-websocket-extensions: ${extensions}`);
if (option('--split')) lines.push(`> split ${option('--split')}`);
const ended = new Set();
for (const p of mine) {
  let bytes = p.bytes;
  const dropped = Math.min(skip[p.dir], bytes.length);
  skip[p.dir] -= dropped;
  bytes = bytes.subarray(dropped);
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

// tshark's frames: a packet holding several frames gives comma-separated values
const frameFields = ['tcp.srcport', 'websocket.fin', 'websocket.rsv', 'websocket.opcode', 'websocket.mask', 'websocket.payload_length', 'websocket.payload_length_ext_16', 'websocket.payload_length_ext_64'];
const frames = [];
for (const line of tshark(['-d', `tcp.port==${port},http`, '-Y', `websocket && tcp.stream==${wanted}`, '-T', 'fields', ...frameFields.flatMap((f) => ['-e', f])]).trim().split('\n')) {
  if (line === '') continue;
  const [src, ...columns] = line.split('\t');
  const [fin, rsv, opcode, mask, len7, len16, len64] = columns.map((c) => c.split(','));
  const ext16 = [...(len16 ?? [])];
  const ext64 = [...(len64 ?? [])];
  fin.forEach((_, k) => {
    const short = Number(len7[k]);
    const length = short === 126 ? Number(ext16.shift()) : short === 127 ? Number(ext64.shift()) : short;
    const flag = (v) => (v === '1' || v === 'True' ? 1 : 0);
    frames.push(`${Number(src) === port ? 's2c' : 'c2s'} ${flag(fin[k])} ${Number(rsv[k]) >> 2} ${opcode[k]} ${flag(mask[k])} ${length}`);
  });
}
writeFileSync(out.replace(/\.ws$/, '.tshark'), `${frames.join('\n')}\n`);
