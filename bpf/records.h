/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Writing records into the ring buffer: headers, payload chunks, conns, closes, processes. */
#ifndef TINYTAP_RECORDS_H
#define TINYTAP_RECORDS_H

static __always_inline void fill_header(struct tt_header *h, __u8 kind, __u64 ts_ns)
{
	__u64 id = bpf_get_current_pid_tgid();

	h->kind = kind;
	h->version = TT_LAYOUT_VERSION;
	h->cpu = (__u16)bpf_get_smp_processor_id();
	h->pid = id >> 32;
	h->tid = (__u32)id;
	h->_pad0 = 0;
	h->ts_ns = ts_ns;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

/*
 * State of one syscall's payload being written as chunks. `tmpl` is the record header that every
 * chunk repeats; the rest walks the source: one user buffer, or an iovec array.
 */
struct payload_walk {
	struct tt_data tmpl;
	__u64 src;       /* user address of the next byte to copy */
	__u64 seg_left;  /* bytes left in the current segment */
	__u64 iov;       /* iovec array (user pointer), or 0 for a single buffer */
	__u32 iov_next;  /* index of the next iovec to load */
	__u32 iov_count; /* iovecs to walk, at most TT_MAX_IOV */
	__u32 budget;    /* bytes still to capture */
	__u32 lost;      /* set when a chunk could not be written */
	/* zero-copy sends (sendfile_body.h): kernel pages, walked as an array of struct bio_vec */
	__u64 bvec;      /* kernel pointer to the bio_vec array, or 0 */
	__u64 first_skip; /* bytes of the first bio_vec already sent before this message */
	__u32 kernel;    /* src points into kernel memory (the direct map), not user memory */
	__u32 _pad1;
};

/* A chunk the full ring buffer had no room for: counted, and its event marked incomplete. */
static __always_inline void count_dropped(struct payload_walk *w, __u64 bytes)
{
	stat_add(TT_STAT_DROPPED_RECORDS, 1);
	stat_add(TT_STAT_DROPPED_BYTES, bytes);
	w->lost = 1;
}

/*
 * The ring buffer needs a reservation size the verifier knows, so chunks are reserved in a few
 * fixed size classes and only the used part is copied out by the drain thread.
 */
#define TT_RESERVE_CLASS(SIZE)                                                                     \
	if (n <= (SIZE)) {                                                                         \
		__u64 m = n;                                                                       \
		/* clamp again, opaquely: clang would otherwise pass a copy the verifier cannot    \
		 * see bounded by the test above */                                                \
		barrier_var(m);                                                                    \
		if (m > (SIZE))                                                                    \
			m = (SIZE);                                                                \
		r = bpf_ringbuf_reserve(&events, sizeof(struct tt_data) + (SIZE), 0);              \
		if (r) {                                                                           \
			__builtin_memcpy(r, &w->tmpl, sizeof(struct tt_data));                     \
			r->chunk_len = m;                                                          \
			if (last)                                                                  \
				r->flags |= TT_F_LAST;                                             \
			if (m && (w->kernel ? bpf_probe_read_kernel(r->data, m, (void *)w->src)     \
					    : bpf_probe_read_user(r->data, m, (void *)w->src))) {        \
				r->flags |= TT_F_READ_FAILED;                                      \
				stat_add(TT_STAT_READ_FAILURES, 1);                                \
			}                                                                          \
			bpf_ringbuf_submit(r, wakeup_flags());                                                  \
			return 0;                                                                  \
		}                                                                                  \
		goto dropped;                                                                      \
	}

/*
 * A global (not static) function: the verifier checks it once, on its own, instead of at every
 * call with the caller's state, which keeps the chunk loops within the verifier's budget.
 */
__noinline int emit_chunk(struct payload_walk *w, __u64 n, bool last)
{
	struct tt_data *r;

	if (!w || n > TT_CHUNK_MAX)
		return -1;
	TT_RESERVE_CLASS(128)
	TT_RESERVE_CLASS(512)
	TT_RESERVE_CLASS(2048)
	TT_RESERVE_CLASS(8192)
	TT_RESERVE_CLASS(TT_CHUNK_MAX)
	return -1;
dropped:
	count_dropped(w, n);
	return -1;
}

/*
 * Steps a payload walk may take: a segment takes one step to load and one or more to write, so
 * at most TT_MAX_IOV loads, TT_MAX_IOV chunks that end a segment, and the chunks of max_payload.
 * The same bound for user iovecs and the kernel pages of a zero-copy send.
 */
static __always_inline __u32 payload_walk_steps(void)
{
	return 2 * TT_MAX_IOV + max_payload / TT_CHUNK_MAX + 2;
}

/*
 * After the walk: bytes it was meant to capture but did not reach (a datagram longer than its
 * buffer, more segments than TT_MAX_IOV, the step bound) still get the record that ends the
 * syscall, flagged, so the event is complete and says why it is short, never lost in silence.
 */
static __always_inline void finish_walk(struct payload_walk *w)
{
	if (w->budget == 0)
		return;
	if (!(w->tmpl.xflags & TT_X_DISCARDED)) {
		w->tmpl.flags |= TT_F_IOV_TRUNCATED;
		stat_add(TT_STAT_WALK_TRUNCATED, 1);
	}
	w->tmpl.flags |= TT_F_TRUNCATED;
	w->budget = 0;
	emit_chunk(w, 0, true);
}

/* Defined by sendfile_body.h: load the next kernel page segment of a zero-copy send. */
static __always_inline bool next_bvec_segment(struct payload_walk *w);

/*
 * One step of a payload walk: write the next chunk, loading the next iovec when a segment is
 * done; nonzero when the walk is over. A global function, verified once on its own: inlined in
 * the bpf_loop callback, the verifier follows the walk's counters (iov_next, budget) through
 * the callback until they stop changing, which for a zero-copy send's kernel pages went past its
 * million-instruction budget on Linux 6.18 (on_sock_send_length, E2BIG).
 */
__noinline int walk_step(struct payload_walk *w)
{
	__u32 n;

	if (!w || w->budget == 0)
		return 1;
	if (w->seg_left == 0) {
		struct iovec v = {};

		if (w->bvec)
			return next_bvec_segment(w) ? 0 : 1;
		if (!w->iov || w->iov_next >= w->iov_count || w->iov_next >= TT_MAX_IOV)
			return 1;
		bpf_probe_read_user(&v, sizeof(v), (void *)(w->iov + (__u64)w->iov_next * sizeof(v)));
		w->iov_next++;
		w->src = (__u64)v.iov_base;
		w->seg_left = v.iov_len;
		return 0;
	}
	n = TT_CHUNK_MAX;
	if (n > w->seg_left)
		n = w->seg_left;
	if (n > w->budget)
		n = w->budget;
	emit_chunk(w, n, n == w->budget);
	w->tmpl.chunk_off += n;
	w->src += n;
	w->seg_left -= n;
	w->budget -= n;
	return 0;
}

/* bpf_loop hands its callback a pointer to the caller's stack only, and a walk may be elsewhere. */
struct walk_ref {
	struct payload_walk *w;
};

/* The bpf_loop callback: the step is the global function above. */
static long payload_step(__u32 index, void *ctx)
{
	struct walk_ref *ref = ctx;

	return walk_step(ref->w) ? 1 : 0;
}

static __always_inline void walk_payload(struct payload_walk *w)
{
	struct walk_ref ref = { .w = w };

	bpf_loop(payload_walk_steps(), payload_step, &ref, 0);
}

/*
 * The payload walk of a syscall exit, kept off the stack: on it, an exit program's frame and
 * the functions it calls add up past the 512 bytes of stack Linux allows a call chain (6.18
 * refused exit_readv at 592, exit_recvmmsg at 768; kernels with private BPF stacks accept it).
 * One per CPU is enough for the syscall tracepoint programs, the only users: they run with
 * preemption disabled and never in interrupt context, so no other user can start on the CPU
 * while one is walking. The TLS uprobes (preemptible) keep theirs on the stack.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct payload_walk);
} walk_scratch SEC(".maps");

static __always_inline struct payload_walk *fresh_walk(void)
{
	__u32 zero = 0;
	struct payload_walk *w = bpf_map_lookup_elem(&walk_scratch, &zero);

	if (w)
		__builtin_memset(w, 0, sizeof(*w));
	return w;
}

/* Sum of the first TT_MAX_IOV iovec lengths: how much of ret the walk can attribute. */
struct iov_sum {
	__u64 iov;
	__u64 count;
	__u64 total;
};

static long iov_sum_step(__u32 index, void *ctx)
{
	struct iov_sum *s = ctx;
	struct iovec v = {};

	if (index >= s->count)
		return 1;
	bpf_probe_read_user(&v, sizeof(v), (void *)(s->iov + (__u64)index * sizeof(v)));
	s->total += v.iov_len;
	return 0;
}

static __always_inline __u64 iov_total(__u64 iov, __u64 count)
{
	struct iov_sum s = { .iov = iov, .count = count, .total = 0 };

	if (s.count > TT_MAX_IOV)
		s.count = TT_MAX_IOV;
	bpf_loop(TT_MAX_IOV, iov_sum_step, &s, 0);
	return s.total;
}

/*
 * A small payload in a few iovec segments (a server's writev of headers and body) as one
 * record: the segments are contiguous in the stream, so one chunk holds them all, and the walk
 * above would write a record per segment. Each copy lands at an offset below SIZE and is at
 * most SIZE long, so a record reserves twice its class's size: the bound the verifier can check
 * (only chunk_len bytes are copied out). The copies really fill at most SIZE bytes (they add up
 * to the budget), so the iovec array is read in one go into the second half, which no copy
 * reaches: on the stack it made the exit programs' frames and this function's add up to more
 * than the 512 bytes of stack Linux 6.18 allows a call chain. Three classes, so that a small
 * response (nginx's 200 with a short body: about 190 bytes, class 256, 624 bytes reserved) takes
 * no more of the ring than its two per-segment records did (864).
 */
#define TT_GATHER_IOV 8
#define TT_GATHER_MAX 512

#define TT_GATHER_CLASS(SIZE)                                                                      \
	if (budget <= (SIZE)) {                                                                    \
		struct {                                                                           \
			struct tt_data d;                                                          \
			__u8 data[2 * (SIZE)];                                                     \
		} *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);                                \
		if (!r)                                                                            \
			goto dropped;                                                              \
		v = (struct iovec *)(r->data + (SIZE));                                            \
		if (bpf_probe_read_user(v, count * sizeof(v[0]), (void *)w->iov)) {                \
			bpf_ringbuf_discard(r, BPF_RB_NO_WAKEUP);                                  \
			return -1;                                                                 \
		}                                                                                  \
		__builtin_memcpy(&r->d, &w->tmpl, sizeof(struct tt_data));                         \
		r->d.flags |= TT_F_LAST;                                                           \
		for (i = 0; i < TT_GATHER_IOV; i++) {                                              \
			__u64 n = v[i].iov_len;                                                    \
			if (i >= count || off >= budget)                                           \
				break;                                                             \
			if (n > budget - off)                                                      \
				n = budget - off;                                                  \
			/* bounded for the verifier whatever clang made of the lines above: the    \
			 * mask is a computation, not a test clang could apply to another copy */  \
			barrier_var(n);                                                            \
			if (n > (SIZE) || off >= (SIZE))                                           \
				break;                                                             \
			at = off & ((SIZE) - 1);                                                   \
			barrier_var(at);                                                           \
			if (n && bpf_probe_read_user(r->data + at, n, v[i].iov_base)) {            \
				r->d.flags |= TT_F_READ_FAILED;                                    \
				stat_add(TT_STAT_READ_FAILURES, 1);                                \
				break;                                                             \
			}                                                                          \
			off += n;                                                                  \
		}                                                                                  \
		r->d.chunk_len = off;                                                              \
		bpf_ringbuf_submit(r, wakeup_flags());                                             \
		return 0;                                                                          \
	}

/* 0 if written (or counted as dropped); -1 to leave the payload to the segment walk. */
__noinline int emit_gathered(struct payload_walk *w)
{
	struct iovec *v;
	__u32 count, budget, off = 0, at, i;

	if (!w)
		return -1;
	count = w->iov_count;
	budget = w->budget;
	if (count == 0 || count > TT_GATHER_IOV || budget > TT_GATHER_MAX)
		return -1;
	/* the second half of the smallest class holds the whole array */
	_Static_assert(TT_GATHER_IOV * sizeof(struct iovec) <= 128, "iovec array outgrows class 128");
	TT_GATHER_CLASS(128)
	TT_GATHER_CLASS(256)
	TT_GATHER_CLASS(TT_GATHER_MAX)
	return -1;
dropped:
	count_dropped(w, budget);
	return 0;
}

/*
 * Write a syscall's payload: `ret` bytes moved, from one buffer of `count` bytes (iov == 0) or
 * an iovec array of `count` entries. Up to max_payload bytes are copied; the rest is recorded as
 * truncation, never dropped silently. (ret exceeds the buffer only for a datagram received with
 * MSG_TRUNC: its real length, whose tail the kernel dropped.)
 */
static __always_inline void emit_payload(struct payload_walk *w, __u64 buf, __u64 iov,
					 __u64 count, __s64 ret)
{
	__u64 capturable = ret;
	__u64 iov_count = count;

	if (iov) {
		/* only past TT_MAX_IOV segments can ret hold bytes the walk does not reach */
		if (iov_count > TT_MAX_IOV) {
			__u64 in_iov = iov_total(iov, iov_count);
			if (in_iov < capturable) {
				capturable = in_iov;
				w->tmpl.flags |= TT_F_IOV_TRUNCATED;
			}
		}
		w->iov = iov;
		w->iov_count = iov_count > TT_MAX_IOV ? TT_MAX_IOV : iov_count;
	} else {
		if (capturable > count)
			capturable = count;
		w->src = buf;
		w->seg_left = capturable;
	}
	if (capturable > max_payload)
		capturable = max_payload;
	if (capturable < (__u64)ret)
		w->tmpl.flags |= TT_F_TRUNCATED;
	w->budget = capturable;
	if (capturable == 0) {
		emit_chunk(w, 0, true);
		return;
	}
	if (!(iov && iov_count <= TT_GATHER_IOV && capturable <= TT_GATHER_MAX && emit_gathered(w) == 0)) {
		walk_payload(w);
		finish_walk(w);
	}
	if (w->lost)
		stat_add(TT_STAT_DROPPED_EVENTS, 1);
}

static __always_inline void emit_marker(struct payload_walk *w)
{
	w->budget = 0;
	if (emit_chunk(w, 0, true) < 0)
		stat_add(TT_STAT_DROPPED_EVENTS, 1);
}

static __always_inline void emit_close(__u64 conn_id, int fd, __u8 how, __u8 flags)
{
	struct tt_close *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);

	if (!r) {
		stat_add(TT_STAT_DROPPED_RECORDS, 1);
		return;
	}
	fill_header(&r->h, TT_KIND_CLOSE, bpf_ktime_get_ns());
	r->conn_id = conn_id;
	r->fd = fd;
	r->how = how;
	r->flags = flags;
	r->_pad0 = 0;
	bpf_ringbuf_submit(r, wakeup_flags());
}

/* The process's command line and identity, written the first time it touches a socket. */
static __always_inline void emit_proc_once(__u32 tgid)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct task_struct *leader;
	struct tt_proc *r;
	__u64 start, arg_start, arg_end, len;
	__u64 *seen = bpf_map_lookup_elem(&seen_procs, &tgid);

	if (seen)
		return;
	leader = BPF_CORE_READ(task, group_leader);
	start = BPF_CORE_READ(leader, start_time);
	bpf_map_update_elem(&seen_procs, &tgid, &start, BPF_ANY);

	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		stat_add(TT_STAT_DROPPED_RECORDS, 1);
		/* try again on the next event rather than lose the process for good */
		bpf_map_delete_elem(&seen_procs, &tgid);
		return;
	}
	fill_header(&r->h, TT_KIND_PROC, bpf_ktime_get_ns());
	bpf_probe_read_kernel_str(r->h.comm, sizeof(r->h.comm), &leader->comm);
	r->start_ns = start;
	r->cgroup_id = bpf_get_current_cgroup_id();
	r->ppid = BPF_CORE_READ(leader, real_parent, tgid);
	r->uid = (__u32)bpf_get_current_uid_gid();
	r->flags = 0;
	r->_pad0 = 0;
	arg_start = BPF_CORE_READ(task, mm, arg_start);
	arg_end = BPF_CORE_READ(task, mm, arg_end);
	len = arg_end > arg_start ? arg_end - arg_start : 0;
	if (len > TT_ARGS_LEN) {
		len = TT_ARGS_LEN;
		r->flags |= TT_P_ARGS_TRUNCATED;
	}
	if (len && bpf_probe_read_user(r->args, len, (void *)arg_start))
		len = 0;
	r->args_len = len;
	bpf_ringbuf_submit(r, wakeup_flags());
}

#endif
