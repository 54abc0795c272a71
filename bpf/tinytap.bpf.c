// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * tinytap's kernel side: socket syscalls of every process, as records in one ring buffer.
 *
 * Hooks are syscall tracepoints (kprobes and fentry are unavailable on the target kernels, see
 * ../shared/PLATFORM.md). Entry programs check that the fd is a socket and that the process
 * passes the filters, and save the arguments per thread; exit programs read the payload, whose
 * length is the return value, and write it as records laid out in formats/tinytap_events.h.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>

#include "tinytap_events.h"
#include "maps.h"
#include "sockets.h"
#include "records.h"
#include "sendfile_body.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define TT_EINTR 4
#define TT_EAGAIN 11
#define TT_EINPROGRESS 115
#define TT_EALREADY 114
#define TT_EISCONN 106
#define TT_ERESTARTSYS 512
#define TT_SOCK_STREAM 1
#define TT_MAX_MMSG 16

/* ---- filters ------------------------------------------------------------------------------ */

static __always_inline bool process_wanted(__u32 tgid)
{
	if (paused || tgid == self_tgid)
		return false;
	if (filter_pids && !bpf_map_lookup_elem(&target_pids, &tgid))
		return false;
	if (filter_comms) {
		struct comm_key k = {};

		/* a thread's own name first (cheap), then its process's: `--comm node` must also
		 * match node's libuv threads */
		bpf_get_current_comm(k.comm, sizeof(k.comm));
		if (!bpf_map_lookup_elem(&target_comms, &k)) {
			struct task_struct *task = (struct task_struct *)bpf_get_current_task();
			__builtin_memset(&k, 0, sizeof(k));
			BPF_CORE_READ_STR_INTO(&k.comm, task, group_leader, comm);
			if (!bpf_map_lookup_elem(&target_comms, &k))
				return false;
		}
	}
	return true;
}

static __always_inline bool ports_wanted(const struct tt_addr *local, const struct tt_addr *remote)
{
	if (!filter_ports)
		return true;
	return bpf_map_lookup_elem(&target_ports, &local->port) ||
	       bpf_map_lookup_elem(&target_ports, &remote->port);
}

/* ---- connections -------------------------------------------------------------------------- */

static __always_inline void fill_conn_record(struct tt_conn *r, struct sock *sk, struct file *file)
{
	r->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	r->type = file_sock_type(file);
	r->protocol = BPF_CORE_READ(sk, sk_protocol);
	r->sock = (__u64)sk;
	if (r->family == TT_AF_INET || r->family == TT_AF_INET6) {
		read_inet_addrs(sk, r->family, &r->local, &r->remote);
	} else if (r->family == TT_AF_UNIX) {
		struct sock *peer = BPF_CORE_READ((struct unix_sock *)sk, peer);

		r->local.family = TT_AF_UNIX;
		r->remote.family = TT_AF_UNIX;
		r->peer_sock = (__u64)peer;
		r->local_path_len = read_unix_path(sk, r->local_path);
		r->peer_path_len = read_unix_path(peer, r->peer_path);
	}
}

/* A CONN record reserved and filled with the socket's side; NULL (counted) if the ring is full. */
static __always_inline struct tt_conn *reserve_conn_record(struct file *file)
{
	struct tt_conn *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);

	if (!r) {
		stat_add(TT_STAT_DROPPED_RECORDS, 1);
		return NULL;
	}
	__builtin_memset(r, 0, sizeof(*r));
	fill_conn_record(r, file_sock(file), file);
	return r;
}

/* Write the CONN record of a connection that passed the filters. */
static __always_inline void announce_conn(const struct conn_state *st, int fd, struct file *file,
					  __u8 role, __u8 cause, __u64 ts)
{
	struct tt_conn *r = reserve_conn_record(file);

	if (!r)
		return;
	fill_header(&r->h, TT_KIND_CONN, ts);
	r->conn_id = st->conn_id;
	r->fd = fd;
	r->role = role;
	r->cause = cause;
	bpf_ringbuf_submit(r, wakeup_flags());
}

/* A new connection for (tgid, fd): a conn id, a conn map entry, and a CONN record. */
static __always_inline struct conn_state *open_conn(__u32 tgid, int fd, struct file *file,
						    __u8 role, __u8 cause, __u64 ts)
{
	struct conn_key key = { .tgid = tgid, .fd = fd };
	struct conn_state st = {};
	struct sock *sk = file_sock(file);
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	st.conn_id = __sync_fetch_and_add(&next_conn_id, 1);
	st.file = (__u64)file;
	st.sock = (__u64)sk;
	st.stream = file_sock_type(file) == TT_SOCK_STREAM;
	if (filter_ports) {
		struct tt_addr local = {}, remote = {};

		if (family == TT_AF_INET || family == TT_AF_INET6)
			read_inet_addrs(sk, family, &local, &remote);
		if (ports_wanted(&local, &remote))
			st.filter = TT_CONN_WANTED;
		/* an unconnected datagram socket talks to many peers: decide per datagram */
		else if (!st.stream && remote.port == 0 && family != TT_AF_UNIX)
			st.filter = TT_CONN_PER_DATAGRAM;
		else
			st.filter = TT_CONN_IGNORED;
	}
	bpf_map_update_elem(&conns, &key, &st, BPF_ANY);
	if (st.filter == TT_CONN_WANTED) {
		/* the process first: its CONN record can then name it the moment it is read */
		emit_proc_once(tgid);
		announce_conn(&st, fd, file, role, cause, ts);
	}
	return bpf_map_lookup_elem(&conns, &key);
}

/* Per-datagram filtering: a datagram to or from a wanted port announces its socket once. */
static __always_inline bool datagram_wanted(struct conn_state *c, const struct tt_addr *peer,
					    int fd, struct file *file, __u64 ts)
{
	if (c->filter != TT_CONN_PER_DATAGRAM)
		return true;
	if (!peer->family || !bpf_map_lookup_elem(&target_ports, &peer->port))
		return false;
	if (!c->announced) {
		c->announced = 1;
		emit_proc_once(bpf_get_current_pid_tgid() >> 32);
		announce_conn(c, fd, file, TT_ROLE_UNKNOWN, TT_CAUSE_FIRST_SEEN, ts);
	}
	return true;
}

/* The connection an fd refers to now; a socket first seen mid-stream gets role "unknown". */
static __always_inline struct conn_state *conn_for(__u32 tgid, int fd, struct file *file, __u64 ts)
{
	struct conn_key key = { .tgid = tgid, .fd = fd };
	struct conn_state *c = bpf_map_lookup_elem(&conns, &key);

	if (c && c->file == (__u64)file)
		return c;
	return open_conn(tgid, fd, file, TT_ROLE_UNKNOWN, TT_CAUSE_FIRST_SEEN, ts);
}

/* connect() failed: a CONN record with the errno and the address it tried, no conn entry. */
static __always_inline void emit_connect_failed(int fd, struct file *file, __u64 uaddr, long err,
						__u64 ts)
{
	struct tt_conn *r = reserve_conn_record(file);

	if (!r)
		return;
	if (r->family == TT_AF_UNIX)
		r->peer_path_len = read_user_unix_path(uaddr, r->peer_path);
	else
		read_user_sockaddr(uaddr, &r->remote);
	if (!ports_wanted(&r->local, &r->remote)) {
		bpf_ringbuf_discard(r, 0);
		return;
	}
	fill_header(&r->h, TT_KIND_CONN, ts);
	r->conn_id = __sync_fetch_and_add(&next_conn_id, 1);
	r->fd = fd;
	r->error = (__s32)err;
	r->role = TT_ROLE_CLIENT;
	r->cause = TT_CAUSE_CONNECT_FAILED;
	bpf_ringbuf_submit(r, wakeup_flags());
}

/* ---- data syscalls ------------------------------------------------------------------------ */

/* Save a call's arguments for its exit; returns the socket's file, or NULL if not a socket. */
static __always_inline struct file *enter_io(__u16 syscall, __u8 dir, int fd, __u64 buf, __u64 count,
					     __u64 addr, int aux_fd)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct call_args a = {};
	struct file *file;

	if (!process_wanted(id >> 32))
		return NULL;
	file = socket_file(fd);
	if (!file)
		return NULL;
	a.ts_ns = bpf_ktime_get_ns();
	a.file = (__u64)file;
	a.buf = buf;
	a.count = count;
	a.addr = addr;
	a.fd = fd;
	a.aux_fd = aux_fd;
	a.syscall = syscall;
	a.dir = dir;
	bpf_map_update_elem(&pending_calls, &tid, &a, BPF_ANY);
	return file;
}

/* A zero-copy send to a socket starts: its body may be read on the TCP send path. */
static __always_inline int enter_zerocopy(__u16 syscall, int out_fd, int in_fd, __u64 count)
{
	struct file *file = enter_io(syscall, TT_DIR_EGRESS, out_fd, 0, count, 0, in_fd);
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (file && capture_sendfile_bodies)
		zc_begin(conn_for(tgid, out_fd, file, bpf_ktime_get_ns()), file, out_fd);
	return 0;
}

/*
 * A call's arguments, from the user registers the kernel saved at entry. This also serves a
 * call that was already blocked when recording began (a server idle in read or recvfrom), so
 * its first message is not lost.
 */
static __always_inline bool recover_call(struct call_args *a, __u16 syscall, __u8 dir)
{
	struct pt_regs *regs;
	struct {
		__u64 r10, r8, dx, si, di;
	} saved;
	struct file *file;

	/* every exit without an entry comes here (file reads too): cheapest tests first */
	if (!process_wanted(bpf_get_current_pid_tgid() >> 32))
		return false;
	/* a BTF pointer: plain loads, no helper call */
	regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	saved.di = regs->di;
	saved.si = regs->si;
	saved.dx = regs->dx;
	saved.r10 = regs->r10;
	saved.r8 = regs->r8;
	/* x86_64 syscall arguments: di, si, dx, r10, r8, r9; the kernel does not change them */
	a->fd = saved.di;
	a->dir = dir;
	a->aux_fd = -1;
	/* splice (fd_in, off_in, fd_out, off_out, len): egress if fd_out is the socket */
	if (syscall == TT_SYS_SPLICE) {
		file = socket_file(saved.dx);
		if (file) {
			a->fd = saved.dx;
			a->aux_fd = saved.di;
			a->dir = TT_DIR_EGRESS;
		} else {
			file = socket_file(saved.di);
			a->aux_fd = saved.dx;
			a->dir = TT_DIR_INGRESS;
		}
	} else {
		file = socket_file(a->fd);
	}
	if (!file)
		return false;
	a->file = (__u64)file;
	a->ts_ns = bpf_ktime_get_ns();
	a->syscall = syscall;
	a->buf = saved.si;
	a->count = saved.dx;
	a->addr = 0;
	switch (syscall) {
	case TT_SYS_RECVFROM:
	case TT_SYS_SENDTO:
		a->addr = saved.r8;
		break;
	case TT_SYS_SENDFILE:
		a->aux_fd = saved.si;
		a->buf = 0;
		a->count = saved.r10;
		break;
	case TT_SYS_SPLICE:
		a->buf = 0;
		a->count = saved.r8;
		break;
	case TT_SYS_CONNECT:
		a->addr = saved.si;
		a->buf = 0;
		break;
	}
	return true;
}

/*
 * The arguments of the call now returning. Data syscalls have no entry program: their
 * arguments are read back from the saved registers, which saves a program run and two map
 * updates per call. sendfile, splice and connect keep an entry program (sendfile and splice
 * for the TCP send path's body capture, connect for the time the connection began).
 */
static __always_inline bool take_call(struct call_args *a, __u16 syscall, __u8 dir)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct call_args *p;

	if (syscall != TT_SYS_SENDFILE && syscall != TT_SYS_SPLICE && syscall != TT_SYS_CONNECT)
		return recover_call(a, syscall, dir);
	p = bpf_map_lookup_elem(&pending_calls, &tid);

	if (!p)
		return recover_call(a, syscall, dir);
	__builtin_memcpy(a, p, sizeof(*a));
	bpf_map_delete_elem(&pending_calls, &tid);
	return true;
}

/* Results that carry nothing worth recording: a non-blocking socket with nothing to do. */
static __always_inline bool ret_is_noise(long ret, __u8 dir)
{
	return ret == -TT_EAGAIN || ret == -TT_EINTR || ret == -TT_ERESTARTSYS ||
	       (ret == 0 && dir == TT_DIR_EGRESS);
}

static __always_inline void start_walk(struct payload_walk *w, const struct call_args *a,
				       struct conn_state *c, long ret, __u64 ts)
{
	fill_header(&w->tmpl.h, TT_KIND_DATA, ts);
	w->tmpl.conn_id = c->conn_id;
	w->tmpl.ret = ret;
	w->tmpl.fd = a->fd;
	w->tmpl.aux_fd = a->aux_fd;
	w->tmpl.syscall = a->syscall;
	w->tmpl.dir = a->dir;
	if (ret < 0) {
		w->tmpl.flags |= TT_F_ERROR;
		w->tmpl.stream_off = a->dir == TT_DIR_EGRESS ? c->tx_off : c->rx_off;
	} else {
		/* atomic: two threads may write one socket */
		w->tmpl.stream_off = __sync_fetch_and_add(
			a->dir == TT_DIR_EGRESS ? &c->tx_off : &c->rx_off, (__u64)ret);
	}
}

/* Datagram addresses only: a stream socket ignores (and never fills) the address arguments. */
static __always_inline void set_peer(struct payload_walk *w, struct conn_state *c, __u64 uaddr)
{
	if (c->stream || !uaddr)
		return;
	read_user_sockaddr(uaddr, &w->tmpl.peer);
	if (w->tmpl.peer.family)
		w->tmpl.flags |= TT_F_PEER;
}

static __always_inline int exit_io(long ret, __u16 syscall, __u8 dir)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	struct payload_walk w = {};
	struct call_args a;
	struct conn_state *c;
	__u64 ts, iov = 0;

	if (paused || ret == -TT_EAGAIN || !take_call(&a, syscall, dir) || ret_is_noise(ret, a.dir))
		return 0;
	/* stamped when the call returns: the bytes were handed to, or taken from, the kernel */
	ts = a.ts_ns;
	c = conn_for(tgid, a.fd, (struct file *)a.file, ts);
	if (!c || c->filter == TT_CONN_IGNORED)
		return 0;
	switch (a.syscall) {
	case TT_SYS_READ:
	case TT_SYS_WRITE:
		break;
	case TT_SYS_RECVFROM:
	case TT_SYS_SENDTO:
		set_peer(&w, c, a.addr);
		break;
	case TT_SYS_READV:
	case TT_SYS_WRITEV:
		iov = a.buf;
		break;
	case TT_SYS_RECVMSG:
	case TT_SYS_SENDMSG: {
		struct user_msghdr msg = {};

		bpf_probe_read_user(&msg, sizeof(msg), (void *)a.buf);
		if (msg.msg_namelen > 0)
			set_peer(&w, c, (__u64)msg.msg_name);
		iov = (__u64)msg.msg_iov;
		a.count = msg.msg_iovlen;
		break;
	}
	default: /* sendfile, splice: the bytes moved inside the kernel */
		w.tmpl.flags |= TT_F_ZEROCOPY;
		break;
	}
	if (!datagram_wanted(c, &w.tmpl.peer, a.fd, (struct file *)a.file, ts))
		return 0;
	emit_proc_once(tgid);
	start_walk(&w, &a, c, ret, ts);
	if (ret < 0 || (w.tmpl.flags & TT_F_ZEROCOPY)) {
		emit_marker(&w);
		return 0;
	}
	/* one call site: each bpf_loop site costs the verifier a full walk of its callback */
	emit_payload(&w, iov ? 0 : a.buf, iov, a.count, ret);
	return 0;
}

/*
 * sendmmsg/recvmmsg return a message count; each message becomes its own event (msg_index) with
 * its own length (msg_len), as if sent by sendmsg/recvmsg.
 */
struct mmsg_walk {
	struct call_args a;
	struct conn_state *c;
	__u64 ts;
	long count;
};

static long mmsg_step(__u32 index, void *ctx)
{
	struct mmsg_walk *m = ctx;
	struct payload_walk w = {};
	struct mmsghdr h = {};

	if (index >= m->count)
		return 1;
	if (bpf_probe_read_user(&h, sizeof(h), (void *)(m->a.buf + (__u64)index * sizeof(h))))
		return 1;
	if (h.msg_hdr.msg_namelen > 0)
		set_peer(&w, m->c, (__u64)h.msg_hdr.msg_name);
	if (!datagram_wanted(m->c, &w.tmpl.peer, m->a.fd, (struct file *)m->a.file, m->ts))
		return 0;
	start_walk(&w, &m->a, m->c, h.msg_len, m->ts);
	w.tmpl.msg_index = index;
	emit_payload(&w, 0, (__u64)h.msg_hdr.msg_iov, h.msg_hdr.msg_iovlen, h.msg_len);
	return 0;
}

static __always_inline int exit_mmsg(long ret, __u16 syscall, __u8 dir)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct mmsg_walk m = {};

	if (paused || ret == -TT_EAGAIN || !take_call(&m.a, syscall, dir) || ret_is_noise(ret, m.a.dir) || ret == 0)
		return 0;
	m.ts = m.a.ts_ns;
	m.c = conn_for(tgid, m.a.fd, (struct file *)m.a.file, m.ts);
	if (!m.c || m.c->filter == TT_CONN_IGNORED)
		return 0;
	emit_proc_once(tgid);
	if (ret < 0) {
		struct payload_walk w = {};
		start_walk(&w, &m.a, m.c, ret, m.ts);
		emit_marker(&w);
		return 0;
	}
	m.count = ret > TT_MAX_MMSG ? TT_MAX_MMSG : ret;
	bpf_loop(TT_MAX_MMSG, mmsg_step, &m, 0);
	return 0;
}

#define ARG(n) (ctx->args[n])

SEC("tracepoint/syscalls/sys_exit_read")
int exit_read(struct trace_event_raw_sys_exit *ctx)
{
	return exit_io(ctx->ret, TT_SYS_READ, TT_DIR_INGRESS);
}

SEC("tracepoint/syscalls/sys_exit_write")
int exit_write(struct trace_event_raw_sys_exit *ctx)
{
	return exit_io(ctx->ret, TT_SYS_WRITE, TT_DIR_EGRESS);
}

SEC("tracepoint/syscalls/sys_exit_readv")
int exit_readv(struct trace_event_raw_sys_exit *ctx)
{
	return exit_io(ctx->ret, TT_SYS_READV, TT_DIR_INGRESS);
}

SEC("tracepoint/syscalls/sys_exit_writev")
int exit_writev(struct trace_event_raw_sys_exit *ctx)
{
	return exit_io(ctx->ret, TT_SYS_WRITEV, TT_DIR_EGRESS);
}

SEC("tracepoint/syscalls/sys_exit_recvfrom")
int exit_recvfrom(struct trace_event_raw_sys_exit *ctx)
{
	return exit_io(ctx->ret, TT_SYS_RECVFROM, TT_DIR_INGRESS);
}

SEC("tracepoint/syscalls/sys_exit_sendto")
int exit_sendto(struct trace_event_raw_sys_exit *ctx)
{
	return exit_io(ctx->ret, TT_SYS_SENDTO, TT_DIR_EGRESS);
}

SEC("tracepoint/syscalls/sys_exit_recvmsg")
int exit_recvmsg(struct trace_event_raw_sys_exit *ctx)
{
	return exit_io(ctx->ret, TT_SYS_RECVMSG, TT_DIR_INGRESS);
}

SEC("tracepoint/syscalls/sys_exit_sendmsg")
int exit_sendmsg(struct trace_event_raw_sys_exit *ctx)
{
	return exit_io(ctx->ret, TT_SYS_SENDMSG, TT_DIR_EGRESS);
}

SEC("tracepoint/syscalls/sys_exit_recvmmsg")
int exit_recvmmsg(struct trace_event_raw_sys_exit *ctx)
{
	return exit_mmsg(ctx->ret, TT_SYS_RECVMMSG, TT_DIR_INGRESS);
}

SEC("tracepoint/syscalls/sys_exit_sendmmsg")
int exit_sendmmsg(struct trace_event_raw_sys_exit *ctx)
{
	return exit_mmsg(ctx->ret, TT_SYS_SENDMMSG, TT_DIR_EGRESS);
}

SEC("tracepoint/syscalls/sys_enter_sendfile64")
int enter_sendfile(struct trace_event_raw_sys_enter *ctx)
{
	return enter_zerocopy(TT_SYS_SENDFILE, ARG(0), ARG(1), ARG(3));
}

SEC("tracepoint/syscalls/sys_exit_sendfile64")
int exit_sendfile(struct trace_event_raw_sys_exit *ctx)
{
	zc_end();
	return exit_io(ctx->ret, TT_SYS_SENDFILE, TT_DIR_EGRESS);
}

SEC("tracepoint/syscalls/sys_enter_splice")
int enter_splice(struct trace_event_raw_sys_enter *ctx)
{
	int fd_in = ARG(0), fd_out = ARG(2);

	/* splice always has a pipe on one side; the socket, if any, is the other */
	if (socket_file(fd_out))
		return enter_zerocopy(TT_SYS_SPLICE, fd_out, fd_in, ARG(4));
	enter_io(TT_SYS_SPLICE, TT_DIR_INGRESS, fd_in, 0, ARG(4), 0, fd_out);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_splice")
int exit_splice(struct trace_event_raw_sys_exit *ctx)
{
	zc_end();
	return exit_io(ctx->ret, TT_SYS_SPLICE, TT_DIR_NONE);
}

/* ---- connection lifecycle ----------------------------------------------------------------- */

SEC("tracepoint/syscalls/sys_enter_connect")
int enter_connect(struct trace_event_raw_sys_enter *ctx)
{
	enter_io(TT_SYS_CONNECT, TT_DIR_NONE, ARG(0), 0, 0, ARG(1), -1);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_connect")
int exit_connect(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	long ret = ctx->ret;
	struct call_args a;

	if (paused || !take_call(&a, TT_SYS_CONNECT, TT_DIR_NONE))
		return 0;
	/* a non-blocking connect is under way (EINPROGRESS) with both addresses already bound */
	if (ret == 0 || ret == -TT_EINPROGRESS) {
		struct conn_state *c = open_conn(tgid, a.fd, (struct file *)a.file, TT_ROLE_CLIENT,
						 TT_CAUSE_CONNECT, a.ts_ns);
		if (c && c->filter == TT_CONN_WANTED)
			emit_proc_once(tgid);
	} else if (ret != -TT_EINTR && ret != -TT_EALREADY && ret != -TT_EISCONN &&
		   ret != -TT_EAGAIN && ret != -TT_ERESTARTSYS) {
		emit_connect_failed(a.fd, (struct file *)a.file, a.addr, -ret, a.ts_ns);
		emit_proc_once(tgid);
	}
	return 0;
}

static __always_inline int exit_accept(long ret)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct conn_state *c;
	struct file *file;

	if (ret < 0 || !process_wanted(tgid))
		return 0;
	file = fd_to_file(ret);
	if (!file)
		return 0;
	c = open_conn(tgid, ret, file, TT_ROLE_SERVER, TT_CAUSE_ACCEPT, bpf_ktime_get_ns());
	if (c && c->filter == TT_CONN_WANTED)
		emit_proc_once(tgid);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept")
int exit_accept_(struct trace_event_raw_sys_exit *ctx)
{
	return exit_accept(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int exit_accept4(struct trace_event_raw_sys_exit *ctx)
{
	return exit_accept(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_close")
int enter_close(struct trace_event_raw_sys_enter *ctx)
{
	struct conn_key key = { .tgid = bpf_get_current_pid_tgid() >> 32, .fd = ARG(0) };
	struct conn_state *c = bpf_map_lookup_elem(&conns, &key);

	if (!c || paused)
		return 0;
	if (c->filter == TT_CONN_WANTED || c->announced)
		emit_close(c->conn_id, key.fd);
	bpf_map_delete_elem(&conns, &key);
	return 0;
}

/* ---- processes ---------------------------------------------------------------------------- */

/* `-- CMD` and --pid follow children: a fork of a captured process is captured. */
SEC("raw_tracepoint/sched_process_fork")
int on_fork(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *parent = (struct task_struct *)ctx->args[0];
	struct task_struct *child = (struct task_struct *)ctx->args[1];
	__u32 ptgid, ctgid;
	__u8 one = 1;

	if (!filter_pids)
		return 0;
	ptgid = BPF_CORE_READ(parent, tgid);
	if (!bpf_map_lookup_elem(&target_pids, &ptgid))
		return 0;
	ctgid = BPF_CORE_READ(child, tgid);
	bpf_map_update_elem(&target_pids, &ctgid, &one, BPF_ANY);
	return 0;
}

/* After exec the process has a new command line: write a fresh PROC record on next sight. */
SEC("raw_tracepoint/sched_process_exec")
int on_exec(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	bpf_map_delete_elem(&seen_procs, &tgid);
	return 0;
}

/* When the whole process is gone its pid may be reused by an unrelated one: forget it. */
SEC("raw_tracepoint/sched_process_exit")
int on_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = (struct task_struct *)ctx->args[0];
	__u32 tgid;

	/* signal->live was decremented before this tracepoint; 0 means the last thread exits */
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	tgid = BPF_CORE_READ(task, tgid);
	bpf_map_delete_elem(&seen_procs, &tgid);
	if (filter_pids)
		bpf_map_delete_elem(&target_pids, &tgid);
	return 0;
}
