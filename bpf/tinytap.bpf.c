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
#include "tls_calls.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define TT_EINTR 4
#define TT_EAGAIN 11
#define TT_EINPROGRESS 115
#define TT_EALREADY 114
#define TT_EISCONN 106
#define TT_ECANCELED 125
#define TT_ERESTARTSYS 512
#define TT_SOCK_STREAM 1
#define TT_IPPROTO_TCP 6
#define TT_IPPROTO_UDP 17
#define TT_MSG_PEEK 0x2
#define TT_MSG_TRUNC 0x20
#define TT_MSG_ERRQUEUE 0x2000
#define TT_TCP_ESTABLISHED 1
#define TT_TCP_SYN_SENT 2
#define TT_TCP_CLOSE 7
#define TT_CLOSE_RANGE_CLOEXEC (1U << 2)
/* fds looked at when a process exits or calls close_range(); beyond, counted */
#define TT_FD_WALK_MAX 65536

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

/*
 * Sockets tinytap records: TCP and UDP over IPv4/IPv6, and unix sockets. Netlink, packet,
 * ICMP ("ping") and other sockets are not traffic between programs, and labelling them tcp or
 * udp would be untrue.
 */
static __always_inline bool socket_recorded(struct sock *sk, __u16 family)
{
	__u16 proto;

	if (family == TT_AF_UNIX)
		return true;
	if (family != TT_AF_INET && family != TT_AF_INET6)
		return false;
	proto = BPF_CORE_READ(sk, sk_protocol);
	return proto == TT_IPPROTO_TCP || proto == TT_IPPROTO_UDP;
}

/* ---- connections -------------------------------------------------------------------------- */

static __always_inline void fill_conn_record(struct tt_conn *r, struct sock *sk, __u16 type, __u64 ino)
{
	r->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	r->type = type;
	r->protocol = BPF_CORE_READ(sk, sk_protocol);
	r->ino = ino;
	if (r->family == TT_AF_INET || r->family == TT_AF_INET6) {
		read_inet_addrs(sk, r->family, &r->local, &r->remote);
	} else if (r->family == TT_AF_UNIX) {
		struct sock *peer = BPF_CORE_READ((struct unix_sock *)sk, peer);

		r->local.family = TT_AF_UNIX;
		r->remote.family = TT_AF_UNIX;
		/* an accepting server's embryo has no file yet: the accepted end names the client */
		r->peer_ino = sock_ino(peer);
		r->local_path_len = read_unix_path(sk, r->local_path);
		r->peer_path_len = read_unix_path(peer, r->peer_path);
	}
}

/* A CONN record reserved and filled with the socket's side; NULL (counted) if the ring is full. */
static __always_inline struct tt_conn *reserve_conn_record(struct sock *sk, __u16 type, __u64 ino)
{
	struct tt_conn *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);

	if (!r) {
		stat_add(TT_STAT_DROPPED_RECORDS, 1);
		return NULL;
	}
	__builtin_memset(r, 0, sizeof(*r));
	fill_conn_record(r, sk, type, ino);
	return r;
}

/* Write a CONN record for a connection that passed the filters. */
static __always_inline void announce_conn(const struct conn_state *st, int fd, const struct sock_ref *ref,
					  __u8 cause, __u64 ts)
{
	struct tt_conn *r = reserve_conn_record(file_sock(ref->file), file_sock_type(ref->file), ref->ino);

	if (!r)
		return;
	fill_header(&r->h, TT_KIND_CONN, ts);
	r->conn_id = st->conn_id;
	r->fd = fd;
	r->role = st->role;
	r->cause = cause;
	bpf_ringbuf_submit(r, wakeup_flags());
}

static __always_inline bool conn_recorded(const struct conn_state *c)
{
	return c->filter == TT_CONN_WANTED || c->announced;
}

/*
 * A new connection for the socket `ref`: a conn id, its entry, and a CONN record. `update` is
 * BPF_ANY where the socket starts a new connection whatever was there (connect, accept),
 * BPF_NOEXIST for a socket first seen (another CPU may have just made its entry: that one
 * stands).
 */
static __always_inline struct conn_state *open_conn(__u32 tgid, int fd, const struct sock_ref *ref,
						    __u8 role, __u8 cause, __u32 connect, __u64 ts, __u64 update)
{
	struct conn_state st = {};
	struct sock *sk = file_sock(ref->file);
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	long err;

	st.conn_id = __sync_fetch_and_add(&next_conn_id, 1);
	st.stream = file_sock_type(ref->file) == TT_SOCK_STREAM;
	st.role = role;
	st.connect = connect;
	st.users[0] = tgid;
	if (!socket_recorded(sk, family)) {
		st.filter = TT_CONN_IGNORED;
	} else if (filter_ports) {
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
	err = bpf_map_update_elem(&conns, &ref->ino, &st, update);
	if (err == -17 /* EEXIST */)
		return bpf_map_lookup_elem(&conns, &ref->ino);
	if (err) {
		stat_add(TT_STAT_UNTRACKED, 1);
		return NULL;
	}
	if (st.filter == TT_CONN_WANTED) {
		/* the process first: its CONN record can then name it the moment it is read */
		emit_proc_once(tgid);
		announce_conn(&st, fd, ref, cause, ts);
	}
	return bpf_map_lookup_elem(&conns, &ref->ino);
}

/*
 * A process using a known connection for the first time (it inherited the socket across fork,
 * or was passed it over a unix socket) is named by a CONN record of its own (TT_CAUSE_SHARED):
 * the offsets go on, only the process is new.
 */
static __always_inline void note_sharer(struct conn_state *c, __u32 tgid, int fd, const struct sock_ref *ref,
					__u64 ts)
{
	int i;

	if (c->users[0] == tgid)
		return;
	for (i = 1; i < TT_MAX_SHARERS; i++) {
		__u32 u = c->users[i];

		if (u == tgid)
			return;
		if (u != 0)
			continue;
		if (__sync_val_compare_and_swap(&c->users[i], 0, tgid) != 0) {
			/* another thread took the slot: if it was one of ours, it names us */
			if (c->users[i] == tgid)
				return;
			continue;
		}
		if (conn_recorded(c)) {
			emit_proc_once(tgid);
			announce_conn(c, fd, ref, TT_CAUSE_SHARED, ts);
		}
		return;
	}
	if (__sync_val_compare_and_swap(&c->unnamed, 0, 1) == 0)
		stat_add(TT_STAT_UNNAMED_SHARERS, 1);
}

/* Per-datagram filtering: a datagram to or from a wanted port announces its socket once. */
static __always_inline bool datagram_wanted(struct conn_state *c, const struct tt_addr *peer, int fd,
					    const struct sock_ref *ref, __u64 ts)
{
	if (c->filter != TT_CONN_PER_DATAGRAM)
		return true;
	if (!peer->family || !bpf_map_lookup_elem(&target_ports, &peer->port))
		return false;
	/* once, though two CPUs may get here together */
	if (__sync_val_compare_and_swap(&c->announced, 0, 1) == 0) {
		emit_proc_once(bpf_get_current_pid_tgid() >> 32);
		announce_conn(c, fd, ref, TT_CAUSE_FIRST_SEEN, ts);
	}
	return true;
}

/* The connection of a socket; one first seen mid-stream gets role "unknown". */
static __always_inline struct conn_state *conn_for(__u32 tgid, int fd, const struct sock_ref *ref, __u64 ts)
{
	struct conn_state *c = bpf_map_lookup_elem(&conns, &ref->ino);

	if (!c)
		return open_conn(tgid, fd, ref, TT_ROLE_UNKNOWN, TT_CAUSE_FIRST_SEEN, TT_CONNECT_NONE, ts,
				 BPF_NOEXIST);
	note_sharer(c, tgid, fd, ref, ts);
	return c;
}

/* connect() failed at once: a CONN record with the errno and the address it tried, no entry. */
static __always_inline void emit_connect_failed(int fd, const struct sock_ref *ref, __u64 uaddr,
						__u64 addrlen, long err, __u64 ts)
{
	struct tt_conn *r = reserve_conn_record(file_sock(ref->file), file_sock_type(ref->file), ref->ino);

	if (!r)
		return;
	if (r->family == TT_AF_UNIX)
		r->peer_path_len = read_user_unix_path(uaddr, addrlen, r->peer_path);
	else
		read_user_sockaddr(uaddr, &r->remote);
	if (!ports_wanted(&r->local, &r->remote) || !socket_recorded(file_sock(ref->file), r->family)) {
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

/*
 * A non-blocking connect (EINPROGRESS) failed later: the CONN record of its failure takes the
 * connection's own id, and is written once whoever notices first (the second connect(), the
 * TCP state change, the close that abandons it). `owner` (not the current task: the TCP state
 * changes in softirq context, on any CPU) names the process that connected.
 */
static __always_inline void fail_pending_connect(struct conn_state *c, struct sock *sk, __u64 ino, long err,
						 __u32 owner, __u64 ts)
{
	struct socket *so;
	struct tt_conn *r;

	if (__sync_val_compare_and_swap(&c->connect, TT_CONNECT_PENDING, TT_CONNECT_FAILED) !=
	    TT_CONNECT_PENDING)
		return;
	if (!conn_recorded(c))
		return;
	so = BPF_CORE_READ(sk, sk_socket);
	r = reserve_conn_record(sk, so ? (__u16)BPF_CORE_READ(so, type) : TT_SOCK_STREAM, ino);
	if (!r)
		return;
	fill_header(&r->h, TT_KIND_CONN, ts);
	if (owner) {
		r->h.pid = owner;
		r->h.tid = owner;
		__builtin_memset(r->h.comm, 0, sizeof(r->h.comm));
	}
	r->conn_id = c->conn_id;
	r->error = (__s32)err;
	r->role = TT_ROLE_CLIENT;
	r->cause = TT_CAUSE_CONNECT_FAILED;
	bpf_ringbuf_submit(r, wakeup_flags());
}

/*
 * An fd lets go of a socket. When it held the last reference the connection ends (a CLOSE
 * record, the entry removed); otherwise another fd or process goes on with it and the CLOSE
 * record says so.
 */
static __always_inline void release(const struct sock_ref *ref, int fd, __u8 how, bool last)
{
	struct conn_state *c = bpf_map_lookup_elem(&conns, &ref->ino);

	if (!c)
		return;
	if (!last) {
		if (conn_recorded(c))
			emit_close(c->conn_id, fd, how, TT_CLOSE_F_STILL_OPEN);
		return;
	}
	/* closed before its handshake ended: abandoned (a timeout in the process, or the losing
	 * address of a happy-eyeballs race) */
	if (c->connect == TT_CONNECT_PENDING)
		fail_pending_connect(c, file_sock(ref->file), ref->ino, TT_ECANCELED, 0, bpf_ktime_get_ns());
	if (conn_recorded(c))
		emit_close(c->conn_id, fd, how, 0);
	bpf_map_delete_elem(&conns, &ref->ino);
}

static __always_inline void release_fd(int fd, __u8 how)
{
	struct sock_ref ref;

	if (socket_ref(fd, &ref))
		release(&ref, fd, how, file_refs(ref.file) <= 1);
}

/* Every socket in an fd range, let go of (an exit, close_range). */
struct fd_walk {
	__u64 fds; /* the fd table's array of struct file * */
	__u32 first;
	__u32 count;
	__u8 how;
};

static long fd_walk_step(__u32 i, void *ctx)
{
	struct fd_walk *w = ctx;
	struct file *file = NULL;
	struct sock_ref ref;
	__u32 fd;

	if (i >= w->count)
		return 1;
	fd = w->first + i;
	bpf_probe_read_kernel(&file, sizeof(file), (void *)(w->fds + (__u64)fd * sizeof(file)));
	if (file_socket_ref(file, &ref))
		release(&ref, fd, w->how, file_refs(file) <= 1);
	return 0;
}

static __always_inline void walk_fds(struct files_struct *files, __u32 first, __u32 last, __u8 how)
{
	struct fdtable *fdt = BPF_CORE_READ(files, fdt);
	__u32 max = BPF_CORE_READ(fdt, max_fds);
	struct fd_walk w = { .first = first, .how = how };

	if (!fdt || first >= max)
		return;
	if (last >= max)
		last = max - 1;
	if (last < first)
		return;
	w.count = last - first + 1;
	if (w.count > TT_FD_WALK_MAX) {
		w.count = TT_FD_WALK_MAX;
		stat_add(TT_STAT_FD_WALK_TRUNCATED, 1);
	}
	w.fds = (__u64)BPF_CORE_READ(fdt, fd);
	bpf_loop(TT_FD_WALK_MAX, fd_walk_step, &w, 0);
}

/* ---- data syscalls ------------------------------------------------------------------------ */

/* Save a call's arguments for its exit; false if the fd is not a socket or not wanted. */
static __always_inline bool enter_io(__u16 syscall, __u8 dir, int fd, __u64 buf, __u64 count, __u64 addr,
				     int aux_fd, struct sock_ref *ref)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct call_args a = {};

	if (!process_wanted(id >> 32) || !socket_ref(fd, ref))
		return false;
	a.ts_ns = bpf_ktime_get_ns();
	a.file = (__u64)ref->file;
	a.ino = ref->ino;
	a.buf = buf;
	a.count = count;
	a.addr = addr;
	a.fd = fd;
	a.aux_fd = aux_fd;
	a.syscall = syscall;
	a.dir = dir;
	bpf_map_update_elem(&pending_calls, &tid, &a, BPF_ANY);
	return true;
}

/* A zero-copy send to a socket starts: its body may be read on the TCP send path. */
static __always_inline int enter_zerocopy(__u16 syscall, int out_fd, int in_fd, __u64 count)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct sock_ref ref;

	if (enter_io(syscall, TT_DIR_EGRESS, out_fd, 0, count, 0, in_fd, &ref) && capture_sendfile_bodies)
		zc_begin(conn_for(tgid, out_fd, &ref, bpf_ktime_get_ns()), file_sock(ref.file), out_fd);
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
	struct sock_ref ref;
	bool found;

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
		found = socket_ref(saved.dx, &ref);
		if (found) {
			a->fd = saved.dx;
			a->aux_fd = saved.di;
			a->dir = TT_DIR_EGRESS;
		} else {
			found = socket_ref(saved.di, &ref);
			a->aux_fd = saved.dx;
			a->dir = TT_DIR_INGRESS;
		}
	} else {
		found = socket_ref(a->fd, &ref);
	}
	if (!found)
		return false;
	a->file = (__u64)ref.file;
	a->ino = ref.ino;
	a->ts_ns = bpf_ktime_get_ns();
	a->syscall = syscall;
	a->buf = saved.si;
	a->count = saved.dx;
	a->addr = 0;
	a->msg_flags = 0;
	switch (syscall) {
	case TT_SYS_RECVFROM: /* (fd, buf, len, flags, addr, addrlen) */
		a->msg_flags = saved.r10;
		a->addr = saved.r8;
		break;
	case TT_SYS_SENDTO:
		a->addr = saved.r8;
		break;
	case TT_SYS_RECVMSG: /* (fd, msg, flags) */
		a->msg_flags = saved.dx;
		break;
	case TT_SYS_RECVMMSG: /* (fd, msgvec, vlen, flags, timeout) */
		a->msg_flags = saved.r10;
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
 * for the TCP send path's body capture, connect for the time the connection began); their
 * entry is taken on every path, first thing, as bcc's tools do: a stale one would be read by
 * this thread's next such call.
 */
static __always_inline bool take_call(struct call_args *a, __u16 syscall, __u8 dir, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct call_args *p;

	if (syscall == TT_SYS_SENDFILE || syscall == TT_SYS_SPLICE || syscall == TT_SYS_CONNECT) {
		p = bpf_map_lookup_elem(&pending_calls, &tid);
		if (p) {
			__builtin_memcpy(a, p, sizeof(*a));
			bpf_map_delete_elem(&pending_calls, &tid);
			return !paused && ret != -TT_EAGAIN;
		}
	}
	if (paused || ret == -TT_EAGAIN)
		return false;
	return recover_call(a, syscall, dir);
}

/* Results that carry nothing worth recording: a non-blocking socket with nothing to do. */
static __always_inline bool ret_is_noise(long ret, __u8 dir)
{
	return ret == -TT_EAGAIN || ret == -TT_EINTR || ret == -TT_ERESTARTSYS ||
	       (ret == 0 && dir == TT_DIR_EGRESS);
}

/*
 * The record template of one event. A peek moves nothing: it is recorded where the stream
 * stands, without advancing it.
 */
static __always_inline void start_walk(struct payload_walk *w, const struct call_args *a, struct conn_state *c,
				       long ret, __u64 ts)
{
	fill_header(&w->tmpl.h, TT_KIND_DATA, ts);
	w->tmpl.conn_id = c->conn_id;
	w->tmpl.ret = ret;
	w->tmpl.fd = a->fd;
	w->tmpl.aux_fd = a->aux_fd;
	w->tmpl.syscall = a->syscall;
	w->tmpl.dir = a->dir;
	if (ret < 0)
		w->tmpl.flags |= TT_F_ERROR;
	if (ret < 0 || (w->tmpl.xflags & TT_X_PEEK)) {
		w->tmpl.stream_off = a->dir == TT_DIR_EGRESS ? c->tx_off : c->rx_off;
	} else {
		/* atomic: two threads (or processes) may use one socket */
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

/*
 * What the receive flags make of a receive (recv(2)): a peek leaves the bytes in the socket;
 * MSG_TRUNC on a stream socket throws `ret` bytes away without copying any.
 */
static __always_inline void receive_flags(struct payload_walk *w, const struct call_args *a, struct conn_state *c)
{
	if (a->dir != TT_DIR_INGRESS)
		return;
	if (a->msg_flags & TT_MSG_PEEK)
		w->tmpl.xflags |= TT_X_PEEK;
	else if ((a->msg_flags & TT_MSG_TRUNC) && c->stream)
		w->tmpl.xflags |= TT_X_DISCARDED;
}

/* The first byte of a syscall's buffer is a TLS handshake record's content type (22). */
static __always_inline bool handshake_record(struct payload_walk *w, const struct call_args *a, __u64 iov)
{
	__u64 base = a->buf;
	__u8 type = 0;

	if (iov) {
		struct iovec v = {};

		if (bpf_probe_read_user(&v, sizeof(v), (void *)iov))
			return false;
		base = (__u64)v.iov_base;
	}
	if (!base || bpf_probe_read_user(&type, 1, (void *)base))
		return false;
	return type == 22;
}

static __always_inline int exit_io(long ret, __u16 syscall, __u8 dir)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	struct payload_walk *w;
	struct call_args a;
	struct sock_ref ref;
	struct conn_state *c;
	__u64 ts, iov = 0;

	if (!take_call(&a, syscall, dir, ret) || ret_is_noise(ret, a.dir))
		return 0;
	/* the error queue holds notifications (timestamps, ICMP errors), not stream bytes */
	if (a.dir == TT_DIR_INGRESS && (a.msg_flags & TT_MSG_ERRQUEUE))
		return 0;
	ts = a.ts_ns;
	ref.file = (struct file *)a.file;
	ref.ino = a.ino;
	c = conn_for(tgid, a.fd, &ref, ts);
	if (!c || c->filter == TT_CONN_IGNORED)
		return 0;
	w = fresh_walk();
	if (!w)
		return 0;
	receive_flags(w, &a, c);
	/* the constant, not a.syscall (which an entry program's map entry makes unknown to the
	 * verifier): each program is then checked for its own syscall's path only */
	switch (syscall) {
	case TT_SYS_READ:
	case TT_SYS_WRITE:
		break;
	case TT_SYS_RECVFROM:
		/* MSG_TRUNC on a datagram: ret is its real length, the tail beyond the buffer is gone */
		if (!c->stream && ret > 0 && (__u64)ret > a.count)
			w->tmpl.xflags |= TT_X_DISCARDED;
		set_peer(w, c, a.addr);
		break;
	case TT_SYS_SENDTO:
		set_peer(w, c, a.addr);
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
			set_peer(w, c, (__u64)msg.msg_name);
		/* the kernel writes MSG_TRUNC into msg_flags when a datagram did not fit */
		if (syscall == TT_SYS_RECVMSG && !c->stream && (msg.msg_flags & TT_MSG_TRUNC))
			w->tmpl.xflags |= TT_X_DISCARDED;
		iov = (__u64)msg.msg_iov;
		a.count = msg.msg_iovlen;
		break;
	}
	default: /* sendfile, splice: the bytes moved inside the kernel */
		w->tmpl.flags |= TT_F_ZEROCOPY;
		break;
	}
	if (!datagram_wanted(c, &w->tmpl.peer, a.fd, &ref, ts))
		return 0;
	/* application data a TLS library moves: its plaintext is recorded, the ciphertext's bytes
	 * need not be (a handshake record, 0x16, is kept: it names the server and the protocols) */
	if (ret > 0) {
		bool nested = tls_nested(ref.ino, a.fd);

		if ((nested || c->tls_plain) && !handshake_record(w, &a, iov))
			w->tmpl.xflags |= TT_X_TLS_CIPHER;
		bio_socket_io(c, ref.ino, a.fd, a.dir, ts);
	}
	emit_proc_once(tgid);
	start_walk(w, &a, c, ret, ts);
	/* sendfile and splice by the constant too: the verifier then skips the payload walk */
	if (ret < 0 || syscall == TT_SYS_SENDFILE || syscall == TT_SYS_SPLICE ||
	    (w->tmpl.xflags & (TT_X_PEEK | TT_X_TLS_CIPHER)) || (c->stream && (w->tmpl.xflags & TT_X_DISCARDED))) {
		emit_marker(w);
		return 0;
	}
	/* one call site: each bpf_loop site costs the verifier a full walk of its callback */
	emit_payload(w, iov ? 0 : a.buf, iov, a.count, ret);
	return 0;
}

/*
 * sendmmsg/recvmmsg return a message count; each message becomes its own event (msg_index) with
 * its own length (msg_len), as if sent by sendmsg/recvmsg.
 */
struct mmsg_walk {
	struct call_args a;
	struct sock_ref ref;
	__u64 ts;
	long count;
};

/* bpf_loop's context, on the stack: the walk, and the connection (a map value pointer cannot be
 * kept in a map value). */
struct mmsg_ctx {
	struct mmsg_walk *m;
	struct conn_state *c;
};

/* Off the stack for the reason walk_scratch is (records.h); used by the mmsg exits only. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mmsg_walk);
} mmsg_scratch SEC(".maps");

static long mmsg_step(__u32 index, void *ctx)
{
	struct mmsg_ctx *x = ctx;
	struct mmsg_walk *m = x->m;
	struct conn_state *c = x->c;
	struct payload_walk *w;
	struct mmsghdr h = {};

	if (index >= m->count)
		return 1;
	if (bpf_probe_read_user(&h, sizeof(h), (void *)(m->a.buf + (__u64)index * sizeof(h))))
		return 1;
	w = fresh_walk();
	if (!w)
		return 1;
	if (h.msg_hdr.msg_namelen > 0)
		set_peer(w, c, (__u64)h.msg_hdr.msg_name);
	if (!datagram_wanted(c, &w->tmpl.peer, m->a.fd, &m->ref, m->ts))
		return 0;
	receive_flags(w, &m->a, c);
	if (m->a.dir == TT_DIR_INGRESS && !c->stream && (h.msg_hdr.msg_flags & TT_MSG_TRUNC))
		w->tmpl.xflags |= TT_X_DISCARDED;
	start_walk(w, &m->a, c, h.msg_len, m->ts);
	w->tmpl.msg_index = index;
	if ((w->tmpl.xflags & TT_X_PEEK) || (c->stream && (w->tmpl.xflags & TT_X_DISCARDED))) {
		emit_marker(w);
		return 0;
	}
	emit_payload(w, 0, (__u64)h.msg_hdr.msg_iov, h.msg_hdr.msg_iovlen, h.msg_len);
	return 0;
}

static __always_inline int exit_mmsg(long ret, __u16 syscall, __u8 dir)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 zero = 0;
	struct mmsg_walk *m = bpf_map_lookup_elem(&mmsg_scratch, &zero);
	struct conn_state *c;
	struct mmsg_ctx x;

	if (!m)
		return 0;
	__builtin_memset(m, 0, sizeof(*m));
	if (!take_call(&m->a, syscall, dir, ret) || ret_is_noise(ret, m->a.dir) || ret == 0)
		return 0;
	if (m->a.dir == TT_DIR_INGRESS && (m->a.msg_flags & TT_MSG_ERRQUEUE))
		return 0;
	m->ts = m->a.ts_ns;
	m->ref.file = (struct file *)m->a.file;
	m->ref.ino = m->a.ino;
	c = conn_for(tgid, m->a.fd, &m->ref, m->ts);
	if (!c || c->filter == TT_CONN_IGNORED)
		return 0;
	emit_proc_once(tgid);
	if (ret < 0) {
		struct payload_walk *w = fresh_walk();

		if (!w)
			return 0;
		start_walk(w, &m->a, c, ret, m->ts);
		emit_marker(w);
		return 0;
	}
	/* the kernel moves at most UIO_MAXIOV (TT_MAX_MMSG) messages per call */
	m->count = ret > TT_MAX_MMSG ? TT_MAX_MMSG : ret;
	x.m = m;
	x.c = c;
	bpf_loop(TT_MAX_MMSG, mmsg_step, &x, 0);
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
	struct sock_ref ref;

	/* splice always has a pipe on one side; the socket, if any, is the other */
	if (socket_ref(fd_out, &ref))
		return enter_zerocopy(TT_SYS_SPLICE, fd_out, fd_in, ARG(4));
	enter_io(TT_SYS_SPLICE, TT_DIR_INGRESS, fd_in, 0, ARG(4), 0, fd_out, &ref);
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
	struct sock_ref ref;

	/* (fd, addr, addrlen) */
	enter_io(TT_SYS_CONNECT, TT_DIR_NONE, ARG(0), 0, ARG(2), ARG(1), -1, &ref);
	return 0;
}

/* A connect() that ends what the socket was connected to (a datagram socket's new peer). */
static __always_inline void end_association(struct conn_state *c, int fd)
{
	if (conn_recorded(c))
		emit_close(c->conn_id, fd, TT_CLOSE_RECONNECT, 0);
}

/* A TCP socket whose connect is over and failed: back in CLOSE after connect() began it. */
static __always_inline bool socket_failed(struct sock *sk)
{
	return BPF_CORE_READ(sk, sk_protocol) == TT_IPPROTO_TCP &&
	       BPF_CORE_READ(sk, __sk_common.skc_state) == TT_TCP_CLOSE;
}

/* Why a connect failed: the socket's pending error (ECONNREFUSED, ETIMEDOUT...). */
static __always_inline int socket_error(struct sock *sk)
{
	int err = BPF_CORE_READ(sk, sk_err);

	return err ? err : TT_ECANCELED;
}

/*
 * On loopback the handshake often ends inside connect() itself, before its exit made the entry
 * the TCP state tracepoint looks for: whatever happened by now is read from the socket, after
 * the entry exists, so no outcome falls between the two.
 */
static __always_inline void settle_connect(struct conn_state *c, struct sock *sk, __u64 ino, __u32 tgid)
{
	__u8 state = BPF_CORE_READ(sk, __sk_common.skc_state);

	if (state == TT_TCP_ESTABLISHED)
		__sync_val_compare_and_swap(&c->connect, TT_CONNECT_PENDING, TT_CONNECT_DONE);
	else if (state == TT_TCP_CLOSE)
		fail_pending_connect(c, sk, ino, socket_error(sk), tgid, bpf_ktime_get_ns());
}

SEC("tracepoint/syscalls/sys_exit_connect")
int exit_connect(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	long ret = ctx->ret;
	struct call_args a;
	struct sock_ref ref;
	struct conn_state *c;

	if (!take_call(&a, TT_SYS_CONNECT, TT_DIR_NONE, ret))
		return 0;
	ref.file = (struct file *)a.file;
	ref.ino = a.ino;
	c = bpf_map_lookup_elem(&conns, &ref.ino);
	/* under way: EINPROGRESS (non-blocking), EINTR (a signal; the handshake goes on) */
	if (ret == 0 || ret == -TT_EINPROGRESS || ret == -TT_EINTR) {
		/*
		 * A non-blocking client (APR's ab, hiredis's redis-cli) calls connect() again when the
		 * socket is ready and gets 0: the same connection, not a new one.
		 */
		if (c && c->stream && (c->connect == TT_CONNECT_PENDING || c->connect == TT_CONNECT_DONE)) {
			if (ret == 0)
				__sync_val_compare_and_swap(&c->connect, TT_CONNECT_PENDING, TT_CONNECT_DONE);
			return 0;
		}
		/* refused before connect() returned (loopback answers at once): only the failure */
		if (ret != 0 && socket_failed(file_sock(ref.file))) {
			emit_connect_failed(a.fd, &ref, a.addr, a.count, socket_error(file_sock(ref.file)), a.ts_ns);
			emit_proc_once(tgid);
			return 0;
		}
		if (c)
			end_association(c, a.fd);
		c = open_conn(tgid, a.fd, &ref, TT_ROLE_CLIENT, TT_CAUSE_CONNECT,
			      ret == 0 ? TT_CONNECT_DONE : TT_CONNECT_PENDING, a.ts_ns, BPF_ANY);
		if (c && ret != 0)
			settle_connect(c, file_sock(ref.file), ref.ino, tgid);
		return 0;
	}
	/* still under way, already connected, or nothing happened */
	if (ret == -TT_EALREADY || ret == -TT_EISCONN || ret == -TT_EAGAIN || ret == -TT_ERESTARTSYS)
		return 0;
	if (c && c->connect == TT_CONNECT_PENDING) {
		/* the second connect() of a non-blocking socket reports the handshake's failure */
		fail_pending_connect(c, file_sock(ref.file), ref.ino, -ret, 0, a.ts_ns);
		return 0;
	}
	if (c && c->connect == TT_CONNECT_FAILED)
		return 0; /* its failure is written already (the TCP state change saw it first) */
	emit_connect_failed(a.fd, &ref, a.addr, a.count, -ret, a.ts_ns);
	emit_proc_once(tgid);
	return 0;
}

/*
 * The end of a TCP handshake that a non-blocking connect() left under way. Nothing else tells
 * a program that only polls and reads SO_ERROR (Python's connect with a timeout) that it
 * failed: SYN_SENT → CLOSE is the refusal (RST), the timeout, or the close that gave up.
 */
SEC("raw_tracepoint/inet_sock_set_state")
int on_inet_sock_set_state(struct bpf_raw_tracepoint_args *ctx)
{
	struct sock *sk = (struct sock *)ctx->args[0];
	int oldstate = (int)ctx->args[1], newstate = (int)ctx->args[2];
	struct conn_state *c;
	__u64 ino;

	if (paused || oldstate != TT_TCP_SYN_SENT)
		return 0;
	ino = sock_ino(sk);
	c = ino ? bpf_map_lookup_elem(&conns, &ino) : NULL;
	if (!c)
		return 0;
	if (newstate == TT_TCP_ESTABLISHED) {
		__sync_val_compare_and_swap(&c->connect, TT_CONNECT_PENDING, TT_CONNECT_DONE);
	} else if (newstate == TT_TCP_CLOSE) {
		fail_pending_connect(c, sk, ino, socket_error(sk), c->users[0], bpf_ktime_get_ns());
	}
	return 0;
}

static __always_inline int exit_accept(long ret)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct sock_ref ref;

	if (ret < 0 || !process_wanted(tgid) || !socket_ref(ret, &ref))
		return 0;
	open_conn(tgid, ret, &ref, TT_ROLE_SERVER, TT_CAUSE_ACCEPT, TT_CONNECT_NONE, bpf_ktime_get_ns(), BPF_ANY);
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

/*
 * Letting go of sockets. The connection's entry is found through the socket, whatever process
 * holds it; the filters decided what it records when it was made.
 */
SEC("tracepoint/syscalls/sys_enter_close")
int enter_close(struct trace_event_raw_sys_enter *ctx)
{
	if (!paused)
		release_fd(ARG(0), TT_CLOSE_CALL);
	return 0;
}

/* dup2/dup3 close the target fd first, if it is open and not the source itself. */
static __always_inline int replace_fd(int oldfd, int newfd)
{
	if (!paused && oldfd != newfd && fd_to_file(oldfd))
		release_fd(newfd, TT_CLOSE_DUP);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_dup2")
int enter_dup2(struct trace_event_raw_sys_enter *ctx)
{
	return replace_fd(ARG(0), ARG(1));
}

SEC("tracepoint/syscalls/sys_enter_dup3")
int enter_dup3(struct trace_event_raw_sys_enter *ctx)
{
	return replace_fd(ARG(0), ARG(1));
}

SEC("tracepoint/syscalls/sys_enter_close_range")
int enter_close_range(struct trace_event_raw_sys_enter *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();

	/* CLOSE_RANGE_CLOEXEC only marks the fds */
	if (paused || (ARG(2) & TT_CLOSE_RANGE_CLOEXEC))
		return 0;
	walk_fds(task->files, ARG(0), ARG(1), TT_CLOSE_RANGE);
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
	if (capture_tls && process_wanted(tgid))
		report_new_exe(tgid);
	return 0;
}

/* When the whole process is gone its pid may be reused by an unrelated one: forget it. */
SEC("raw_tracepoint/sched_process_exit")
int on_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = (struct task_struct *)ctx->args[0];
	__u32 tgid;
	struct files_struct *files;

	/* signal->live was decremented before this tracepoint; 0 means the last thread exits */
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	tgid = BPF_CORE_READ(task, tgid);
	bpf_map_delete_elem(&seen_procs, &tgid);
	if (filter_pids)
		bpf_map_delete_elem(&target_pids, &tgid);
	/*
	 * Its fds are closed after this tracepoint, without a close() each: let go of its sockets
	 * here, unless another process shares the fd table (CLONE_FILES) and keeps them.
	 */
	files = BPF_CORE_READ(task, files);
	if (!paused && tgid != self_tgid && files && BPF_CORE_READ(files, count.counter) == 1)
		walk_fds(files, 0, ~0U, TT_CLOSE_EXIT);
	return 0;
}

/* ---- TLS plaintext ------------------------------------------------------------------------ */

#include "tls_probes.h"
