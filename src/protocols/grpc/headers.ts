/** Reading gRPC's header fields (PROTOCOL-HTTP2.md, "Requests" and "Responses"). */
import { GRPC_LIMITS } from './limits.js';
import type { HeaderList } from './types.js';

/** The last value of a header field (names are lowercase in HTTP/2). */
export function header(headers: HeaderList | undefined, name: string): string | undefined {
  let value: string | undefined;
  for (const [key, v] of headers ?? []) if (key === name) value = v;
  return value;
}

/** `/package.Service/Method` → its two parts; anything else has none. */
export function serviceAndMethod(path: string): { service: string; method: string } | undefined {
  const match = /^\/([^/?]+)\/([^/?]+)$/.exec(path);
  return match ? { service: match[1], method: match[2] } : undefined;
}

/**
 * The subtype of a gRPC content-type: application/grpc is protobuf, application/grpc+json is
 * JSON; undefined when it is not a gRPC content-type at all.
 */
export function grpcSubtype(contentType: string | undefined): string | undefined {
  const match = /^application\/grpc(?:\+([a-z0-9._-]+))?\s*(?:;.*)?$/i.exec((contentType ?? '').trim());
  if (!match) return undefined;
  return (match[1] ?? 'proto').toLowerCase();
}

const TIMEOUT_UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };

/** grpc-timeout (`TimeoutValue TimeoutUnit`: at most 8 digits, then H M S m u n) in milliseconds. */
export function timeoutMs(value: string): number | undefined {
  const match = /^(\d{1,8})([HMSmun])$/.exec(value.trim());
  return match ? Number(match[1]) * TIMEOUT_UNIT_MS[match[2]] : undefined;
}

const lenientUtf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * grpc-message is percent-encoded UTF-8. The spec asks a reader not to fail on a bad encoding:
 * a `%` not followed by two hex digits stays as it is, and bad UTF-8 becomes U+FFFD.
 */
export function percentDecode(value: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    if (value[i] === '%' && /^[0-9a-fA-F]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(value[i], 'utf8'));
    }
  }
  return lenientUtf8.decode(Uint8Array.from(bytes));
}

/** grpc-message, decoded and cut at GRPC_LIMITS.keepStatusMessageChars. */
export function statusMessage(value: string): { message: string; messageCut?: true } {
  const message = percentDecode(value.slice(0, GRPC_LIMITS.keepStatusMessageChars * 3));
  return message.length > GRPC_LIMITS.keepStatusMessageChars ? { message: message.slice(0, GRPC_LIMITS.keepStatusMessageChars), messageCut: true } : { message };
}

/** A comma-separated list (grpc-accept-encoding). */
export function tokenList(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/** The header fields this layer reads itself; the rest are the call's custom metadata. */
const PROTOCOL_FIELDS = new Set(['content-type', 'te', 'grpc-encoding', 'grpc-accept-encoding', 'grpc-timeout', 'grpc-status', 'grpc-message']);

export function customMetadata(headers: HeaderList | undefined): HeaderList {
  return (headers ?? []).filter(([name]) => !name.startsWith(':') && !PROTOCOL_FIELDS.has(name));
}
