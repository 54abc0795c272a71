#!/usr/bin/env node
/**
 * Turns a loopback capture of ONE MySQL/MariaDB connection into a corpus case (see README.md):
 *   node pcap-to-case.mjs CAPTURE.pcap SERVER_PORT "what the case exercises" > NAME.mysql
 * It asks tshark for each TCP payload (frame time, source port, hex bytes); a payload from the
 * server port is s2c, anything else c2s. ts is ns since the first frame. Runs of one byte longer
 * than 64 are written as "> repeat" lines so big values stay small on disk. A FIN from either
 * side becomes "> end". The expected section is left empty: UPDATE_CORPUS=1 fills it.
 */
import { execFileSync } from 'node:child_process';

const [pcap, portText, title] = process.argv.slice(2);
if (!pcap || !portText || !title) {
  console.error('usage: pcap-to-case.mjs CAPTURE.pcap SERVER_PORT TITLE');
  process.exit(2);
}
const port = Number(portText);
const out = execFileSync(
  'tshark',
  ['-r', pcap, '-T', 'fields', '-e', 'frame.time_relative', '-e', 'tcp.srcport', '-e', 'tcp.flags.fin', '-e', 'tcp.payload'],
  { encoding: 'utf8', maxBuffer: 1 << 30 },
);

const lines = [`# ${title}`, ''];
const ended = { c2s: false, s2c: false };
for (const row of out.split('\n')) {
  if (!row.trim()) continue;
  const [time, src, fin, hex] = row.split('\t');
  const dir = Number(src) === port ? 's2c' : 'c2s';
  const ts = Math.round(Number(time) * 1e9);
  if (hex) {
    lines.push(`> ${dir} ${ts}`);
    lines.push(...dataLines(Buffer.from(hex.replace(/:/g, ''), 'hex')));
  }
  if ((fin === '1' || fin === 'True') && !ended[dir]) {
    ended[dir] = true;
    lines.push(`> end ${dir} ${ts}`);
  }
}
lines.push('', '=== expect', '');
process.stdout.write(lines.join('\n'));

/** The bytes as corpus data lines of about 72 characters; long runs of one byte as repeats. */
function dataLines(bytes) {
  const result = [];
  let line = '';
  const flush = () => {
    // trailing spaces are invisible, so the format refuses them
    if (line.endsWith(' ')) line = `${line.slice(0, -1)}\\x20`;
    if (line) result.push(line);
    line = '';
  };
  for (let i = 0; i < bytes.length; ) {
    let run = 1;
    while (i + run < bytes.length && bytes[i + run] === bytes[i]) run++;
    if (run > 64) {
      flush();
      result.push(`> repeat ${run} ${escape(bytes[i], true)}`);
      i += run;
      continue;
    }
    line += escape(bytes[i], line === '');
    i++;
    if (line.length >= 72) flush();
  }
  flush();
  return result;
}

function escape(b, first) {
  if (b === 0x0d) return '\\r';
  if (b === 0x0a) return '\\n';
  if (b === 0x09) return '\\t';
  if (b === 0x5c) return '\\\\';
  // a data line must not start with '#' or '>' (comment, directive)
  if (first && (b === 0x23 || b === 0x3e)) return `\\x${b.toString(16).padStart(2, '0')}`;
  if (b >= 0x20 && b < 0x7f) return String.fromCharCode(b);
  return `\\x${b.toString(16).padStart(2, '0')}`;
}
