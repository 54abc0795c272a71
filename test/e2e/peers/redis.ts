/** A private redis-server for a test, and the real redis-cli to talk to it. */
import { rmSync } from 'node:fs';
import { join } from 'node:path';

import { type Server, freePort, startServer, tempDir } from '../harness.js';
import { outputOf, requireProgram, stopAtEnd } from '../programs.js';

export interface Redis extends Server {
  pid: number;
  /** A unix socket it also listens on (its TCP traffic is the one a pcap can see). */
  socketPath: string;
}

/**
 * redis-server on a free loopback port and a unix socket in a temp dir; nothing persisted.
 * With `password`, clients must AUTH first (requirepass).
 */
export async function startRedis({ password }: { password?: string } = {}): Promise<Redis> {
  requireProgram('redis-server');
  const port = await freePort();
  const dir = tempDir('tinytap-redis-');
  const socketPath = join(dir, 'redis.sock');
  const server = await startServer(
    'redis-server',
    [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--unixsocket', socketPath,
      '--unixsocketperm', '700',
      '--save', '', // no RDB snapshots
      '--appendonly', 'no',
      '--dir', dir,
      '--daemonize', 'no',
      '--protected-mode', 'no',
      '--loglevel', 'warning',
      ...(password === undefined ? [] : ['--requirepass', password]),
    ],
    port,
  );
  const stop = stopAtEnd(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return { ...server, pid: server.proc.pid!, socketPath, stop };
}

/**
 * Run `redis-cli COMMAND ARGS...` against the server; its stdout (raw replies, as redis-cli
 * prints when stdout is not a terminal), or an error if redis-cli fails.
 */
export function redisCli(redis: Redis, command: string[], { via = 'tcp' }: { via?: 'tcp' | 'unix' } = {}): Promise<string> {
  const target = via === 'tcp' ? ['-h', '127.0.0.1', '-p', String(redis.port)] : ['-s', redis.socketPath];
  return outputOf('redis-cli', [...target, ...command]);
}
