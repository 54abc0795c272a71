/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * TLS plaintext at the library's API, with uprobes (kprobes are unavailable on the target
 * kernels; uprobes work): the entry saves the call's arguments for the thread, the return reads
 * what really moved (the byte count is the return value, or for the *_ex calls what the library
 * wrote through its size_t pointer) and writes it as TT_KIND_TLS_DATA records on the socket its
 * nested syscalls used (tls_calls.h). Attached per library file by the loader; a process that
 * does not use the file runs none of this.
 */
#ifndef TINYTAP_TLS_PROBES_H
#define TINYTAP_TLS_PROBES_H

static __always_inline int tls_record(struct tls_call *t, long bytes);

/*
 * The library a call is in: its kind (enum tt_tls_lib) in the low byte, and the attach cookie
 * above it, which the loader sets to the library file's number in the session's `tls` meta (so
 * `conns` can name the file and its version).
 */
static __always_inline __u32 tls_library(void *ctx, __u8 kind)
{
	return kind | (__u32)(bpf_get_attach_cookie(ctx) << 8);
}

static __always_inline int tls_enter(__u64 session, __u64 buf, __u64 out_len, __u16 syscall, __u8 dir, __u32 lib)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct tls_call c = {};

	if (!capture_tls || !process_wanted(id >> 32))
		return 0;
	c.session = session;
	c.buf = buf;
	c.out_len = out_len;
	c.fd = -1;
	c.syscall = syscall;
	c.dir = dir;
	c.lib = lib;
	/* counted only for an entry it adds: a thread has one call in progress at a time */
	if (!bpf_map_lookup_elem(&tls_calls, &tid) && bpf_map_update_elem(&tls_calls, &tid, &c, BPF_NOEXIST) == 0)
		__sync_fetch_and_add(&tls_active, 1);
	else
		bpf_map_update_elem(&tls_calls, &tid, &c, BPF_ANY);
	return 0;
}

/* The socket of a finished call: the one its nested syscalls used, else its session's last. */
static __always_inline __u64 tls_socket(const struct tls_call *c, __u32 tgid)
{
	struct tls_session_key key = { .tgid = tgid, .session = c->session };
	__u64 *last = bpf_map_lookup_elem(&tls_sessions, &key);

	if (c->mismatch)
		stat_add(TT_STAT_TLS_MISMATCH, 1);
	if (!c->ino)
		return last ? *last : 0;
	if (last && *last != c->ino)
		stat_add(TT_STAT_TLS_MISMATCH, 1);
	if (!last || *last != c->ino)
		bpf_map_update_elem(&tls_sessions, &key, &c->ino, BPF_ANY);
	return c->ino;
}

/* `bytes`: what the call moved, or a negative/zero result (nothing moved, nothing written). */
static __always_inline int tls_exit(long bytes)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct tls_call c, *t;

	t = bpf_map_lookup_elem(&tls_calls, &tid);
	if (!t)
		return 0;
	__builtin_memcpy(&c, t, sizeof(c));
	if (bpf_map_delete_elem(&tls_calls, &tid) == 0)
		__sync_fetch_and_add(&tls_active, -1);
	return tls_record(&c, bytes);
}

/*
 * A call that met no socket, in a process whose TLS library moves ciphertext later, on its own
 * (memory BIOs): mark the process so its threads' reads are kept, and join a read to the
 * socket its thread read from just before (the library decrypts what that read brought).
 */
static __always_inline __u64 bio_socket(struct tls_call *c)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;
	struct last_read *r;
	__u8 one = 1;

	if (!bpf_map_lookup_elem(&bio_procs, &tgid) && bpf_map_update_elem(&bio_procs, &tgid, &one, BPF_NOEXIST) == 0)
		__sync_fetch_and_add(&bio_procs_seen, 1);
	if (c->dir != TT_DIR_INGRESS)
		return 0;
	r = bpf_map_lookup_elem(&last_read, &tid);
	/* the read that brought these bytes came just before: within the same event-loop turn */
	if (!r || bpf_ktime_get_ns() - r->ts > 1000000000ULL)
		return 0;
	c->fd = r->fd;
	{
		struct tls_session_key key = { .tgid = tgid, .session = c->session };
		bpf_map_update_elem(&tls_sessions, &key, &r->ino, BPF_ANY);
	}
	return r->ino;
}

/*
 * The socket behind an fd given to a TLS library (SSL_set_fd, gnutls_transport_set_int2): its
 * session's socket from then on, so a read served from the library's buffer (no syscall inside
 * it) is still joined. Anything that is not a socket fd of this process is ignored.
 */
static __always_inline int tls_bind_fd(__u64 session, __s64 fd)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct tls_session_key key = { .tgid = tgid, .session = session };
	struct sock_ref ref;

	if (!capture_tls || fd < 0 || fd >= (1 << 20) || !process_wanted(tgid))
		return 0;
	if (!socket_ref((int)fd, &ref))
		return 0;
	bpf_map_update_elem(&tls_sessions, &key, &ref.ino, BPF_ANY);
	return 0;
}

/*
 * A Go *tls.Conn's socket, read from the struct: its first field is the net.Conn it wraps (an
 * interface: type word, then data pointer), whose value (*net.TCPConn, *net.UnixConn) begins
 * with conn{fd *netFD}; netFD begins with poll.FD{fdmu fdMutex (16 bytes), Sysfd int}. These
 * layouts have not changed since Go 1.9. Go's TLS reads ahead (the handshake's read often brings
 * the first request too), so its first Read may make no syscall to name the socket.
 */
static __always_inline __u64 go_conn_socket(__u64 conn, __u32 tgid, __s32 *fd_out)
{
	struct tls_session_key key = { .tgid = tgid, .session = conn };
	struct sock_ref ref;
	__u64 data = 0, netfd = 0;
	__s64 sysfd = -1;

	if (bpf_probe_read_user(&data, sizeof(data), (void *)(conn + 8)) || !data ||
	    bpf_probe_read_user(&netfd, sizeof(netfd), (void *)data) || !netfd ||
	    bpf_probe_read_user(&sysfd, sizeof(sysfd), (void *)(netfd + 16)))
		return 0;
	if (sysfd < 0 || sysfd >= (1 << 20) || !socket_ref((int)sysfd, &ref))
		return 0;
	*fd_out = (__s32)sysfd;
	bpf_map_update_elem(&tls_sessions, &key, &ref.ino, BPF_ANY);
	return ref.ino;
}

/* A finished call's plaintext, written as TLS_DATA records on its socket. */
static __always_inline int tls_record(struct tls_call *t, long bytes)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct payload_walk w = {};
	struct conn_state *conn = NULL;
	struct tls_call c;
	__u64 ino;

	__builtin_memcpy(&c, t, sizeof(c));
	if (c.out_len) {
		__u64 n = 0;

		/* the *_ex calls return 1 for success and write the count through a pointer */
		if (bytes != 1 || bpf_probe_read_user(&n, sizeof(n), (void *)c.out_len))
			return 0;
		bytes = n;
	}
	if (paused || bytes <= 0)
		return 0;
	ino = tls_socket(&c, id >> 32);
	if (!ino && (c.lib & 0xff) == TT_TLS_GO)
		ino = go_conn_socket(c.session, id >> 32, &c.fd);
	if (!ino) {
		ino = bio_socket(&c);
		if (ino)
			w.tmpl.xflags |= TT_X_TLS_ADJACENT;
	}
	if (ino)
		conn = bpf_map_lookup_elem(&conns, &ino);
	if (conn && conn->filter != TT_CONN_WANTED)
		return 0;
	fill_header(&w.tmpl.h, TT_KIND_TLS_DATA, bpf_ktime_get_ns());
	w.tmpl.ret = bytes;
	w.tmpl.fd = c.fd;
	w.tmpl.aux_fd = c.lib; /* TLS records: the library (tls_library) */
	w.tmpl.syscall = c.syscall;
	w.tmpl.dir = c.dir;
	if (conn) {
		w.tmpl.conn_id = conn->conn_id;
		conn->tls_plain = 1;
		/* atomic: two threads may use one TLS connection (with the library's own locking) */
		w.tmpl.stream_off = __sync_fetch_and_add(c.dir == TT_DIR_EGRESS ? &conn->ptx_off : &conn->prx_off, (__u64)bytes);
	} else if (c.dir == TT_DIR_EGRESS) {
		/* the thread's next socket write will say where it went (a TLS_JOIN record names this
		 * token): write it now, while the buffer still holds it */
		struct bio_write p = { .token = __sync_fetch_and_add(&next_tls_token, 1), .session = c.session, .bytes = bytes };
		__u32 tid = (__u32)id;

		w.tmpl.stream_off = p.token;
		if (!bpf_map_lookup_elem(&bio_pending, &tid) && bpf_map_update_elem(&bio_pending, &tid, &p, BPF_NOEXIST) == 0) {
			__sync_fetch_and_add(&bio_active, 1);
		} else {
			/* a second write before the socket write of the first: the first stays unjoined */
			stat_add(TT_STAT_TLS_UNJOINED, 1);
			bpf_map_update_elem(&bio_pending, &tid, &p, BPF_ANY);
		}
	} else {
		/* kept, and counted, never put on a guessed connection */
		stat_add(TT_STAT_TLS_UNJOINED, 1);
	}
	emit_proc_once(id >> 32);
	emit_payload(&w, c.buf, 0, bytes, bytes);
	return 0;
}

static __always_inline int tls_forget(__u64 session)
{
	struct tls_session_key key = { .tgid = bpf_get_current_pid_tgid() >> 32, .session = session };

	bpf_map_delete_elem(&tls_sessions, &key);
	return 0;
}

/* OpenSSL 1.1 and 3.x: SSL_write(ssl, buf, num), SSL_write_ex(ssl, buf, num, size_t *written) */
SEC("uprobe")
int BPF_KPROBE(ssl_write_enter, void *ssl, const void *buf)
{
	return tls_enter((__u64)ssl, (__u64)buf, 0, TT_SYS_SSL_WRITE, TT_DIR_EGRESS, tls_library(ctx, TT_TLS_OPENSSL));
}

SEC("uprobe")
int BPF_KPROBE(ssl_write_ex_enter, void *ssl, const void *buf, __u64 num, __u64 *written)
{
	return tls_enter((__u64)ssl, (__u64)buf, (__u64)written, TT_SYS_SSL_WRITE, TT_DIR_EGRESS, tls_library(ctx, TT_TLS_OPENSSL));
}

SEC("uprobe")
int BPF_KPROBE(ssl_read_enter, void *ssl, void *buf)
{
	return tls_enter((__u64)ssl, (__u64)buf, 0, TT_SYS_SSL_READ, TT_DIR_INGRESS, tls_library(ctx, TT_TLS_OPENSSL));
}

SEC("uprobe")
int BPF_KPROBE(ssl_read_ex_enter, void *ssl, void *buf, __u64 num, __u64 *readbytes)
{
	return tls_enter((__u64)ssl, (__u64)buf, (__u64)readbytes, TT_SYS_SSL_READ, TT_DIR_INGRESS, tls_library(ctx, TT_TLS_OPENSSL));
}

/* the int these return, sign-extended: -1 is an error, not 4294967295 bytes */
SEC("uretprobe")
int BPF_KRETPROBE(tls_int_exit)
{
	return tls_exit((int)PT_REGS_RC(ctx));
}

/* SSL_set_fd, SSL_set_rfd, SSL_set_wfd (ssl, fd) */
SEC("uprobe")
int BPF_KPROBE(ssl_set_fd_enter, void *ssl, int fd)
{
	return tls_bind_fd((__u64)ssl, fd);
}

SEC("uprobe")
int BPF_KPROBE(ssl_free_enter, void *ssl)
{
	return tls_forget((__u64)ssl);
}

/*
 * GnuTLS: gnutls_record_send2(session, data, size, pad, flags), which gnutls_record_send
 * tail-calls (probing both would see each send twice), and gnutls_record_recv(session, data,
 * size); both return ssize_t.
 */
SEC("uprobe")
int BPF_KPROBE(gnutls_send_enter, void *session, const void *data)
{
	return tls_enter((__u64)session, (__u64)data, 0, TT_SYS_GNUTLS_SEND, TT_DIR_EGRESS, tls_library(ctx, TT_TLS_GNUTLS));
}

SEC("uprobe")
int BPF_KPROBE(gnutls_recv_enter, void *session, void *data)
{
	return tls_enter((__u64)session, (__u64)data, 0, TT_SYS_GNUTLS_RECV, TT_DIR_INGRESS, tls_library(ctx, TT_TLS_GNUTLS));
}

SEC("uretprobe")
int BPF_KRETPROBE(tls_long_exit)
{
	return tls_exit((long)PT_REGS_RC(ctx));
}

/* gnutls_transport_set_int2(session, recv_fd, send_fd); gnutls_transport_set_int is a macro for it */
SEC("uprobe")
int BPF_KPROBE(gnutls_set_int2_enter, void *session, int recv_fd)
{
	return tls_bind_fd((__u64)session, recv_fd);
}

/* gnutls_transport_set_ptr(session, ptr): wget passes its fd as the pointer; a real pointer is
 * far above any fd number and is ignored */
SEC("uprobe")
int BPF_KPROBE(gnutls_set_ptr_enter, void *session, void *ptr)
{
	return tls_bind_fd((__u64)session, (__s64)ptr);
}

SEC("uprobe")
int BPF_KPROBE(gnutls_deinit_enter, void *session)
{
	return tls_forget((__u64)session);
}

/*
 * Go crypto/tls: (*Conn).Read(b []byte) and (*Conn).Write(b []byte) (int, error), register ABI
 * (Go 1.17+): the receiver in AX, b's pointer and length in BX and CX; n returned in AX. An
 * entry probe, and a probe on each RET instruction instead of a uretprobe (a uretprobe rewrites
 * the return address on a stack the Go runtime moves: it crashes the program).
 */
static __always_inline int go_tls_enter(struct pt_regs *ctx, __u16 syscall, __u8 dir)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct go_call_key key = { .tgid = id >> 32, .g = current_goroutine() };
	struct tls_call c = {};

	if (!capture_tls || !key.g || !process_wanted(id >> 32))
		return 0;
	c.session = ctx->ax;
	c.buf = ctx->bx;
	c.fd = -1;
	c.syscall = syscall;
	c.dir = dir;
	c.lib = tls_library(ctx, TT_TLS_GO);
	if (!bpf_map_lookup_elem(&go_calls, &key) && bpf_map_update_elem(&go_calls, &key, &c, BPF_NOEXIST) == 0)
		__sync_fetch_and_add(&tls_active, 1);
	else
		bpf_map_update_elem(&go_calls, &key, &c, BPF_ANY);
	return 0;
}

SEC("uprobe")
int go_tls_read_enter(struct pt_regs *ctx)
{
	return go_tls_enter(ctx, TT_SYS_GO_TLS_READ, TT_DIR_INGRESS);
}

SEC("uprobe")
int go_tls_write_enter(struct pt_regs *ctx)
{
	return go_tls_enter(ctx, TT_SYS_GO_TLS_WRITE, TT_DIR_EGRESS);
}

/* At each RET of Read and Write: n is in AX. */
SEC("uprobe")
int go_tls_return(struct pt_regs *ctx)
{
	struct go_call_key key = { .tgid = bpf_get_current_pid_tgid() >> 32, .g = current_goroutine() };
	struct tls_call c, *t;

	if (!key.g)
		return 0;
	t = bpf_map_lookup_elem(&go_calls, &key);
	if (!t)
		return 0;
	__builtin_memcpy(&c, t, sizeof(c));
	if (bpf_map_delete_elem(&go_calls, &key) == 0)
		__sync_fetch_and_add(&tls_active, -1);
	return tls_record(&c, (long)ctx->ax);
}

#endif
