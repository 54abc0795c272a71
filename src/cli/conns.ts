/** tinytap conns FILE: every connection, HTTP or not, so no traffic is invisible. */
import type { Command } from 'commander';
import { constants as osConstants } from 'node:os';

import type { FlowSummary } from '../session/session.js';
import { durationText, party } from './exchange-format.js';
import { formatBytes, formatClock, useColor } from './format.js';
import { openSession } from './open-session.js';
import { table, terminalWidth } from './terminal.js';

const ERRNO_NAMES = new Map(Object.entries(osConstants.errno).map(([name, n]) => [n, name]));

function endpoint(addr: string | null, port: number | null): string {
  if (!addr) return '';
  if (port === null) return addr;
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

function flowJson(f: FlowSummary): Record<string, unknown> {
  return {
    id: f.id,
    started: new Date(Number(f.started_at / 1_000_000n)).toISOString(),
    duration_ms: f.ended_at === null ? null : Number(f.ended_at - f.started_at) / 1e6,
    transport: f.transport,
    protocol: f.protocol,
    client: { pid: f.client_pid, comm: f.client_comm, addr: f.client_addr, port: f.client_port, captured: f.client_conn !== null },
    server: { pid: f.server_pid, comm: f.server_comm, addr: f.server_addr, port: f.server_port, captured: f.server_conn !== null },
    bytes_sent_by_client: f.bytes_c2s,
    bytes_sent_by_server: f.bytes_s2c,
    exchanges: f.exchanges,
    error: f.error,
  };
}

export function registerConns(program: Command): void {
  program
    .command('conns')
    .description('list the connections of a session, HTTP or not')
    .argument('<file>', 'a .tinytap session')
    .option('--json', 'one JSON object per line')
    .action((file: string, flags: { json?: boolean }) => {
      const session = openSession(file);
      try {
        const flows = session.flows();
        const failed = session.failedConnects();
        if (flags.json) {
          for (const f of flows) process.stdout.write(JSON.stringify(flowJson(f)) + '\n');
          for (const c of failed)
            process.stdout.write(
              JSON.stringify({ failed_connect: true, pid: c.pid, comm: c.comm, remote: c.remote, error: ERRNO_NAMES.get(c.error) ?? c.error }) + '\n',
            );
          return;
        }
        const lines = table(
          flows,
          [
            { title: 'ID', value: (f) => String(f.id), right: true },
            { title: 'START', value: (f) => formatClock(f.started_at) },
            { title: 'CLIENT', value: (f) => party(f.client_pid, f.client_comm) },
            { title: 'CLIENT ADDR', value: (f) => endpoint(f.client_addr, f.client_port) },
            { title: 'SERVER', value: (f) => party(f.server_pid, f.server_comm) },
            { title: 'SERVER ADDR', value: (f) => endpoint(f.server_addr, f.server_port), flex: true, min: 12 },
            { title: 'PROTO', value: (f) => `${f.transport}/${f.protocol}` },
            { title: 'SENT', value: (f) => formatBytes(f.bytes_c2s), right: true },
            { title: 'RECEIVED', value: (f) => formatBytes(f.bytes_s2c), right: true },
            { title: 'DURATION', value: (f) => durationText(f.ended_at === null ? null : f.ended_at - f.started_at), right: true },
            { title: 'HTTP', value: (f) => (f.exchanges ? String(f.exchanges) : ''), right: true },
          ],
          terminalWidth(),
          useColor(),
        );
        process.stdout.write(lines.join('\n') + '\n');
        if (failed.length) {
          process.stdout.write(`\nfailed connects\n`);
          for (const c of failed)
            process.stdout.write(`  ${formatClock(c.at)}  ${party(c.pid, c.comm)}  → ${c.remote}  ${ERRNO_NAMES.get(c.error) ?? `errno ${c.error}`}\n`);
        }
      } finally {
        session.close();
      }
    });
}
