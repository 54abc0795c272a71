/**
 * The shop service of testdata/services/shop/ (HTTP in front of PostgreSQL and Redis) as a
 * process of its own, and its driver: the application whose requests a capture test sees with
 * the SQL and Redis calls each one made.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

import { TESTDATA } from '../e2e/harness.js';
import { exited, outputOf, stopAtEnd } from '../e2e/programs.js';
import type { DbServer, PostgresServer } from './db-servers.js';

export const SHOP = join(TESTDATA, 'services/shop');

export interface Shop {
  port: number;
  pid: number;
  proc: ChildProcess;
  stop: () => Promise<void>;
}

const START_TIMEOUT_MS = 15_000;

/**
 * Start the service on `port` (by default a free one it picks and says), talking to `pg` and
 * `redis` over TCP. A capture test that records by port gives the port first.
 */
export async function startShop(pg: PostgresServer, redis: DbServer, port = 0): Promise<Shop> {
  const args = [
    join(SHOP, 'server.mjs'),
    '--port', String(port),
    '--pg-host', pg.host, '--pg-port', String(pg.port), '--pg-user', pg.user, '--pg-database', pg.database,
    '--redis-host', redis.host, '--redis-port', String(redis.port),
  ];
  // passwords through the environment: the recorder keeps argv
  const env = { ...process.env, PGPASSWORD: pg.password, ...(redis.password ? { REDIS_PASSWORD: redis.password } : {}) };
  const proc = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const gone = exited(proc);
  const stop = stopAtEnd(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(timer);
    }
  });

  let stdout = '';
  let stderr = '';
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no port after ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      proc.stdout.setEncoding('utf8').on('data', (d: string) => {
        stdout += d;
        const line = /^(\{.*\})\n/.exec(stdout);
        if (line) {
          clearTimeout(timer);
          resolve((JSON.parse(line[1]) as { port: number }).port);
        }
      });
      void gone.then(() => {
        clearTimeout(timer);
        reject(new Error(`it exited with ${proc.exitCode ?? proc.signalCode}`));
      });
    });
    return { port, pid: proc.pid!, proc, stop };
  } catch (err) {
    await stop();
    throw new Error(`the shop service did not start: ${(err as Error).message}; stderr: ${stderr.trim() || '(empty)'}`);
  }
}

export interface DrivenCall {
  method: string;
  path: string;
  status: number;
  cache: string | null;
  body: unknown;
}

/** Run drive.mjs: every endpoint once, in order (then `extra` paths); what it called and got. */
export async function driveShop(shop: Shop, extra: string[] = []): Promise<DrivenCall[]> {
  const out = await outputOf(process.execPath, [join(SHOP, 'drive.mjs'), String(shop.port), ...extra]);
  return (JSON.parse(out) as { calls: DrivenCall[] }).calls;
}
