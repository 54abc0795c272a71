/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* From an fd to its socket, and from a socket to its addresses, with CO-RE reads. */
#ifndef TINYTAP_SOCKETS_H
#define TINYTAP_SOCKETS_H

#define TT_AF_UNIX 1
#define TT_AF_INET 2
#define TT_AF_INET6 10
#define TT_S_IFMT 00170000
#define TT_S_IFSOCK 0140000

/*
 * The struct file behind fd in the current process, or NULL. This runs on every data syscall
 * exit, socket or not, so it loads through BTF pointers (plain loads the JIT guards against
 * faults) instead of a probe-read helper call per step; only the fd array, which the verifier
 * cannot index, takes a helper.
 */
static __always_inline struct file *fd_to_file(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = task->files->fdt;
	struct file *file = NULL;

	if (!fdt || fd < 0 || (unsigned int)fd >= fdt->max_fds)
		return NULL;
	bpf_probe_read_kernel(&file, sizeof(file), &fdt->fd[fd]);
	return file;
}

/* A socket fd's file and the socket's inode number, the connection's identity. */
struct sock_ref {
	struct file *file;
	__u64 ino;
};

/*
 * Sockets are told from files, pipes and terminals by the inode type, in the kernel. (Loading
 * through `file` as a BTF pointer would need the bpf_rdonly_cast kfunc, Linux 6.2: Debian 12's
 * own kernel is 6.1.)
 */
static __always_inline bool file_socket_ref(struct file *file, struct sock_ref *ref)
{
	struct inode *inode;

	if (!file)
		return false;
	inode = BPF_CORE_READ(file, f_inode);
	if ((BPF_CORE_READ(inode, i_mode) & TT_S_IFMT) != TT_S_IFSOCK)
		return false;
	ref->file = file;
	ref->ino = BPF_CORE_READ(inode, i_ino);
	return true;
}

/* The socket behind fd in the current process, if fd is one. */
static __always_inline bool socket_ref(int fd, struct sock_ref *ref)
{
	return file_socket_ref(fd_to_file(fd), ref);
}

static __always_inline struct sock *file_sock(struct file *file)
{
	struct socket *socket = BPF_CORE_READ(file, private_data);
	return BPF_CORE_READ(socket, sk);
}

static __always_inline __u16 file_sock_type(struct file *file)
{
	struct socket *socket = BPF_CORE_READ(file, private_data);
	return (__u16)BPF_CORE_READ(socket, type);
}

/* The inode number of a sock's socket, or 0 once no file holds it (an orphan, an embryo). */
static __always_inline __u64 sock_ino(struct sock *sk)
{
	return sk ? BPF_CORE_READ(sk, sk_socket, file, f_inode, i_ino) : 0;
}

/* struct file before Linux 6.13, whose reference count was a plain atomic_long_t. */
struct file___f_count {
	atomic_long_t f_count;
} __attribute__((preserve_access_index));

/*
 * References to a file: one per fd slot of every fd table holding it, plus calls in flight in
 * a multi-threaded process. 1 at close() means this fd is the last holder.
 */
static __always_inline long file_refs(struct file *file)
{
	if (bpf_core_field_exists(file->f_ref)) {
		/* file_ref_t (6.13) counts from 0 for one reference */
		return (long)BPF_CORE_READ(file, f_ref.refcnt.counter) + 1;
	}
	return BPF_CORE_READ((struct file___f_count *)file, f_count.counter);
}

static __always_inline void read_inet_addrs(struct sock *sk, __u16 family, struct tt_addr *local,
					    struct tt_addr *remote)
{
	local->family = family;
	remote->family = family;
	local->port = BPF_CORE_READ(sk, __sk_common.skc_num);
	remote->port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	/* explicit sizes: BPF_CORE_READ_INTO would take sizeof(*addr), one byte */
	if (family == TT_AF_INET) {
		bpf_core_read(local->addr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(remote->addr, 4, &sk->__sk_common.skc_daddr);
	} else {
		bpf_core_read(local->addr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(remote->addr, 16, &sk->__sk_common.skc_v6_daddr);
	}
}

/* The bound path of a unix socket (len counts sun_path bytes only; abstract names start NUL). */
static __always_inline __u16 read_unix_path(struct sock *sk, char *dst)
{
	struct unix_address *ua;
	__u64 n;

	if (!sk)
		return 0;
	ua = BPF_CORE_READ((struct unix_sock *)sk, addr);
	if (!ua)
		return 0;
	/* unsigned all the way: a signed length loses its bounds in the verifier's eyes */
	n = (__u32)BPF_CORE_READ(ua, len);
	if (n <= sizeof(__u16)) /* sun_family only: unnamed */
		return 0;
	n -= sizeof(__u16);
	if (n > TT_UNIX_PATH_LEN)
		n = TT_UNIX_PATH_LEN;
	barrier_var(n);
	bpf_probe_read_kernel(dst, n, &ua->name[0].sun_path);
	return (__u16)n;
}

/*
 * The path of a sockaddr_un of `len` bytes in user memory (a failed connect's target). An
 * abstract name starts with NUL and is not NUL-terminated: the length says where it ends.
 */
static __always_inline __u16 read_user_unix_path(__u64 uaddr, __u64 len, char *dst)
{
	__u64 n;

	if (!uaddr || len <= sizeof(__u16))
		return 0;
	n = len - sizeof(__u16);
	if (n > TT_UNIX_PATH_LEN)
		n = TT_UNIX_PATH_LEN;
	barrier_var(n);
	if (bpf_probe_read_user(dst, n, (void *)(uaddr + sizeof(__u16))))
		return 0;
	return (__u16)n;
}

/* A sockaddr from user memory (sendto/recvfrom/msghdr/connect arguments). */
static __always_inline void read_user_sockaddr(__u64 uaddr, struct tt_addr *out)
{
	struct sockaddr_in6 sa = {};

	if (!uaddr || bpf_probe_read_user(&sa, sizeof(sa), (void *)uaddr))
		return;
	out->family = sa.sin6_family;
	out->port = bpf_ntohs(sa.sin6_port);
	if (sa.sin6_family == TT_AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&sa;
		__builtin_memcpy(out->addr, &in->sin_addr, 4);
	} else if (sa.sin6_family == TT_AF_INET6) {
		__builtin_memcpy(out->addr, &sa.sin6_addr, 16);
		out->scope_id = sa.sin6_scope_id;
	} else {
		out->port = 0;
	}
}

#endif
