/** tinytap conns FILE: every connection, HTTP or not, so no traffic is invisible. */
import type { Command } from 'commander';

import { holderHow } from '../model/exchange.js';
import type { FlowSummary } from '../session/session.js';
import { durationText, party } from '../render/exchange-format.js';
import { connectError, formatBytes, formatClock, useColor } from '../render/format.js';
import { openSession } from './open-session.js';
import { json, joinText, term } from '../render/terminal-text.js';
import { stdout, table, terminalWidth, writeLine } from './terminal.js';

function endpoint(addr: string | null, port: number | null): string {
  if (!addr) return '';
  if (port === null) return addr;
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

interface Holder {
  pid: number;
  comm: string | null;
  cause: number;
}

/** Every process that held an end, when more than one did (flows.*_processes). */
function holders(json: string | null): Holder[] | null {
  return json ? (JSON.parse(json) as Holder[]) : null;
}

/** "postgres 10744 (accepted by 10719)": who moved the bytes, and who else held the end. */
function side(pid: number | null, comm: string | null, json: string | null): string {
  const others = (holders(json) ?? []).filter((h) => h.pid !== pid);
  const main = party(pid, comm);
  return others.length ? `${main} (${others.map((o) => `${holderHow(o.cause)} by ${o.pid}`).join(', ')})` : main;
}

function processesJson(json: string | null) {
  return holders(json)?.map((h) => ({ pid: h.pid, comm: h.comm, how: holderHow(h.cause) })) ?? null;
}

/** A TLS connection's layers: `tcp/tls/http/1.1` when its plaintext was read, `tcp/tls` when not. */
function protocolText(f: FlowSummary): string {
  const tls = f.tls !== null || f.tls_version !== null || f.protocol === 'tls';
  return [f.transport, tls ? 'tls' : null, f.protocol === 'tls' ? null : f.protocol].filter((p) => p !== null).join('/');
}

/** The library that gave the plaintext (or that none did), and the server name asked for. */
function tlsText(f: FlowSummary): string {
  if (f.tls === null && f.tls_version === null && f.protocol !== 'tls') return '';
  return [f.tls ?? 'ciphertext', f.tls_server_name].filter((p) => p !== null).join(' ');
}

function flowJson(f: FlowSummary): Record<string, unknown> {
  return {
    id: f.id,
    started: new Date(Number(f.started_at / 1_000_000n)).toISOString(),
    duration_ms: f.ended_at === null ? null : Number(f.ended_at - f.started_at) / 1e6,
    transport: f.transport,
    protocol: f.protocol,
    client: {
      pid: f.client_pid,
      comm: f.client_comm,
      addr: f.client_addr,
      port: f.client_port,
      captured: f.client_conn !== null,
      processes: processesJson(f.client_processes),
    },
    server: {
      pid: f.server_pid,
      comm: f.server_comm,
      addr: f.server_addr,
      port: f.server_port,
      captured: f.server_conn !== null,
      processes: processesJson(f.server_processes),
    },
    bytes_sent_by_client: f.bytes_c2s,
    bytes_sent_by_server: f.bytes_s2c,
    exchanges: f.exchanges,
    tls:
      f.tls !== null || f.tls_version !== null || f.protocol === 'tls'
        ? { library: f.tls, server_name: f.tls_server_name, alpn: f.tls_alpn, version: f.tls_version }
        : null,
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
          for (const f of flows) writeLine(stdout, json(flowJson(f)));
          for (const c of failed)
            writeLine(stdout, json({ failed_connect: true, pid: c.pid, comm: c.comm, remote: c.remote, error: connectError(c.error) }));
          return;
        }
        const lines = table(
          flows,
          [
            { title: 'ID', value: (f) => String(f.id), right: true },
            { title: 'START', value: (f) => formatClock(f.started_at) },
            { title: 'CLIENT', value: (f) => side(f.client_pid, f.client_comm, f.client_processes) },
            { title: 'CLIENT ADDR', value: (f) => endpoint(f.client_addr, f.client_port) },
            { title: 'SERVER', value: (f) => side(f.server_pid, f.server_comm, f.server_processes) },
            { title: 'SERVER ADDR', value: (f) => endpoint(f.server_addr, f.server_port), flex: true, min: 12 },
            { title: 'PROTO', value: (f) => protocolText(f) },
            ...(flows.some((f) => tlsText(f)) ? [{ title: 'TLS', value: (f: FlowSummary) => tlsText(f) }] : []),
            { title: 'SENT', value: (f) => formatBytes(f.bytes_c2s), right: true },
            { title: 'RECEIVED', value: (f) => formatBytes(f.bytes_s2c), right: true },
            { title: 'DURATION', value: (f) => durationText(f.ended_at === null ? null : f.ended_at - f.started_at), right: true },
            { title: 'EXCH', value: (f) => (f.exchanges ? String(f.exchanges) : ''), right: true },
          ],
          terminalWidth(),
          useColor(),
        );
        writeLine(stdout, joinText(lines));
        if (failed.length) {
          stdout.write(term`\nfailed connects\n`);
          for (const c of failed) writeLine(stdout, term`  ${formatClock(c.at)}  ${party(c.pid, c.comm)}  → ${c.remote}  ${connectError(c.error)}`);
        }
      } finally {
        session.close();
      }
    });
}
