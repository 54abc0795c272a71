/**
 * testdata/servers/forking-http.py: Python's socketserver.ForkingMixIn, where the parent
 * accepts and a forked child serves the connection, so the socket's traffic belongs to a
 * process that did not open it.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { type Server, TESTDATA, freePort, waitForPort } from '../harness.js';
import { exited, requireProgram, stopAtEnd } from '../programs.js';

export interface ForkingHttp extends Server {
  /** The accepting parent; each connection is served by a child of it. */
  pid: number;
}

export async function startForkingHttp(): Promise<ForkingHttp> {
  const port = await freePort();
  // its own process group, so stop() also ends children still serving a keep-alive connection
  const proc = spawn(requireProgram('python3'), [join(TESTDATA, 'servers/forking-http.py'), String(port)], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  const gone = exited(proc);
  const stop = stopAtEnd(async () => {
    try {
      process.kill(-proc.pid!, 'SIGTERM');
    } catch {
      return; // the group is gone already
    }
    await gone;
  });
  try {
    await waitForPort(port);
  } catch (err) {
    await stop();
    throw new Error(`forking-http.py did not start: ${stderr.trim() || (err as Error).message}`);
  }
  return { proc, port, pid: proc.pid!, stop };
}

/** The body GET /?n=N answers: the same bytes as pattern() in forking-http.py. */
export function patternBody(n: number): Buffer {
  const body = Buffer.alloc(n);
  for (let i = 0; i < n; i++) body[i] = (i * 31 + 7) & 0xff;
  return body;
}
