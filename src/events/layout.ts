/**
 * The kernel-to-user record layout of formats/tinytap_events.h, as the TypeScript decoder reads
 * it. test/formats/event-layout.test.ts compares every number here with the offsets the addon
 * was compiled with, so the two cannot drift apart silently.
 */
/** The layout this code writes; it reads every version from 1 up to it (SPEC.md §4). */
export const LAYOUT_VERSION = 2;

export const COMM_LEN = 16;
export const UNIX_PATH_LEN = 108;
export const ARGS_LEN = 2048;
export const MAX_IOV = 64;
export const CHUNK_MAX = 16384;
export const MAX_MMSG = 1024;

export const Kind = { DATA: 1, CONN: 2, CLOSE: 3, PROC: 4, TLS_DATA: 5, TLS_JOIN: 6 } as const;

/** enum tt_syscall: also the values of events.syscall in the session file. */
export const Syscall = {
  READ: 1,
  WRITE: 2,
  READV: 3,
  WRITEV: 4,
  RECVFROM: 5,
  SENDTO: 6,
  RECVMSG: 7,
  SENDMSG: 8,
  RECVMMSG: 9,
  SENDMMSG: 10,
  SENDFILE: 11,
  SPLICE: 12,
  CONNECT: 13,
  ACCEPT: 14,
  ACCEPT4: 15,
  CLOSE: 16,
  TCP_SENDMSG: 17,
  SSL_READ: 18,
  SSL_WRITE: 19,
  GNUTLS_RECV: 20,
  GNUTLS_SEND: 21,
  GO_TLS_READ: 22,
  GO_TLS_WRITE: 23,
} as const;

export const SYSCALL_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(Syscall).map(([name, value]) => [value, name.toLowerCase()]),
);

export const Direction = { NONE: 0, EGRESS: 1, INGRESS: 2 } as const;

/** The record's `flags` byte (enum tt_data_flags). */
export const DataFlag = {
  TRUNCATED: 1 << 0,
  IOV_TRUNCATED: 1 << 1,
  ZEROCOPY: 1 << 2,
  PEER: 1 << 3,
  READ_FAILED: 1 << 4,
  LAST: 1 << 5,
  ERROR: 1 << 6,
  BODY_SOURCE: 1 << 7,
} as const;

/** The record's `xflags` (enum tt_data_xflags). */
export const DataXFlag = { PEEK: 1 << 0, DISCARDED: 1 << 1, TLS_CIPHER: 1 << 2, TLS_ADJACENT: 1 << 3 } as const;

/**
 * A DATA record's flags as readers see them: one value, `flags | xflags << 8` (SPEC.md §2.8).
 * Bits from 16 up are the readers' own (event-reader.ts).
 */
export const EventFlag = {
  ...DataFlag,
  PEEK: DataXFlag.PEEK << 8,
  DISCARDED: DataXFlag.DISCARDED << 8,
  TLS_CIPHER: DataXFlag.TLS_CIPHER << 8,
  TLS_ADJACENT: DataXFlag.TLS_ADJACENT << 8,
} as const;

/** The TLS library of a TLS_DATA record (its `aux_fd`; bpf/tls_calls.h enum tt_tls_lib). */
export const TlsLib = { OPENSSL: 1, GNUTLS: 2, GO: 3 } as const;
export const TLS_LIB_NAMES: Record<number, string> = { 1: 'openssl', 2: 'gnutls', 3: 'go crypto/tls' };

export const Role = { UNKNOWN: 0, CLIENT: 1, SERVER: 2 } as const;
export const ConnCause = { FIRST_SEEN: 0, CONNECT: 1, ACCEPT: 2, CONNECT_FAILED: 3, SHARED: 4 } as const;
/** enum tt_close_how: how a CLOSE record's fd was let go of. */
export const CloseHow = { CALL: 0, EXIT: 1, DUP: 2, RANGE: 3, RECONNECT: 4 } as const;
export const CloseFlag = { STILL_OPEN: 1 << 0 } as const;
export const ProcFlag = { ARGS_TRUNCATED: 1 << 0 } as const;

export const Stat = {
  DROPPED_RECORDS: 0,
  DROPPED_BYTES: 1,
  DROPPED_EVENTS: 2,
  READ_FAILURES: 3,
  UNTRACKED: 4,
  WALK_TRUNCATED: 5,
  UNNAMED_SHARERS: 6,
  FD_WALK_TRUNCATED: 7,
  TLS_UNJOINED: 8,
  TLS_MISMATCH: 9,
  MAX: 16,
} as const;

export const AddrLayout = { size: 24, family: 0, port: 2, scopeId: 4, addr: 8 } as const;

export const HeaderLayout = {
  size: 40,
  kind: 0,
  version: 1,
  cpu: 2,
  pid: 4,
  tid: 8,
  tsNs: 16,
  comm: 24,
} as const;

export const DataLayout = {
  size: 112,
  connId: 40,
  ret: 48,
  streamOff: 56,
  chunkOff: 64,
  chunkLen: 68,
  fd: 72,
  auxFd: 76,
  syscall: 80,
  dir: 82,
  flags: 83,
  msgIndex: 84,
  xflags: 86,
  peer: 88,
  data: 112,
} as const;

export const ConnLayout = {
  size: 352,
  connId: 40,
  ino: 48,
  peerIno: 56,
  fd: 64,
  error: 68,
  family: 72,
  type: 74,
  protocol: 76,
  role: 78,
  cause: 79,
  local: 80,
  remote: 104,
  localPathLen: 128,
  peerPathLen: 130,
  localPath: 136,
  peerPath: 244,
} as const;

export const CloseLayout = { size: 56, connId: 40, fd: 48, how: 52, flags: 53 } as const;

export const TlsJoinLayout = { size: 72, connId: 40, token: 48, streamOff: 56, fd: 64, dir: 68 } as const;

export const ProcLayout = {
  size: 2120,
  startNs: 40,
  cgroupId: 48,
  ppid: 56,
  uid: 60,
  argsLen: 64,
  flags: 66,
  args: 72,
} as const;

/** Each record in a batch from the addon: u32 length, 4 bytes padding, record, padded to 8. */
export const BATCH_RECORD_PREFIX = 8;
