/**
 * Encoders for kernel records, written from formats/tinytap_events.h and SPEC.md rather than
 * from the decoder: tests of the decoder and the recorder get an independent second opinion,
 * and the benchmarks generate large sessions with them.
 */
import {
  ConnLayout,
  DataFlag,
  DataLayout,
  HeaderLayout,
  Kind,
  LAYOUT_VERSION,
  ProcLayout,
  CloseLayout,
  TlsJoinLayout,
} from './layout.js';

interface Header {
  pid?: number;
  tid?: number;
  tsNs?: bigint;
  comm?: string;
  /** The record's layout version (default: the current one). */
  version?: number;
}

function header(buf: Buffer, kind: number, h: Header): void {
  buf[HeaderLayout.kind] = kind;
  buf[HeaderLayout.version] = h.version ?? LAYOUT_VERSION;
  buf.writeUInt32LE(h.pid ?? 100, HeaderLayout.pid);
  buf.writeUInt32LE(h.tid ?? h.pid ?? 100, HeaderLayout.tid);
  buf.writeBigUInt64LE(h.tsNs ?? 1_000_000n, HeaderLayout.tsNs);
  buf.write(h.comm ?? 'test', HeaderLayout.comm, 15, 'latin1');
}

export interface DataSpec extends Header {
  /** Kind.DATA (default) or Kind.TLS_DATA. */
  kind?: number;
  connId: number;
  ret: number;
  streamOff?: number;
  chunkOff?: number;
  data?: Buffer | string;
  fd?: number;
  syscall?: number;
  dir?: number;
  /** flags | xflags << 8 (EventFlag); default LAST. */
  flags?: number;
  msgIndex?: number;
  /** sendfile/splice: the input fd; TLS_DATA: the library (TlsLib). Default -1. */
  auxFd?: number;
  peer?: { family: number; port: number; addr: number[] };
}

export function encodeData(d: DataSpec): Buffer {
  const data = typeof d.data === 'string' ? Buffer.from(d.data, 'latin1') : (d.data ?? Buffer.alloc(0));
  const buf = Buffer.alloc(DataLayout.size + data.length);
  header(buf, d.kind ?? Kind.DATA, d);
  buf.writeBigUInt64LE(BigInt(d.connId), DataLayout.connId);
  buf.writeBigInt64LE(BigInt(d.ret), DataLayout.ret);
  buf.writeBigUInt64LE(BigInt(d.streamOff ?? 0), DataLayout.streamOff);
  buf.writeUInt32LE(d.chunkOff ?? 0, DataLayout.chunkOff);
  buf.writeUInt32LE(data.length, DataLayout.chunkLen);
  buf.writeInt32LE(d.fd ?? 3, DataLayout.fd);
  buf.writeInt32LE(d.auxFd ?? -1, DataLayout.auxFd);
  buf.writeUInt16LE(d.syscall ?? 2, DataLayout.syscall);
  buf[DataLayout.dir] = d.dir ?? 1;
  let flags = d.flags ?? DataFlag.LAST;
  if (d.peer) {
    flags |= DataFlag.PEER;
    buf.writeUInt16LE(d.peer.family, DataLayout.peer);
    buf.writeUInt16LE(d.peer.port, DataLayout.peer + 2);
    Buffer.from(d.peer.addr).copy(buf, DataLayout.peer + 8);
  }
  buf[DataLayout.flags] = flags & 0xff;
  buf.writeUInt16LE(flags >>> 8, DataLayout.xflags);
  buf.writeUInt16LE(d.msgIndex ?? 0, DataLayout.msgIndex);
  data.copy(buf, DataLayout.data);
  return buf;
}

export interface ConnSpec extends Header {
  connId: number;
  fd?: number;
  family?: number;
  type?: number;
  protocol?: number;
  role?: number;
  cause?: number;
  error?: number;
  local?: [number[], number];
  remote?: [number[], number];
  localPath?: string;
  peerPath?: string;
  ino?: bigint;
  peerIno?: bigint;
}

export function encodeConn(c: ConnSpec): Buffer {
  const buf = Buffer.alloc(ConnLayout.size);
  header(buf, Kind.CONN, c);
  buf.writeBigUInt64LE(BigInt(c.connId), ConnLayout.connId);
  buf.writeBigUInt64LE(c.ino ?? 90000n + BigInt(c.connId), ConnLayout.ino);
  buf.writeBigUInt64LE(c.peerIno ?? 0n, ConnLayout.peerIno);
  buf.writeInt32LE(c.fd ?? 3, ConnLayout.fd);
  buf.writeInt32LE(c.error ?? 0, ConnLayout.error);
  const family = c.family ?? 2;
  buf.writeUInt16LE(family, ConnLayout.family);
  buf.writeUInt16LE(c.type ?? 1, ConnLayout.type);
  buf.writeUInt16LE(c.protocol ?? 6, ConnLayout.protocol);
  buf[ConnLayout.role] = c.role ?? 1;
  buf[ConnLayout.cause] = c.cause ?? 1;
  for (const [at, a] of [
    [ConnLayout.local, c.local ?? [[127, 0, 0, 1], 40000]],
    [ConnLayout.remote, c.remote ?? [[127, 0, 0, 1], 8080]],
  ] as const) {
    buf.writeUInt16LE(family, at);
    buf.writeUInt16LE(a[1], at + 2);
    Buffer.from(a[0]).copy(buf, at + 8);
  }
  if (c.localPath !== undefined) {
    buf.writeUInt16LE(c.localPath.length, ConnLayout.localPathLen);
    buf.write(c.localPath, ConnLayout.localPath, 'latin1');
  }
  if (c.peerPath !== undefined) {
    buf.writeUInt16LE(c.peerPath.length, ConnLayout.peerPathLen);
    buf.write(c.peerPath, ConnLayout.peerPath, 'latin1');
  }
  return buf;
}

export function encodeClose(c: Header & { connId: number; fd?: number; how?: number; flags?: number }): Buffer {
  const buf = Buffer.alloc(CloseLayout.size);
  header(buf, Kind.CLOSE, c);
  buf.writeBigUInt64LE(BigInt(c.connId), CloseLayout.connId);
  buf.writeInt32LE(c.fd ?? 3, CloseLayout.fd);
  buf[CloseLayout.how] = c.how ?? 0;
  buf[CloseLayout.flags] = c.flags ?? 0;
  return buf;
}

export function encodeTlsJoin(j: Header & { connId: number; token: number; streamOff: number; fd?: number; dir?: number }): Buffer {
  const buf = Buffer.alloc(TlsJoinLayout.size);
  header(buf, Kind.TLS_JOIN, j);
  buf.writeBigUInt64LE(BigInt(j.connId), TlsJoinLayout.connId);
  buf.writeBigUInt64LE(BigInt(j.token), TlsJoinLayout.token);
  buf.writeBigUInt64LE(BigInt(j.streamOff), TlsJoinLayout.streamOff);
  buf.writeInt32LE(j.fd ?? 3, TlsJoinLayout.fd);
  buf[TlsJoinLayout.dir] = j.dir ?? 1;
  return buf;
}

/** A record of a kind this tinytap does not know (one a later version may add). */
export function encodeUnknownKind(kind: number, size = 64, h: Header = {}): Buffer {
  const buf = Buffer.alloc(size);
  header(buf, kind, h);
  return buf;
}

export function encodeProc(p: Header & { argv: string[]; ppid?: number; startNs?: bigint; truncated?: boolean }): Buffer {
  const buf = Buffer.alloc(ProcLayout.size);
  header(buf, Kind.PROC, p);
  buf.writeBigUInt64LE(p.startNs ?? 500n, ProcLayout.startNs);
  buf.writeBigUInt64LE(1n, ProcLayout.cgroupId);
  buf.writeUInt32LE(p.ppid ?? 1, ProcLayout.ppid);
  const args = Buffer.from(p.argv.join('\0') + '\0');
  buf.writeUInt16LE(args.length, ProcLayout.argsLen);
  buf.writeUInt16LE(p.truncated ? 1 : 0, ProcLayout.flags);
  args.copy(buf, ProcLayout.args);
  return buf;
}

/** Records as the addon hands them over: u32 length, 4 bytes padding, record padded to 8. */
export function batchOf(records: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const r of records) {
    const prefix = Buffer.alloc(8);
    prefix.writeUInt32LE(r.length, 0);
    parts.push(prefix, r, Buffer.alloc(((r.length + 7) & ~7) - r.length));
  }
  return Buffer.concat(parts);
}
