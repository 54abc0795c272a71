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
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

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
const fields = ['frame.time_relative', 'tcp.stream', 'tcp.srcport', 'tcp.payload', 'tcp.flags.fin'];
const tsv = execFileSync('tshark', ['-r', pcap, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])], {
  encoding: 'utf8',
  maxBuffer: 1 << 30,
});
const packets = tsv
  .trim()
  .split('\n')
  .map((line) => {
    const [time, stream, src, payload, fin] = line.split('\t');
    return {
      ts: Math.round(Number(time) * 1e6) * 1000,
      stream: Number(stream),
      dir: Number(src) === port ? 's2c' : 'c2s',
      bytes: Buffer.from(payload ?? '', 'hex'),
      fin: fin === '1' || fin === 'True',
    };
  });
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

/** The bytes as data lines: a line ends after each \n, long runs of one byte become repeats. */
function dataLines(bytes) {
  const out = [];
  let line = '';
  const flush = () => {
    if (line === '') return;
    if (line.startsWith('#')) line = `\\x23${line.slice(1)}`;
    if (line.startsWith('> ')) line = `\\x3e${line.slice(1)}`;
    if (line.endsWith(' ')) line = `${line.slice(0, -1)}\\x20`;
    out.push(line);
    line = '';
  };
  for (let i = 0; i < bytes.length; ) {
    let run = 1;
    while (i + run < bytes.length && bytes[i + run] === bytes[i]) run++;
    if (run > 64) {
      flush();
      out.push(`> repeat ${run} ${bytes[i] === 0x20 ? "\\x20" : escape(bytes[i])}`);
      i += run;
      continue;
    }
    line += escape(bytes[i]);
    if (bytes[i] === 0x0a || line.length > 100) flush();
    i++;
  }
  flush();
  return out;
}

function escape(b) {
  if (b === 0x0d) return '\\r';
  if (b === 0x0a) return '\\n';
  if (b === 0x09) return '\\t';
  if (b === 0x5c) return '\\\\';
  if (b >= 0x20 && b < 0x7f) return String.fromCharCode(b);
  return `\\x${b.toString(16).padStart(2, '0')}`;
}
