/** `ls --json`: one exchange as one JSON line. */
import type { SecretFilter } from '../export/secrets.js';
import type { ExchangeSummary } from '../session/session.js';
import { statusName } from '../protocols/grpc/index.js';

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
    protocol: x.protocol,
    operation: x.operation,
    target: x.protocol === 'http' || x.target === null ? x.target && secrets.url(x.target) : x.target,
    db: x.db,
    rows: n(x.rows),
    error_code: x.error_code,
    shape: x.shape,
    parent_id: n(x.parent_id),
    link: x.link,
    queries: n(x.queries),
    db_ms: x.db_ns === null ? null : Number(x.db_ns) / 1e6,
    ...(x.grpc_service !== null || x.grpc_method !== null
      ? { grpc: { service: x.grpc_service, method: x.grpc_method, status: n(x.grpc_status), status_name: x.grpc_status === null ? null : (statusName(Number(x.grpc_status)) ?? null) } }
      : {}),
  };
}
