/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Maps and run configuration shared by every tinytap program. */
#ifndef TINYTAP_MAPS_H
#define TINYTAP_MAPS_H

/*
 * Fixed for a run and set by the loader before load, so the verifier prunes the branches of
 * filters that are off (libbpf-tools habit: const volatile, not a config map).
 */
const volatile __u32 self_tgid = 0;
const volatile __u32 max_payload = 256 * 1024;
const volatile bool filter_pids = false;
const volatile bool filter_comms = false;
const volatile bool filter_ports = false;
const volatile bool capture_sendfile_bodies = true;
const volatile bool capture_tls = true;
/* Wake the drain thread only once this much is waiting: a wakeup per record costs more than
 * the record (the thread also polls every few milliseconds, so nothing waits long). */
const volatile __u64 wakeup_bytes = 512 * 1024;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024); /* resized by the loader (--buffer-size) */
} events SEC(".maps");

enum conn_filter {
	TT_CONN_WANTED = 0,
	TT_CONN_IGNORED = 1,
	TT_CONN_PER_DATAGRAM = 2, /* unconnected UDP under --port: judged by each datagram's peer */
};

/* Where a connection made by connect() is; changed with compare-and-swap (several CPUs and the
 * TCP state tracepoint race to report its outcome, which must be written once). */
enum connect_state {
	TT_CONNECT_NONE = 0,    /* not made by connect(): accepted, or first seen */
	TT_CONNECT_PENDING = 1, /* connect() said EINPROGRESS: the handshake is under way */
	TT_CONNECT_DONE = 2,
	TT_CONNECT_FAILED = 3,  /* its failure was written */
};

/* Processes named per socket by a CONN record (the first, then each sharer). */
#define TT_MAX_SHARERS 4

/*
 * One socket, keyed by its inode number: every fd of every process that holds it is the same
 * connection, with one pair of stream offsets. (A (pid, fd) key split a connection accepted in
 * one process and served in a forked child into two; the struct file pointer is reused by the
 * slab once the socket is gone, and an inode number is not while tinytap watches.)
 */
struct conn_state {
	__u64 conn_id;
	__u64 tx_off;  /* bytes sent so far: stream offset of the next egress byte */
	__u64 rx_off;
	__u64 ptx_off; /* TLS plaintext sent so far (TT_KIND_TLS_DATA offsets) */
	__u64 prx_off;
	__u32 users[TT_MAX_SHARERS]; /* tgids named by a CONN record; 0 = free slot */
	__u32 connect;   /* enum connect_state */
	__u32 announced; /* TT_CONN_PER_DATAGRAM: its CONN record was written */
	__u32 unnamed;   /* a sharer found no free slot: counted once */
	__u8 filter;     /* enum conn_filter: --port decided once per conn (or per datagram) */
	__u8 stream;     /* SOCK_STREAM: only then are zero-length reads an end of stream */
	__u8 role;       /* enum tt_role */
	__u8 tls_plain;  /* its TLS plaintext is recorded: the ciphertext's bytes need not be */
};

/*
 * Not an LRU map: an LRU evicts the entry of a live but idle socket without a word, and its
 * next byte would start a new connection at offset 0. Entries leave when the socket is let go
 * of (close, dup2, close_range, exit of the last holder); a full table is counted
 * (TT_STAT_UNTRACKED) instead.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 131072);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64); /* socket inode number */
	__type(value, struct conn_state);
} conns SEC(".maps");

/*
 * Syscall arguments saved at entry for the exit program, per thread. Payloads are read at exit,
 * where the return value says how many bytes really moved (see SPEC.md "Capture points").
 */
struct call_args {
	__u64 ts_ns;  /* entry time */
	__u64 file;
	__u64 ino;    /* the socket's inode number: the connection's key */
	__u64 buf;    /* buffer, iovec array, msghdr or mmsghdr array (user pointer) */
	__u64 count;  /* buffer length, iovec count or message count */
	__u64 addr;   /* sockaddr (user pointer) of sendto/recvfrom/connect */
	__s32 fd;
	__s32 aux_fd; /* sendfile/splice: the other fd */
	__u32 msg_flags; /* recv*: the flags argument (MSG_PEEK, MSG_TRUNC, MSG_ERRQUEUE) */
	__u16 syscall;
	__u8 dir;
	__u8 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* tid */
	__type(value, struct call_args);
} pending_calls SEC(".maps");

/* --pid and `-- CMD`: processes to capture; grown at fork by the sched_process_fork program. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u8);
} target_pids SEC(".maps");

struct comm_key {
	char comm[TT_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct comm_key);
	__type(value, __u8);
} target_comms SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u16);
	__type(value, __u8);
} target_ports SEC(".maps");

/* Processes whose PROC record was written (tgid -> start time), cleared at exec and exit. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u64);
} seen_procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TT_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

/* Set by the loader at stop: every program returns at once, so the ring can be drained to the
 * last record before the (slow) detach. */
__u32 paused = 0;

/* Conn ids are unique per recording; 0 means "none". */
__u64 next_conn_id = 1;

static __always_inline __u64 wakeup_flags(void)
{
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP
									      : BPF_RB_NO_WAKEUP;
}

static __always_inline void stat_add(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);
	if (v)
		__sync_fetch_and_add(v, n);
}

#endif
