/* SPDX-License-Identifier: MIT */
/*
 * tinytap kernel-to-user event layout: the one definition shared by bpf/ (which writes these
 * records into the ring buffer), native/ (which copies them into batches) and the TypeScript
 * decoder in src/events/decode-records.ts (checked against this file by
 * test/formats/event-layout.test.ts through the offsets the addon reports).
 *
 * Every ring-buffer record starts with struct tt_header; `kind` says which struct follows.
 * All integers are little-endian (x86_64), fields are naturally aligned, and the structs are
 * padded explicitly so that clang -target bpf and the host C++ compiler agree byte for byte.
 * SPEC.md ("Event layout") describes every field; change both together and bump
 * TT_LAYOUT_VERSION.
 */
#ifndef TINYTAP_EVENTS_H
#define TINYTAP_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* 2: connections are sockets (identified by inode, shared across processes), receive flags
 * (peeks, discarded bytes), CLOSE records say whether the socket lives on. Readers still read 1. */
#define TT_LAYOUT_VERSION 2

#define TT_COMM_LEN 16
#define TT_UNIX_PATH_LEN 108
#define TT_ARGS_LEN 2048
/* Bound on the iovec array walked for readv/writev/sendmsg/recvmsg; more is flagged. */
#define TT_MAX_IOV 64
/* Largest payload carried by one DATA record; a bigger syscall payload is split. */
#define TT_CHUNK_MAX 16384
/* sendmmsg/recvmmsg move at most UIO_MAXIOV messages per call: every one is recorded. */
#define TT_MAX_MMSG 1024

enum tt_kind {
	TT_KIND_DATA = 1,  /* payload (or a payload-less marker) of one socket syscall */
	TT_KIND_CONN = 2,  /* a connection was opened, accepted, first seen, or failed to connect */
	TT_KIND_CLOSE = 3, /* close(2) of a tracked socket fd */
	TT_KIND_PROC = 4,  /* a process seen for the first time (or after exec) */
	/* TLS plaintext read at the TLS library's API: a struct tt_data whose `syscall` names the
	 * library call and whose `stream_off` counts the connection's plaintext stream in its
	 * direction, beside the ciphertext one. With conn_id 0 the call could not be joined to a
	 * socket (counted, never guessed). A kind of its own: readers that do not know it pass over
	 * it (SPEC.md §4) instead of mixing plaintext into the ciphertext stream. */
	TT_KIND_TLS_DATA = 5,
	/* A TLS_DATA record written before its socket was known (conn_id 0) is joined to it: a
	 * library with memory BIOs (Node.js) encrypts in SSL_write and sends later, on the same
	 * thread, with the next socket write. */
	TT_KIND_TLS_JOIN = 6,
};

/* Which syscall produced a record. Values are part of the file format (events.syscall). */
enum tt_syscall {
	TT_SYS_READ = 1,
	TT_SYS_WRITE = 2,
	TT_SYS_READV = 3,
	TT_SYS_WRITEV = 4,
	TT_SYS_RECVFROM = 5,
	TT_SYS_SENDTO = 6,
	TT_SYS_RECVMSG = 7,
	TT_SYS_SENDMSG = 8,
	TT_SYS_RECVMMSG = 9,
	TT_SYS_SENDMMSG = 10,
	TT_SYS_SENDFILE = 11,
	TT_SYS_SPLICE = 12,
	TT_SYS_CONNECT = 13,
	TT_SYS_ACCEPT = 14,
	TT_SYS_ACCEPT4 = 15,
	TT_SYS_CLOSE = 16,
	/* Body bytes of a sendfile/splice read from the TCP send path (tcp:tcp_sendmsg_locked). */
	TT_SYS_TCP_SENDMSG = 17,
	/* TLS plaintext, read at the TLS library's API (TT_KIND_TLS_DATA records). */
	TT_SYS_SSL_READ = 18,      /* OpenSSL SSL_read, SSL_read_ex */
	TT_SYS_SSL_WRITE = 19,     /* OpenSSL SSL_write, SSL_write_ex */
	TT_SYS_GNUTLS_RECV = 20,   /* GnuTLS gnutls_record_recv */
	TT_SYS_GNUTLS_SEND = 21,   /* GnuTLS gnutls_record_send, gnutls_record_send2 */
	TT_SYS_GO_TLS_READ = 22,   /* Go crypto/tls (*Conn).Read */
	TT_SYS_GO_TLS_WRITE = 23,  /* Go crypto/tls (*Conn).Write */
};

enum tt_direction {
	TT_DIR_NONE = 0,
	TT_DIR_EGRESS = 1,  /* the process sent these bytes */
	TT_DIR_INGRESS = 2, /* the process received these bytes */
};

/* DATA record flags. */
enum tt_data_flags {
	TT_F_TRUNCATED = 1 << 0,     /* payload cut at --max-payload: ret > captured bytes */
	TT_F_IOV_TRUNCATED = 1 << 1, /* the segment walk stopped before the end (more than TT_MAX_IOV
	                              * segments, or its step bound): the rest is not captured */
	TT_F_ZEROCOPY = 1 << 2,      /* sendfile/splice: body moved inside the kernel, not captured here */
	TT_F_PEER = 1 << 3,          /* `peer` holds the datagram's address (sendto/recvfrom/...msg) */
	TT_F_READ_FAILED = 1 << 4,   /* reading the user buffer failed; data[] is not valid */
	TT_F_LAST = 1 << 5,          /* last record of this syscall's payload */
	TT_F_ERROR = 1 << 6,         /* the syscall failed: ret is -errno; no payload */
	TT_F_BODY_SOURCE = 1 << 7,   /* bytes of a zero-copy send, read on the TCP send path */
};

/*
 * More DATA record flags, in `xflags` (layout 2). Readers see one 16-bit value:
 * flags | xflags << 8.
 */
enum tt_data_xflags {
	/* recv with MSG_PEEK: `ret` bytes at stream_off were looked at and left in the socket.
	 * The stream does not advance and no payload is carried: the bytes come again when read. */
	TT_X_PEEK = 1 << 0,
	/* recv with MSG_TRUNC: the kernel dropped bytes instead of copying them (a stream socket
	 * discards `ret` bytes; a datagram longer than the buffer loses its tail). The stream
	 * advances by `ret`; only what reached the buffer is captured. */
	TT_X_DISCARDED = 1 << 1,
	/* Ciphertext of TLS application data moved inside a TLS library call whose plaintext is
	 * recorded (TT_KIND_TLS_DATA): its bytes are counted (`ret`) but not kept. */
	TT_X_TLS_CIPHER = 1 << 2,
	/* TLS_DATA: joined to the socket the same thread read from just before the library call,
	 * not by a syscall made inside it (a library with memory BIOs, like Node.js's). */
	TT_X_TLS_ADJACENT = 1 << 3,
};

/* The kind of TLS library whose plaintext a TLS_DATA record holds: its aux_fd's low byte. Above
 * it, the library file's number in the session's `tls` meta (0: not known). */
enum tt_tls_lib {
	TT_TLS_OPENSSL = 1,
	TT_TLS_GNUTLS = 2,
	TT_TLS_GO = 3,
};

enum tt_role {
	TT_ROLE_UNKNOWN = 0, /* the socket was already open when recording began */
	TT_ROLE_CLIENT = 1,  /* it was connected (connect()) */
	TT_ROLE_SERVER = 2,  /* it was accepted (accept()) */
};

/*
 * Why a CONN record was written. A connection is one socket: the fds of every process that
 * holds it (inherited across fork, passed over a unix socket, dup'ed) are the same connection.
 */
enum tt_conn_cause {
	TT_CAUSE_FIRST_SEEN = 0,
	TT_CAUSE_CONNECT = 1,
	TT_CAUSE_ACCEPT = 2,
	/* connect() failed. With a new conn_id: it failed at once, nothing follows. With the conn_id
	 * of an earlier CONNECT record: that non-blocking connect failed later (refused, timed out,
	 * or abandoned: the process closed the socket first, error ECANCELED). */
	TT_CAUSE_CONNECT_FAILED = 3,
	/* Another process used a known connection for the first time (fork, SCM_RIGHTS): same
	 * conn_id, this process's pid and fd; role is the connection's. */
	TT_CAUSE_SHARED = 4,
};

/* How a CLOSE record's fd was let go of. */
enum tt_close_how {
	TT_CLOSE_CALL = 0,      /* close() */
	TT_CLOSE_EXIT = 1,      /* the process exited holding it */
	TT_CLOSE_DUP = 2,       /* dup2()/dup3() put another file on the fd */
	TT_CLOSE_RANGE = 3,     /* close_range() */
	TT_CLOSE_RECONNECT = 4, /* a datagram socket was connected to a new peer: a new conn follows */
};

enum tt_close_flags {
	/* Another fd or process still holds the socket: only this holder let go, the connection
	 * goes on. Without it the connection ended. */
	TT_CLOSE_F_STILL_OPEN = 1 << 0,
};

/* PROC record flags. */
enum tt_proc_flags {
	TT_P_ARGS_TRUNCATED = 1 << 0, /* command line longer than TT_ARGS_LEN */
};

/* A socket address. family is AF_INET (2), AF_INET6 (10), AF_UNIX (1) or 0 (none). */
struct tt_addr {
	__u16 family;
	__u16 port;     /* host byte order */
	__u32 scope_id; /* IPv6 scope id */
	__u8 addr[16];  /* IPv4 in the first 4 bytes, network byte order */
};

/* 40 bytes, at the start of every record. */
struct tt_header {
	__u8 kind;     /* enum tt_kind */
	__u8 version;  /* TT_LAYOUT_VERSION */
	__u16 cpu;
	__u32 pid;     /* thread group id: what ps calls the pid */
	__u32 tid;
	__u32 _pad0;
	__u64 ts_ns;   /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	char comm[TT_COMM_LEN];
};

/*
 * One record per chunk of a syscall's payload. A syscall moving more than TT_CHUNK_MAX bytes
 * produces several records with the same ts_ns/tid and increasing chunk_off; the last has
 * TT_F_LAST. A syscall with no captured payload (error, zero-copy) produces one record with
 * chunk_len 0.
 */
struct tt_data {
	struct tt_header h;
	__u64 conn_id;    /* connection identity: unique per recording, never reused */
	__s64 ret;        /* the syscall's return value: bytes moved, or -errno */
	__u64 stream_off; /* offset of this syscall's first byte in the connection's byte stream
	                   * for this direction (bytes counted by ret, captured or not) */
	__u32 chunk_off;  /* offset of data[0] within this syscall's payload */
	__u32 chunk_len;  /* bytes in data[] */
	__s32 fd;
	__s32 aux_fd;     /* sendfile/splice: the input fd; TLS_DATA: enum tt_tls_lib | library number << 8; otherwise -1 */
	__u16 syscall;    /* enum tt_syscall */
	__u8 dir;         /* enum tt_direction */
	__u8 flags;       /* enum tt_data_flags */
	__u16 msg_index;  /* sendmmsg/recvmmsg: which message of the call; else 0 */
	__u16 xflags;     /* enum tt_data_xflags */
	struct tt_addr peer; /* valid with TT_F_PEER */
	__u8 data[];
};

struct tt_conn {
	struct tt_header h;
	__u64 conn_id;
	__u64 ino;       /* the socket's inode number (socket:[ino] in /proc/PID/fd, ss -e): its
	                  * identity, equal for every fd of every process holding it */
	__u64 peer_ino;  /* unix sockets: the peer's inode when it has one (joins the two ends) */
	__s32 fd;
	__s32 error;     /* TT_CAUSE_CONNECT_FAILED: errno */
	__u16 family;    /* AF_INET, AF_INET6, AF_UNIX, ... */
	__u16 type;      /* SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_SEQPACKET 5 */
	__u16 protocol;  /* IPPROTO_TCP 6, IPPROTO_UDP 17, 0 for unix */
	__u8 role;       /* enum tt_role */
	__u8 cause;      /* enum tt_conn_cause */
	struct tt_addr local;
	struct tt_addr remote;
	__u16 local_path_len; /* unix: bytes in local_path (abstract names start with NUL) */
	__u16 peer_path_len;
	__u32 _pad0;
	char local_path[TT_UNIX_PATH_LEN];
	char peer_path[TT_UNIX_PATH_LEN];
};

struct tt_close {
	struct tt_header h;
	__u64 conn_id;
	__s32 fd;
	__u8 how;   /* enum tt_close_how */
	__u8 flags; /* enum tt_close_flags */
	__u16 _pad0;
};

/*
 * TT_KIND_TLS_JOIN: the TLS_DATA record that carried `token` in its stream_off (with conn_id 0)
 * belongs to connection `conn_id`, at plaintext offset `stream_off` of direction `dir`.
 */
struct tt_tls_join {
	struct tt_header h;
	__u64 conn_id;
	__u64 token;
	__u64 stream_off;
	__s32 fd;
	__u8 dir;
	__u8 _pad[3];
};

struct tt_proc {
	struct tt_header h;
	__u64 start_ns;  /* task start time, CLOCK_MONOTONIC: with pid, identifies the process */
	__u64 cgroup_id; /* cgroup v2 id (the inode number of its cgroupfs directory) */
	__u32 ppid;
	__u32 uid;
	__u16 args_len;  /* bytes in args: argv joined by NUL */
	__u16 flags;     /* enum tt_proc_flags */
	__u32 _pad0;
	char args[TT_ARGS_LEN];
};

/* Per-CPU counters in the `stats` map, summed by user space. */
enum tt_stat {
	TT_STAT_DROPPED_RECORDS = 0, /* ring buffer full: records not written */
	TT_STAT_DROPPED_BYTES = 1,   /* payload bytes in those records */
	TT_STAT_DROPPED_EVENTS = 2,  /* syscalls that lost at least one record */
	TT_STAT_READ_FAILURES = 3,   /* bpf_probe_read_user failures */
	TT_STAT_UNTRACKED = 4,       /* socket syscalls not captured: the connection table was full */
	TT_STAT_WALK_TRUNCATED = 5,  /* payloads whose segment walk stopped at its bound (flagged
	                              * TT_F_IOV_TRUNCATED) */
	TT_STAT_UNNAMED_SHARERS = 6, /* sockets used by more processes than a CONN record names */
	TT_STAT_FD_WALK_TRUNCATED = 7, /* exits and close_range() with more fds than are looked at */
	TT_STAT_TLS_UNJOINED = 8,    /* TLS plaintext events no socket could be joined to */
	TT_STAT_TLS_MISMATCH = 9,    /* TLS calls whose socket differed from the session's last one */
	TT_STAT_MAX = 16,
};

#endif
