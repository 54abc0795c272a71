// What one TLS call costs a program while tinytap watches its library: a Python client makes
// many small SSL_write_ex calls (each answered by one small read) over loopback to a Python TLS
// server, with no recorder, with `tinytap record --no-tls` (the socket syscalls only) and with
// `tinytap record` (the uprobes too), rounds interleaved. The difference per call between the
// last two is what the uprobes add; a process that makes no TLS call pays nothing (the probes
// sit in the library's code, not on a shared path).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { CLI, fmt, freePort, makeCertificate, median, sleep, startProc, tempDir } from './lib.mjs';

const CALLS = Number(process.env.BENCH_TLS_CALLS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const PINGPONG = `
import socket, ssl, sys, time
mode, port, cert, key, calls = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
if mode == 'serve':
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(cert, key)
    srv = socket.create_server(('127.0.0.1', port)); print('ready', flush=True)
    while True:
        c, _ = srv.accept()
        with ctx.wrap_socket(c, server_side=True) as s:
            while (b := s.recv(64)):
                s.sendall(b)
else:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
    with ctx.wrap_socket(socket.create_connection(('127.0.0.1', port))) as s:
        t = time.perf_counter()
        for _ in range(calls):
            s.sendall(b'ping'); s.recv(64)
        print(time.perf_counter() - t)
`;

export async function tlsCallCost() {
  const dir = tempDir();
  const script = join(dir, 'pingpong.py');
  writeFileSync(script, PINGPONG);
  const { certFile, keyFile } = makeCertificate();
  const port = await freePort();
  const server = startProc('python3', [script, 'serve', String(port), certFile, keyFile, '0']);
  await sleep(500);
  const client = () => Number(execFileSync('python3', [script, 'client', String(port), certFile, keyFile, String(CALLS)], { encoding: 'utf8' }).trim());
  const recording = async (args, i) => {
    const rec = startProc(process.execPath, [CLI, 'record', '-o', join(dir, `c${i}.tinytap`), '--port', String(port), ...args], (e) => e.includes('recording to'));
    await rec.started;
    const s = client();
    rec.proc.kill('SIGINT');
    await rec.exited;
    return s;
  };
  const runs = { none: [], noTls: [], tls: [] };
  try {
    client(); // warm up
    for (let round = 0; round < ROUNDS; round++) {
      runs.none.push(client());
      runs.noTls.push(await recording(['--no-tls'], `${round}a`));
      runs.tls.push(await recording([], `${round}b`));
    }
  } finally {
    server.proc.kill('SIGTERM');
  }
  // each round trip is one SSL_write_ex and one SSL_read_ex on each side: 4 watched calls
  const perCall = (s) => (1e6 * s) / (CALLS * 4);
  const m = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)]));
  return {
    calls: CALLS,
    rounds: ROUNDS,
    usPerCall: { none: perCall(m.none), noTls: perCall(m.noTls), tls: perCall(m.tls) },
    addedUsPerCall: perCall(m.tls) - perCall(m.noTls),
    all: runs,
  };
}

export function tlsCallCostMarkdown(c) {
  return `Cost per TLS call (a Python client and server exchanging ${fmt(c.calls)} 4-byte messages over TLS, each round trip 4 watched calls; median of ${c.rounds} rounds):

| run | µs per call (wall) |
| --- | ---: |
| no recorder | ${fmt(c.usPerCall.none, 2)} |
| \`tinytap record --no-tls\` | ${fmt(c.usPerCall.noTls, 2)} |
| \`tinytap record\` | ${fmt(c.usPerCall.tls, 2)} |

The uprobes add ${fmt(c.addedUsPerCall, 2)} µs per TLS call (entry and return probe, the plaintext record) over the socket capture alone.`;
}
