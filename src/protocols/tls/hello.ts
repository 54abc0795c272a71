/**
 * What a TLS handshake says in the clear (RFC 8446 §4.1, RFC 5246 §7.4.1): the server name the
 * client asked for (SNI, RFC 6066 §3), the application protocols it offered and the server chose
 * (ALPN, RFC 7301), and the version. Read from the first bytes of each direction of a TLS
 * connection, which tinytap keeps even when it drops the ciphertext of application data. Pure;
 * never throws: a malformed hello gives what could be read.
 *
 * Written here rather than taken from npm: read-tls-client-hello (the maintained one) reads a
 * live socket stream asynchronously and knows no ServerHello; reconstruction is synchronous over
 * bytes already recorded, and needs both hellos.
 */

export interface ClientHello {
  serverName: string | null;
  /** ALPN protocols offered, in the client's order. */
  alpn: string[];
}

export interface ServerHello {
  /** The protocol the server chose, when the hello says (TLS 1.2; 1.3 sends it encrypted). */
  alpn: string | null;
  /** 'TLS 1.3', 'TLS 1.2', ... */
  version: string | null;
}

const HANDSHAKE = 22;
const CLIENT_HELLO = 1;
const SERVER_HELLO = 2;
const EXT_SERVER_NAME = 0;
const EXT_ALPN = 16;
const EXT_SUPPORTED_VERSIONS = 43;

/** The first handshake message of a direction, joined from its records (null if none). */
export function firstHandshakeMessage(bytes: Uint8Array): { type: number; body: Uint8Array } | null {
  const parts: Uint8Array[] = [];
  let have = 0;
  let need = -1;
  let type = -1;
  for (let at = 0; at + 5 <= bytes.length; ) {
    if (bytes[at] !== HANDSHAKE) break;
    const len = (bytes[at + 3] << 8) | bytes[at + 4];
    const fragment = bytes.subarray(at + 5, Math.min(bytes.length, at + 5 + len));
    parts.push(fragment);
    have += fragment.length;
    if (need < 0 && have >= 4) {
      const head = concat(parts, 4);
      type = head[0];
      need = 4 + ((head[1] << 16) | (head[2] << 8) | head[3]);
    }
    if (need >= 0 && have >= need) break;
    if (fragment.length < len) break; // the record was cut: what there is
    at += 5 + len;
  }
  if (type < 0) return null;
  const all = concat(parts, need < 0 ? have : Math.min(have, need));
  return { type, body: all.subarray(4) };
}

function concat(parts: Uint8Array[], n: number): Uint8Array {
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    if (at >= n) break;
    const take = p.subarray(0, n - at);
    out.set(take, at);
    at += take.length;
  }
  return out.subarray(0, at);
}

/** A bounds-checked reader: every read past the end gives null, never an exception. */
class Reader {
  constructor(
    private readonly b: Uint8Array,
    public at = 0,
    private readonly end = b.length,
  ) {}
  u8(): number | null {
    return this.at + 1 <= this.end ? this.b[this.at++] : null;
  }
  u16(): number | null {
    if (this.at + 2 > this.end) return null;
    const v = (this.b[this.at] << 8) | this.b[this.at + 1];
    this.at += 2;
    return v;
  }
  bytes(n: number): Uint8Array | null {
    if (n < 0 || this.at + n > this.end) return null;
    const v = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }
  skip(n: number | null): boolean {
    return n !== null && this.bytes(n) !== null;
  }
}

/** Extensions as (type, data), from a hello body positioned at the extensions' length. */
function extensions(r: Reader): [number, Uint8Array][] {
  const out: [number, Uint8Array][] = [];
  const len = r.u16();
  if (len === null) return out;
  const block = r.bytes(len);
  if (!block) return out;
  const e = new Reader(block);
  for (;;) {
    const type = e.u16();
    const n = e.u16();
    if (type === null || n === null) break;
    const data = e.bytes(n);
    if (!data) break;
    out.push([type, data]);
  }
  return out;
}

function latin1(b: Uint8Array): string {
  return Buffer.from(b).toString('latin1');
}

function alpnList(data: Uint8Array): string[] {
  const r = new Reader(data);
  const len = r.u16();
  const list = len === null ? null : r.bytes(len);
  if (!list) return [];
  const l = new Reader(list);
  const out: string[] = [];
  for (;;) {
    const n = l.u8();
    const name = n === null ? null : l.bytes(n);
    if (!name) break;
    out.push(latin1(name));
  }
  return out;
}

function serverName(data: Uint8Array): string | null {
  const r = new Reader(data);
  const len = r.u16();
  const list = len === null ? null : r.bytes(len);
  if (!list) return null;
  const l = new Reader(list);
  for (;;) {
    const type = l.u8();
    const n = l.u16();
    const name = n === null ? null : l.bytes(n);
    if (type === null || !name) return null;
    if (type === 0) return latin1(name);
  }
}

/** SNI and ALPN from the first bytes the client sent, if they are a ClientHello. */
export function parseClientHello(bytes: Uint8Array): ClientHello | null {
  const msg = firstHandshakeMessage(bytes);
  if (!msg || msg.type !== CLIENT_HELLO) return null;
  const r = new Reader(msg.body);
  // legacy_version, random, session id, cipher suites, compression methods
  if (!r.skip(2) || !r.skip(32) || !r.skip(r.u8()) || !r.skip(r.u16()) || !r.skip(r.u8())) return { serverName: null, alpn: [] };
  const hello: ClientHello = { serverName: null, alpn: [] };
  for (const [type, data] of extensions(r)) {
    if (type === EXT_SERVER_NAME) hello.serverName = serverName(data);
    else if (type === EXT_ALPN) hello.alpn = alpnList(data);
  }
  return hello;
}

const VERSIONS: Record<number, string> = { 0x0304: 'TLS 1.3', 0x0303: 'TLS 1.2', 0x0302: 'TLS 1.1', 0x0301: 'TLS 1.0', 0x0300: 'SSL 3.0' };

/** The chosen ALPN (TLS 1.2) and the version, from the first bytes the server sent. */
export function parseServerHello(bytes: Uint8Array): ServerHello | null {
  const msg = firstHandshakeMessage(bytes);
  if (!msg || msg.type !== SERVER_HELLO) return null;
  const r = new Reader(msg.body);
  const legacy = r.u16();
  // random, session id, cipher suite, compression method
  if (legacy === null || !r.skip(32) || !r.skip(r.u8()) || !r.skip(2) || !r.skip(1)) return { alpn: null, version: legacy !== null ? (VERSIONS[legacy] ?? null) : null };
  const hello: ServerHello = { alpn: null, version: VERSIONS[legacy] ?? null };
  for (const [type, data] of extensions(r)) {
    if (type === EXT_ALPN) hello.alpn = alpnList(data)[0] ?? null;
    else if (type === EXT_SUPPORTED_VERSIONS && data.length === 2) hello.version = VERSIONS[(data[0] << 8) | data[1]] ?? hello.version;
  }
  return hello;
}
