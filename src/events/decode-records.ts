/**
 * Decoding the records of one batch from the addon (formats/tinytap_events.h), pure and
 * synchronous so it is tested without root against hand-built buffers.
 */
import {
  AddrLayout,
  CloseFlag,
  BATCH_RECORD_PREFIX,
  CloseLayout,
  COMM_LEN,
  ConnLayout,
  DataLayout,
  DataFlag,
  HeaderLayout,
  Kind,
  LAYOUT_VERSION,
  ProcLayout,
  ARGS_LEN,
  UNIX_PATH_LEN,
  TlsJoinLayout,
} from './layout.js';

export interface SockAddr {
  /** AF_INET 2, AF_INET6 10, AF_UNIX 1, 0 none. */
  family: number;
  addr: string;
  port: number;
}

interface RecordHeader {
  pid: number;
  tid: number;
  cpu: number;
  /** CLOCK_MONOTONIC nanoseconds. */
  tsNs: bigint;
  comm: string;
}

export interface DataRecord extends RecordHeader {
  /** DATA: a socket syscall's bytes; TLS_DATA: TLS plaintext read at the library (same layout). */
  kind: typeof Kind.DATA | typeof Kind.TLS_DATA;
  connId: number;
  ret: number;
  streamOff: number;
  chunkOff: number;
  fd: number;
  auxFd: number;
  syscall: number;
  dir: number;
  /** flags | xflags << 8: EventFlag. */
  flags: number;
  msgIndex: number;
  peer: SockAddr | null;
  /** View into the batch buffer: copy it if it must outlive the batch. */
  data: Buffer;
}

export interface ConnRecord extends RecordHeader {
  kind: typeof Kind.CONN;
  connId: number;
  /** The socket's identity: its inode number (layout 2), a kernel address (layout 1). */
  ino: bigint;
  /** Unix sockets: the peer's identity, when known. */
  peerIno: bigint;
  fd: number;
  error: number;
  family: number;
  type: number;
  protocol: number;
  role: number;
  cause: number;
  local: SockAddr;
  remote: SockAddr;
  /** Unix sockets: bound path of this end and of the peer ("@name" for abstract ones). */
  localPath: string | null;
  peerPath: string | null;
}

export interface CloseRecord extends RecordHeader {
  kind: typeof Kind.CLOSE;
  connId: number;
  fd: number;
  /** CloseHow. */
  how: number;
  /** CloseFlag: STILL_OPEN when another holder goes on with the connection. */
  flags: number;
}

export interface ProcRecord extends RecordHeader {
  kind: typeof Kind.PROC;
  startNs: bigint;
  cgroupId: bigint;
  ppid: number;
  uid: number;
  argv: string[];
  argsTruncated: boolean;
}

/**
 * A TLS_DATA record written before its socket was known (conn_id 0, its token in streamOff)
 * belongs to `connId`, at `streamOff` of direction `dir` (libraries with memory BIOs).
 */
export interface TlsJoinRecord extends RecordHeader {
  kind: typeof Kind.TLS_JOIN;
  connId: number;
  token: number;
  streamOff: number;
  fd: number;
  dir: number;
}

export type CaptureRecord = DataRecord | ConnRecord | CloseRecord | ProcRecord | TlsJoinRecord;

/** The records that carry bytes: a socket syscall's, or TLS plaintext's. */
export function isDataRecord(rec: CaptureRecord): rec is DataRecord {
  return rec.kind === Kind.DATA || rec.kind === Kind.TLS_DATA;
}

/**
 * A CLOSE record that ends its connection: its last holder let go. (A parent that closes its
 * copy after fork, while the child goes on, ends nothing.)
 */
export function endsConnection(rec: CloseRecord): boolean {
  return (rec.flags & CloseFlag.STILL_OPEN) === 0;
}

export class RecordFormatError extends Error {
  readonly code = 'ERECORD';
}

function readComm(buf: Buffer, at: number): string {
  let end = at;
  const max = at + COMM_LEN;
  while (end < max && buf[end] !== 0) end++;
  return buf.toString('latin1', at, end);
}

function u64(buf: Buffer, at: number): number {
  return buf.readUInt32LE(at + 4) * 0x1_0000_0000 + buf.readUInt32LE(at);
}

function s64(buf: Buffer, at: number): number {
  return buf.readInt32LE(at + 4) * 0x1_0000_0000 + buf.readUInt32LE(at);
}

export function formatIPv4(buf: Uint8Array, at: number): string {
  return `${buf[at]}.${buf[at + 1]}.${buf[at + 2]}.${buf[at + 3]}`;
}

/** RFC 5952 text form: lowercase, longest zero run as "::", IPv4-mapped as ::ffff:a.b.c.d. */
export function formatIPv6(buf: Uint8Array, at: number): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((buf[at + 2 * i] << 8) | buf[at + 2 * i + 1]);
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff)
    return `::ffff:${formatIPv4(buf, at + 12)}`;
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLen).join(':');
  return `${head}::${tail}`;
}

function readAddr(buf: Buffer, at: number): SockAddr {
  const family = buf.readUInt16LE(at + AddrLayout.family);
  const port = buf.readUInt16LE(at + AddrLayout.port);
  const a = at + AddrLayout.addr;
  if (family === 2) return { family, addr: formatIPv4(buf, a), port };
  if (family === 10) return { family, addr: formatIPv6(buf, a), port };
  return { family, addr: '', port: 0 };
}

function readUnixPath(buf: Buffer, at: number, len: number): string | null {
  if (len === 0) return null;
  if (len > UNIX_PATH_LEN) throw new RecordFormatError(`unix path of ${len} bytes, longer than its field`);
  // abstract socket names start with a NUL byte; ss and netstat show them with '@'
  if (buf[at] === 0) return '@' + buf.toString('latin1', at + 1, at + len).replace(/\0+$/, '');
  return buf.toString('latin1', at, at + len).replace(/\0.*$/s, '');
}

function readHeader(buf: Buffer, at: number): RecordHeader {
  return {
    pid: buf.readUInt32LE(at + HeaderLayout.pid),
    tid: buf.readUInt32LE(at + HeaderLayout.tid),
    cpu: buf.readUInt16LE(at + HeaderLayout.cpu),
    tsNs: buf.readBigUInt64LE(at + HeaderLayout.tsNs),
    comm: readComm(buf, at + HeaderLayout.comm),
  };
}

/** A 64-bit field that no capture can hold beyond 2^53 (bytes moved, stream offsets). */
function exact(n: number, what: string): number {
  if (!Number.isSafeInteger(n)) throw new RecordFormatError(`${what} out of range`);
  return n;
}

function decodeData(buf: Buffer, at: number, len: number, kind: DataRecord['kind']): DataRecord {
  const chunkLen = buf.readUInt32LE(at + DataLayout.chunkLen);
  if (DataLayout.size + chunkLen > len) throw new RecordFormatError('data record shorter than its chunk');
  const flags = buf[at + DataLayout.flags] | (buf.readUInt16LE(at + DataLayout.xflags) << 8);
  // the header's fields written out, not spread from readHeader: DATA records are nearly all
  // of a session, and the spread doubled the cost of decoding one
  return {
    kind,
    pid: buf.readUInt32LE(at + HeaderLayout.pid),
    tid: buf.readUInt32LE(at + HeaderLayout.tid),
    cpu: buf.readUInt16LE(at + HeaderLayout.cpu),
    tsNs: buf.readBigUInt64LE(at + HeaderLayout.tsNs),
    comm: readComm(buf, at + HeaderLayout.comm),
    connId: exact(u64(buf, at + DataLayout.connId), 'conn_id'),
    ret: exact(s64(buf, at + DataLayout.ret), 'ret'),
    streamOff: exact(u64(buf, at + DataLayout.streamOff), 'stream_off'),
    chunkOff: buf.readUInt32LE(at + DataLayout.chunkOff),
    fd: buf.readInt32LE(at + DataLayout.fd),
    auxFd: buf.readInt32LE(at + DataLayout.auxFd),
    syscall: buf.readUInt16LE(at + DataLayout.syscall),
    dir: buf[at + DataLayout.dir],
    flags,
    msgIndex: buf.readUInt16LE(at + DataLayout.msgIndex),
    peer: flags & DataFlag.PEER ? readAddr(buf, at + DataLayout.peer) : null,
    data: buf.subarray(at + DataLayout.data, at + DataLayout.data + chunkLen),
  };
}

function decodeConn(buf: Buffer, at: number): ConnRecord {
  return {
    kind: Kind.CONN,
    ...readHeader(buf, at),
    connId: exact(u64(buf, at + ConnLayout.connId), 'conn_id'),
    ino: buf.readBigUInt64LE(at + ConnLayout.ino),
    peerIno: buf.readBigUInt64LE(at + ConnLayout.peerIno),
    fd: buf.readInt32LE(at + ConnLayout.fd),
    error: buf.readInt32LE(at + ConnLayout.error),
    family: buf.readUInt16LE(at + ConnLayout.family),
    type: buf.readUInt16LE(at + ConnLayout.type),
    protocol: buf.readUInt16LE(at + ConnLayout.protocol),
    role: buf[at + ConnLayout.role],
    cause: buf[at + ConnLayout.cause],
    local: readAddr(buf, at + ConnLayout.local),
    remote: readAddr(buf, at + ConnLayout.remote),
    localPath: readUnixPath(buf, at + ConnLayout.localPath, buf.readUInt16LE(at + ConnLayout.localPathLen)),
    peerPath: readUnixPath(buf, at + ConnLayout.peerPath, buf.readUInt16LE(at + ConnLayout.peerPathLen)),
  };
}

function decodeProc(buf: Buffer, at: number): ProcRecord {
  const argsLen = buf.readUInt16LE(at + ProcLayout.argsLen);
  if (argsLen > ARGS_LEN) throw new RecordFormatError(`command line of ${argsLen} bytes, longer than its field`);
  const args = buf.subarray(at + ProcLayout.args, at + ProcLayout.args + argsLen).toString('utf8');
  const argv = args.split('\0');
  if (argv.length && argv[argv.length - 1] === '') argv.pop();
  return {
    kind: Kind.PROC,
    ...readHeader(buf, at),
    startNs: buf.readBigUInt64LE(at + ProcLayout.startNs),
    cgroupId: buf.readBigUInt64LE(at + ProcLayout.cgroupId),
    ppid: buf.readUInt32LE(at + ProcLayout.ppid),
    uid: buf.readUInt32LE(at + ProcLayout.uid),
    argv,
    argsTruncated: (buf.readUInt16LE(at + ProcLayout.flags) & 1) !== 0,
  };
}

const MIN_SIZE: Record<number, number> = {
  [Kind.DATA]: DataLayout.size,
  [Kind.TLS_DATA]: DataLayout.size,
  [Kind.TLS_JOIN]: TlsJoinLayout.size,
  [Kind.CONN]: ConnLayout.size,
  [Kind.CLOSE]: CloseLayout.size,
  [Kind.PROC]: ProcLayout.size,
};

/** The size a record of `kind` has at least (its structure), or undefined for a kind this reader does not know. */
export function minRecordSize(kind: number): number | undefined {
  return MIN_SIZE[kind];
}

/**
 * Decode one record that starts at `at` and is `len` bytes long; null for a record this reader
 * does not know (a kind added later, or a newer layout version): SPEC.md §4 says to pass over
 * it. Malformed records (too short for their kind) are errors.
 */
export function decodeRecord(buf: Buffer, at: number, len: number): CaptureRecord | null {
  if (len < HeaderLayout.size) throw new RecordFormatError(`record of ${len} bytes is shorter than its header`);
  const kind = buf[at + HeaderLayout.kind];
  const min = MIN_SIZE[kind];
  if (min === undefined || !isKnownVersion(buf[at + HeaderLayout.version])) return null;
  if (len < min) throw new RecordFormatError(`record of kind ${kind} is ${len} bytes, expected ${min}`);
  switch (kind) {
    case Kind.DATA:
    case Kind.TLS_DATA:
      return decodeData(buf, at, len, kind);
    case Kind.CONN:
      return decodeConn(buf, at);
    case Kind.CLOSE:
      return {
        kind: Kind.CLOSE,
        ...readHeader(buf, at),
        connId: exact(u64(buf, at + CloseLayout.connId), 'conn_id'),
        fd: buf.readInt32LE(at + CloseLayout.fd),
        how: buf[at + CloseLayout.how],
        flags: buf[at + CloseLayout.flags],
      };
    case Kind.TLS_JOIN:
      return {
        kind: Kind.TLS_JOIN,
        ...readHeader(buf, at),
        connId: exact(u64(buf, at + TlsJoinLayout.connId), 'conn_id'),
        token: exact(u64(buf, at + TlsJoinLayout.token), 'token'),
        streamOff: exact(u64(buf, at + TlsJoinLayout.streamOff), 'stream_off'),
        fd: buf.readInt32LE(at + TlsJoinLayout.fd),
        dir: buf[at + TlsJoinLayout.dir],
      };
    default:
      return decodeProc(buf, at);
  }
}

/** Layout versions this reader understands (a record's `version` byte, meta layout_version). */
export function isKnownVersion(version: number): boolean {
  return version >= 1 && version <= LAYOUT_VERSION;
}

/** Every record of a batch this reader knows, in ring-buffer order. */
export function* decodeBatch(batch: Buffer): Generator<CaptureRecord> {
  let at = 0;
  while (at + BATCH_RECORD_PREFIX <= batch.length) {
    const len = batch.readUInt32LE(at);
    const start = at + BATCH_RECORD_PREFIX;
    if (start + len > batch.length) throw new RecordFormatError('batch ends inside a record');
    const rec = decodeRecord(batch, start, len);
    if (rec) yield rec;
    at = start + ((len + 7) & ~7);
  }
}
