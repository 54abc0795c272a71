/** How exchanges look in plain-text output: one line in `ls`, the status colour, the sizes. */
import type { SecretFilter } from '../export/secrets.js';
import type { ExchangeSummary } from '../session/session.js';
import { formatBytes, formatClock, formatDurationMs } from './format.js';

export function statusText(x: Pick<ExchangeSummary, 'status' | 'upgrade' | 'error' | 'flags'>): string {
  if (x.status !== null) return String(x.status);
  if (x.error) return 'error';
  return '—';
}

/** SGR colour of a status by class (DevTools colours 4xx and 5xx, we add the rest). */
export function statusColor(status: number | bigint | null): string | null {
  if (status === null) return '2';
  const s = Number(status);
  if (s >= 500) return '31';
  if (s >= 400) return '33';
  if (s >= 300) return '36';
  if (s >= 200) return '32';
  return '35';
}

export function party(pid: bigint | number | null, comm: string | null): string {
  if (pid === null && comm === null) return '(not captured)';
  return `${comm ?? '?'} ${pid ?? ''}`.trim();
}

/**
 * The URL without its scheme, what a person scans a list for; an https one keeps it, so what
 * went over TLS stands out as it does in the DevTools (there, with a lock).
 */
export function target(x: Pick<ExchangeSummary, 'url' | 'method'>): string {
  if (x.method === 'CONNECT' || /^https:\/\//i.test(x.url)) return x.url;
  return x.url.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
}

export function sizeText(n: bigint | number | null): string {
  return n === null ? '—' : formatBytes(Number(n));
}

export function durationText(ns: bigint | number | null): string {
  return ns === null ? '—' : formatDurationMs(Number(ns) / 1e6);
}

export function timeText(ns: bigint): string {
  return formatClock(ns);
}

/** One exchange as one JSON line for --json, its credentials left out unless `secrets` keeps them. */
export function summaryJson(x: ExchangeSummary, secrets: SecretFilter): Record<string, unknown> {
  const n = (v: bigint | null) => (v === null ? null : Number(v));
  return {
    id: Number(x.id),
    time: new Date(Number(x.req_started / 1_000_000n)).toISOString(),
    started_ns: String(x.req_started),
    client: { pid: n(x.client_pid), comm: x.client_comm },
    server: { pid: n(x.server_pid), comm: x.server_comm, port: n(x.server_port) },
    method: x.method,
    url: secrets.url(x.url),
    host: x.host,
    path: x.path,
    query: x.query === null ? null : secrets.params(x.query),
    status: n(x.status),
    reason: x.reason,
    request_size: n(x.req_body_size),
    response_size: n(x.resp_body_size),
    response_type: x.resp_type,
    duration_ms: x.duration_ns === null ? null : Number(x.duration_ns) / 1e6,
    ttfb_ms: x.ttfb_ns === null ? null : Number(x.ttfb_ns) / 1e6,
    flags: Number(x.flags),
    upgrade: x.upgrade,
    error: x.error,
  };
}
