/**
 * The connection phase: the server's greeting (Protocol::HandshakeV10), the client's handshake
 * response (or the short SSL request), COM_CHANGE_USER, and the authentication replies.
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase.html
 * https://mariadb.com/kb/en/connection/
 *
 * Secrets are read past, never kept: the scramble in the greeting, the auth response, the data of
 * an auth switch request and of "more data" packets are skipped; only "a password was sent" is.
 */
import { CAP } from './constants.js';
import { PayloadReader } from './payload-reader.js';
import { bytesAsText } from './values.js';

export interface Greeting {
  protocolVersion: number;
  serverVersion: string;
  connectionId: number;
  /** Capabilities the server offers, MariaDB's in bits 32-63. */
  capabilities: bigint;
  authPlugin?: string;
}

export interface HandshakeResponse {
  /** The short packet sent before TLS: capabilities with CLIENT_SSL and nothing else. */
  sslRequest: boolean;
  capabilities: bigint;
  user?: string;
  database?: string;
  authPlugin?: string;
  passwordSent: boolean;
  attributes?: Record<string, string>;
}

/** Attributes kept from a handshake response; each value cut to this length. */
const MAX_ATTRIBUTES = 32;
const MAX_ATTRIBUTE_LENGTH = 256;

export function parseGreeting(payload: Buffer): Greeting {
  const r = new PayloadReader(payload);
  const protocolVersion = r.int(1) ?? 0;
  const serverVersion = bytesAsText(r.nulBytes(), false);
  const connectionId = r.int(4) ?? 0;
  r.skip(8 + 1); // scramble part 1, filler
  let caps = BigInt(r.int(2) ?? 0);
  r.skip(1 + 2); // character set, status flags
  caps |= BigInt(r.int(2) ?? 0) << 16n;
  const scrambleLength = r.int(1) ?? 0;
  r.skip(6);
  const mariaCaps = r.int(4) ?? 0;
  if (!(caps & CAP.LONG_PASSWORD)) caps |= BigInt(mariaCaps) << 32n;
  const greeting: Greeting = { protocolVersion, serverVersion, connectionId, capabilities: caps };
  if (caps & CAP.SECURE_CONNECTION) r.skip(Math.max(13, scrambleLength - 8)); // scramble part 2
  if (caps & CAP.PLUGIN_AUTH && !r.atEnd) greeting.authPlugin = bytesAsText(r.nulBytes(), false);
  return greeting;
}

export function parseHandshakeResponse(payload: Buffer): HandshakeResponse {
  const r = new PayloadReader(payload);
  let caps = BigInt(r.int(2) ?? 0);
  if (!(caps & CAP.PROTOCOL_41)) {
    // HandshakeResponse320: 2 more bytes of max packet size, then the user
    r.skip(3);
    return { sslRequest: false, capabilities: caps, user: bytesAsText(r.nulBytes(), false), passwordSent: !r.atEnd };
  }
  caps |= BigInt(r.int(2) ?? 0) << 16n;
  r.skip(4 + 1 + 19); // max packet size, character set, filler
  const mariaCaps = r.int(4) ?? 0;
  if (!(caps & CAP.LONG_PASSWORD)) caps |= BigInt(mariaCaps) << 32n;
  if (r.atEnd && caps & CAP.SSL) return { sslRequest: true, capabilities: caps, passwordSent: false };
  const response: HandshakeResponse = { sslRequest: false, capabilities: caps, passwordSent: false };
  response.user = bytesAsText(r.nulBytes(), false);
  response.passwordSent = skipAuthResponse(r, caps) > 0;
  if (caps & CAP.CONNECT_WITH_DB && !r.atEnd) response.database = bytesAsText(r.nulBytes(), false);
  if (caps & CAP.PLUGIN_AUTH && !r.atEnd) response.authPlugin = bytesAsText(r.nulBytes(), false);
  if (caps & CAP.CONNECT_ATTRS && !r.atEnd) response.attributes = readAttributes(r);
  return response;
}

export interface ChangeUser {
  user: string;
  database?: string;
  authPlugin?: string;
  passwordSent: boolean;
}

/** COM_CHANGE_USER (after the command byte); `caps` are the connection's negotiated ones. */
export function parseChangeUser(payload: Buffer, caps: bigint): ChangeUser {
  const r = new PayloadReader(payload, 1);
  const user = bytesAsText(r.nulBytes(), false);
  const passwordSent = (caps & CAP.SECURE_CONNECTION ? r.take(r.int(1) ?? 0).length : r.nulBytes().length) > 0;
  const change: ChangeUser = { user, passwordSent };
  const database = bytesAsText(r.nulBytes(), false);
  if (database) change.database = database;
  r.skip(2); // character set
  if (caps & CAP.PLUGIN_AUTH && !r.atEnd) change.authPlugin = bytesAsText(r.nulBytes(), false);
  return change;
}

/** The auth response's length, read past without looking at it. */
function skipAuthResponse(r: PayloadReader, caps: bigint): number {
  if (caps & CAP.PLUGIN_AUTH_LENENC_CLIENT_DATA) return r.take(r.lenencNumber() ?? 0).length;
  if (caps & CAP.SECURE_CONNECTION) return r.take(r.int(1) ?? 0).length;
  return r.nulBytes().length;
}

function readAttributes(r: PayloadReader): Record<string, string> {
  const total = r.lenencNumber() ?? 0;
  const a = new PayloadReader(r.take(total));
  const attributes: Record<string, string> = {};
  let n = 0;
  while (!a.atEnd && !a.short && n < MAX_ATTRIBUTES) {
    const key = a.lenencBytes();
    const value = a.lenencBytes();
    if (!key || value === undefined || a.short) break;
    attributes[bytesAsText(key, false).slice(0, MAX_ATTRIBUTE_LENGTH)] = bytesAsText(value ?? Buffer.alloc(0), false).slice(0, MAX_ATTRIBUTE_LENGTH);
    n++;
  }
  return attributes;
}

/** What an authentication-phase packet from the server says; the secrets it carries are not kept. */
export type AuthStep =
  | { kind: 'ok' }
  | { kind: 'error' }
  | { kind: 'switch'; plugin: string }
  | { kind: 'more'; what: string };

export function classifyAuthReply(payload: Buffer): AuthStep {
  switch (payload[0]) {
    case 0x00:
      return { kind: 'ok' };
    case 0xff:
      return { kind: 'error' };
    case 0xfe: {
      // AuthSwitchRequest: plugin name, then plugin data (a new scramble: skipped)
      const plugin = payload.length === 1 ? 'mysql_old_password' : bytesAsText(new PayloadReader(payload, 1).nulBytes(), false);
      return { kind: 'switch', plugin };
    }
    case 0x01:
      // AuthMoreData; caching_sha2_password's fast path is one byte after it
      if (payload.length === 2 && payload[1] === 0x03) return { kind: 'more', what: 'fast auth success' };
      if (payload.length === 2 && payload[1] === 0x04) return { kind: 'more', what: 'full authentication requested' };
      return { kind: 'more', what: 'more data' };
    default:
      return { kind: 'more', what: 'more data' };
  }
}
