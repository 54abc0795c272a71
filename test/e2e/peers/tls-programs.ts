/**
 * Real TLS peers for the plaintext tests, each logging what it did: a Go net/http server and
 * client (crypto/tls, compiled into the program), a Node https server and client (Node's own
 * OpenSSL, with memory BIOs), and Python's requests and urllib (the system's libssl, through the
 * _ex calls). Every one writes its TLS secrets to a key log, so tshark can decrypt the same
 * traffic for the reference.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { type Server, TESTDATA, freePort, tempDir, waitForPort } from '../harness.js';
import { failed, outputOf, runProgram, stopAtEnd } from '../programs.js';

/** One exchange as a server logged it, or a client reported it. */
export interface LoggedExchange {
  method?: string;
  path: string;
  status: number;
  responseSha: string;
  requestSha?: string;
  /** The client's address and port, as the server saw it. */
  client?: string;
}

export interface LoggingServer extends Server {
  /** The exchanges answered so far, in the order they were answered. */
  log(): LoggedExchange[];
}

function jsonLines(text: string): LoggedExchange[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LoggedExchange);
}

/**
 * Build testdata/servers/go-tls into a new file (a new inode each time: a program the recorder
 * has never seen), offline, with the Go from Debian's golang-go.
 */
export async function buildGoTls(): Promise<string> {
  const out = join(tempDir('tinytap-go-tls-'), 'go-tls');
  const env = { ...process.env, GOFLAGS: '-mod=mod', GOPROXY: 'off', GOTOOLCHAIN: 'local' };
  await outputOf('go', ['build', '-o', out, '.'], { cwd: join(TESTDATA, 'servers/go-tls'), env });
  return out;
}

async function startLogging(cmd: string, args: string[], port: number, env: NodeJS.ProcessEnv): Promise<LoggingServer> {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d) => (stdout += d));
  proc.stderr.on('data', (d) => (stderr += d));
  try {
    await waitForPort(port);
  } catch (err) {
    proc.kill('SIGKILL');
    throw new Error(`${cmd} ${args.join(' ')} did not start: ${stderr || (err as Error).message}`);
  }
  const stop = stopAtEnd(
    () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  );
  return { proc, port, stop, log: () => jsonLines(stdout) };
}

export async function startGoTlsServer(binary: string, certFile: string, keyFile: string, keylog: string, port?: number): Promise<LoggingServer> {
  port ??= await freePort();
  return startLogging(binary, ['serve', `127.0.0.1:${port}`, certFile, keyFile], port, { ...process.env, SSLKEYLOGFILE: keylog });
}

export async function startNodeTlsServer(certFile: string, keyFile: string, keylog: string): Promise<LoggingServer> {
  const port = await freePort();
  return startLogging(process.execPath, [`--tls-keylog=${keylog}`, join(TESTDATA, 'servers/node-tls-server.mjs'), String(port), certFile, keyFile], port, process.env);
}

async function clientLines(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<LoggedExchange[]> {
  const r = await runProgram(cmd, args, { env });
  if (r.code !== 0) throw failed(cmd, args, r);
  return jsonLines(r.stdout);
}

/** The Go client: GETs (POST for a URL ending in ?post) over one keep-alive connection. */
export function goGet(binary: string, caFile: string, urls: string[], keylog: string): Promise<LoggedExchange[]> {
  return clientLines(binary, ['get', caFile, ...urls], { ...process.env, SSLKEYLOGFILE: keylog });
}

/** Node's https (`count` requests at once over at most `sockets` connections) or fetch (one by one). */
export function nodeClient(mode: 'https' | 'fetch', base: string, count: number, sockets: number, caFile: string, keylog: string): Promise<LoggedExchange[]> {
  const args = [`--tls-keylog=${keylog}`, join(TESTDATA, 'clients/node-https-client.mjs'), mode, base, String(count), String(sockets), caFile];
  return clientLines(process.execPath, args, { ...process.env, NODE_EXTRA_CA_CERTS: caFile });
}

/** Python: three requests on one requests.Session, then a urllib POST. */
export function pythonHttps(base: string, caFile: string, keylog: string): Promise<LoggedExchange[]> {
  return clientLines('python3', [join(TESTDATA, 'clients/python-https.py'), base, caFile], { ...process.env, SSLKEYLOGFILE: keylog });
}
