// The TCP packets of a capture as tshark reads them, shared by the pcap-to-case converters: each
// with its time (ns from the capture's start, to the microsecond), TCP stream, direction (s2c
// when sent from the server's port), payload and FIN flag.
import { execFileSync } from 'node:child_process';

export function tcpPackets(pcap, port) {
  const fields = ['frame.time_relative', 'tcp.stream', 'tcp.srcport', 'tcp.payload', 'tcp.flags.fin'];
  const tsv = execFileSync('tshark', ['-r', pcap, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8', maxBuffer: 1 << 30 });
  return tsv
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
}
