/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * TLS library calls in progress, and how their plaintext is joined to a socket without kprobes.
 *
 * A TLS library moves a connection's ciphertext with ordinary socket syscalls, made by the
 * thread inside the library call (SSL_write encrypts and write()s; SSL_read read()s and
 * decrypts). So the syscall exit programs, which know the socket, look here: a call in progress
 * on their thread learns its socket from them (the "nested syscall" of Coroot and Pixie). A read
 * the library serves from bytes it buffered earlier makes no syscall: the socket its session
 * was last seen on stands in (tls_sessions), and a call that finds both, disagreeing, is counted.
 */
#ifndef TINYTAP_TLS_CALLS_H
#define TINYTAP_TLS_CALLS_H

struct tls_call {
	__u64 session;  /* SSL*, gnutls_session_t, Go *tls.Conn: the library's connection object */
	__u64 buf;      /* the plaintext buffer (user pointer) */
	__u64 out_len;  /* SSL_*_ex: where the library writes the byte count (size_t *); else 0 */
	__u64 ino;      /* the socket a nested syscall moved this call's ciphertext on (0: none) */
	__s32 fd;       /* its fd */
	__u32 mismatch; /* a nested syscall used a second, different socket */
	__u32 lib;      /* enum tt_tls_lib | library number << 8 (tls_library) */
	__u16 syscall;  /* enum tt_syscall: TT_SYS_SSL_READ ... */
	__u8 dir;
	__u8 _pad;
};

/* Calls in progress, per thread (OpenSSL, GnuTLS: a call runs on the thread that made it). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* tid */
	__type(value, struct tls_call);
} tls_calls SEC(".maps");

struct tls_session_key {
	__u32 tgid;
	__u32 _pad;
	__u64 session;
};

/* The socket each library session last moved ciphertext on: for calls with no nested syscall. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct tls_session_key);
	__type(value, __u64); /* socket inode */
} tls_sessions SEC(".maps");

/*
 * Go's crypto/tls calls, per goroutine: a goroutine that blocks inside (*Conn).Read may resume on
 * another thread, so a thread id cannot key it. The Go runtime keeps the running goroutine's g
 * in thread-local storage, at FS base - 8, on linux/amd64: the same value at the call's entry,
 * at its returns and in the syscalls it makes, whatever thread runs it.
 */
struct go_call_key {
	__u32 tgid;
	__u32 _pad;
	__u64 g;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct go_call_key);
	__type(value, struct tls_call);
} go_calls SEC(".maps");

/* The goroutine running on this thread (0 if it cannot be read: not a Go thread, or no TLS). */
static __always_inline __u64 current_goroutine(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 fsbase = task->thread.fsbase, g = 0;

	if (!fsbase || bpf_probe_read_user(&g, sizeof(g), (void *)(fsbase - 8)))
		return 0;
	return g;
}

/*
 * Libraries with memory BIOs (Node.js's OpenSSL): SSL_write encrypts into memory and the
 * ciphertext leaves with the thread's next socket write; SSL_read decrypts what the thread's
 * last socket read brought. No syscall happens inside the call to name the socket, so:
 *   - a process whose TLS call found no socket is marked (bio_procs), and the last socket its
 *     threads read from is kept (last_read) for the next SSL_read to join;
 *   - a write that found no socket is written at once with a token (its bytes may not live
 *     long) and the thread's next socket write joins it (a TLS_JOIN record).
 */
struct bio_write {
	__u64 token;
	__u64 session;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* tid */
	__type(value, struct bio_write);
} bio_pending SEC(".maps");

struct last_read {
	__u64 ino;
	__u64 ts;
	__s32 fd;
	__u32 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* tid */
	__type(value, struct last_read);
} last_read SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32); /* tgid */
	__type(value, __u8);
} bio_procs SEC(".maps");

/*
 * Programs known to use memory BIOs (set by the recorder: an OpenSSL linked into the program, as
 * Node's): a process that execs one is marked in bio_procs at once, so the socket read before its
 * very first SSL_read is already known.
 */
struct exe_key {
	__u64 dev; /* the kernel's s_dev: major << 20 | minor */
	__u64 ino;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct exe_key);
	__type(value, __u8);
} bio_exes SEC(".maps");

/* Gates, as tls_active: entries in bio_pending, processes ever marked in bio_procs (by the
 * recorder too), and entries in bio_exes. */
__u64 bio_active = 0;
__u64 bio_procs_seen = 0;
__u64 bio_exes_count = 0;
__u64 next_tls_token = 1;

/* A socket read or write of this thread, for the joins above. */
static __always_inline void bio_socket_io(struct conn_state *c, __u64 ino, int fd, __u8 dir, __u64 ts)
{
	__u32 tgid, tid;

	if (!bio_procs_seen && !bio_active)
		return;
	tgid = bpf_get_current_pid_tgid() >> 32;
	tid = (__u32)bpf_get_current_pid_tgid();
	if (dir == TT_DIR_INGRESS) {
		struct last_read r = { .ino = ino, .ts = ts, .fd = fd };

		if (bio_procs_seen && bpf_map_lookup_elem(&bio_procs, &tgid))
			bpf_map_update_elem(&last_read, &tid, &r, BPF_ANY);
		return;
	}
	if (bio_active) {
		struct bio_write *p = bpf_map_lookup_elem(&bio_pending, &tid);
		struct tt_tls_join *j;
		struct bio_write w;

		if (!p)
			return;
		__builtin_memcpy(&w, p, sizeof(w));
		if (bpf_map_delete_elem(&bio_pending, &tid) == 0)
			__sync_fetch_and_add(&bio_active, -1);
		if (c->filter != TT_CONN_WANTED)
			return;
		c->tls_plain = 1;
		{
			struct tls_session_key key = { .tgid = tgid, .session = w.session };
			bpf_map_update_elem(&tls_sessions, &key, &ino, BPF_ANY);
		}
		j = bpf_ringbuf_reserve(&events, sizeof(*j), 0);
		if (!j) {
			stat_add(TT_STAT_DROPPED_RECORDS, 1);
			return;
		}
		fill_header(&j->h, TT_KIND_TLS_JOIN, ts);
		j->conn_id = c->conn_id;
		j->token = w.token;
		j->stream_off = __sync_fetch_and_add(&c->ptx_off, w.bytes);
		j->fd = fd;
		j->dir = TT_DIR_EGRESS;
		j->_pad[0] = j->_pad[1] = j->_pad[2] = 0;
		bpf_ringbuf_submit(j, wakeup_flags());
	}
}

/*
 * Entries in tls_calls and go_calls, or more (see zc_active): the socket syscall path returns at once while
 * it is 0, without a map lookup, so recording without TLS traffic costs nothing here.
 */
__u64 tls_active = 0;

/*
 * A socket syscall on this thread: if a TLS call is in progress, it now knows its socket, and
 * the ciphertext's bytes need not be kept (the plaintext is). True when the syscall is inside
 * an application-data call (SSL_read/SSL_write and kin, not the handshake).
 */
static __always_inline bool tls_nested(__u64 ino, int fd)
{
	__u32 tid;
	struct tls_call *t;

	if (!tls_active)
		return false;
	tid = (__u32)bpf_get_current_pid_tgid();
	t = bpf_map_lookup_elem(&tls_calls, &tid);
	if (!t) {
		struct go_call_key key = { .tgid = bpf_get_current_pid_tgid() >> 32, .g = current_goroutine() };

		if (!key.g)
			return false;
		t = bpf_map_lookup_elem(&go_calls, &key);
		if (!t)
			return false;
	}
	if (!t->ino) {
		t->ino = ino;
		t->fd = fd;
	} else if (t->ino != ino)
		t->mismatch = 1;
	return true;
}

/*
 * Executables run for the first time while recording, and the first exec in each mount namespace:
 * their pid goes to the recorder, which looks the file over for a TLS implementation of its own
 * (Go's crypto/tls, an OpenSSL linked in, as Node's) and looks in the process's maps for library
 * files it has not seen (a container's own libssl). Each is reported once: running `ls` a
 * thousand times costs one lookup each, and one message.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct exe_key);
	__type(value, __u8);
} seen_exes SEC(".maps");

/* pids (__u32) of processes that exec'd a file not seen before: not session records. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} execs SEC(".maps");

/*
 * Mount namespaces seen exec'ing: a process in a new one (a container starting) maps its own
 * library files, other inodes than the host's, which the recorder looks for in its maps.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32); /* the mount namespace's inode number */
	__type(value, __u8);
} seen_mntns SEC(".maps");

/* True the first time `key` is put in `map` (a racing second CPU loses the insert). */
static __always_inline bool first_sight(void *map, void *key)
{
	__u8 one = 1;

	return !bpf_map_lookup_elem(map, key) && bpf_map_update_elem(map, key, &one, BPF_NOEXIST) == 0;
}

static __always_inline void report_new_exe(__u32 tgid)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct exe_key key = {};
	struct file *exe;
	__u32 mntns;
	bool new_exe, new_ns;
	__u32 *r;

	exe = BPF_CORE_READ(task, mm, exe_file);
	if (!exe)
		return;
	key.ino = BPF_CORE_READ(exe, f_inode, i_ino);
	key.dev = BPF_CORE_READ(exe, f_inode, i_sb, s_dev);
	mntns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	if (bio_exes_count && bpf_map_lookup_elem(&bio_exes, &key)) {
		__u8 one = 1;

		if (bpf_map_update_elem(&bio_procs, &tgid, &one, BPF_NOEXIST) == 0)
			__sync_fetch_and_add(&bio_procs_seen, 1);
	}
	new_exe = first_sight(&seen_exes, &key);
	new_ns = first_sight(&seen_mntns, &mntns);
	if (!new_exe && !new_ns)
		return;
	r = bpf_ringbuf_reserve(&execs, sizeof(*r), 0);
	if (!r) {
		/* the recorder is behind: the next exec of the file (or in the namespace) reports it again */
		if (new_exe)
			bpf_map_delete_elem(&seen_exes, &key);
		if (new_ns)
			bpf_map_delete_elem(&seen_mntns, &mntns);
		return;
	}
	*r = tgid;
	/* at once: the sooner the probes are on, the less of the program's first traffic is missed */
	bpf_ringbuf_submit(r, BPF_RB_FORCE_WAKEUP);
}

#endif
