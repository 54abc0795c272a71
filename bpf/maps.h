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

/* A socket fd of one process. */
struct conn_key {
	__u32 tgid;
	__s32 fd;
};

struct conn_state {
	__u64 conn_id;
	__u64 file;    /* struct file * of the fd when the conn was made: a different file means the
	                * fd was reused without a close we saw (dup2, exit, recording started late) */
	__u64 sock;
	__u64 tx_off;  /* bytes sent so far: stream offset of the next egress byte */
	__u64 rx_off;
	__u8 filter;    /* enum conn_filter: --port decided once per conn (or per datagram) */
	__u8 stream;    /* SOCK_STREAM: only then are zero-length reads an end of stream */
	__u8 announced; /* TT_CONN_PER_DATAGRAM: its CONN record was written */
	__u8 _pad[5];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 131072);
	__type(key, struct conn_key);
	__type(value, struct conn_state);
} conns SEC(".maps");

/*
 * Syscall arguments saved at entry for the exit program, per thread. Payloads are read at exit,
 * where the return value says how many bytes really moved (see SPEC.md "Capture points").
 */
struct call_args {
	__u64 ts_ns;  /* entry time */
	__u64 file;
	__u64 buf;    /* buffer, iovec array, msghdr or mmsghdr array (user pointer) */
	__u64 count;  /* buffer length, iovec count or message count */
	__u64 addr;   /* sockaddr (user pointer) of sendto/recvfrom/connect */
	__s32 fd;
	__s32 aux_fd; /* sendfile/splice: the other fd */
	__u16 syscall;
	__u8 dir;
	__u8 _pad[5];
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
