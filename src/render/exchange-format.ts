/** How exchanges look as text, in the commands and the TUI: the status and its colour, the parties, sizes, times. */
import type { ExchangeSummary } from '../model/exchange-table.js';
import { formatBytes, formatClock, formatDateTime, formatDurationMs } from './format.js';
import { grpcStatusColor, grpcStatusText } from './grpc-format.js';

/** exchanges.grpc_status, where the caller has it (a row made by hand for one status may not). */
type GrpcStatusColumn = { grpc_status?: ExchangeSummary['grpc_status'] };

const failedGrpc = (x: GrpcStatusColumn): x is { grpc_status: bigint } => x.grpc_status !== undefined && x.grpc_status !== null && x.grpc_status !== 0n;

/** The status a list shows: a gRPC call's status name when it failed, else the HTTP status. */
export function statusText(x: Pick<ExchangeSummary, 'status' | 'upgrade' | 'error' | 'flags'> & GrpcStatusColumn): string {
  if (failedGrpc(x)) return grpcStatusText(x.grpc_status);
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

/** The colour of what statusText shows. */
export function exchangeStatusColor(x: Pick<ExchangeSummary, 'status'> & GrpcStatusColumn): string | null {
  return failedGrpc(x) ? grpcStatusColor(x.grpc_status) : statusColor(x.status);
}

/** What an HTTP row's METHOD column says: the method, or `gRPC` for a gRPC call (an HTTP/2 POST). */
export function methodText(x: Pick<ExchangeSummary, 'method' | 'grpc_service'>): string {
  return x.grpc_service !== null ? 'gRPC' : (x.method ?? '—');
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

/** The clock time; with the date when a list spans more than one day (a history of many files). */
export function timeText(ns: bigint, withDate = false): string {
  return withDate ? formatDateTime(ns) : formatClock(ns);
}

/** Whether times from `first` to `last` fall on different local days. */
export function spansDays(first: bigint, last: bigint): boolean {
  return formatDateTime(first).slice(0, 10) !== formatDateTime(last).slice(0, 10);
}
